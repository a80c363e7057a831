"""Plotly figures in the site's style, handed to templates as plain data.

Apps build a figure as `figure(traces, **layout)`: {"data": traces, "layout": the site's layout
updated deeply by `layout`}, traces being plain dicts of plain lists (NumPy arrays and scalars
become lists and floats, NaN and infinity null). Templates pass it to
`{{ data|json_script:"id" }}`; `static/js/plots.js` draws every `.plot-area[data-figure]`,
redraws it in place when htmx swaps new numbers in, and gives each figure the site's template
(plotly's default look), which the `plot_scripts` partial sends once per page (`plot_template`)
instead of inside every figure.

Why not `plotly.graph_objects.Figure`: it validates every property as it is set, about 10 ms a
figure here (the statistics page's eight cost 90 ms, a demo's figure most of its 50 ms budget).
The same JSON reaches plotly.js either way; the tests pass each app's figures through
`go.Figure(...)`, so a misspelled property still fails there.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np

PALETTE = ["#2456a6", "#d1495b", "#1d7a46", "#e08e0b", "#6a4c93", "#00798c"]

SITE_LAYOUT = {
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13, "color": "#1d232b"},
    "colorway": PALETTE,
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "#ffffff",
    "margin": {"l": 56, "r": 16, "t": 36, "b": 48},
    "xaxis": {"gridcolor": "#e6e9ee", "zerolinecolor": "#c9ced6"},
    "yaxis": {"gridcolor": "#e6e9ee", "zerolinecolor": "#c9ced6"},
    "legend": {"orientation": "h", "y": -0.2},
    "hovermode": "closest",
}


def figure(traces: list[dict], **layout) -> dict:
    """{"data": traces, "layout": the site's layout updated (deeply) by `layout`}, as plain data."""
    return {"data": [plain(trace) for trace in traces], "layout": merged(SITE_LAYOUT, plain(layout))}


def merged(base: dict, extra: dict) -> dict:
    """base updated deeply by extra, as a new dict (base, shared by every figure, is untouched)."""
    result = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            result[key] = merged(base[key], value)
        else:
            result[key] = value
    return result


def plain(value):
    """Arrays and NumPy scalars as lists and floats, non-finite numbers as None (json_script
    writes NaN, which is not JSON; plotly leaves a gap for null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value] if value.ndim > 1 else [_float(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items()}
    if isinstance(value, (np.floating, np.integer)):
        return _float(value)
    return value


def _float(value):
    value = float(value)
    return value if math.isfinite(value) else None


@lru_cache(maxsize=1)
def site_template() -> dict:
    """plotly's default template (what a `go.Figure` would carry), as plain data."""
    import plotly.graph_objects as go  # only here: building figures never needs it

    return json.loads(go.Figure().to_json())["layout"]["template"]
