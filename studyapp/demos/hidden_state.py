"""Hidden state, step by step: h_t = f(W_x x_t + W_h h_{t-1} + b), then the output layer.

The defaults are the worked example of topic 030 (W_x, W_h, b, x_1, h_0); the output layer
(W_y, b_y) and the second input x_2 are not in the source and are chosen here, marked so on the
page. Every number comes from rnncore: rnn_step_trace for each step, linear_forward for the
scores s_t = W_y h_t + b_y, softmax for the prediction ŷ_t.
"""

from __future__ import annotations

import numpy as np

from rnncore import linear_forward, rnn_step_trace, softmax
from rnncore.activations import relu, tanh

from studyapp.plots import figure

from . import bounds
from .display import equation, symbol, trace_rows
from .errors import InputError

DEFAULTS = {
    "D": 2, "H": 2, "Q": 2, "nonlinearity": "tanh", "seed": 30,
    # topic 030, "Forward propagation, worked by hand"
    "W_x": [[0.1, 0.2], [0.3, 0.4]], "x_1": [1.0, 2.0], "W_h": [[0.5, 0.6], [0.7, 0.8]],
    "h_0": [0.0, 0.0], "b": [0.1, 0.1],
    # chosen for this demo (the source gives no output layer and no second input)
    "W_y": [[1.0, -1.0], [0.5, 0.5]], "b_y": [0.0, 0.0], "x_2": [0.5, -1.0],
}


@bounds.seeded
def draw(uniform) -> dict[str, np.ndarray]:
    """Every entry at the largest sizes, from the seed (a size change takes a corner of it)."""
    D = H = Q = bounds.draw_sizes(bounds.STEP_INPUT_SIZE, bounds.STEP_HIDDEN_SIZE,
                                  bounds.STEP_OUTPUT_SIZE)
    return {"W_x": uniform(H, D, scale=0.5), "x_1": uniform(D, scale=2.0),
            "W_h": uniform(H, H, scale=0.8), "h_0": np.zeros(H), "b": uniform(H, scale=0.2),
            "W_y": uniform(Q, H), "b_y": np.zeros(Q), "x_2": uniform(D, scale=2.0)}


def _f(nonlinearity: str) -> str:
    return r"\tanh" if nonlinearity == "tanh" else r"\mathrm{ReLU}"


def _step(t: int, trace, f: str) -> list[dict]:
    """One step's intermediates as rows, in the trace's order, with its notes and symbols: what
    it is, the formula with the numbers, the result. The activation is written f(a_t) once the
    pre-activation a_t has been shown."""
    inputs = trace.inputs
    return trace_rows(trace, {
        "Wx_x": ((inputs["W_x"], inputs["x"]), {"products": (0,)}, None),
        "Wh_h": ((inputs["W_h"], inputs["h_prev"]), {"products": (0,)}, None),
        "a": ((trace["Wx_x"], trace["Wh_h"], inputs["b"]), {"sums": (0, 1)}, None),
        "h": ((trace["a"],), {"applied": {0: f}}, f"h_{{{t}}} = {f}(a_{{{t}}})"),
    })


def _output(t: int, h: np.ndarray, W_y: np.ndarray, b_y: np.ndarray) -> tuple[list[dict], np.ndarray]:
    scores, _ = linear_forward(h[None], W_y, b_y)
    scores = scores[0]
    prediction = softmax(scores)
    rows = [
        {"key": f"s_{t}", "note": "scores (logits)", "value": scores,
         "math": equation(f"s_{{{t}}} = W_y h_{{{t}}} + b_y", W_y, h, b_y, scores,
                          products=(0,), sums=(1,))},
        {"key": f"yhat_{t}", "note": "prediction", "value": prediction,
         "math": equation(rf"\hat{{y}}_{{{t}}} = \operatorname{{softmax}}(s_{{{t}}})", prediction)},
    ]
    return rows, prediction


def compute(*, D: int, H: int, Q: int, nonlinearity: str, seed: int, W_x: np.ndarray,
            x_1: np.ndarray, W_h: np.ndarray, h_0: np.ndarray, b: np.ndarray, W_y: np.ndarray,
            b_y: np.ndarray, x_2: np.ndarray) -> dict:
    """Two steps of a vanilla RNN with every intermediate, and the output layer at each."""
    try:
        first = rnn_step_trace(W_x, x_1, W_h, h_0, b, nonlinearity=nonlinearity, step=1)
        second = rnn_step_trace(W_x, x_2, W_h, first["h"], b, nonlinearity=nonlinearity, step=2)
        f = _f(nonlinearity)
        out_1, _ = _output(1, first["h"], W_y, b_y)
        out_2, _ = _output(2, second["h"], W_y, b_y)
    except ValueError as error:
        raise InputError(None, str(error)) from error
    steps = [
        {"t": 1, "title": "Step 1", "rows": _step(1, first, f), "output": out_1},
        {"t": 2, "title": "The next step: the same weights, now with h₁", "rows": _step(2, second, f),
         "output": out_2},
    ]
    return {
        "steps": steps,
        "update": symbol(rf"h_t = {f}(W_x x_t + W_h h_{{t-1}} + b)", display=True),
        "figures": {"hs_figure": _figure(nonlinearity, [first["a"], second["a"]],
                                         [first["h"], second["h"]])},
    }


def _figure(nonlinearity: str, pre: list[np.ndarray], post: list[np.ndarray]) -> dict:
    """f over a range, with each unit's (a_t, h_t) marked: where the squashing happens."""
    span = max(3.0, float(np.max(np.abs(np.concatenate(pre)))) * 1.15)
    grid = np.linspace(-span, span, 241)
    curve = tanh(grid) if nonlinearity == "tanh" else relu(grid)
    name = "tanh" if nonlinearity == "tanh" else "ReLU"
    traces = [{"type": "scatter", "x": grid, "y": curve, "mode": "lines", "name": name,
               "hoverinfo": "skip", "line": {"color": "#9aa4b2"}}]
    for t, (a, h) in enumerate(zip(pre, post), start=1):
        traces.append({
            "type": "scatter", "x": a, "y": h, "mode": "markers", "name": f"step {t}: (a, h) of each unit",
            "text": [f"unit {j + 1}" for j in range(a.size)],
            "marker": {"size": 11, "symbol": "circle" if t == 1 else "diamond"},
            "hovertemplate": "%{text}: a = %{x:.5f}, h = %{y:.5f}<extra>step " + str(t) + "</extra>"})
    return figure(traces, xaxis={"title": {"text": "pre-activation a"}},
                  yaxis={"title": {"text": f"h = {name}(a)"}},
                  title={"text": f"Each unit on the curve of {name}", "x": 0})
