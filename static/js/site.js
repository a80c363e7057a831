// The site's own behaviour (no inline scripts, no evaluated code: see base.html's htmx config).
// Requests htmx does not swap (a 5xx, a lost connection) get a message instead of silence.
(function () {
  "use strict";

  function showMessage(text) {
    var area = document.getElementById("messages");
    if (!area) return;
    var box = document.createElement("div");
    box.className = "message is-error";
    box.setAttribute("role", "alert");
    box.textContent = text;
    area.replaceChildren(box);
  }

  document.addEventListener("htmx:beforeRequest", function () {
    var area = document.getElementById("messages");
    if (area) area.replaceChildren();
  });
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status >= 500) {
      showMessage("Something went wrong on our side. Nothing you did was lost: reload the page and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showMessage("The site could not be reached. Check your connection and try again.");
  });
})();
