r"""LSTM cell, step by step: the gates i_t, f_t, o_t, the candidate g_t, the cell c_t and h_t.

The defaults make step 1 topic 090's worked example ("One LSTM step by hand"): from c_0 = 2,
with x_1 = 1 and h_0 = 0, the column W_x gives the pre-activations ln 4, 0, artanh 0.5 and ln 9
(to five places), so i_1 = 0.8, f_1 = 0.5, g_1 = 0.5, o_1 = 0.9, c_1 = 1.4 and h_1 = 0.79682.
W_h = 0, b = 0 and x_2 = 0 are chosen here: once the input has gone every gate sits at
sigma(0) = 0.5 and the cell halves at every step, the course's point about a forget-gate bias
of 0. The forget shift Delta is added to every b_f, so the learner can push f_t towards 1 (the
cell keeps c_{t-1}) or towards 0 (it is wiped) and watch c_t over the sequence.

Every number comes from rnncore's lstm_step_trace, one call per step of the sequence x_1, x_2,
then x_t = 0 up to T: the first two steps are shown entry by entry, all T drawn over time.
"""

from __future__ import annotations

import numpy as np

from rnncore import lstm_step_trace

from . import bounds
from .display import any_step, equation, symbol, trace_rows
from .errors import InputError
from .figures import gates_over_time

GATES = ("i", "f", "g", "o")          # rnncore's (PyTorch's) order of the stacked blocks

# What to try, beside the equations (Markdown, the course's notation)
LESSON = (
    r"Slide **Δf** to the right and $f_t$ moves towards 1: the cell keeps $c_{t-1}$ step after "
    r"step. To the left it moves towards 0: the old memory is wiped and only what the input gate "
    r"writes, $i_t \odot g_t$, remains.",
    r"A forget gate with $b_f = 0$ sits near $\sigma(0) = 0.5$ and halves the memory at every "
    r"step; $b_f = 1$ gives $\sigma(1) \approx 0.73$, which is why it is often initialised so.",
)

DEFAULTS = {
    "D": 1, "H": 1, "T": 8, "shift_f": 0.0, "seed": 90,
    # topic 090, "One LSTM step by hand": W_x's column gives the gates' pre-activations
    "W_x": [[[1.38629]], [[0.0]], [[0.54931]], [[2.19722]]],
    "b": [[0.0], [0.0], [0.0], [0.0]], "x_1": [1.0], "h_0": [0.0], "c_0": [2.0],
    # chosen for this demo: no recurrence and no second input, so the later steps show the
    # gates' biases alone
    "W_h": [[[0.0]], [[0.0]], [[0.0]], [[0.0]]], "x_2": [0.0],
}


@bounds.seeded
def draw(uniform) -> dict[str, np.ndarray]:
    """Every entry at the largest sizes, from the seed (h_0 = 0, as the course starts)."""
    D = H = bounds.draw_sizes(bounds.LSTM_INPUT_SIZE, bounds.LSTM_HIDDEN_SIZE)
    G = len(GATES)
    return {"W_x": uniform(G, H, D), "W_h": uniform(G, H, H, scale=0.8),
            "b": uniform(G, H, scale=0.5), "x_1": uniform(D, scale=2.0), "h_0": np.zeros(H),
            "c_0": uniform(H, scale=2.0), "x_2": uniform(D, scale=2.0)}


def _step(trace) -> list[dict]:
    """One step's intermediates in the trace's order: the stacked products, each gate from its
    slice of the pre-activations, then what the cell keeps and writes, c_t and h_t."""
    inputs, a = trace.inputs, trace["a"]
    gate = dict(zip(GATES, np.split(a, len(GATES))))
    sigma, tanh = {"applied": {0: r"\sigma"}}, {"applied": {0: r"\tanh"}}
    elementwise, plus = {"hadamards": (0,)}, {"sums": (0,)}
    return trace_rows(trace, {
        "Wx_x": ((inputs["W_x"], inputs["x"]), {"products": (0,)}, None),
        "Wh_h": ((inputs["W_h"], inputs["h_prev"]), {"products": (0,)}, None),
        "a": ((trace["Wx_x"], trace["Wh_h"], inputs["b"]), {"sums": (0, 1)}, None),
        "i": ((gate["i"],), sigma, None),
        "f": ((gate["f"],), sigma, None),
        "g": ((gate["g"],), tanh, None),
        "o": ((gate["o"],), sigma, None),
        "f_c": ((trace["f"], inputs["c_prev"]), elementwise, None),
        "i_g": ((trace["i"], trace["g"]), elementwise, None),
        "c": ((trace["f_c"], trace["i_g"]), plus, None),
        "tanh_c": ((trace["c"],), tanh, None),
        "h": ((trace["o"], trace["tanh_c"]), elementwise, None),
    })


def compute(*, D: int, H: int, T: int, shift_f: float, seed: int, W_x: np.ndarray,
            W_h: np.ndarray, b: np.ndarray, x_1: np.ndarray, h_0: np.ndarray, c_0: np.ndarray,
            x_2: np.ndarray) -> dict:
    """T steps of one LSTM cell from (h_0, c_0) on x_1, x_2, 0, ..., 0; the first two in full.
    W_x (4, H, D), W_h (4, H, H) and b (4, H) arrive gate by gate and are stacked as rnncore
    takes them, (4H, D), (4H, H), (4H,); shift_f is added to the forget gate's bias."""
    bias = b.copy()
    bias[GATES.index("f")] += shift_f
    W_x, W_h, bias = W_x.reshape(-1, D), W_h.reshape(-1, H), bias.reshape(-1)
    inputs = [x_1, x_2] + [np.zeros(D)] * (T - 2)
    traces, h, c = [], h_0, c_0
    try:
        for t, x in enumerate(inputs, start=1):
            traces.append(lstm_step_trace(W_x, x, W_h, h, c, bias, step=t))
            h, c = traces[-1]["h"], traces[-1]["c"]
    except ValueError as error:
        raise InputError(None, str(error)) from error
    first, second = traces[0], traces[1]
    forget_bias = first.inputs["b"][H:2 * H]            # what the trace used: b_f + Δ
    over_time = {name: np.array([trace[name] for trace in traces]) for name in ("c", "h", "f", "i")}
    return {
        "steps": [
            {"t": 1, "title": "Step 1", "rows": _step(first)},
            {"t": 2, "title": "The next step: the same weights, now with h₁ and c₁",
             "rows": _step(second)},
        ],
        "equations": [symbol(any_step(entry.symbol)) for entry in first.entries
                      if entry.key in (*GATES, "c", "h")],
        "lesson": LESSON,
        "shifts": [{"key": "b_f_shifted", "value": forget_bias,
                    "math": equation(r"b_f + \Delta_f", b[GATES.index("f")], shift_f,
                                     forget_bias, sums=(0,))}],
        "figures": {"lstm_sequence": gates_over_time(
            states={"cell state c": np.vstack([c_0, over_time["c"]]),
                    "hidden state h": np.vstack([h_0, over_time["h"]])},
            gates={"forget gate f": over_time["f"], "input gate i": over_time["i"]},
            title="The cell over the sequence")},
    }
