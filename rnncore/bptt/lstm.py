"""An LSTM over a whole sequence: forward, and backward through time.

Equations in cells/lstm.py (gates i, f, g, o; c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t; h_t = o_t ⊙ tanh(c_t)).
The same arithmetic as looping lstm_step_forward, arranged for speed (see bptt/rnn.py for the
layout: columns, one product for the inputs of all steps, preallocated buffers), plus:
  * the four gates are one product per step, (4H, H) @ (H, B);
  * inside the loop the gates are reordered i, f, o, g so the three sigmoid gates are one block,
    and their weight rows are negated once before it, so σ(a) = 1 / (1 + e^{-a}) is three calls
    over that block (negation is exact, so this changes no digit);
  * the backward loop needs only products with precomputed factors: for each step,
        dc  = dc_next + dh ⊙ o ⊙ (1 - tanh²c)
        da_i = dc ⊙ [g σ'(i)],  da_f = dc ⊙ [c_{t-1} σ'(f)],  da_g = dc ⊙ [i tanh'(g)],
        da_o = dh ⊙ [tanh(c) σ'(o)],  dc_next = dc ⊙ f
    and the bracketed factors are computed for all steps at once before it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..limits import check_cell_arguments
from .layout import check_gradients, columns, input_terms, weight_and_input_gradients


class LSTMCache(NamedTuple):
    x2: np.ndarray          # (T*B, I)
    hs: np.ndarray          # (T+1, H, B) hidden states as columns; hs[0] = h_0
    cs: np.ndarray          # (T+1, H, B) cell states; cs[0] = c_0
    tanh_cs: np.ndarray     # (T, H, B) tanh(c_t)
    gates: np.ndarray       # (T, 4H, B) activated gates in loop order i, f, o, g
    weight_ih: np.ndarray   # (4H, I), PyTorch order i, f, g, o
    weight_hh: np.ndarray   # (4H, H)


def _loop_order(H):
    """Row indices taking PyTorch's i, f, g, o stacking to the loop's i, f, o, g."""
    return np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, out=None):
    """Run the LSTM over x (T, B, I) from h0, c0 (B, H).

    Returns outputs (T, B, H) (written into `out` if given), h_T (B, H), c_T (B, H), the cache.
    """
    check_cell_arguments(x, {"h0": h0, "c0": c0}, weight_ih, weight_hh, bias_ih, bias_hh, 4)
    T, B, I = x.shape
    H = weight_hh.shape[1]
    dtype = x.dtype
    order = _loop_order(H)
    # Sigmoid gates as 1 / (1 + e^{-a}): their rows are negated once here, so one exp gives
    # e^{-a} for all three (exp is about twice as fast as tanh in NumPy).
    sign = np.ones((4 * H, 1), dtype)
    sign[:3 * H] = -1.0
    w_ih = weight_ih[order] * sign
    w_hh = weight_hh[order] * sign
    b = (bias_ih + bias_hh)[order] * sign[:, 0]
    x2 = x.reshape(T * B, I)
    gates = input_terms(x2, w_ih, b, T)                 # (T, 4H, B): all steps' input terms
    hs = np.empty((T + 1, H, B), dtype)
    cs = np.empty((T + 1, H, B), dtype)
    tanh_cs = np.empty((T, H, B), dtype)
    hs[0] = h0.T
    cs[0] = c0.T
    wh_h = np.empty((4 * H, B), dtype)
    i_g = np.empty((H, B), dtype)
    with np.errstate(over="ignore"):                    # e^{-a} = inf gives σ = 1/inf = 0
        for t in range(T):
            a, c, tanh_c = gates[t], cs[t + 1], tanh_cs[t]
            np.matmul(w_hh, hs[t], out=wh_h)
            np.add(a, wh_h, out=a)
            sig, g = a[:3 * H], a[3 * H:]
            np.exp(sig, out=sig)
            np.add(sig, 1.0, out=sig)
            np.reciprocal(sig, out=sig)
            np.tanh(g, out=g)
            i, f, o = a[:H], a[H:2 * H], a[2 * H:3 * H]
            np.multiply(f, cs[t], out=c)
            np.multiply(i, g, out=i_g)
            np.add(c, i_g, out=c)
            np.tanh(c, out=tanh_c)
            np.multiply(o, tanh_c, out=hs[t + 1])
    if out is None:
        out = np.empty((T, B, H), dtype)
    np.copyto(out, hs[1:].transpose(0, 2, 1))
    cache = LSTMCache(x2, hs, cs, tanh_cs, gates, weight_ih, weight_hh)
    return out, hs[T].T.copy(), cs[T].T.copy(), cache


def lstm_backward(d_outputs, d_hT, d_cT, cache):
    """Backpropagate through time.

    d_outputs: (T, B, H) or None; d_hT, d_cT: (B, H) or None (gradients from beyond the sequence).
    Returns dx (T, B, I), dh0 (B, H), dc0 (B, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    """
    x2, hs, cs, tanh_cs, gates, weight_ih, weight_hh = cache
    T1, H, B = hs.shape
    T = T1 - 1
    check_gradients(d_outputs, {"d_hT": d_hT, "d_cT": d_cT}, T, B, H, hs.dtype)
    dtype = hs.dtype
    i, f, o, g = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    # Local factors for every step at once, stacked in PyTorch's order i, f, g, o.
    factors = np.empty((T, 4, H, B), dtype)
    np.multiply(g, i * (1.0 - i), out=factors[:, 0])
    np.multiply(cs[:T], f * (1.0 - f), out=factors[:, 1])
    np.multiply(i, 1.0 - g * g, out=factors[:, 2])
    np.multiply(tanh_cs, o * (1.0 - o), out=factors[:, 3])
    dh_to_dc = o * (1.0 - tanh_cs * tanh_cs)
    da = np.empty((T, 4, H, B), dtype)                   # dL/d(pre-activation), i, f, g, o

    dh = np.zeros((H, B), dtype) if d_hT is None else np.array(d_hT.T, order="C")
    dc = np.zeros((H, B), dtype) if d_cT is None else np.array(d_cT.T, order="C")
    d_out_steps = columns(d_outputs)
    weight_hh_T = weight_hh.T
    tmp = np.empty((H, B), dtype)
    for t in range(T - 1, -1, -1):
        if d_out_steps is not None:
            np.add(dh, d_out_steps[t], out=dh)
        factor, da_t = factors[t], da[t]
        np.multiply(dh, dh_to_dc[t], out=tmp)
        np.add(dc, tmp, out=dc)
        np.multiply(dc, factor[:3], out=da_t[:3])      # da_i, da_f, da_g
        np.multiply(dh, factor[3], out=da_t[3])          # da_o
        np.multiply(dc, f[t], out=dc)                    # dc_{t-1}
        np.matmul(weight_hh_T, da_t.reshape(4 * H, B), out=dh)    # dh_{t-1}
    da = da.reshape(T, 4 * H, B)
    weight_ih_grad, weight_hh_grad, bias_grad, dx = weight_and_input_gradients(
        da, x2, hs[:T], weight_ih)
    grads = {"weight_ih": weight_ih_grad, "weight_hh": weight_hh_grad,
             "bias_ih": bias_grad, "bias_hh": bias_grad.copy()}
    return dx, np.ascontiguousarray(dh.T), np.ascontiguousarray(dc.T), grads
