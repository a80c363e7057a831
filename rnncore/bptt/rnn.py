"""A vanilla RNN over a whole sequence: forward, and backward through time.

    h_t = f(W_x x_t + W_h h_{t-1} + b),   t = 1..T        (f = tanh or ReLU; see cells/rnn.py)

The same arithmetic as looping rnn_step_forward over t, arranged for speed (every layer uses this):
  * W_x x_t + b for all steps is one matrix product before the loop; so are the weight gradients
    after the backward loop (dW_h = Σ_t da_t h_{t-1}^T is one product over all T·B columns);
  * inside the loop, vectors are columns: states are (H, B) slices of one (H, T+1, B) buffer, so
    the per-step product W_h h has H output rows (the shape OpenBLAS splits across cores), and
    every result lands in a preallocated buffer (out=), so a step allocates nothing;
  * the activation's derivative is taken for all steps at once before the backward loop.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class RNNCache(NamedTuple):
    x2: np.ndarray          # (T*B, I) inputs, one row per (step, sequence)
    hs: np.ndarray          # (H, T+1, B) hidden states as columns; hs[:, 0] = h_0
    weight_ih: np.ndarray   # (H, I)
    weight_hh: np.ndarray   # (H, H)
    nonlinearity: str


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh", out=None):
    """Run the RNN over x (T, B, I) from h0 (B, H).

    Returns outputs (T, B, H) (written into `out` if given), h_T (B, H), and the cache.
    """
    T, B, I = x.shape
    H = weight_hh.shape[0]
    x2 = x.reshape(T * B, I)
    hs = np.empty((H, T + 1, B), x.dtype)
    hs[:, 0] = h0.T
    # a_t = W_x x_t + b for every step in one product: (H, I) @ (I, T*B)
    a = weight_ih @ x2.T
    a += (bias_ih + bias_hh)[:, None]
    a_steps = list(a.reshape(H, T, B).transpose(1, 0, 2))      # T views (H, B)
    h_steps = list(hs.transpose(1, 0, 2))                      # T+1 views (H, B)
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
    np.copyto(out, hs[:, 1:].transpose(1, 2, 0))
    cache = RNNCache(x2, hs, weight_ih, weight_hh, nonlinearity)
    return out, hs[:, T].T.copy(), cache


def rnn_backward(d_outputs, d_hT, cache):
    """Backpropagate through time.

    d_outputs: dL/dh_t for every step (T, B, H), or None if the loss only sees h_T;
    d_hT: dL/dh_T from outside the sequence (B, H), or None.
    Returns dx (T, B, I), dh0 (B, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    """
    x2, hs, weight_ih, weight_hh, nonlinearity = cache
    H, T1, B = hs.shape
    T = T1 - 1
    h = hs[:, 1:]
    # f'(a_t) for all steps: 1 - h^2 for tanh, [h > 0] for ReLU
    derivative = (h > 0).astype(h.dtype) if nonlinearity == "relu" else 1.0 - h * h
    da = np.empty((H, T, B), hs.dtype)
    dh = np.zeros((H, B), hs.dtype) if d_hT is None else np.array(d_hT.T, order="C")
    d_out_steps = None if d_outputs is None else list(d_outputs.transpose(0, 2, 1))
    da_steps = list(da.transpose(1, 0, 2))
    derivative_steps = list(derivative.transpose(1, 0, 2))
    weight_hh_T = weight_hh.T
    for t in range(T - 1, -1, -1):
        if d_out_steps is not None:
            np.add(dh, d_out_steps[t], out=dh)          # dh_t = from above + from step t+1
        np.multiply(dh, derivative_steps[t], out=da_steps[t])
        np.matmul(weight_hh_T, da_steps[t], out=dh)     # dh_{t-1} through W_h
    da2 = da.reshape(H, T * B)
    db = da2.sum(axis=1)
    grads = {
        "weight_ih": da2 @ x2,
        "weight_hh": da2 @ hs[:, :T].reshape(H, T * B).T,
        "bias_ih": db,
        "bias_hh": db.copy(),
    }
    dx = (da2.T @ weight_ih).reshape(T, B, -1)
    return dx, np.ascontiguousarray(dh.T), grads
