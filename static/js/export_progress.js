// Progress of a background Excel export (reporting/views.py): polls the job's JSON status
// (static/js/poll.js) until it is finished, then shows the download button. No inline
// script (CSP).
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("[data-role=bar]");
  var progress = box.querySelector("[role=progressbar]");

  function show(state) {
    bar.style.width = state.percent + "%";
    bar.textContent = state.percent + "%";
    progress.setAttribute("aria-valuenow", state.percent);
    box.querySelector("[data-role=status]").textContent = state.status_label;
    box.querySelector("[data-role=rows]").textContent = state.rows_done;
    if (state.download_url) {
      var link = box.querySelector("[data-role=download]");
      link.href = state.download_url;
      link.classList.remove("d-none");
    }
    if (state.status === "failed") {
      var failed = box.querySelector("[data-role=failed]");
      if (state.failed_message) {
        failed.textContent = state.failed_message;
      }
      failed.classList.remove("d-none");
    }
  }

  show({
    percent: Number(bar.getAttribute("data-percent")) || 0,
    status_label: box.querySelector("[data-role=status]").textContent,
    rows_done: box.querySelector("[data-role=rows]").textContent,
    status: "",
    download_url: null,
  });
  window.hedongPoll(url, function (state) {
    show(state);
    return state.finished;
  });
})();
