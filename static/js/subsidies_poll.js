// Background work on the subsidies pages (a payment file being made, a bank result being
// applied): polls the element's data-poll-url until the JSON says "finished", then reloads
// the page, which the server renders in its new state. No inline script (CSP); without
// JavaScript the page's Refresh link does the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-poll-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-poll-url");
  var delay = 1000;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (state.finished) {
          window.location.reload();
          return;
        }
        delay = Math.min(delay * 1.5, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, delay);
})();
