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

  // A wide table's wrapper (.table-scroll, site.css) that does scroll sideways (a phone, a long
  // table) becomes a named, keyboard-focusable region, so arrow keys can scroll it; one that
  // fits stays out of the tab order. Re-checked whenever its size changes.
  function tableName(wrapper) {
    var caption = wrapper.querySelector("caption");
    var section = wrapper.closest("section");
    var heading = section && section.querySelector("h2, h3");
    var text = (caption || heading || {}).textContent || "";
    return (text.trim() || "Table") + " (scrolls sideways)";
  }
  function markScroller(wrapper) {
    if (wrapper.scrollWidth > wrapper.clientWidth + 1) {
      wrapper.tabIndex = 0;
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", tableName(wrapper));
    } else {
      wrapper.removeAttribute("tabindex");
      wrapper.removeAttribute("role");
      wrapper.removeAttribute("aria-label");
    }
  }
  var watched = typeof ResizeObserver === "undefined" ? null
    : new ResizeObserver(function (entries) { entries.forEach(function (e) { markScroller(e.target); }); });
  function watchTables(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll(".table-scroll").forEach(function (wrapper) {
      if (watched) watched.observe(wrapper); else markScroller(wrapper);
    });
  }

  // An inline formula cannot wrap: one wider than its line (a phone) is marked to scroll on its
  // own (site.css, math.is-wide) rather than push the page sideways; unmarked once it fits.
  function blockOf(element) {
    for (var up = element.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).display.indexOf("inline") !== 0) return up;
    }
    return document.body;
  }
  function markFormulas(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll('math:not([display="block"])').forEach(function (math) {
      var block = blockOf(math), style = getComputedStyle(block);
      var room = block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      var wide = math.classList.contains("is-wide") ? math.scrollWidth : math.getBoundingClientRect().width;
      math.classList.toggle("is-wide", wide > room + 1);
    });
  }
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { markFormulas(document); }, 150);
  });

  document.addEventListener("DOMContentLoaded", function () { watchTables(document); markFormulas(document); });
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { markFormulas(document); });
  document.addEventListener("htmx:afterSettle", function (event) { watchTables(event.detail.elt); markFormulas(event.detail.elt); });

  // The account menu (a <details>, usable without this) closes on Escape or a click elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      menu.open = false;
      if (menu.contains(document.activeElement)) menu.querySelector("summary").focus();
    });
  });
})();
