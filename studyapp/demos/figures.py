"""Plotly figures for the demos, in the site's style (studyapp/plots.py), fast enough per request.

Two kinds of plotly output break the site's strict CSP (plotly.js writes them as style
attributes, `style-src-attr`): heatmaps (their image and colour bar) and log axes with
superscript exponents. So a heatmap here is a grid of square markers (`cell_grid`) and log axes
label their ticks 1e-05 (`LOG_AXIS`).

Building a `plotly.graph_objects.Figure` validates every property and costs about 18 ms a figure
here, most of a demo's 50 ms budget. The demos take the site's layout from `site_figure()` once
per process and write traces as plain dicts of plain lists, the same JSON plotly.js reads; the
tests pass each demo figure through `go.Figure(...)` so a typo in a property still fails there.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from studyapp.plots import figure_data, site_figure


@lru_cache(maxsize=1)
def _site_layout() -> dict:
    return figure_data(site_figure())["layout"]


def _merge(base: dict, extra: dict) -> dict:
    """base updated deeply by extra, as a new dict (base, shared by every figure, is untouched)."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def plain(value):
    """Arrays and NumPy scalars as lists and floats (json_script cannot encode NumPy)."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value] if value.ndim > 1 else [_float(v) for v in value]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items()}
    if isinstance(value, (np.floating, np.integer)):
        return _float(value)
    return value


def _float(value):
    value = float(value)
    return value if np.isfinite(value) else None      # plotly leaves a gap for null


def figure(traces: list[dict], **layout) -> dict:
    """{"data": traces, "layout": the site's layout updated (deeply) by `layout`}."""
    merged = _merge(_site_layout(), plain(layout))
    return {"data": [plain(trace) for trace in traces], "layout": merged}


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
