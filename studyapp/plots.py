"""Plotly figures in the site's style, handed to templates as plain data.

Apps build figures from their computed numbers (plain lists and arrays) and pass
`figure_data(fig)` to `{{ data|json_script:"id" }}`; `static/js/plots.js` draws every
`.plot-area[data-figure]` and redraws it in place when htmx swaps new numbers in.
"""

import json

import plotly.graph_objects as go

PALETTE = ["#2456a6", "#d1495b", "#1d7a46", "#e08e0b", "#6a4c93", "#00798c"]

SITE_LAYOUT = go.Layout(
    font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13,
          "color": "#1d232b"},
    colorway=PALETTE,
    paper_bgcolor="rgba(0,0,0,0)",
    plot_bgcolor="#ffffff",
    margin={"l": 56, "r": 16, "t": 36, "b": 48},
    xaxis={"gridcolor": "#e6e9ee", "zerolinecolor": "#c9ced6"},
    yaxis={"gridcolor": "#e6e9ee", "zerolinecolor": "#c9ced6"},
    legend={"orientation": "h", "y": -0.2},
    hovermode="closest",
)


def site_figure(**layout) -> go.Figure:
    """An empty figure with the site's layout, updated by `layout` (title, axes, ...)."""
    fig = go.Figure(layout=SITE_LAYOUT)
    fig.update_layout(**layout)
    return fig


def figure_data(fig: go.Figure) -> dict:
    """The figure as JSON-ready data for json_script (numpy arrays as plotly's typed arrays)."""
    return json.loads(fig.to_json())
