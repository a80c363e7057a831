// Quiz keys, as in Quizlet: 1-9 pick an option, Enter checks the answer, Enter again moves on.
// Everything here is also reachable without it: options are radio buttons, Check and Next are
// a submit button and a link. After htmx swaps the feedback in, focus goes to "Next".
(function () {
  "use strict";

  function card() { return document.getElementById("quiz-question"); }

  function isTyping(target) {
    return target && (target.tagName === "TEXTAREA" || target.tagName === "SELECT" ||
      (target.tagName === "INPUT" && target.type !== "radio" && target.type !== "checkbox"));
  }

  function isControl(target) {
    return target && (target.tagName === "A" || target.tagName === "BUTTON" || target.tagName === "SUMMARY");
  }

  function focusCurrent() {
    var root = card();
    if (!root) return;
    var next = root.querySelector(".quiz-next");
    var typed = root.querySelector(".quiz-typed input:not([disabled])");
    // A choice question: the heading, so that a screen reader starts from the question.
    var target = next || typed || root.querySelector(".quiz-count");
    if (target) target.focus({ preventScroll: false });
  }

  document.addEventListener("keydown", function (event) {
    var root = card();
    if (!root || event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
    // Not the card's class: for 20 ms after a swap htmx's settling gives the new card the old
    // card's attributes (an answered question's class on the next, open one).
    var answered = !!root.querySelector(".quiz-feedback");
    var form = root.querySelector("form.quiz-form");

    if (event.key === "Enter") {
      if (isControl(event.target)) return; // a focused link or button does its own thing
      if (answered) {
        var next = root.querySelector(".quiz-next");
        if (next) { event.preventDefault(); next.click(); }
        return;
      }
      if (isTyping(event.target)) return; // the browser submits a text field's form itself
      if (form) { event.preventDefault(); form.requestSubmit(form.querySelector(".quiz-check")); }
      return;
    }

    if (!answered && !isTyping(event.target) && /^[1-9]$/.test(event.key)) {
      var option = root.querySelector('.quiz-options input[type="radio"][value="' + event.key + '"]');
      if (option && !option.disabled) {
        event.preventDefault();
        option.checked = true;
        option.focus({ preventScroll: true });
      }
    }
  });

  // After a swap (feedback in, or the next question), put the keyboard where it is needed next.
  document.addEventListener("htmx:afterSettle", function () {
    var root = card();
    if (!root) return;
    focusCurrent();
    if (!root.querySelector(".quiz-feedback")) root.scrollIntoView({ block: "nearest" });
  });
})();
