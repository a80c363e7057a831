// The training lab's behaviour: the learning-rate slider (log scale) beside its number box, the
// temperature readout, and the live plots: each poll's response carries the new points
// (#lab-points' data-points: htmx drops swapped-in <script> elements; plain lists keyed by the traces' `meta` names), appended with
// Plotly.extendTraces, or set anew after a reset. No inline code: data comes via json_script.
(function () {
  "use strict";
  document.documentElement.classList.add("lab-js");

  function formatRate(exponent) {
    return String(Number(Math.pow(10, exponent).toPrecision(2)));
  }

  function wireSliders(root) {
    root.querySelectorAll(".lab-log-slider").forEach(function (slider) {
      var box = document.getElementById(slider.dataset.target);
      if (!box || slider.dataset.wired) return;
      slider.dataset.wired = "1";
      slider.hidden = false;
      function fromBox() {
        var value = parseFloat(box.value);
        if (value > 0) slider.value = String(Math.log10(value));
      }
      fromBox();
      slider.addEventListener("input", function () { box.value = formatRate(parseFloat(slider.value)); });
      box.addEventListener("input", fromBox);
    });
    var temperature = root.querySelector ? root.querySelector("#lab-temperature-input") : null;
    var readout = document.getElementById("lab-temperature-value");
    if (temperature && readout && !temperature.dataset.wired) {
      temperature.dataset.wired = "1";
      temperature.addEventListener("input", function () { readout.textContent = temperature.value; });
    }
  }

  function lastX(trace) {
    var xs = trace.x || [];
    return xs.length ? Number(xs[xs.length - 1]) : -Infinity;
  }

  function applyPoints(payload) {
    if (typeof Plotly === "undefined") return;
    document.querySelectorAll(".lab-plots .plot-area").forEach(function (area) {
      if (!area.data) return;   // not drawn yet: plots.js draws it whole
      var grow = { x: [], y: [] }, growIndices = [];
      area.data.forEach(function (trace, index) {
        var key = trace.meta;
        if (!key) return;
        var replace = payload.replace[key] || (payload.reset && payload.extend[key]);
        if (replace) {
          Plotly.restyle(area, { x: [replace.x], y: [replace.y] }, [index]);
          return;
        }
        var more = payload.extend[key];
        if (!more) return;
        var after = lastX(trace), xs = [], ys = [];
        for (var i = 0; i < more.x.length; i++) {
          if (more.x[i] > after) { xs.push(more.x[i]); ys.push(more.y[i]); }
        }
        if (xs.length) { grow.x.push(xs); grow.y.push(ys); growIndices.push(index); }
      });
      if (growIndices.length) Plotly.extendTraces(area, grow, growIndices);
    });
  }

  function readPoints(root) {
    var source = (root.querySelector && root.querySelector("#lab-points")) || null;
    if (!source) return;
    applyPoints(JSON.parse(source.dataset.points));
  }

  // Keys on a run's page: space starts or pauses, s takes one step (not while typing).
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.closest && target.closest("input, select, textarea, button, a, summary, [contenteditable]")) return;
    var live = document.getElementById("run-live");
    if (!live) return;
    var control = null;
    if (event.key === " ") control = live.querySelector("[data-control=pause], [data-control=start]");
    else if (event.key === "s") control = live.querySelector("[data-control=step]");
    if (control && !control.disabled) { event.preventDefault(); control.click(); }
  });

  // A poll answered with an error (the run deleted in another tab, the session gone): show the
  // message (site.js / the server's partial do) and stop polling, by putting a copy of the
  // panel without its polling in its place. Its buttons still work as plain forms.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || elt.id !== "run-live" || !elt.hasAttribute("hx-trigger")) return;
    if (event.detail.xhr.status < 400) return;
    var still = elt.cloneNode(true);
    still.removeAttribute("hx-trigger");
    still.removeAttribute("hx-post");
    still.dataset.running = "false";
    elt.replaceWith(still);
  });

  document.addEventListener("DOMContentLoaded", function () { wireSliders(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt;
    wireSliders(document);
    if (root && root.id === "run-live") readPoints(root);
    else if (root && root.querySelector) readPoints(root);
  });
})();
