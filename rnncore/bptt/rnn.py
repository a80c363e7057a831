"""A vanilla RNN over a whole sequence: forward, and backward through time.

    h_t = f(W_x x_t + W_h h_{t-1} + b),   t = 1..T        (f = tanh or ReLU; see cells/rnn.py)

The same arithmetic as looping rnn_step_forward over t, arranged for speed (every layer uses this):
  * W_x x_t + b for all steps is one matrix product before the loop; so are the weight gradients
    after the backward loop (dW_h = Σ_t da_t h_{t-1}^T is one product over all T·B columns);
  * inside the loop, vectors are columns: each step's states are one contiguous (H, B) block of a
    (T+1, H, B) buffer, so the per-step product W_h h has H output rows (the shape OpenBLAS
    splits across cores), elementwise work runs over contiguous memory, and every result lands
    in a preallocated buffer (out=), so a step allocates nothing;
  * the activation's derivative is taken for all steps at once before the backward loop;
  * large buffers come from a Workspace the layer keeps, so a call does not pay a page fault
    for every 4 KB of fresh memory (see layout.py);
  * the layers check x, the states and the options themselves and call with check=False: the
    weights are then checked through one sum each (full checks only if one is not finite), as in
    bptt/lstm.py.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..limits import NONLINEARITIES, check_cell_arguments, check_choice
from .layout import (Workspace, check_gradients, columns, hidden_gradient, input_gradients,
                     input_terms, inputs_with_ones, rows, start_column)


class RNNCache(NamedTuple):
    xa: np.ndarray          # (T, I+1, B) inputs as columns plus a row of ones
    hs: np.ndarray          # (T+1, H, B) hidden states as columns; hs[0] = h_0
    weight_ih: np.ndarray   # (H, I)
    weight_hh: np.ndarray   # (H, H)
    nonlinearity: str
    workspace: Workspace


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh", out=None,
                workspace=None, check=True):
    """Run the RNN over x (T, B, I) from h0 (B, H).

    Returns outputs (T, B, H) (written into `out` if given), h_T (B, H), and the cache.
    `workspace` (a layout.Workspace) lends the scratch buffers; the cache refers to them, so it
    is valid until the next call with the same workspace. check=False is for a caller that has
    checked x, the state and nonlinearity itself (the layers): the weights are then checked for
    finiteness only, through one sum each.
    """
    if check:
        check_cell_arguments(x, {"h0": h0}, weight_ih, weight_hh, bias_ih, bias_hh, 1)
        check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    T, B, I = x.shape
    H = weight_hh.shape[0]
    b = bias_ih + bias_hh
    if not check and not math.isfinite(weight_ih.sum() + weight_hh.sum() + b.sum()):
        check_cell_arguments(x, {"h0": h0}, weight_ih, weight_hh, bias_ih, bias_hh, 1)
    ws = Workspace() if workspace is None else workspace
    xa = inputs_with_ones(x, ws)
    hs = ws.get("hs", (T + 1, H, B), x.dtype)
    hs[0] = h0.T
    a = input_terms(xa, weight_ih, b, ws.get("a", (T, H, B), x.dtype))   # (T, H, B): W_x x_t + b
    a_steps, h_steps = list(a), list(hs)                       # per-step views (H, B)
    wh_h = ws.get("wh_h", (H, B), x.dtype)
    relu = nonlinearity == "relu"
    for t in range(T):
        a_t = a_steps[t]
        np.dot(weight_hh, h_steps[t], out=wh_h)
        np.add(a_t, wh_h, out=a_t)
        if relu:
            np.maximum(a_t, 0.0, out=h_steps[t + 1])
        else:
            np.tanh(a_t, out=h_steps[t + 1])
    out = rows(hs[1:], out)
    cache = RNNCache(xa, hs, weight_ih, weight_hh, nonlinearity, ws)
    return out, hs[T].T.copy(), cache


def rnn_backward(d_outputs, d_hT, cache, check=True):
    """Backpropagate through time.

    d_outputs: dL/dh_t for every step (T, B, H), or None if the loss only sees h_T;
    d_hT: dL/dh_T from outside the sequence (B, H), or None.
    Returns dx (T, B, I), dh0 (B, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    check=False skips checking the gradients (for a caller that has, such as the layers).
    """
    xa, hs, weight_ih, weight_hh, nonlinearity, ws = cache
    T1, H, B = hs.shape
    T = T1 - 1
    dtype = hs.dtype
    if check:
        check_gradients(d_outputs, {"d_hT": d_hT}, T, B, H, dtype)
    h = hs[1:]
    # f'(a_t) for all steps: 1 - h^2 for tanh, [h > 0] for ReLU
    derivative = ws.get("derivative", (T, H, B), dtype)
    if nonlinearity == "relu":
        np.greater(h, 0, out=derivative)
    else:
        np.multiply(h, h, out=derivative)
        np.subtract(np.ones((), dtype), derivative, out=derivative)
    da = ws.get("da", (T, H, B), dtype)
    dh = start_column(d_hT, (H, B), dtype)
    d_out = columns(d_outputs, ws)
    d_out_steps = None if d_out is None else list(d_out)
    da_steps, derivative_steps = list(da), list(derivative)
    weight_hh_T = weight_hh.T
    add, multiply, dot = np.add, np.multiply, np.dot     # np.dot: the cheapest product call
    for t in range(T - 1, -1, -1):
        if d_out_steps is not None:
            add(dh, d_out_steps[t], dh)                  # dh_t = from above + from step t+1
        multiply(dh, derivative_steps[t], da_steps[t])
        dot(weight_hh_T, da_steps[t], out=dh)            # dh_{t-1} through W_h
    weight_ih_grad, bias_grad, dx, da2 = input_gradients(da, xa, weight_ih, ws)
    weight_hh_grad = hidden_gradient(da2, hs[:T], ws)
    grads = {"weight_ih": weight_ih_grad, "weight_hh": weight_hh_grad,
             "bias_ih": bias_grad, "bias_hh": bias_grad.copy()}
    return dx, np.ascontiguousarray(dh.T), grads
