// The dues entry: one button ticks (or clears) every member not yet paid for the month.
document.querySelectorAll("[data-tick-unpaid]").forEach(function (button) {
  button.addEventListener("click", function () {
    var boxes = document.querySelectorAll("input[name=members]:not(:disabled)");
    var tick = Array.prototype.some.call(boxes, function (box) { return !box.checked; });
    boxes.forEach(function (box) { box.checked = tick; });
  });
});
