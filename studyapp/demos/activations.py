"""Activation functions and their derivatives, where they saturate, and a chain of T derivatives.

rnncore.activations computes every value: sigmoid, tanh and ReLU with their derivatives (in terms
of their outputs, as a forward pass caches them), softmax and its backward. Saturation is where
f'(a) drops below a threshold; its edges are found by bisection on rnncore's derivatives. The
chain is the scalar RNN h_t = w_h h_{t-1} + ... seen through f: every step back multiplies the
gradient by w_h f'(a_t), so after k steps (all at the same pre-activation a) it is (w_h f'(a))^k.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from rnncore.activations import (relu, relu_derivative, sigmoid, sigmoid_derivative, softmax,
                                 softmax_backward, tanh, tanh_derivative)

from studyapp.plots import figure

from . import bounds
from .display import symbol
from .errors import InputError
from .figures import LOG_AXIS

DEFAULTS = {"a": 2.0, "span": 6.0, "threshold": 0.05, "w_h": 1.0, "T": 30, "Q": 3, "seed": 60,
            "s": [2.0, 1.0, 0.1]}

# name -> (LaTeX of f, LaTeX of f', the function, its derivative from the output)
FUNCTIONS = {
    "sigmoid": (r"\sigma(a)", r"\sigma^{\prime}(a) = \sigma(a)(1 - \sigma(a))", sigmoid,
                sigmoid_derivative),
    "tanh": (r"\tanh(a)", r"\tanh^{\prime}(a) = 1 - \tanh^{2}(a)", tanh, tanh_derivative),
    "relu": (r"\mathrm{ReLU}(a)", r"\mathrm{ReLU}^{\prime}(a) = \mathbb{1}[a > 0]", relu,
             relu_derivative),
}
NAMES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}


@lru_cache(maxsize=64)
def _draw(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"s": np.round(rng.normal(0.0, 2.0, size=bounds.draw_sizes(bounds.SOFTMAX_SIZE)), 1)}


def draw(seed: int) -> dict[str, np.ndarray]:
    return {name: value.copy() for name, value in _draw(seed).items()}


def derivative(name: str, a) -> np.ndarray:
    """f'(a) through rnncore: the derivative of the output f(a)."""
    _, _, function, slope = FUNCTIONS[name]
    return slope(function(np.asarray(a, dtype=np.float64)))


def saturation_edge(name: str, threshold: float) -> float | None:
    """The |a| beyond which f'(a) < threshold (sigmoid, tanh; both symmetric), by bisection."""
    if name == "relu":
        return None
    peak = float(derivative(name, 0.0))
    if threshold >= peak:
        return 0.0
    low, high = 0.0, 60.0
    for _ in range(60):
        middle = (low + high) / 2
        if float(derivative(name, middle)) >= threshold:
            low = middle
        else:
            high = middle
    return high


def compute(*, a: float, span: float, threshold: float, w_h: float, T: int, Q: int, seed: int,
            s: np.ndarray) -> dict:
    grid = np.linspace(-span, span, bounds.ACTIVATION_POINTS)
    rows, curves, slopes = [], [], []
    for name, (f_tex, df_tex, function, slope) in FUNCTIONS.items():
        value = float(function(np.float64(a)))
        d = float(slope(np.float64(value)))
        edge = saturation_edge(name, threshold)
        factor = w_h * d
        with np.errstate(over="ignore", under="ignore"):
            chain = np.cumprod(np.full(T, factor))              # (w_h f'(a))^k, k = 1..T
        rows.append({
            "name": name, "label": NAMES[name], "f": symbol(f_tex), "df": symbol(df_tex),
            "value": value, "derivative": d, "saturated": d < threshold, "edge": edge,
            "factor": factor, "chain_T": float(chain[-1]),
        })
        y = function(grid)
        curves.append((name, y))
        slopes.append((name, slope(y)))
    chains = {row["name"]: np.abs(np.cumprod(np.full(T, row["factor"]))) for row in rows}
    try:
        prediction = softmax(s)
        jacobian = softmax_backward(np.eye(Q), np.tile(prediction, (Q, 1)))   # row i: dŷ_i/ds
    except ValueError as error:
        raise InputError("s", str(error)) from error
    return {
        "rows": rows,
        "a": a, "threshold": threshold, "w_h": w_h, "T": T,
        "softmax": {"prediction": prediction, "jacobian": jacobian,
                    "largest": float(np.max(np.abs(jacobian)))},
        "chain_symbol": symbol(r"\frac{\partial h_T}{\partial h_{T-k}} = \prod_{t=T-k+1}^{T} w_h f^{\prime}(a_t) "
                               r"= (w_h f^{\prime}(a))^{k}"),
        "figures": {
            "act_functions": _curves(grid, curves, a, threshold, "f(a)", "The functions"),
            "act_derivatives": _curves(grid, slopes, a, threshold, "f′(a)", "Their derivatives",
                                       derivative_plot=True),
            "act_chain": _chain(chains, T),
            "act_softmax": _softmax(s, prediction),
        },
    }


def _curves(grid, curves, a, threshold, y_title, title, derivative_plot=False) -> dict:
    traces = [{"type": "scatter", "x": grid, "y": y, "mode": "lines", "name": NAMES[name],
               "hovertemplate": "a = %{x:.3f}: %{y:.5f}<extra>" + NAMES[name] + "</extra>"}
              for name, y in curves]
    shapes = [{"type": "line", "x0": a, "x1": a, "yref": "paper", "y0": 0, "y1": 1,
               "line": {"color": "#1d232b", "dash": "dot", "width": 1}}]
    if derivative_plot:
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": threshold,
                       "y1": threshold, "line": {"color": "#b3261e", "dash": "dash", "width": 1}})
    return figure(traces, title={"text": title, "x": 0}, shapes=shapes,
                  xaxis={"title": {"text": "a"}}, yaxis={"title": {"text": y_title}})


def _chain(chains: dict, T: int) -> dict:
    steps = list(range(1, T + 1))
    traces = [{"type": "scatter", "x": steps, "y": np.where(values > 0, values, np.nan),
               "mode": "lines", "name": NAMES[name],
               "hovertemplate": "k = %{x}: %{y:.3e}<extra>" + NAMES[name] + "</extra>"}
              for name, values in chains.items()]
    return figure(traces, title={"text": "The gradient after k steps back", "x": 0},
                  xaxis={"title": {"text": "steps back k"}},
                  yaxis={"title": {"text": "|(w_h f′(a))^k|"}, **LOG_AXIS})


def _softmax(s: np.ndarray, prediction: np.ndarray) -> dict:
    labels = [f"j = {j + 1}" for j in range(s.size)]
    return figure([{"type": "bar", "x": labels, "y": prediction, "name": "ŷ = softmax(s)",
                    "text": [f"{p:.3f}" for p in prediction], "textposition": "outside",
                    "hovertemplate": "%{x}: %{y:.5f}<extra></extra>"}],
                  title={"text": "softmax(s)", "x": 0}, yaxis={"range": [0, 1.1]},
                  showlegend=False)
