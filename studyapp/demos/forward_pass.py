"""Forward propagation through a sequence: x_1..x_T through one vanilla RNN layer.

rnncore's RNN layer (float64) runs the whole sequence from h_0 = 0 with the learner's W_x, W_h
and b (bias_ih = b, bias_hh = 0: the course writes one bias). The page shows the hidden states
over time as a heatmap (unit by step) and the unrolled network as an SVG drawn here, one copy of
the cell per step with its current values.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

import numpy as np
from django.utils.safestring import SafeString, mark_safe

from rnncore import RNN

from studyapp.plots import figure

from . import bounds
from .display import number, symbol
from .errors import InputError
from .figures import states_heatmap

DEFAULTS = {
    "D": 1, "H": 3, "T": 6, "nonlinearity": "tanh", "seed": 2,
    # a pulse and its echo: the hidden state keeps the first input after it is gone
    "X": [[1.0], [0.0], [0.0], [-1.0], [0.0], [0.0]],
}


@lru_cache(maxsize=64)
def _draw(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    D = H = bounds.draw_sizes(bounds.SEQUENCE_INPUT_SIZE, bounds.SEQUENCE_HIDDEN_SIZE)
    T = bounds.draw_sizes(bounds.SEQUENCE_LENGTH, steps=True)
    return {"X": np.round(rng.normal(0.0, 1.0, size=(T, D)), 1),
            "W_x": np.round(rng.uniform(-1.0, 1.0, size=(H, D)), 1),
            "W_h": np.round(rng.uniform(-0.6, 0.6, size=(H, H)), 1),
            "b": np.round(rng.uniform(-0.2, 0.2, size=H), 1)}


def draw(seed: int) -> dict[str, np.ndarray]:
    """Every entry at the largest sizes, from the seed."""
    return {name: value.copy() for name, value in _draw(seed).items()}


def compute(*, D: int, H: int, T: int, nonlinearity: str, seed: int, X: np.ndarray,
            W_x: np.ndarray, W_h: np.ndarray, b: np.ndarray) -> dict:
    """h_1..h_T of h_t = f(W_x x_t + W_h h_{t-1} + b) from h_0 = 0."""
    try:
        layer = RNN(D, H, nonlinearity=nonlinearity, dtype=np.float64, seed=0)
        layer.load_state_dict({"weight_ih_l0": W_x, "weight_hh_l0": W_h, "bias_ih_l0": b,
                               "bias_hh_l0": np.zeros(H)})
        outputs, _ = layer.forward(X[:, None, :])
    except ValueError as error:
        raise InputError(None, str(error)) from error
    states = outputs[:, 0, :]                               # (T, H)
    if not np.isfinite(states).all():
        raise InputError(None, "The hidden states overflowed: use smaller weights or inputs.")
    f = r"\tanh" if nonlinearity == "tanh" else r"\mathrm{ReLU}"
    return {
        "states": states,
        "rows": [{"t": t + 1, "x": X[t], "h": states[t], "key": f"h_{t + 1}",
                  "symbol": symbol(f"h_{{{t + 1}}}")} for t in range(T)],
        "update": symbol(rf"h_t = {f}(W_x x_t + W_h h_{{t-1}} + b), \quad h_0 = 0", display=True),
        "diagram": _diagram(X, states),
        "figures": {"fp_heatmap": _heatmap(states, nonlinearity),
                    "fp_lines": _lines(states)},
    }


def _heatmap(states: np.ndarray, nonlinearity: str) -> dict:
    limit = 1.0 if nonlinearity == "tanh" else max(1.0, float(np.max(np.abs(states))))
    return states_heatmap(states, [f"unit {j + 1}" for j in range(states.shape[1])], limit=limit,
                          title="Hidden states over time (blue > 0, red < 0)")


def _lines(states: np.ndarray) -> dict:
    T, H = states.shape
    steps = list(range(0, T + 1))
    traces = [{"type": "scatter", "x": steps, "y": np.concatenate([[0.0], states[:, j]]),
               "mode": "lines+markers", "name": f"unit {j + 1}",
               "hovertemplate": "t = %{x}: %{y:.5f}<extra>unit " + str(j + 1) + "</extra>"}
              for j in range(H)]
    return figure(traces, title={"text": "Each unit of h_t, from h_0 = 0", "x": 0},
                  xaxis={"title": {"text": "step t"}, "dtick": 1},
                  yaxis={"title": {"text": "h_t"}})


# ---- the unrolled network, as an SVG the template draws ------------------------------------

_COLUMN, _BOX_W, _LINE = 120, 88, 15


def _colour(value: float, limit: float) -> str:
    """Blue for positive, red for negative, white at zero (as the heatmap)."""
    share = max(-1.0, min(1.0, value / limit)) if limit > 0 else 0.0
    if share >= 0:
        red, green, blue = (int(255 - share * (255 - 36)), int(255 - share * (255 - 86)),
                            int(255 - share * (255 - 166)))
    else:
        red, green, blue = (int(255 + share * (255 - 209)), int(255 + share * (255 - 73)),
                            int(255 + share * (255 - 91)))
    return f"#{red:02x}{green:02x}{blue:02x}"


def _diagram(X: np.ndarray, states: np.ndarray) -> SafeString:
    """The unrolled network as SVG markup: h_0 and a box per h_t along the top, x_t below, with
    the arrows W_x (x_t to h_t) and W_h (h_{t-1} to h_t). Each h_t lists its H values on a
    colour that follows the heatmap's (blue positive, red negative). Built here, not in a
    template: a few hundred numbers, each formatted once."""
    T, H = states.shape
    D = X.shape[1]
    h_height, x_height = 24 + _LINE * H, 24 + _LINE * D
    top, gap = 10, 56
    x_top = top + h_height + gap
    width, height = 40 + _COLUMN * (T + 1), x_top + x_height + 12
    limit = max(1.0, float(np.max(np.abs(states))))
    parts = [f'<svg class="unrolled" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="The network unrolled over {T} steps: each x_t feeds h_t '
             f'through W_x, and each h_(t-1) feeds h_t through W_h.">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path class="arrowhead" '
             'd="M0,0 L10,5 L0,10 z"/></marker></defs>']

    def edge(x1, y1, x2, y2, label, lx, ly):
        parts.append(f'<line class="edge" x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" '
                     f'marker-end="url(#arrow)"/><text class="edge-label" x="{lx:g}" '
                     f'y="{ly:g}">{label}</text>')

    def node(kind, left, y, title, values, box_h):
        middle = left + _BOX_W / 2
        parts.append(f'<g class="node {kind}"><rect class="box" x="{left}" y="{y}" '
                     f'width="{_BOX_W}" height="{box_h}" rx="8"/><text class="title" '
                     f'x="{middle:g}" y="{y + 16}" text-anchor="middle">{title}</text>')
        for k, value in enumerate(values):
            line_y = y + 34 + _LINE * k
            fill = _colour(float(value), limit) if kind == "hidden" else "#ffffff"
            parts.append(f'<rect class="value-fill" x="{left + 6}" y="{line_y - 11}" '
                         f'width="{_BOX_W - 12}" height="14" rx="3" fill="{fill}"/>'
                         f'<text x="{middle:g}" y="{line_y}" text-anchor="middle">'
                         f'{escape(number(value))}</text>')
        parts.append("</g>")

    for t in range(T):
        left = 20 + _COLUMN * (t + 1)
        edge(left + _BOX_W / 2, x_top, left + _BOX_W / 2, top + h_height + 4, "Wₓ",
             left + _BOX_W / 2 + 6, x_top - gap / 2 + 4)
        edge(left - _COLUMN + _BOX_W, top + h_height / 2, left - 4, top + h_height / 2, "Wₕ",
             left - (_COLUMN - _BOX_W) / 2 - 8, top + h_height / 2 - 6)
    node("hidden", 20, top, "h₀", np.zeros(H), h_height)
    for t in range(T):
        left = 20 + _COLUMN * (t + 1)
        node("hidden", left, top, f"h{_sub(t + 1)}", states[t], h_height)
        node("input", left, x_top, f"x{_sub(t + 1)}", X[t], x_height)
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
