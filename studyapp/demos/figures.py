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
