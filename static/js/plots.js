// Draws every .plot-area[data-figure] from the json_script it names, and redraws in place
// (Plotly.react) when htmx swaps in new numbers. Loaded only on pages that plot.
(function () {
  "use strict";
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  function draw(area) {
    var source = document.getElementById(area.dataset.figure);
    if (!source || typeof Plotly === "undefined") return;
    var figure = JSON.parse(source.textContent);
    Plotly.react(area, figure.data, figure.layout || {}, CONFIG);
  }

  function drawAll(root) {
    (root || document).querySelectorAll(".plot-area[data-figure]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt;
    if (root.matches && root.matches(".plot-area[data-figure]")) draw(root);
    drawAll(root);
    // A swapped-in json_script may feed a plot outside the swapped element.
    root.querySelectorAll && root.querySelectorAll("script[type='application/json']").forEach(function (s) {
      document.querySelectorAll(".plot-area[data-figure='" + s.id + "']").forEach(draw);
    });
  });
  window.sitePlots = { draw: draw, drawAll: drawAll };
})();
