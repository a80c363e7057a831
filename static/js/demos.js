// The demos' own behaviour: a slider shows its value as it moves. Everything else is htmx
// attributes (templates/demos/demo_detail.html); no evaluated code, no inline scripts.
(function () {
  "use strict";

  function showRangeValue(input) {
    var form = input.form;
    if (!form) return;
    form.querySelectorAll("output[for='" + input.id + "']").forEach(function (output) {
      output.textContent = input.value;
    });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type='range']")) showRangeValue(input);
  });
})();
