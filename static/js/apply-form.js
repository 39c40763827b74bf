// The applicant's fields (templates/applications/apply.html, and the reviewer's correction
// in detail.html): the employer search shows only for those who work for an employer, and
// the community list narrows to the chosen street. Without JavaScript the form still works;
// the server checks the pair.
(function () {
  "use strict";

  function setup(form) {
    var employerBlock = form.querySelector("[data-apply-employer]");
    var street = form.querySelector("select[name=street]");
    var community = form.querySelector("select[name=community]");

    function showEmployer() {
      var chosen = form.querySelector("input[name=work]:checked");
      if (employerBlock) {
        employerBlock.hidden = !(chosen && chosen.value === "employer");
      }
    }

    function narrowCommunities() {
      if (!street || !community) { return; }
      var streetId = street.value;
      Array.prototype.forEach.call(community.options, function (option) {
        var of = option.getAttribute("data-street");
        option.hidden = Boolean(streetId && of && of !== streetId);
      });
      var selected = community.options[community.selectedIndex];
      if (selected && selected.hidden) { community.value = ""; }
    }

    form.querySelectorAll("input[name=work]").forEach(function (radio) {
      radio.addEventListener("change", showEmployer);
    });
    if (street) { street.addEventListener("change", narrowCommunities); }
    if (community) {
      community.addEventListener("change", function () {
        var selected = community.options[community.selectedIndex];
        var of = selected && selected.getAttribute("data-street");
        if (of && street && !street.value) {
          street.value = of;
          narrowCommunities();
        }
      });
    }
    showEmployer();
    narrowCommunities();
  }

  document.querySelectorAll("form[data-applicant-form]").forEach(setup);
})();
