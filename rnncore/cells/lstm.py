"""One step of an LSTM, forward and backward.

    i_t = σ(W_xi x_t + W_hi h_{t-1} + b_i)          input gate
    f_t = σ(W_xf x_t + W_hf h_{t-1} + b_f)          forget gate
    g_t = tanh(W_xg x_t + W_hg h_{t-1} + b_g)       candidate (what the cell may write)
    o_t = σ(W_xo x_t + W_ho h_{t-1} + b_o)          output gate
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)

Gates are stacked in PyTorch's order i, f, g, o: weight_ih = [W_xi; W_xf; W_xg; W_xo] (4H, D),
weight_hh = [W_hi; W_hf; W_hg; W_ho] (4H, H), and b = bias_ih + bias_hh (4H,). (CS231n and
min-char-rnn's descendants stack i, f, o, g; convert at the edges, not here.)

Shapes: x (N, D), h_prev and c_prev (N, H).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..activations import _sigmoid as sigmoid
from ..activations import _sigmoid_derivative as sigmoid_derivative
from ..activations import _tanh_derivative as tanh_derivative
from ..limits import check_array, check_cache, check_cell_arguments


class LSTMStepCache(NamedTuple):
    x: np.ndarray           # (N, D)
    h_prev: np.ndarray      # (N, H) h_{t-1}
    c_prev: np.ndarray      # (N, H) c_{t-1}
    weight_ih: np.ndarray   # (4H, D), order i, f, g, o
    weight_hh: np.ndarray   # (4H, H)
    i: np.ndarray           # (N, H) input gate
    f: np.ndarray           # (N, H) forget gate
    g: np.ndarray           # (N, H) candidate g_t
    o: np.ndarray           # (N, H) output gate
    tanh_c: np.ndarray      # (N, H) tanh(c_t)


def lstm_step_forward(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """Return h_t (N, H), c_t (N, H) and the cache lstm_step_backward needs."""
    check_cell_arguments(x, {"h_prev": h_prev, "c_prev": c_prev}, weight_ih, weight_hh,
                         bias_ih, bias_hh, 4, x_ndim=2)
    H = h_prev.shape[1]
    a = x @ weight_ih.T + h_prev @ weight_hh.T + bias_ih + bias_hh      # (N, 4H)
    i = sigmoid(a[:, 0 * H:1 * H])
    f = sigmoid(a[:, 1 * H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:4 * H])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = LSTMStepCache(x, h_prev, c_prev, weight_ih, weight_hh, i, f, g, o, tanh_c)
    return h, c, cache


def lstm_step_backward(dh, dc, cache):
    """Given dL/dh_t and dL/dc_t (both (N, H), dc from the step after), return
    dx (N, D), dh_prev (N, H), dc_prev (N, H) and the parameter gradients.

        do = dh ⊙ tanh(c_t)
        dc = dc + dh ⊙ o_t ⊙ (1 - tanh²(c_t))       (c_t feeds h_t and c_{t+1})
        di = dc ⊙ g_t,  df = dc ⊙ c_{t-1},  dg = dc ⊙ i_t,  dc_{t-1} = dc ⊙ f_t
        da = [di ⊙ σ', df ⊙ σ', dg ⊙ tanh', do ⊙ σ']  then as in the vanilla cell.
    """
    check_cache("cache", cache, LSTMStepCache, "lstm_step_forward")
    x, h_prev, c_prev, weight_ih, weight_hh, i, f, g, o, tanh_c = cache
    check_array("dh", dh, h_prev.shape, h_prev.dtype)
    check_array("dc", dc, h_prev.shape, h_prev.dtype)
    do = dh * tanh_c
    dc = dc + dh * o * tanh_derivative(tanh_c)
    di = dc * g
    df = dc * c_prev
    dg = dc * i
    dc_prev = dc * f
    da = np.concatenate(
        [di * sigmoid_derivative(i), df * sigmoid_derivative(f),
         dg * tanh_derivative(g), do * sigmoid_derivative(o)],
        axis=1,
    )
    dx = da @ weight_ih
    dh_prev = da @ weight_hh
    db = da.sum(axis=0)
    grads = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev, "bias_ih": db, "bias_hh": db.copy()}
    return dx, dh_prev, dc_prev, grads
