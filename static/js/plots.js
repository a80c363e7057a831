// Draws every .plot-area[data-figure] from the element it names (whose text is the figure's
// JSON), and redraws in place (Plotly.react) when htmx swaps in new numbers. On a full page the
// data may be a json_script; in content htmx swaps in it must be a plain hidden element, since
// htmx drops swapped-in <script> elements (allowScriptTags is false). Loaded only where plotted.
// Every figure gets the site's template (this script element's data-template, written once per
// page by the plot_scripts partial) unless it brings its own.
(function () {
  "use strict";
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  var TEMPLATE = document.currentScript && document.currentScript.dataset.template;

  // A fresh copy for each figure: plotly.js keeps what it is given.
  function siteTemplate() {
    return TEMPLATE ? JSON.parse(TEMPLATE) : undefined;
  }

  function draw(area) {
    var source = document.getElementById(area.dataset.figure);
    if (!source || typeof Plotly === "undefined") return;
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    if (!layout.template) layout.template = siteTemplate();
    Plotly.react(area, figure.data, layout, CONFIG);
  }

  function drawAll(root) {
    (root || document).querySelectorAll(".plot-area[data-figure]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt;
    if (root.matches && root.matches(".plot-area[data-figure]")) draw(root);
    drawAll(root);
    // Swapped-in data may feed a plot outside the swapped element.
    root.querySelectorAll && root.querySelectorAll(".figure-data[id]").forEach(function (s) {
      document.querySelectorAll(".plot-area[data-figure='" + s.id + "']").forEach(draw);
    });
  });
  window.sitePlots = { draw: draw, drawAll: drawAll };
})();
