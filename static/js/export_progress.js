// Progress of a background Excel export (reporting/views.py): polls the job's JSON status
// until it is finished, then shows the download button. No inline script (CSP).
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("[data-role=bar]");
  var progress = box.querySelector("[role=progressbar]");
  var delay = 1000;

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
      box.querySelector("[data-role=failed]").classList.remove("d-none");
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (!state.finished) {
          delay = Math.min(delay * 1.5, 5000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  show({
    percent: Number(bar.getAttribute("data-percent")) || 0,
    status_label: box.querySelector("[data-role=status]").textContent,
    rows_done: box.querySelector("[data-role=rows]").textContent,
    status: "",
    download_url: null,
  });
  poll();
})();
