"""Feedforward vs recurrent: one network for any length (topics 020 and 010).

A sequence x_1..x_T of zeros with a pattern p (D entries) at step k, read two ways, with
weights drawn from the seed:

- a feedforward network with one hidden layer over the concatenated sequence,
  h = tanh(W_1 x + b_1), x in R^{TD}: rnncore's linear_forward, then rnncore.activations.tanh.
  W_1 is H x TD, so its parameters (H T D + H) grow with T, and the pattern at step k meets
  only columns (k-1)D+1..kD of W_1: the response depends on where the pattern is;
- a float64 tanh RNN layer (rnncore.RNN), h_t = tanh(W_x x_t + W_h h_{t-1} + b) from h_0 = 0:
  its parameters do not depend on T, and as the zeros before the pattern leave h at 0, the state
  right after it is h_k = tanh(W_x p) wherever k is (the same weights at every step).

Both biases are 0 here (so an all-zero input is "nothing" to either network); they are still
counted. The course writes one RNN bias b (H D + H^2 + H parameters); rnncore and PyTorch keep
two, bias_ih and bias_hh (H D + H^2 + 2H; bias_hh is 0 here). The pattern at every position
1..T is run as one batch through each network, so the page can show both responses per position.
"""

from __future__ import annotations

import numpy as np

from rnncore import RNN, linear_forward
from rnncore.activations import tanh

from studyapp.plots import figure

from . import bounds
from .display import equation, matrix, symbol
from .errors import InputError
from .figures import states_heatmap

DEFAULTS = {"D": 2, "H": 3, "T": 5, "k": 2, "seed": 20, "p": [1.0, 0.0]}    # p one-hot


def _make(uniform) -> dict[str, np.ndarray]:
    """Every entry at the largest sizes: W_1 as (H, steps, D), so a change of T keeps the
    columns of the steps that stay; W_x (H, D), W_h (H, H) and the pattern p (D)."""
    D = H = T = bounds.draw_sizes(bounds.CONTRAST_INPUT_SIZE, bounds.CONTRAST_HIDDEN_SIZE,
                                  bounds.CONTRAST_LENGTH)
    return {"W_1": uniform(H, T, D, scale=0.8), "W_x": uniform(H, D, scale=0.8),
            "W_h": uniform(H, H, scale=0.6), "p": uniform(D)}


draw = bounds.seeded(_make)


def weights(*, D: int, H: int, T: int, seed: int) -> dict[str, np.ndarray]:
    """The seed's weights at these sizes: W_1 (H, T*D), step by step along its columns."""
    drawn = draw(seed)
    return {"W_1": drawn["W_1"][:H, :T, :D].reshape(H, T * D), "b_1": np.zeros(H),
            "W_x": drawn["W_x"][:H, :D], "W_h": drawn["W_h"][:H, :H], "b": np.zeros(H)}


def sequences(p: np.ndarray, T: int) -> np.ndarray:
    """(positions, steps, D): sequence j is all zeros but p at step j + 1."""
    X = np.zeros((T, T, p.size))
    X[np.arange(T), np.arange(T)] = p
    return X


def mlp_count(*, D: int, H: int, T: int) -> int:
    return H * T * D + H


def rnn_count(*, D: int, H: int) -> int:
    """The course's count, one bias b."""
    return H * D + H * H + H


def compute(*, D: int, H: int, T: int, k: int, seed: int, p: np.ndarray) -> dict:
    """Both networks on the pattern at every position 1..T; the page dwells on position k."""
    if k > T:
        raise InputError("k", f"Pattern position k: choose from 1 to T = {T}.")
    w = weights(D=D, H=H, T=T, seed=seed)
    X = sequences(p, T)
    try:
        scores, _ = linear_forward(X.reshape(T, T * D), w["W_1"], w["b_1"])      # (positions, H)
        mlp = tanh(scores)
        net = RNN(D, H, nonlinearity="tanh", dtype=np.float64, seed=0)
        net.load_state_dict({"weight_ih_l0": w["W_x"], "weight_hh_l0": w["W_h"],
                             "bias_ih_l0": w["b"], "bias_hh_l0": np.zeros(H)})
        outputs, _ = net.forward(X.transpose(1, 0, 2))                          # (steps, positions, H)
    except ValueError as error:
        raise InputError(None, str(error)) from error
    after = outputs[np.arange(T), np.arange(T)]           # h_j with the pattern at j: (positions, H)
    states = outputs[:, k - 1, :]                          # h_1..h_T for the chosen k
    columns = slice((k - 1) * D, k * D)
    block = w["W_1"][:, columns]
    engine_count = sum(int(value.size) for value in net.parameters().values())
    mlp_params = int(w["W_1"].size + w["b_1"].size)
    max_T = int(bounds.CONTRAST_LENGTH.max)
    return {
        "D": D, "H": H, "T": T, "k": k,
        "x": X[k - 1].ravel(), "x_rows": [{"t": t + 1, "x": X[k - 1, t], "is_pattern": t == k - 1,
                                           "h": states[t], "key": f"rnn_h_{t + 1}"}
                                          for t in range(T)],
        "columns": {"first": (k - 1) * D + 1, "last": k * D},
        "mlp": {
            "equation": symbol(r"h = \tanh(W_1 x + b_1), \quad x = [x_1; x_2; \dots; x_T] "
                               r"\in \mathbb{R}^{TD}", display=True),
            "block": block, "a": scores[k - 1], "h": mlp[k - 1],
            # b_1 = 0: only the k-th block of columns meets a non-zero entry
            "math_a": equation(rf"W_1 x + b_1 = W_1^{{({k})}} p", block, p, scores[k - 1],
                               products=(0,)),
            "math_h": equation(r"h = \tanh(W_1 x + b_1)", mlp[k - 1]),
            "shape": f"{H} × {T * D}", "params": mlp_params,
            "formula": symbol(r"H \cdot T D + H"),
        },
        "rnn": {
            "equation": symbol(r"h_t = \tanh(W_x x_t + W_h h_{t-1} + b), \quad h_0 = 0",
                               display=True),
            "h_k": states[k - 1],
            "math_h_k": equation(rf"h_{{{k}}} = \tanh(W_x p + W_h h_{{{k - 1}}} + b)", states[k - 1]),
            "params": rnn_count(D=D, H=H), "engine_params": engine_count,
            "formula": symbol(r"H D + H^2 + H"),
            "engine_formula": symbol(r"H D + H^2 + 2H"),
        },
        "positions": [{"k": j + 1, "mlp": mlp[j], "rnn": after[j], "chosen": j + 1 == k,
                       "first": j * D + 1, "last": (j + 1) * D} for j in range(T)],
        "mlp_spread": float(np.max(np.abs(mlp - mlp[:1]))),
        "rnn_spread": float(np.max(np.abs(after - after[:1]))),
        "growth": [{"T": n, "mlp": mlp_count(D=D, H=H, T=n), "rnn": rnn_count(D=D, H=H),
                    "current": n == T} for n in range(1, max_T + 1)],
        "weights": [{"name": name, "shape": " × ".join(map(str, w[name].shape)),
                     "value": w[name], "math": matrix(w[name])}
                    for name in ("W_1", "W_x", "W_h")],
        "figures": {
            "ffr_positions_mlp": states_heatmap(
                mlp, [f"unit {j + 1}" for j in range(H)], limit=1.0,
                title="Feedforward: h for the pattern at each k", x_title="pattern position k",
                x_symbol="k"),
            "ffr_positions_rnn": states_heatmap(
                after, [f"unit {j + 1}" for j in range(H)], limit=1.0,
                title="RNN: h_k right after the pattern at each k",
                x_title="pattern position k", x_symbol="k"),
            "ffr_states": states_heatmap(
                states, [f"unit {j + 1}" for j in range(H)], limit=1.0,
                title=f"RNN: h_t with the pattern at k = {k} (blue > 0, red < 0)"),
            "ffr_growth": _growth(D, H, T, max_T),
        },
    }


def _growth(D: int, H: int, T: int, max_T: int) -> dict:
    """Parameters against T for both networks, the current T marked."""
    lengths = list(range(1, max_T + 1))
    traces = [
        {"type": "scatter", "x": lengths, "y": [mlp_count(D=D, H=H, T=n) for n in lengths],
         "mode": "lines+markers", "name": "feedforward, H·TD + H",
         "hovertemplate": "T = %{x}: %{y} parameters<extra>feedforward</extra>"},
        {"type": "scatter", "x": lengths, "y": [rnn_count(D=D, H=H)] * len(lengths),
         "mode": "lines+markers", "name": "RNN, HD + H² + H",
         "hovertemplate": "T = %{x}: %{y} parameters<extra>RNN</extra>"},
        {"type": "scatter", "x": [T, T], "y": [mlp_count(D=D, H=H, T=T), rnn_count(D=D, H=H)],
         "mode": "markers", "name": f"this T = {T}", "hoverinfo": "skip",
         "marker": {"size": 13, "symbol": "circle-open", "line": {"width": 2},
                    "color": "#1f2933"}},
    ]
    return figure(traces, title={"text": "Parameters against the sequence length T", "x": 0},
                  xaxis={"title": {"text": "sequence length T"}, "dtick": 1},
                  yaxis={"title": {"text": "parameters"}, "rangemode": "tozero"})
