"""A vanilla RNN over a whole sequence: forward, and backward through time.

    h_t = f(W_x x_t + W_h h_{t-1} + b),   t = 1..T        (f = tanh or ReLU; see cells/rnn.py)

The same arithmetic as looping rnn_step_forward over t, arranged for speed (every layer uses this):
  * W_x x_t + b for all steps is one matrix product before the loop; so are the weight gradients
    after the backward loop (dW_h = Σ_t da_t h_{t-1}^T is one product over all T·B columns);
  * inside the loop, vectors are columns: each step's states are one contiguous (H, B) block of a
    (T+1, H, B) buffer, so the per-step product W_h h has H output rows (the shape OpenBLAS
    splits across cores), elementwise work runs over contiguous memory, and every result lands
    in a preallocated buffer (out=), so a step allocates nothing;
  * the activation's derivative is taken for all steps at once before the backward loop.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..limits import NONLINEARITIES, check_cell_arguments, check_choice
from .layout import check_gradients, columns, input_terms, weight_and_input_gradients


class RNNCache(NamedTuple):
    x2: np.ndarray          # (T*B, I) inputs, one row per (step, sequence)
    hs: np.ndarray          # (T+1, H, B) hidden states as columns; hs[0] = h_0
    weight_ih: np.ndarray   # (H, I)
    weight_hh: np.ndarray   # (H, H)
    nonlinearity: str


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh", out=None):
    """Run the RNN over x (T, B, I) from h0 (B, H).

    Returns outputs (T, B, H) (written into `out` if given), h_T (B, H), and the cache.
    """
    check_cell_arguments(x, {"h0": h0}, weight_ih, weight_hh, bias_ih, bias_hh, 1)
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    T, B, I = x.shape
    H = weight_hh.shape[0]
    x2 = x.reshape(T * B, I)
    hs = np.empty((T + 1, H, B), x.dtype)
    hs[0] = h0.T
    a = input_terms(x2, weight_ih, bias_ih + bias_hh, T)       # (T, H, B): W_x x_t + b
    a_steps, h_steps = list(a), list(hs)                       # per-step views (H, B)
    wh_h = np.empty((H, B), x.dtype)
    relu = nonlinearity == "relu"
    for t in range(T):
        a_t = a_steps[t]
        np.matmul(weight_hh, h_steps[t], out=wh_h)
        np.add(a_t, wh_h, out=a_t)
        if relu:
            np.maximum(a_t, 0.0, out=h_steps[t + 1])
        else:
            np.tanh(a_t, out=h_steps[t + 1])
    if out is None:
        out = np.empty((T, B, H), x.dtype)
    np.copyto(out, hs[1:].transpose(0, 2, 1))
    cache = RNNCache(x2, hs, weight_ih, weight_hh, nonlinearity)
    return out, hs[T].T.copy(), cache


def rnn_backward(d_outputs, d_hT, cache):
    """Backpropagate through time.

    d_outputs: dL/dh_t for every step (T, B, H), or None if the loss only sees h_T;
    d_hT: dL/dh_T from outside the sequence (B, H), or None.
    Returns dx (T, B, I), dh0 (B, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    """
    x2, hs, weight_ih, weight_hh, nonlinearity = cache
    T1, H, B = hs.shape
    T = T1 - 1
    check_gradients(d_outputs, {"d_hT": d_hT}, T, B, H, hs.dtype)
    h = hs[1:]
    # f'(a_t) for all steps: 1 - h^2 for tanh, [h > 0] for ReLU
    derivative = (h > 0).astype(h.dtype) if nonlinearity == "relu" else 1.0 - h * h
    da = np.empty((T, H, B), hs.dtype)
    dh = np.zeros((H, B), hs.dtype) if d_hT is None else np.array(d_hT.T, order="C")
    d_out_steps = columns(d_outputs)
    da_steps, derivative_steps = list(da), list(derivative)
    weight_hh_T = weight_hh.T
    for t in range(T - 1, -1, -1):
        if d_out_steps is not None:
            np.add(dh, d_out_steps[t], out=dh)          # dh_t = from above + from step t+1
        np.multiply(dh, derivative_steps[t], out=da_steps[t])
        np.matmul(weight_hh_T, da_steps[t], out=dh)     # dh_{t-1} through W_h
    weight_ih_grad, weight_hh_grad, bias_grad, dx = weight_and_input_gradients(
        da, x2, hs[:T], weight_ih)
    grads = {"weight_ih": weight_ih_grad, "weight_hh": weight_hh_grad,
             "bias_ih": bias_grad, "bias_hh": bias_grad.copy()}
    return dx, np.ascontiguousarray(dh.T), grads
