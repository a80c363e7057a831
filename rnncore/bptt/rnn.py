"""A vanilla RNN over a whole sequence: forward, and backward through time.

    h_t = f(W_x x_t + W_h h_{t-1} + b),   t = 1..T        (f = tanh or ReLU; see cells/rnn.py)

The same arithmetic as looping rnn_step_forward over t, arranged for speed (every layer uses this):
  * W_x x_t + b for all steps is one matrix product before the loop; so are the weight gradients
    after the backward loop (dW_h = Σ_t da_t h_{t-1}^T is one product over all T·N columns);
  * inside the loop, vectors are columns: each step's states are one contiguous (H, N) block of a
    (T+1, H, N) buffer, so the per-step product W_h h has H output rows (the shape OpenBLAS
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
    xa: np.ndarray          # (T, D+1, N) inputs as columns plus a row of ones
    hs: np.ndarray          # (T+1, H, N) hidden states as columns; hs[0] = h_0
    weight_ih: np.ndarray   # (H, D)
    weight_hh: np.ndarray   # (H, H)
    nonlinearity: str
    workspace: Workspace


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh", out=None,
                workspace=None, check=True):
    """Run the RNN over x (T, N, D) from h0 (N, H).

    Returns outputs (T, N, H) (written into `out` if given), h_T (N, H), and the cache.
    `workspace` (a layout.Workspace) lends the scratch buffers; the cache refers to them, so it
    is valid until the next call with the same workspace. check=False is for a caller that has
    checked x, the state and nonlinearity itself (the layers): the weights are then checked for
    finiteness only, through one sum each.
    """
    if check:
        check_cell_arguments(x, {"h0": h0}, weight_ih, weight_hh, bias_ih, bias_hh, 1)
        check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    T, N, D = x.shape
    H = weight_hh.shape[0]
    b = bias_ih + bias_hh
    if not check and not math.isfinite(weight_ih.sum() + weight_hh.sum() + b.sum()):
        check_cell_arguments(x, {"h0": h0}, weight_ih, weight_hh, bias_ih, bias_hh, 1)
    ws = Workspace() if workspace is None else workspace
    xa = inputs_with_ones(x, ws)
    hs = ws.get("hs", (T + 1, H, N), x.dtype)
    hs[0] = h0.T
    a = input_terms(xa, weight_ih, b, ws.get("a", (T, H, N), x.dtype))   # (T, H, N): W_x x_t + b
    a_steps, h_steps = list(a), list(hs)                       # per-step views (H, N)
    wh_h = ws.get("wh_h", (H, N), x.dtype)
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

    d_outputs: dL/dh_t for every step (T, N, H), or None if the loss only sees h_T;
    d_hT: dL/dh_T from outside the sequence (N, H), or None.
    Returns dx (T, N, D), dh0 (N, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    check=False skips checking the gradients (for a caller that has, such as the layers).
    """
    xa, hs, weight_ih, weight_hh, nonlinearity, ws = cache
    T1, H, N = hs.shape
    T = T1 - 1
    dtype = hs.dtype
    if check:
        check_gradients(d_outputs, {"d_hT": d_hT}, T, N, H, dtype)
    h = hs[1:]
    # f'(a_t) for all steps: 1 - h^2 for tanh, [h > 0] for ReLU
    derivative = ws.get("derivative", (T, H, N), dtype)
    if nonlinearity == "relu":
        np.greater(h, 0, out=derivative)
    else:
        np.multiply(h, h, out=derivative)
        np.subtract(np.ones((), dtype), derivative, out=derivative)
    da = ws.get("da", (T, H, N), dtype)
    dh = start_column(d_hT, (H, N), dtype)
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
