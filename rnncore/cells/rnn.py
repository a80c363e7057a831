"""One step of a vanilla (Elman) RNN, forward and backward.

    h_t = f(W_x x_t + W_h h_{t-1} + b)        f = tanh (default) or ReLU

In PyTorch's names W_x = weight_ih, W_h = weight_hh and b = bias_ih + bias_hh (PyTorch keeps two
bias vectors; only their sum matters, and each receives the same gradient).

Shapes: x (N, D), h_prev (N, H), weight_ih (H, D), weight_hh (H, H), bias_ih and bias_hh (H,).
Vectors are rows here (batch first within a step), so W x becomes x @ W.T.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..activations import _relu_derivative, _tanh_derivative
from ..limits import NONLINEARITIES, check_array, check_cache, check_cell_arguments, check_choice


class RNNStepCache(NamedTuple):
    x: np.ndarray           # (N, D)
    h_prev: np.ndarray      # (N, H) h_{t-1}
    weight_ih: np.ndarray   # (H, D)
    weight_hh: np.ndarray   # (H, H)
    h: np.ndarray           # (N, H) h_t
    nonlinearity: str


def rnn_step_forward(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh"):
    """Return h_t (N, H) and the cache rnn_step_backward needs."""
    check_cell_arguments(x, {"h_prev": h_prev}, weight_ih, weight_hh, bias_ih, bias_hh, 1,
                         x_ndim=2)
    nonlinearity = check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    a = x @ weight_ih.T + h_prev @ weight_hh.T + bias_ih + bias_hh
    h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)
    cache = RNNStepCache(x, h_prev, weight_ih, weight_hh, h, nonlinearity)
    return h, cache


def rnn_step_backward(dh, cache):
    """Given dL/dh_t (N, H), return dx (N, D), dh_prev (N, H) and the parameter gradients.

        da = dh ⊙ f'(a)        (a the pre-activation)
        dW_x = da^T x,  dW_h = da^T h_{t-1},  db = Σ_batch da,  dx = da W_x,  dh_{t-1} = da W_h
    """
    check_cache("cache", cache, RNNStepCache, "rnn_step_forward")
    x, h_prev, weight_ih, weight_hh, h, nonlinearity = cache
    check_array("dh", dh, h.shape, h.dtype)
    derivative = _tanh_derivative(h) if nonlinearity == "tanh" else _relu_derivative(h)
    da = dh * derivative
    dx = da @ weight_ih
    dh_prev = da @ weight_hh
    db = da.sum(axis=0)
    grads = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev, "bias_ih": db, "bias_hh": db.copy()}
    return dx, dh_prev, grads
