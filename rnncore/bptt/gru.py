"""A GRU over a whole sequence: forward, and backward through time, in both forms.

Equations in cells/gru.py (gates r, z, n; PyTorch's n_t = tanh(W_xn x + b_xn + r ⊙ (W_hn h + b_hn))
by default, the textbook W_hn (r ⊙ h) with reset_after=False; h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}).
Arranged for speed as bptt/rnn.py and bptt/lstm.py: columns, one product for all steps' inputs,
preallocated buffers, σ(a) = 1 / (1 + e^{-a}) with the r and z weight rows negated once, and the
backward loop reduced to products with factors computed for all steps beforehand:

    da_n = dh ⊙ [(1 - z) tanh'(n)],   da_z = dh ⊙ [(h_{t-1} - n) σ'(z)]
    reset_after:  da_r = da_n ⊙ [(W_hn h + b_hn) σ'(r)],   d(W_hn h + b_hn) = da_n ⊙ r
    dh_{t-1} = dh ⊙ z + W_h^T [da_r; da_z; d(W_hn h + b_hn)]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..limits import check_cell_arguments
from .layout import check_gradients, columns, input_terms, weight_and_input_gradients


class GRUCache(NamedTuple):
    x2: np.ndarray          # (T*B, I)
    hs: np.ndarray          # (T+1, H, B) hidden states as columns; hs[0] = h_0
    gates: np.ndarray       # (T, 3H, B) activated r, z, n
    hidden_n: np.ndarray    # (T, H, B) W_hn h_{t-1} + b_hn (reset_after) or r ⊙ h_{t-1} (not)
    weight_ih: np.ndarray   # (3H, I), order r, z, n
    weight_hh: np.ndarray   # (3H, H)
    reset_after: bool


def gru_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True, out=None):
    """Run the GRU over x (T, B, I) from h0 (B, H).

    Returns outputs (T, B, H) (written into `out` if given), h_T (B, H) and the cache.
    """
    check_cell_arguments(x, {"h0": h0}, weight_ih, weight_hh, bias_ih, bias_hh, 3)
    T, B, I = x.shape
    H = weight_hh.shape[1]
    dtype = x.dtype
    # r and z as 1 / (1 + e^{-a}): their rows are negated once here, so one exp gives e^{-a}
    sign = np.ones((3 * H, 1), dtype)
    sign[:2 * H] = -1.0
    w_ih = weight_ih * sign
    w_hh = weight_hh * sign
    b = bias_ih.copy()
    # b_hr, b_hz always add outside any product; b_hn does too in the textbook form
    outside = 2 * H if reset_after else 3 * H
    b[:outside] += bias_hh[:outside]
    b *= sign[:, 0]
    b_hn = bias_hh[2 * H:, None]
    x2 = x.reshape(T * B, I)
    gates = input_terms(x2, w_ih, b, T)                  # (T, 3H, B)
    hs = np.empty((T + 1, H, B), dtype)
    hs[0] = h0.T
    hidden_n = np.empty((T, H, B), dtype)
    w_h = np.empty((3 * H, B), dtype)
    w_h_rz = w_h[:2 * H]
    tmp = np.empty((H, B), dtype)
    w_hh_rz, w_hh_n = w_hh[:2 * H], w_hh[2 * H:]
    with np.errstate(over="ignore"):                    # e^{-a} = inf gives σ = 1/inf = 0
        for t in range(T):
            a, h_prev, h, hn = gates[t], hs[t], hs[t + 1], hidden_n[t]
            rz, r, z, n = a[:2 * H], a[:H], a[H:2 * H], a[2 * H:]
            if reset_after:
                np.matmul(w_hh, h_prev, out=w_h)
            else:
                np.matmul(w_hh_rz, h_prev, out=w_h_rz)
            np.add(rz, w_h_rz, out=rz)
            np.exp(rz, out=rz)
            np.add(rz, 1.0, out=rz)
            np.reciprocal(rz, out=rz)
            if reset_after:
                np.add(w_h[2 * H:], b_hn, out=hn)        # W_hn h_{t-1} + b_hn
                np.multiply(r, hn, out=tmp)
            else:
                np.multiply(r, h_prev, out=hn)           # r ⊙ h_{t-1}
                np.matmul(w_hh_n, hn, out=tmp)
            np.add(n, tmp, out=n)
            np.tanh(n, out=n)
            np.subtract(h_prev, n, out=h)                # h = n + z ⊙ (h_{t-1} - n)
            np.multiply(h, z, out=h)
            np.add(h, n, out=h)
    if out is None:
        out = np.empty((T, B, H), dtype)
    np.copyto(out, hs[1:].transpose(0, 2, 1))
    cache = GRUCache(x2, hs, gates, hidden_n, weight_ih, weight_hh, reset_after)
    return out, hs[T].T.copy(), cache


def gru_backward(d_outputs, d_hT, cache):
    """Backpropagate through time.

    d_outputs: (T, B, H) or None; d_hT: (B, H) or None.
    Returns dx (T, B, I), dh0 (B, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    """
    T1, H, B = cache.hs.shape
    check_gradients(d_outputs, {"d_hT": d_hT}, T1 - 1, B, H, cache.hs.dtype)
    if not cache.reset_after:
        return _gru_backward_reset_before(d_outputs, d_hT, cache)
    x2, hs, gates, hidden_n, weight_ih, weight_hh, _ = cache
    T1, H, B = hs.shape
    T = T1 - 1
    dtype = hs.dtype
    r, z, n = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:]
    h_prev = hs[:T]
    # da holds per step the blocks [n (input side), z, r, n (hidden side)]: the input side's
    # gradient is blocks 0:3 and the hidden side's 1:4, and each step fills two blocks with one
    # broadcast product.
    n_z_factors = np.empty((T, 2, H, B), dtype)
    np.multiply(1.0 - z, 1.0 - n * n, out=n_z_factors[:, 0])
    np.multiply(h_prev - n, z * (1.0 - z), out=n_z_factors[:, 1])
    r_hn_factors = np.empty((T, 2, H, B), dtype)
    np.multiply(hidden_n, r * (1.0 - r), out=r_hn_factors[:, 0])
    r_hn_factors[:, 1] = r
    da = np.empty((T, 4, H, B), dtype)
    zrn = np.r_[H:2 * H, 0:H, 2 * H:3 * H]
    weight_hh_zrn_T = weight_hh[zrn].T

    dh = np.zeros((H, B), dtype) if d_hT is None else np.array(d_hT.T, order="C")
    d_out_steps = columns(d_outputs)
    through_w = np.empty((H, B), dtype)
    for t in range(T - 1, -1, -1):
        if d_out_steps is not None:
            np.add(dh, d_out_steps[t], out=dh)
        da_t = da[t]
        np.multiply(dh, n_z_factors[t], out=da_t[0:2])                # da_n, da_z
        np.multiply(da_t[0], r_hn_factors[t], out=da_t[2:4])          # da_r, d(W_hn h + b_hn)
        np.matmul(weight_hh_zrn_T, da_t[1:4].reshape(3 * H, B), out=through_w)
        np.multiply(dh, z[t], out=dh)
        np.add(dh, through_w, out=dh)                                # dh_{t-1}
    from_nzr = np.r_[2 * H:3 * H, H:2 * H, 0:H]
    from_zrn = np.r_[H:2 * H, 0:H, 2 * H:3 * H]
    input_side = da[:, 0:3].reshape(T, 3 * H, B)          # rows n, z, r
    hidden_side = da[:, 1:4].reshape(T, 3 * H, B)         # rows z, r, n
    weight_ih_grad, _, bias_ih_grad, dx = weight_and_input_gradients(
        input_side, x2, h_prev, weight_ih[from_nzr])
    _, weight_hh_grad, bias_hh_grad, _ = weight_and_input_gradients(
        hidden_side, None, h_prev, None)
    grads = {
        "weight_ih": weight_ih_grad[from_nzr],
        "weight_hh": weight_hh_grad[from_zrn],
        "bias_ih": bias_ih_grad[from_nzr],
        "bias_hh": bias_hh_grad[from_zrn],
    }
    return dx, np.ascontiguousarray(dh.T), grads


def _gru_backward_reset_before(d_outputs, d_hT, cache):
    """BPTT for the textbook GRU, n_t = tanh(W_xn x + b_xn + W_hn (r ⊙ h_{t-1}) + b_hn).

    Here input and hidden side share one pre-activation gradient [da_r; da_z; da_n], and
        d(r ⊙ h) = W_hn^T da_n,  da_r = d(r ⊙ h) ⊙ [h_{t-1} σ'(r)],
        dh_{t-1} = dh ⊙ z + d(r ⊙ h) ⊙ r + W_h[r,z]^T [da_r; da_z].
    """
    x2, hs, gates, r_h, weight_ih, weight_hh, _ = cache
    T1, H, B = hs.shape
    T = T1 - 1
    dtype = hs.dtype
    r, z, n = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:]
    h_prev = hs[:T]
    z_n_factors = np.empty((T, 2, H, B), dtype)
    np.multiply(h_prev - n, z * (1.0 - z), out=z_n_factors[:, 0])
    np.multiply(1.0 - z, 1.0 - n * n, out=z_n_factors[:, 1])
    r_factor = h_prev * r * (1.0 - r)
    da = np.empty((T, 3, H, B), dtype)

    dh = np.zeros((H, B), dtype) if d_hT is None else np.array(d_hT.T, order="C")
    d_out_steps = columns(d_outputs)
    weight_rz_T = weight_hh[:2 * H].T
    weight_n_T = weight_hh[2 * H:].T
    d_rh = np.empty((H, B), dtype)
    through_w = np.empty((H, B), dtype)
    for t in range(T - 1, -1, -1):
        if d_out_steps is not None:
            np.add(dh, d_out_steps[t], out=dh)
        da_t = da[t]
        np.multiply(dh, z_n_factors[t], out=da_t[1:3])               # da_z, da_n
        np.matmul(weight_n_T, da_t[2], out=d_rh)                      # d(r ⊙ h_{t-1})
        np.multiply(d_rh, r_factor[t], out=da_t[0])
        np.matmul(weight_rz_T, da_t[0:2].reshape(2 * H, B), out=through_w)
        np.multiply(dh, z[t], out=dh)
        np.add(dh, through_w, out=dh)
        np.multiply(d_rh, r[t], out=d_rh)
        np.add(dh, d_rh, out=dh)                                     # dh_{t-1}
    da = da.reshape(T, 3 * H, B)
    weight_ih_grad, weight_hh_rz_grad, bias_grad, dx = weight_and_input_gradients(
        da, x2, h_prev, weight_ih)
    _, weight_hh_n_grad, _, _ = weight_and_input_gradients(da[:, 2 * H:], None, r_h, None)
    weight_hh_grad = np.concatenate([weight_hh_rz_grad[:2 * H], weight_hh_n_grad])
    grads = {"weight_ih": weight_ih_grad, "weight_hh": weight_hh_grad,
             "bias_ih": bias_grad, "bias_hh": bias_grad.copy()}
    return dx, np.ascontiguousarray(dh.T), grads
