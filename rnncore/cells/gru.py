"""One step of a GRU, forward and backward, in PyTorch's form or the textbook one.

PyTorch's form (reset_after=True, the default; also cuDNN's and Keras' reset_after=True):

    r_t = σ(W_xr x_t + b_xr + W_hr h_{t-1} + b_hr)          reset gate
    z_t = σ(W_xz x_t + b_xz + W_hz h_{t-1} + b_hz)          update gate
    n_t = tanh(W_xn x_t + b_xn + r_t ⊙ (W_hn h_{t-1} + b_hn))   candidate (h̃_t)
    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

Textbook form (reset_after=False; Cho et al. 2014, d2l.ai): the reset gate acts before the product,
    n_t = tanh(W_xn x_t + b_xn + W_hn (r_t ⊙ h_{t-1}) + b_hn).

Gates are stacked r, z, n: weight_ih = [W_xr; W_xz; W_xn] (3H, D), weight_hh = [W_hr; W_hz; W_hn]
(3H, H), bias_ih = [b_xr; b_xz; b_xn] and bias_hh = [b_hr; b_hz; b_hn] (3H,). The two biases are
not interchangeable for n: b_hn sits inside the reset gate's product.

Shapes: x (N, D), h_prev (N, H).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..activations import _sigmoid as sigmoid
from ..activations import _sigmoid_derivative as sigmoid_derivative
from ..activations import _tanh_derivative as tanh_derivative
from ..limits import check_array, check_bool, check_cache, check_cell_arguments


class GRUStepCache(NamedTuple):
    x: np.ndarray           # (N, D)
    h_prev: np.ndarray      # (N, H) h_{t-1}
    weight_ih: np.ndarray   # (3H, D), order r, z, n
    weight_hh: np.ndarray   # (3H, H)
    r: np.ndarray           # (N, H) reset gate
    z: np.ndarray           # (N, H) update gate
    n: np.ndarray           # (N, H) candidate hidden state
    hn: np.ndarray          # (N, H) W_hn h_{t-1} + b_hn (reset_after) or W_hn (r ⊙ h_{t-1}) + b_hn
    reset_after: bool


def gru_step_forward(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True):
    """Return h_t (N, H) and the cache gru_step_backward needs."""
    check_cell_arguments(x, {"h_prev": h_prev}, weight_ih, weight_hh, bias_ih, bias_hh, 3,
                         x_ndim=2)
    reset_after = check_bool("reset_after", reset_after)
    H = h_prev.shape[1]
    ax = x @ weight_ih.T + bias_ih                                      # (N, 3H)
    ah_rz = h_prev @ weight_hh[:2 * H].T + bias_hh[:2 * H]              # (N, 2H)
    r = sigmoid(ax[:, :H] + ah_rz[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah_rz[:, H:])
    if reset_after:
        hn = h_prev @ weight_hh[2 * H:].T + bias_hh[2 * H:]             # W_hn h_{t-1} + b_hn
        n = np.tanh(ax[:, 2 * H:] + r * hn)
    else:
        hn = (r * h_prev) @ weight_hh[2 * H:].T + bias_hh[2 * H:]       # W_hn (r ⊙ h_{t-1}) + b_hn
        n = np.tanh(ax[:, 2 * H:] + hn)
    h = (1.0 - z) * n + z * h_prev
    cache = GRUStepCache(x, h_prev, weight_ih, weight_hh, r, z, n, hn, reset_after)
    return h, cache


def gru_step_backward(dh, cache):
    """Given dL/dh_t (N, H), return dx (N, D), dh_prev (N, H) and the parameter gradients.

        dn = dh ⊙ (1 - z),  dz = dh ⊙ (h_{t-1} - n),  dh_{t-1} = dh ⊙ z + (paths through the gates)
        da_n = dn ⊙ (1 - n²)
        reset_after:  dr = da_n ⊙ (W_hn h + b_hn),  d(W_hn h + b_hn) = da_n ⊙ r
        reset_before: d(r ⊙ h) = da_n W_hn,  dr = d(r ⊙ h) ⊙ h_{t-1}
    """
    check_cache("cache", cache, GRUStepCache, "gru_step_forward")
    x, h_prev, weight_ih, weight_hh, r, z, n, hn, reset_after = cache
    check_array("dh", dh, h_prev.shape, h_prev.dtype)
    H = h_prev.shape[1]
    da_n = dh * (1.0 - z) * tanh_derivative(n)
    da_z = dh * (h_prev - n) * sigmoid_derivative(z)
    dh_prev = dh * z
    if reset_after:
        da_r = da_n * hn * sigmoid_derivative(r)
        da_hn = da_n * r                                                # wrt W_hn h + b_hn
        da_x = np.concatenate([da_r, da_z, da_n], axis=1)               # wrt W_x x + b_x
        da_h = np.concatenate([da_r, da_z, da_hn], axis=1)              # wrt W_h h + b_h
        dW_hh = da_h.T @ h_prev
        dh_prev = dh_prev + da_h @ weight_hh
    else:
        d_rh = da_n @ weight_hh[2 * H:]                                 # wrt r ⊙ h_{t-1}
        da_r = d_rh * h_prev * sigmoid_derivative(r)
        da_x = da_h = np.concatenate([da_r, da_z, da_n], axis=1)        # both sides the same
        dW_hh = np.concatenate([da_h[:, :2 * H].T @ h_prev, da_n.T @ (r * h_prev)], axis=0)
        dh_prev = dh_prev + d_rh * r + da_h[:, :2 * H] @ weight_hh[:2 * H]
    dx = da_x @ weight_ih
    grads = {"weight_ih": da_x.T @ x, "weight_hh": dW_hh,
             "bias_ih": da_x.sum(axis=0), "bias_hh": da_h.sum(axis=0)}
    return dx, dh_prev, grads
