// One polling loop for the pages whose work runs in the background (Celery): fetches a JSON
// status URL, backing off from 1 s to 5 s, until the page's handler says it is done; a
// failed fetch is tried again after 5 s. Loaded as a file before the page's own script
// (the Content Security Policy forbids inline script).
//
// An element with data-poll-url needs no script of its own: the page reloads when the
// status says "finished", and the server renders it in its new state. Without JavaScript
// the page's own Refresh link or a reload does the same.
(function () {
  "use strict";

  function poll(url, handle) {
    var delay = 1000;

    function next() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (state) {
          if (handle(state)) {
            return;
          }
          delay = Math.min(delay * 1.5, 5000);
          window.setTimeout(next, delay);
        })
        .catch(function () {
          window.setTimeout(next, 5000);
        });
    }

    window.setTimeout(next, delay);
  }

  window.hedongPoll = poll;

  var box = document.querySelector("[data-poll-url]");
  if (box) {
    poll(box.getAttribute("data-poll-url"), function (state) {
      if (state.finished) {
        window.location.reload();
        return true;
      }
      return false;
    });
  }
})();
