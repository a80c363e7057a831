"""BPTT and vanishing or exploding gradients; clipping by norm.

Part one: ||dL/dh_t|| for t = 1..T (rnncore.analysis.hidden_gradient_norms, the loss at the
last step, L = u . h_T) for three layers on the same input x_1..x_T: a tanh RNN whose W_h is
rescaled to the spectral radius rho(W_h) the learner sets, and an LSTM and a GRU with PyTorch's
initialisation (the seed's). Each step back multiplies the gradient by the Jacobian
diag(f'(a_t)) W_h, so for the RNN it shrinks (rho < 1) or can grow (rho > 1) geometrically.

Part two: a few steps of plain gradient descent on a tanh RNN with the same rho(W_h) (its own
sizes, the clipping bounds'; a linear head reads h_T and regresses x_1's first entry, MSE): the global gradient norm before and after
rnncore.clip_grad_norm, each step.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from rnncore import GRU, LSTM, RNN, SGD, Linear, clip_grad_norm, mse_loss
from rnncore.analysis import hidden_gradient_norms, recurrent_spectral_radii, spectral_radius

from studyapp.plots import figure

from . import bounds
from .display import symbol
from .errors import InputError
from .figures import LOG_AXIS

DEFAULTS = {"rho": 1.0, "T": 30, "H": 8, "D": 2, "seed": 80,
            "clip": 1.0, "lr": 0.1, "steps": 8, "train_T": 20, "train_H": 8, "batch": 8}


@lru_cache(maxsize=16)
def _draw(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    T = bounds.draw_sizes(bounds.GRADIENT_STEPS, steps=True)
    D = H = N = bounds.draw_sizes(bounds.GRADIENT_INPUT_SIZE, bounds.GRADIENT_HIDDEN_SIZE,
                                  bounds.TRAINING_HIDDEN_SIZE, bounds.TRAINING_BATCH,
                                  bounds.TRAINING_SEQ_LEN)
    return {"x": rng.normal(0.0, 1.0, size=(T, D)),
            "W_h": rng.normal(0.0, 1.0, size=(H, H)),
            "train_x": rng.normal(0.0, 1.0, size=(N, N, D))}      # (T, N, D), T <= DRAW_SIZE


def draw(seed: int) -> dict[str, np.ndarray]:
    """This demo has no grids: the seed draws the inputs and the layers' weights."""
    return {}


def _recurrent_matrix(seed: int, H: int, rho: float) -> np.ndarray:
    """An H x H matrix from the seed, rescaled so that its spectral radius is rho."""
    base = _draw(seed)["W_h"][:H, :H]
    radius = spectral_radius(base)
    if radius == 0:                       # H = 1 and a zero draw: any direction will do
        base, radius = np.eye(H), 1.0
    return base * (rho / radius)


def _rnn(seed: int, D: int, H: int, rho: float) -> RNN:
    layer = RNN(D, H, nonlinearity="tanh", dtype=np.float64, seed=seed)
    layer.parameters()["weight_hh_l0"][...] = _recurrent_matrix(seed, H, rho)
    return layer


def compute(*, rho: float, T: int, H: int, D: int, seed: int, clip: float, lr: float,
            steps: int, train_T: int, train_H: int, batch: int) -> dict:
    x = _draw(seed)["x"][:T, None, :D]                          # (T, 1, D): one sequence
    try:
        rnn = _rnn(seed, D, H, rho)
        lstm = LSTM(D, H, dtype=np.float64, seed=seed)
        gru = GRU(D, H, dtype=np.float64, seed=seed)
        norms = {"RNN": hidden_gradient_norms(rnn, x),
                 "LSTM": hidden_gradient_norms(lstm, x),
                 "GRU": hidden_gradient_norms(gru, x)}
        radii = {"RNN": recurrent_spectral_radii(rnn)["h"],
                 "LSTM": recurrent_spectral_radii(lstm), "GRU": recurrent_spectral_radii(gru)}
        train_x = _draw(seed)["train_x"][:train_T, :batch, :D]
        training = _train(seed, train_x, D, train_H, rho, clip, lr, steps)
    except ValueError as error:
        raise InputError(None, str(error)) from error
    summary = []
    for name, values in norms.items():
        with np.errstate(divide="ignore"):
            ratio = values[0] / values[-1] if values[-1] > 0 else float("inf")
        summary.append({"name": name, "first": float(values[0]), "last": float(values[-1]),
                        "ratio": float(ratio), "norms": values})
    return {
        "T": T, "rho": rho, "clip": clip, "radius": radii["RNN"], "radii": radii,
        "summary": summary, "training": training,
        "norm_symbol": symbol(r"\lVert \delta_t \rVert = \lVert \partial \mathcal{L} / \partial h_t \rVert"),
        "jacobian_symbol": symbol(r"\frac{\partial h_t}{\partial h_{t-1}} = "
                                  r"\operatorname{diag}(f'(a_t)) \, W_h"),
        "figures": {"grad_norms": _norms_figure(norms, T, rho),
                    "grad_clipping": _clipping_figure(training, clip)},
    }


def _train(seed: int, x: np.ndarray, D: int, H: int, rho: float, clip: float, lr: float,
           steps: int) -> list[dict]:
    """`steps` steps of SGD with clipping by global norm; the norms before and after each.
    x (T, N, D): the training batch."""
    rnn = _rnn(seed, D, H, rho)
    head = Linear(H, 1, dtype=np.float64, seed=seed + 1)
    target = x[0, :, :1]                                            # (B, 1): remember x_1
    optimizer = SGD(lr=lr)
    params = {**rnn.parameters(), **{f"head.{k}": v for k, v in head.parameters().items()}}
    rows = []
    for step in range(1, steps + 1):
        _, h_n = rnn.forward(x)
        scores = head.forward(h_n[-1])                              # (B, 1)
        loss, d_scores = mse_loss(scores, target)
        d_h, head_grads = head.backward(d_scores)
        _, _, grads = rnn.backward(None, d_h[None])
        grads = {**grads, **{f"head.{k}": v for k, v in head_grads.items()}}
        before, after = clip_grad_norm(grads, clip)
        optimizer.step(params, grads)
        rows.append({"step": step, "loss": float(loss), "before": before, "after": after,
                     "clipped": before > clip})
    return rows


def _norms_figure(norms: dict, T: int, rho: float) -> dict:
    steps = list(range(1, T + 1))
    traces = [{"type": "scatter", "x": steps, "y": np.where(values > 0, values, np.nan),
               "mode": "lines+markers", "name": name if name != "RNN" else f"RNN, ρ = {rho:g}",
               "marker": {"size": 5},
               "hovertemplate": "t = %{x}: %{y:.3e}<extra>" + name + "</extra>"}
              for name, values in norms.items()]
    return figure(traces, title={"text": "‖∂𝓛/∂h_t‖, the loss at the last step", "x": 0},
                  xaxis={"title": {"text": "step t"}},
                  yaxis={"title": {"text": "gradient norm"}, **LOG_AXIS})


def _clipping_figure(rows: list[dict], clip: float) -> dict:
    steps = [row["step"] for row in rows]
    return figure([
        {"type": "bar", "x": steps, "y": [row["before"] for row in rows], "name": "before clipping",
         "hovertemplate": "step %{x}: %{y:.5f}<extra>before</extra>"},
        {"type": "bar", "x": steps, "y": [row["after"] for row in rows], "name": "after clipping",
         "hovertemplate": "step %{x}: %{y:.5f}<extra>after</extra>"},
    ], barmode="group", title={"text": "Global gradient norm at each training step", "x": 0},
        shapes=[{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": clip, "y1": clip,
                 "line": {"color": "#b3261e", "dash": "dash", "width": 1}}],
        xaxis={"title": {"text": "training step"}, "dtick": 1},
        yaxis={"title": {"text": "‖∇𝓛‖"}, "rangemode": "tozero"})
