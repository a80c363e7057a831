"""An LSTM over a whole sequence: forward, and backward through time.

Equations in cells/lstm.py (gates i, f, g, o; c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t; h_t = o_t ⊙ tanh(c_t)).
The same arithmetic as looping lstm_step_forward, arranged for speed (see bptt/rnn.py for the
layout: columns, one product for the inputs of all steps, preallocated buffers), plus:
  * the four gates are one product per step, (4H, H) @ (H, B);
  * sigmoid is computed as 0.5 tanh(a/2) + 0.5, with the sigmoid gates' weight rows halved once
    before the loop, so one tanh call covers all four gates. Halving is exact in binary floating
    point, so this changes no digit of a/2. Inside the loop the gates are reordered i, f, o, g so
    the three sigmoid gates are one block;
  * the backward loop needs only products with precomputed factors: for each step,
        dc  = dc_next + dh ⊙ o ⊙ (1 - tanh²c)
        da_i = dc ⊙ [g σ'(i)],  da_f = dc ⊙ [c_{t-1} σ'(f)],  da_g = dc ⊙ [i tanh'(g)],
        da_o = dh ⊙ [tanh(c) σ'(o)],  dc_next = dc ⊙ f
    and the bracketed factors are computed for all steps at once before it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class LSTMCache(NamedTuple):
    x2: np.ndarray          # (T*B, I)
    hs: np.ndarray          # (H, T+1, B) hidden states as columns; hs[:, 0] = h_0
    cs: np.ndarray          # (H, T+1, B) cell states; cs[:, 0] = c_0
    tanh_cs: np.ndarray     # (H, T, B) tanh(c_t)
    gates: np.ndarray       # (4H, T, B) activated gates in loop order i, f, o, g
    weight_ih: np.ndarray   # (4H, I), PyTorch order i, f, g, o
    weight_hh: np.ndarray   # (4H, H)


def _loop_order(H):
    """Row indices taking PyTorch's i, f, g, o stacking to the loop's i, f, o, g."""
    return np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, out=None):
    """Run the LSTM over x (T, B, I) from h0, c0 (B, H).

    Returns outputs (T, B, H) (written into `out` if given), h_T (B, H), c_T (B, H), the cache.
    """
    T, B, I = x.shape
    H = weight_hh.shape[1]
    dtype = x.dtype
    order = _loop_order(H)
    half = np.ones((4 * H, 1), dtype)
    half[:3 * H] = 0.5                                  # σ(a) = 0.5 tanh(a/2) + 0.5
    w_ih = weight_ih[order] * half
    w_hh = weight_hh[order] * half
    b = (bias_ih + bias_hh)[order, None] * half
    x2 = x.reshape(T * B, I)
    gates = w_ih @ x2.T                                  # (4H, T*B): all steps' input terms
    gates += b
    gates = gates.reshape(4 * H, T, B)
    hs = np.empty((H, T + 1, B), dtype)
    cs = np.empty((H, T + 1, B), dtype)
    tanh_cs = np.empty((H, T, B), dtype)
    hs[:, 0] = h0.T
    cs[:, 0] = c0.T
    gate_steps = list(gates.transpose(1, 0, 2))          # T views (4H, B)
    h_steps = list(hs.transpose(1, 0, 2))
    c_steps = list(cs.transpose(1, 0, 2))
    tanh_c_steps = list(tanh_cs.transpose(1, 0, 2))
    wh_h = np.empty((4 * H, B), dtype)
    i_g = np.empty((H, B), dtype)
    for t in range(T):
        a = gate_steps[t]
        np.matmul(w_hh, h_steps[t], out=wh_h)
        np.add(a, wh_h, out=a)
        np.tanh(a, out=a)
        sig = a[:3 * H]
        np.multiply(sig, 0.5, out=sig)
        np.add(sig, 0.5, out=sig)
        i, f, o, g = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
        c = c_steps[t + 1]
        np.multiply(f, c_steps[t], out=c)
        np.multiply(i, g, out=i_g)
        np.add(c, i_g, out=c)
        np.tanh(c, out=tanh_c_steps[t])
        np.multiply(o, tanh_c_steps[t], out=h_steps[t + 1])
    if out is None:
        out = np.empty((T, B, H), dtype)
    np.copyto(out, hs[:, 1:].transpose(1, 2, 0))
    cache = LSTMCache(x2, hs, cs, tanh_cs, gates, weight_ih, weight_hh)
    return out, hs[:, T].T.copy(), cs[:, T].T.copy(), cache


def lstm_backward(d_outputs, d_hT, d_cT, cache):
    """Backpropagate through time.

    d_outputs: (T, B, H) or None; d_hT, d_cT: (B, H) or None (gradients from beyond the sequence).
    Returns dx (T, B, I), dh0 (B, H), dc0 (B, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    """
    x2, hs, cs, tanh_cs, gates, weight_ih, weight_hh = cache
    H, T1, B = hs.shape
    T = T1 - 1
    dtype = hs.dtype
    i, f, o, g = gates[:H], gates[H:2 * H], gates[2 * H:3 * H], gates[3 * H:]
    # Local factors for every step at once, stacked in PyTorch's order i, f, g, o.
    factors = np.empty((4, H, T, B), dtype)
    np.multiply(g, i * (1.0 - i), out=factors[0])
    np.multiply(cs[:, :T], f * (1.0 - f), out=factors[1])
    np.multiply(i, 1.0 - g * g, out=factors[2])
    np.multiply(tanh_cs, o * (1.0 - o), out=factors[3])
    dh_to_dc = o * (1.0 - tanh_cs * tanh_cs)
    da = np.empty((4, H, T, B), dtype)                   # dL/d(pre-activation), i, f, g, o

    dh = np.zeros((H, B), dtype) if d_hT is None else np.array(d_hT.T, order="C")
    dc = np.zeros((H, B), dtype) if d_cT is None else np.array(d_cT.T, order="C")
    d_out_steps = None if d_outputs is None else list(d_outputs.transpose(0, 2, 1))
    ifg_factor_steps = list(factors[:3].transpose(2, 0, 1, 3))     # T views (3, H, B)
    o_factor_steps = list(factors[3].transpose(1, 0, 2))
    dh_to_dc_steps = list(dh_to_dc.transpose(1, 0, 2))
    f_steps = list(f.transpose(1, 0, 2))
    da_ifg_steps = list(da[:3].transpose(2, 0, 1, 3))
    da_o_steps = list(da[3].transpose(1, 0, 2))
    da_steps = list(da.reshape(4 * H, T, B).transpose(1, 0, 2))   # T views (4H, B)
    weight_hh_T = weight_hh.T
    tmp = np.empty((H, B), dtype)
    for t in range(T - 1, -1, -1):
        if d_out_steps is not None:
            np.add(dh, d_out_steps[t], out=dh)
        np.multiply(dh, dh_to_dc_steps[t], out=tmp)
        np.add(dc, tmp, out=dc)
        np.multiply(dc, ifg_factor_steps[t], out=da_ifg_steps[t])
        np.multiply(dh, o_factor_steps[t], out=da_o_steps[t])
        np.multiply(dc, f_steps[t], out=dc)              # dc_{t-1}
        np.matmul(weight_hh_T, da_steps[t], out=dh)      # dh_{t-1}
    da2 = da.reshape(4 * H, T * B)
    db = da2.sum(axis=1)
    grads = {
        "weight_ih": da2 @ x2,
        "weight_hh": da2 @ hs[:, :T].reshape(H, T * B).T,
        "bias_ih": db,
        "bias_hh": db.copy(),
    }
    dx = (da2.T @ weight_ih).reshape(T, B, -1)
    return dx, np.ascontiguousarray(dh.T), np.ascontiguousarray(dc.T), grads
