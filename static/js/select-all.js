// A checkbox marked data-select-all="name" ticks or unticks every checkbox of that name
// (no inline script: CSP).
document.querySelectorAll("[data-select-all]").forEach(function (master) {
  var boxes = function () {
    return document.querySelectorAll('input[type="checkbox"][name="' + master.dataset.selectAll + '"]');
  };
  master.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = master.checked; });
  });
});
