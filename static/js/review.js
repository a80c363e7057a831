// Flashcard review from the keyboard, as in Anki: Space or Enter shows the answer, 1-4 rate
// (Again, Hard, Good, Easy), u or Ctrl+Z undoes, - buries, @ suspends. Every key clicks the
// control that does the same without a keyboard (a link or a form button, marked data-key), so
// the page works the same without this script. After each htmx swap the focus goes where the
// next key acts. The browser's time zone fills the hidden field of the first rating and, on the
// settings page, the zone picker of a learner who has none yet.
(function () {
  "use strict";

  function area() { return document.getElementById("review-area"); }

  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { return ""; }
  }

  function fillTimeZone(root) {
    var zone = browserZone();
    if (!zone) return;
    root.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) { input.value = zone; });
    root.querySelectorAll("select[data-browser-default]").forEach(function (select) {
      var known = Array.prototype.some.call(select.options, function (option) { return option.value === zone; });
      if (!known) return;
      select.value = zone;
      var note = document.getElementById(select.getAttribute("data-browser-default"));
      if (note) note.textContent = "Taken from your browser: " + zone + ". Save to keep it.";
    });
  }

  function focusNext(root) {
    var target = root && root.querySelector("[data-autofocus]");
    if (target) target.focus();
  }

  function busy() {
    var root = area();
    return !!(root && (root.classList.contains("htmx-request") || root.querySelector(".htmx-request")));
  }

  function press(key) {
    var root = area();
    var control = root && root.querySelector('[data-key="' + key + '"]');
    if (!control || control.disabled) return false;
    control.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (!area() || event.altKey || event.metaKey || event.defaultPrevented) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || (target && target.isContentEditable)) return;
    var key = event.key;
    var action = null;
    if (event.ctrlKey) {
      if (key === "z" || key === "Z") action = "undo";
    } else if (key === " " || key === "Enter") {
      // A focused button or disclosure (and a focused link, on Enter) does its own job natively.
      if (tag === "BUTTON" || tag === "SUMMARY" || (tag === "A" && key === "Enter")) return;
      action = area().querySelector('[data-key="reveal"]') ? "reveal" : "3";
    } else if (key === "1" || key === "2" || key === "3" || key === "4") {
      action = key;
    } else if (key === "u" || key === "U") {
      action = "undo";
    } else if (key === "-") {
      action = "bury";
    } else if (key === "@") {
      action = "suspend";
    }
    if (action === null) return;
    event.preventDefault();
    if (event.repeat || busy()) return; // a held key or a request in flight: one action at a time
    press(action);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var root = area();
    if (!root) return;
    fillTimeZone(document);
    if (event.target === root || root.contains(event.target) || !document.body.contains(event.target)) focusNext(root);
  });

  function start() {
    fillTimeZone(document);
    focusNext(area());
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
