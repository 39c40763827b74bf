// Progress of an import run: polls the run's JSON status (static/js/poll.js) and reloads
// the page when the phase ends. Loaded as a file (the Content Security Policy forbids
// inline script).
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) {
    return;
  }
  var bar = box.querySelector(".progress-bar");
  var meter = box.querySelector(".progress");
  var text = box.querySelector("[data-progress-text]");
  var started = box.dataset.status;

  function show(done, total) {
    var percent = total > 0 ? Math.min(100, Math.round((100 * done) / total)) : 0;
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    meter.setAttribute("aria-valuenow", String(percent));
    text.textContent = done + " / " + total;
  }

  show(Number(box.dataset.done) || 0, Number(box.dataset.total) || 0);
  window.hedongPoll(box.dataset.statusUrl, function (data) {
    var progress = data.progress || {};
    show(progress.done || 0, progress.total || 0);
    if (data.status !== started) {
      window.location.reload();
      return true;
    }
    return false;
  });
})();
