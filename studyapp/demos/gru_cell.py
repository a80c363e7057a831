r"""GRU cell, step by step: the reset gate r_t, the update gate z_t, the candidate \tilde{h}_t, h_t.

The course's (and PyTorch's) GRU: the reset gate applied after the recurrent product,
\tilde{h}_t = tanh(W_xn x_t + b_xn + r_t ⊙ (W_hn h_{t-1} + b_hn)), and
h_t = (1 - z_t) ⊙ \tilde{h}_t + z_t ⊙ h_{t-1}, so z_t near 1 keeps the old state.

The defaults make step 1 the scalar example of topic 100 ("The GRU equations"): from h_0 = 0.5
with x_1 = 1, z_1 = sigma(ln 4) = 0.8 and the candidate \tilde{h}_1 = -0.2 (its input part
W_xn x_1 = -0.45273 plus r_1 (W_hn h_0) = 0.5 x 0.5), so h_1 = 0.36. W_hn = 1 (so the reset
gate matters), the zero biases and x_2 = 0 are chosen here. The shifts Delta_r and Delta_z
are added to every b_xr and b_xz (so to b_r = b_xr + b_hr and b_z): r_t near 0 leaves the
candidate the input's alone, near 1 lets it carry h_{t-1}; z_t near 1 keeps h_{t-1}.

Every number comes from rnncore's gru_step_trace (reset_after=True), one call per step of
x_1, x_2, then x_t = 0 up to T: the first two steps shown entry by entry, all T drawn over time.
"""

from __future__ import annotations

import numpy as np

from rnncore import gru_step_trace

from . import bounds
from .display import any_step, equation, symbol, trace_rows
from .errors import InputError
from .figures import gates_over_time

GATES = ("r", "z", "n")          # rnncore's (PyTorch's) order; n is the candidate \tilde{h}_t

# What to try, beside the equations (Markdown, the course's notation)
LESSON = (
    r"Slide **Δr** to the left and $r_t$ moves towards 0: the candidate $\tilde{h}_t$ ignores "
    r"$h_{t-1}$ and depends on the input alone. To the right it takes all of "
    r"$W_{hn} h_{t-1} + b_{hn}$.",
    r"The course's convention (PyTorch's): $z_t$ near 1 keeps $h_{t-1}$, near 0 replaces it by "
    r"the candidate; some texts swap the two. Slide **Δz** and watch the state hold or follow.",
)

DEFAULTS = {
    "D": 1, "H": 1, "T": 8, "shift_r": 0.0, "shift_z": 0.0, "seed": 100,
    # topic 100, "The GRU equations": z_1 = 0.8, the candidate -0.2, from h_0 = 0.5
    "W_x": [[[0.0]], [[1.38629]], [[-0.45273]]], "x_1": [1.0], "h_0": [0.5],
    # chosen for this demo: W_hn = 1, no biases, no second input
    "W_h": [[[0.0]], [[0.0]], [[1.0]]], "b_x": [[0.0], [0.0], [0.0]],
    "b_h": [[0.0], [0.0], [0.0]], "x_2": [0.0],
}


@bounds.seeded
def draw(uniform) -> dict[str, np.ndarray]:
    """Every entry at the largest sizes, from the seed."""
    D = H = bounds.draw_sizes(bounds.GRU_INPUT_SIZE, bounds.GRU_HIDDEN_SIZE)
    G = len(GATES)
    return {"W_x": uniform(G, H, D), "W_h": uniform(G, H, H, scale=0.8),
            "b_x": uniform(G, H, scale=0.5), "b_h": uniform(G, H, scale=0.5),
            "x_1": uniform(D, scale=2.0), "h_0": uniform(H, scale=0.9),
            "x_2": uniform(D, scale=2.0)}


def _step(trace) -> list[dict]:
    """One step's intermediates in the trace's order: the input terms, the gates, the recurrent
    term of the candidate before and after the reset gate, the candidate, the interpolation."""
    inputs, H = trace.inputs, trace.inputs["h_prev"].size
    W_h, b_h, h_prev = inputs["W_h"], inputs["b_h"], inputs["h_prev"]
    ax, ah = np.split(trace["Wx_x_bx"], 3), np.split(trace["Wh_h_bh_rz"], 2)
    affine = {"products": (0,), "sums": (1,)}
    gate = {"sums": (0,), "outer": r"\sigma"}
    elementwise, plus = {"hadamards": (0,)}, {"sums": (0,)}
    return trace_rows(trace, {
        "Wx_x_bx": ((inputs["W_x"], inputs["x"], inputs["b_x"]), affine, None),
        "Wh_h_bh_rz": ((W_h[:2 * H], h_prev, b_h[:2 * H]), affine, None),
        "r": ((ax[0], ah[0]), gate, None),
        "z": ((ax[1], ah[1]), gate, None),
        "Whn_h_bhn": ((W_h[2 * H:], h_prev, b_h[2 * H:]), affine, None),
        "r_Whn_h": ((trace["r"], trace["Whn_h_bhn"]), elementwise, None),
        "n": ((ax[2], trace["r_Whn_h"]), {"sums": (0,), "outer": r"\tanh"}, None),
        "one_minus_z_n": ((trace["z"], trace["n"]), {"complements": (0,), "hadamards": (0,)},
                          None),
        "z_h": ((trace["z"], h_prev), elementwise, None),
        "h": ((trace["one_minus_z_n"], trace["z_h"]), plus, None),
    })


def compute(*, D: int, H: int, T: int, shift_r: float, shift_z: float, seed: int,
            W_x: np.ndarray, W_h: np.ndarray, b_x: np.ndarray, b_h: np.ndarray,
            x_1: np.ndarray, h_0: np.ndarray, x_2: np.ndarray) -> dict:
    """T steps of one GRU cell from h_0 on x_1, x_2, 0, ..., 0; the first two in full.
    W_x (3, H, D), W_h (3, H, H), b_x and b_h (3, H) arrive gate by gate and are stacked as
    rnncore takes them; the shifts are added to b_xr and b_xz."""
    shifted = b_x.copy()
    shifted[0] += shift_r
    shifted[1] += shift_z
    W_x, W_h = W_x.reshape(-1, D), W_h.reshape(-1, H)
    inputs = [x_1, x_2] + [np.zeros(D)] * (T - 2)
    traces, h = [], h_0
    try:
        for t, x in enumerate(inputs, start=1):
            traces.append(gru_step_trace(W_x, x, W_h, h, shifted.reshape(-1), b_h.reshape(-1),
                                         step=t))
            h = traces[-1]["h"]
    except ValueError as error:
        raise InputError(None, str(error)) from error
    first, second = traces[0], traces[1]
    used = np.split(first.inputs["b_x"], 3)             # what the trace used: b_x + Δ
    over_time = {name: np.array([trace[name] for trace in traces]) for name in ("n", "h", "r", "z")}
    return {
        "steps": [
            {"t": 1, "title": "Step 1", "rows": _step(first)},
            {"t": 2, "title": "The next step: the same weights, now with h₁", "rows": _step(second)},
        ],
        "equations": [symbol(any_step(entry.symbol)) for entry in first.entries
                      if entry.key in ("r", "z", "n", "h")],
        "lesson": LESSON,
        "shifts": [
            {"key": "b_xr_shifted", "value": used[0],
             "math": equation(r"b_{xr} + \Delta_r", b_x[0], shift_r, used[0], sums=(0,))},
            {"key": "b_xz_shifted", "value": used[1],
             "math": equation(r"b_{xz} + \Delta_z", b_x[1], shift_z, used[1], sums=(0,))},
        ],
        "figures": {"gru_sequence": gates_over_time(
            states={"hidden state h": np.vstack([h_0, over_time["h"]]),
                    "candidate h̃": over_time["n"]},
            gates={"reset gate r": over_time["r"], "update gate z": over_time["z"]},
            title="The state over the sequence")},
    }
