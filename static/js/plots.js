// Draws every .plot-area[data-figure] from the element it names (whose text is the figure's
// JSON), and redraws in place (Plotly.react) when htmx swaps in new numbers. On a full page the
// data may be a json_script; in content htmx swaps in it must be a plain hidden element, since
// htmx drops swapped-in <script> elements (allowScriptTags is false). Loaded only where plotted.
// Every figure gets the site's template (this script element's data-template, written once per
// page by the plot_scripts partial) unless it brings its own.
//
// Phones: plotly.js resizes a figure to its box (responsive), but a figure laid out for a wide
// box does not read well in a narrow one, so below NARROW pixels a few things are laid out anew
// (narrowLayout), and laid back when the box grows again (a rotated phone): the layout only, with
// Plotly.relayout, so data the page added since (the lab's live traces) stays. On a touch screen
// a swipe over a plot scrolls the page instead of zooming; a tap still shows the values.
(function () {
  "use strict";
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  var NARROW = 560;
  var TOUCH = !!(window.matchMedia && window.matchMedia("(hover: none) and (pointer: coarse)").matches);
  var CELL = 11; // px: the narrowest a calendar's week column may get before it scrolls sideways

  var TEMPLATE = document.currentScript && document.currentScript.dataset.template;

  // A fresh copy for each figure: plotly.js keeps what it is given.
  function siteTemplate() {
    return TEMPLATE ? JSON.parse(TEMPLATE) : undefined;
  }

  function get(object, path) {
    return path.split(".").reduce(function (o, key) { return o == null ? undefined : o[key]; }, object);
  }

  // Words onto lines of at most about `size` characters, joined by plotly's <br>; the lines as
  // even as they go (no last word alone on a line).
  function greedy(words, size) {
    var lines = [], line = "";
    words.forEach(function (word) {
      if (line && (line + " " + word).length > size) { lines.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    if (line) lines.push(line);
    return lines;
  }
  function wrap(text, size) {
    text = String(text);
    var words = text.split(" "), lines = greedy(words, size);
    for (var target = Math.ceil(text.length / lines.length); lines.length > 1 && target < size; target++) {
      var even = greedy(words, target);
      if (even.length === lines.length) { lines = even; break; }
    }
    return lines.join("<br>");
  }

  // Relayout updates ({"legend.y": 1, ...}) for a figure in a box `width` pixels wide.
  function narrowLayout(data, layout, width) {
    var updates = {};
    var font = get(layout, "font.size") || 12;
    // A legend in a row under the plot wraps onto several rows in a narrow box and runs into the
    // x axis's title; at the top of the figure (under its title) it pushes the plot down instead,
    // settle() making room for it, the title and any notes above the plot.
    var legend = layout.legend || {};
    if (layout.showlegend !== false && legend.orientation === "h" && (legend.y === undefined || legend.y < 0)) {
      updates["legend.yref"] = "container"; updates["legend.y"] = 1; updates["legend.yanchor"] = "top";
      updates["legend.xref"] = "container"; updates["legend.x"] = 0; updates["legend.xanchor"] = "left";
      // Legend groups would each take a row of their own: the entries flow on as few as fit.
      if (legend.traceorder === undefined) updates["legend.traceorder"] = "normal";
    }
    // A title wider than the box: onto lines, with room made for them. With the legend moved
    // up too, the title goes to the very top, the legend under it.
    var title = get(layout, "title.text");
    var perLine = Math.floor((width - 24) / ((get(layout, "title.font.size") || font * 1.4) * 0.55));
    if (title && title.length > perLine) {
      updates["title.text"] = wrap(title, perLine);
      updates["title.automargin"] = true; updates["title.yref"] = "paper";
    }
    if (title && updates["legend.y"] !== undefined) {
      updates["title.automargin"] = false; updates["title.yref"] = "container";
      updates["title.y"] = 1; updates["title.yanchor"] = "top"; updates["title.pad.t"] = 6;
    }
    data.forEach(function (trace) {
      // Horizontal bars' long category names (the topics) would take most of the width: in a
      // smaller font on at most about two lines, each row made tall enough for its lines.
      if (trace.type === "bar" && trace.orientation === "h" && Array.isArray(trace.y) && !updates["yaxis.ticktext"]) {
        var tick = 11, size = Math.max(12, Math.floor(width * 0.45 / (tick * 0.55)));
        var names = trace.y.map(function (name) { return wrap(name, size); });
        var lines = Math.max.apply(null, names.map(function (name) { return name.split("<br>").length; }));
        updates["yaxis.tickmode"] = "array";
        updates["yaxis.tickvals"] = trace.y;
        updates["yaxis.ticktext"] = names;
        updates["yaxis.tickfont.size"] = tick;
        var needed = trace.y.length * (lines * tick * 1.3 + 8) + (get(layout, "margin.t") || 0) + (get(layout, "margin.b") || 0) + 40;
        if (layout.height && layout.height < needed) updates.height = Math.ceil(needed);
      }
      // A calendar (a heatmap of many week columns on a date axis) keeps readable cells and
      // scrolls sideways within its box, the latest weeks in view, with the row names (the
      // weekdays) moved to that end.
      if (trace.type === "heatmap" && get(layout, "xaxis.type") === "date" && Array.isArray(trace.x)) {
        var left = get(layout, "margin.l") || 0, right = get(layout, "margin.r") || 0;
        if ((width - left - right) / trace.x.length < CELL) {
          updates.width = left + right + CELL * trace.x.length;
          updates["yaxis.side"] = "right"; updates["margin.l"] = right; updates["margin.r"] = left;
        }
      }
      // A grid of square cells (the demos' heatmaps, studyapp/demos/figures.py cell_grid) keeps
      // its cells apart and scrolls sideways within its box rather than overlap them: as a
      // calendar, the row names at the end in view, and the title there too.
      var marker = trace.marker || {};
      if (trace.type === "scatter" && marker.symbol === "square" && Array.isArray(trace.x)) {
        var columns = trace.x.filter(function (x, i, all) { return all.indexOf(x) === i; }).length;
        var cell = (marker.size || 26) + 4;
        var l = get(layout, "margin.l") || 0, r = get(layout, "margin.r") || 0;
        if ((width - l - r) / columns < cell) {
          updates.width = l + r + cell * columns;
          updates["yaxis.side"] = "right"; updates["margin.l"] = r; updates["margin.r"] = l;
          updates["title.x"] = (updates.width - width) / updates.width;
          updates["title.xanchor"] = "left";
        }
      }
    });
    return updates;
  }

  // The same keys as `updates`, with the figure's own values (null: plotly's default).
  function wideLayout(layout, updates) {
    var back = {};
    Object.keys(updates).forEach(function (path) {
      var value = get(layout, path);
      back[path] = value === undefined ? null : value;
    });
    return back;
  }

  function setPath(layout, path, value) {
    var keys = path.split("."), o = layout;
    keys.slice(0, -1).forEach(function (key) {
      if (o[key] == null || typeof o[key] !== "object") o[key] = {};
      o = o[key];
    });
    o[keys[keys.length - 1]] = value;
  }

  // After a layout change: a figure wider than its box scrolls inside it, its latest end shown;
  // a legend moved up gets room under the title and above any notes over the plot, measured as
  // drawn (plotly.js does not stack them itself).
  function settle(area) {
    var narrow = area._siteNarrow;
    var scrolls = !!(narrow && narrow.width);
    area.classList.toggle("is-scrolling", scrolls);
    if (scrolls) area.scrollLeft = area.scrollWidth;
    if (!narrow || narrow["legend.yref"] !== "container" || !area._fullLayout) return;
    var legend = area.querySelector(".legend");
    if (!legend) return;
    var top = area.getBoundingClientRect().top, full = area._fullLayout;
    var titleBottom = 0, shift = 0, title = area.querySelector(".g-gtitle .gtitle");
    if (title && narrow["title.yref"] === "container") {
      var box = title.getBoundingClientRect();
      // plotly.js sets a title of several lines too high by its extra lines: down by as much.
      shift = Math.max(0, Math.ceil(top + 4 - box.top));
      titleBottom = box.bottom + shift - top;
    }
    var plotTop = full._size.t, notes = 0;
    area.querySelectorAll(".annotation").forEach(function (note) {
      var b = note.getBoundingClientRect();
      if (b.height && b.bottom - top <= plotTop + 2) notes = Math.max(notes, plotTop - (b.top - top));
    });
    var needed = Math.ceil(titleBottom + legend.getBoundingClientRect().height + notes + 12);
    var y = 1 - (titleBottom + 4) / full.height;
    if (shift || Math.abs(needed - full.margin.t) > 2 || Math.abs(y - full.legend.y) > 0.005) {
      // The figure grows by the room made, so the plot itself keeps its height.
      var height = Math.ceil(full.height + needed - full.margin.t);
      y = 1 - (titleBottom + 4) / height;
      narrow["margin.t"] = needed; narrow["legend.y"] = y; narrow.height = height;
      var updates = { "margin.t": needed, "legend.y": y, height: height };
      if (shift) updates["title.pad.t"] = narrow["title.pad.t"] = (narrow["title.pad.t"] || 0) + shift;
      Plotly.relayout(area, updates);
    }
  }

  function draw(area) {
    var source = document.getElementById(area.dataset.figure);
    if (!source || typeof Plotly === "undefined") return;
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    if (!layout.template) layout.template = siteTemplate();
    if (TOUCH && layout.dragmode === undefined) layout.dragmode = false;
    area._siteFigure = { data: figure.data, layout: JSON.parse(JSON.stringify(layout)) };
    var width = area.clientWidth;
    area._siteNarrow = width && width < NARROW ? narrowLayout(figure.data, layout, width) : null;
    if (area._siteNarrow) {
      Object.keys(area._siteNarrow).forEach(function (path) { setPath(layout, path, area._siteNarrow[path]); });
    }
    Plotly.react(area, figure.data, layout, CONFIG).then(function () {
      // Again after every redraw: traces the page adds later (the lab's) grow the legend.
      if (!area._siteSettles) { area._siteSettles = true; area.on("plotly_afterplot", function () { settle(area); }); }
      settle(area);
    });
  }

  // A box that crossed NARROW since it was drawn: its layout changed over, data kept.
  function refit(area) {
    var figure = area._siteFigure;
    if (!figure || !area.data) return;
    var width = area.clientWidth;
    var narrow = !!width && width < NARROW;
    if (narrow === !!area._siteNarrow) return;
    var updates;
    if (narrow) {
      area._siteNarrow = narrowLayout(figure.data, figure.layout, width);
      updates = area._siteNarrow;
    } else {
      updates = wideLayout(figure.layout, area._siteNarrow);
      area._siteNarrow = null;
    }
    if (Object.keys(updates).length) Plotly.relayout(area, updates).then(function () { settle(area); });
  }

  function drawAll(root) {
    (root || document).querySelectorAll(".plot-area[data-figure]").forEach(draw);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { document.querySelectorAll(".plot-area[data-figure]").forEach(refit); }, 150);
  });

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
