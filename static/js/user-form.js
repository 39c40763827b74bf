// The office's user form: only the organisation list of the chosen role is shown
// (no inline script: CSP). Without script every list shows and the server takes the one
// of the role.
(function () {
  var role = document.querySelector("[data-role-select]");
  if (!role) { return; }
  var lists = document.querySelectorAll("[data-organisation-of]");
  function show() {
    lists.forEach(function (list) {
      var box = list.closest("[data-organisation-box]") || list.parentElement;
      box.hidden = list.getAttribute("data-organisation-of") !== role.value;
    });
  }
  role.addEventListener("change", show);
  show();
})();
