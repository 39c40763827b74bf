// Employer search for the worker forms: a box above each employer list fetches the units
// in the user's scope by name or credit code (units/search.json) and refills the list.
// In the enrollment form the union is preselected as routing would choose it (SPEC §4):
// the unit's own or covering union, else the community union of the worker's community,
// else of the unit's community. A union the user picked by hand is left alone.
(function () {
  "use strict";

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  function setup(select) {
    var url = select.getAttribute("data-employer-search");
    var unionSelect = select.form ? select.form.querySelector("select[name=union]") : null;
    var communitySelect = select.form ? select.form.querySelector("select[name=community]")
      : null;
    var unions = {};
    var communityUnions = {};
    var preselected = "";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = select.getAttribute("data-search-placeholder") || "…";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("data-testid", "employer-search");
    select.parentNode.insertBefore(box, select);

    function fill(results) {
      var keep = select.value;
      var keptOption = keep ? select.querySelector("option[value='" + keep + "']") : null;
      while (select.options.length > 1) { select.remove(1); }
      var seen = {};
      results.forEach(function (unit) {
        var option = document.createElement("option");
        option.value = String(unit.id);
        option.textContent = unit.label;
        select.appendChild(option);
        seen[option.value] = true;
        unions[option.value] = unit.union;
        communityUnions[option.value] = unit.community_union;
      });
      if (keptOption && !seen[keep]) { select.appendChild(keptOption); }
      select.value = keep;
      if (!keep && results.length === 1) {
        select.value = String(results[0].id);
        select.dispatchEvent(new Event("change"));
      }
    }

    var search = debounce(function (q) {
      fetch(url + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (data) { fill(data.results || []); });
    }, 250);

    box.addEventListener("input", function () { search(box.value.trim()); });
    function attr(sel, name) {
      var chosen = sel && sel.value ? sel.options[sel.selectedIndex] : null;
      return chosen ? chosen.getAttribute(name) : null;
    }

    function routed() {
      var own = unions[select.value] || attr(select, "data-union");
      var home = attr(communitySelect, "data-union");
      var unitHome = communityUnions[select.value] || attr(select, "data-community-union");
      return own || home || unitHome || "";
    }

    function preselect() {
      if (!unionSelect || (unionSelect.value && unionSelect.value !== preselected)) {
        return;  // chosen by hand
      }
      preselected = String(routed());
      unionSelect.value = preselected;
    }

    select.addEventListener("change", preselect);
    if (communitySelect) { communitySelect.addEventListener("change", preselect); }
  }

  document.querySelectorAll("select[data-employer-search]").forEach(setup);
})();
