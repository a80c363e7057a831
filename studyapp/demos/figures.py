"""Plotly figures for the demos, in the site's style (studyapp/plots.py), fast enough per request.

Two kinds of plotly output break the site's strict CSP (plotly.js writes them as style
attributes, `style-src-attr`): heatmaps (their image and colour bar) and log axes with
superscript exponents. So a heatmap here is a grid of square markers (`cell_grid`) and log axes
label their ticks 1e-05 (`LOG_AXIS`).

Figures are plain dicts built by `studyapp.plots.figure` (why not plotly's graph objects: its
docstring); the tests pass each demo figure through `go.Figure(...)` so a typo in a property
still fails there.
"""

from __future__ import annotations

import numpy as np

from studyapp.plots import PALETTE, figure

LOG_AXIS = {"type": "log", "exponentformat": "e"}


def cell_grid(z, x, y, *, zmin: float, zmax: float, colorscale: str = "RdBu",
              reversescale: bool = False,
              text_format: str = "{:.2f}", name: str = "", hover: str = "%{x}, %{y}: %{customdata:.5f}",
              size: int = 26) -> dict:
    """A heatmap as a scatter trace of square markers: z (len(y), len(x)) coloured on
    [zmin, zmax], each cell labelled with its value. (plotly's heatmap draws an image with a
    style attribute, which the site's CSP refuses.)"""
    z = np.asarray(z, dtype=np.float64)
    xs, ys, values = [], [], []
    for i, label_y in enumerate(y):
        for j, label_x in enumerate(x):
            xs.append(label_x)
            ys.append(label_y)
            values.append(float(z[i, j]))
    return {"type": "scatter", "mode": "markers+text", "x": xs, "y": ys, "name": name,
            "customdata": values, "text": [text_format.format(v) for v in values],
            "textfont": {"size": 10}, "hovertemplate": hover + "<extra></extra>",
            "marker": {"symbol": "square", "size": size, "color": values, "cmin": zmin,
                       "cmax": zmax, "colorscale": colorscale, "reversescale": reversescale,
                       "showscale": False,
                       "line": {"width": 0}}}


def states_heatmap(states, row_labels: list[str], *, limit: float, title: str,
                   margin_left: int = 64, x_title: str = "step t", x_symbol: str = "t") -> dict:
    """Hidden states over time as a `cell_grid` figure: states (T, rows), one row of cells per
    entry of `row_labels` (top to bottom), one column per step t = 1..T, coloured on
    [-limit, limit] (blue > 0, red < 0). x_title, x_symbol: the columns' axis title and the
    symbol hover writes (another index than the step: "pattern position k", "k")."""
    states = np.asarray(states, dtype=np.float64)
    T = states.shape[0]
    size, layout = max(14, min(30, 520 // T)), {}
    if len(row_labels) > 8:                 # room for every row's cells, apart
        size, layout["height"] = min(size, 22), 84 + 26 * len(row_labels)
    trace = cell_grid(states.T, list(range(1, T + 1)), row_labels, zmin=-limit, zmax=limit,
                      colorscale="RdBu", reversescale=True, name="h_t",
                      hover=x_symbol + " = %{x}, %{y}: %{customdata:.5f}", size=size)
    return figure([trace], title={"text": title, "x": 0},
                  xaxis={"title": {"text": x_title}, "dtick": 1, "showgrid": False,
                         "zeroline": False, "range": [0.4, T + 0.6]},
                  yaxis={"autorange": "reversed", "type": "category", "showgrid": False},
                  showlegend=False, margin={"l": margin_left, "r": 16, "t": 36, "b": 48},
                  **layout)


_UNIT_DASHES = ("solid", "dot", "dash", "dashdot")


def gates_over_time(*, states: dict[str, np.ndarray], gates: dict[str, np.ndarray], title: str,
                    given_steps: int = 2) -> dict:
    """A gated cell over T steps, in two panels on one step axis: above, each state (label ->
    (T + 1, H) from t = 0, or (T, H) from t = 1); below, each gate (label -> (T, H)) on [0, 1].
    One colour per quantity, one dash per unit; the steps whose inputs are given are shaded."""
    T = len(next(iter(gates.values())))
    colours = {label: PALETTE[k % len(PALETTE)] for k, label in enumerate([*states, *gates])}
    traces = []
    for panel, series in (("y", states), ("y2", gates)):
        for label, values in series.items():
            values = np.asarray(values, dtype=np.float64)
            steps = list(range(T + 1 - values.shape[0], T + 1))
            for j in range(values.shape[1]):
                name = label if values.shape[1] == 1 else f"{label}, unit {j + 1}"
                traces.append({
                    "type": "scatter", "x": steps, "y": values[:, j], "yaxis": panel,
                    "mode": "lines+markers", "name": name, "legendgroup": label,
                    "line": {"color": colours[label], "dash": _UNIT_DASHES[j % len(_UNIT_DASHES)]},
                    "marker": {"color": colours[label], "size": 6},
                    "hovertemplate": "t = %{x}: %{y:.5f}<extra>" + name + "</extra>"})
    return figure(
        traces, title={"text": title, "x": 0},
        xaxis={"title": {"text": "step t"}, "dtick": 1, "anchor": "y2", "range": [-0.3, T + 0.3]},
        yaxis={"domain": [0.42, 1.0], "title": {"text": "state"}},
        yaxis2={"domain": [0.0, 0.32], "range": [-0.05, 1.05], "title": {"text": "gate"},
                "gridcolor": "#e6e9ee", "zerolinecolor": "#c9ced6"},
        shapes=[{"type": "rect", "xref": "x", "yref": "paper", "x0": 0.5,
                 "x1": given_steps + 0.5, "y0": 0, "y1": 1, "fillcolor": "#eef3fb",
                 "line": {"width": 0}, "layer": "below"}],
        annotations=[{"xref": "x", "yref": "paper", "x": (given_steps + 1) / 2, "y": 1.0,
                      "yanchor": "bottom", "showarrow": False, "font": {"size": 11},
                      "text": "inputs given"},
                     {"xref": "x", "yref": "paper", "x": (given_steps + 0.5 + T) / 2, "y": 1.0,
                      "yanchor": "bottom", "showarrow": False, "font": {"size": 11},
                      "text": "input 0 from here"}],
        margin={"l": 56, "r": 16, "t": 56, "b": 48}, height=460)
