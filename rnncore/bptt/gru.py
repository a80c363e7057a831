"""A GRU over a whole sequence: forward, and backward through time, in both forms.

Equations in cells/gru.py (gates r, z, n; PyTorch's n_t = tanh(W_xn x + b_xn + r ⊙ (W_hn h + b_hn))
by default, the textbook W_hn (r ⊙ h) with reset_after=False; h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}).
Arranged for speed as bptt/rnn.py and bptt/lstm.py: columns, one product for all steps' inputs,
preallocated buffers, σ(a) = 0.5 tanh(a/2) + 0.5 with the r and z weight rows halved once, and the
backward loop reduced to products with factors computed for all steps beforehand:

    da_n = dh ⊙ [(1 - z) tanh'(n)],   da_z = dh ⊙ [(h_{t-1} - n) σ'(z)]
    reset_after:  da_r = da_n ⊙ [(W_hn h + b_hn) σ'(r)],   d(W_hn h + b_hn) = da_n ⊙ r
    dh_{t-1} = dh ⊙ z + W_h^T [da_r; da_z; d(W_hn h + b_hn)]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class GRUCache(NamedTuple):
    x2: np.ndarray          # (T*B, I)
    hs: np.ndarray          # (H, T+1, B) hidden states as columns; hs[:, 0] = h_0
    gates: np.ndarray       # (3H, T, B) activated r, z, n
    hidden_n: np.ndarray    # (H, T, B) W_hn h_{t-1} + b_hn (reset_after) or r ⊙ h_{t-1} (not)
    weight_ih: np.ndarray   # (3H, I), order r, z, n
    weight_hh: np.ndarray   # (3H, H)
    reset_after: bool


def gru_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True, out=None):
    """Run the GRU over x (T, B, I) from h0 (B, H).

    Returns outputs (T, B, H) (written into `out` if given), h_T (B, H) and the cache.
    """
    T, B, I = x.shape
    H = weight_hh.shape[1]
    dtype = x.dtype
    half = np.ones((3 * H, 1), dtype)
    half[:2 * H] = 0.5                                   # σ(a) = 0.5 tanh(a/2) + 0.5 for r, z
    w_ih = weight_ih * half
    w_hh = weight_hh * half
    b = bias_ih.copy()
    # b_hr, b_hz always add outside any product; b_hn does too in the textbook form
    hidden_bias_outside = 2 * H if reset_after else 3 * H
    b[:hidden_bias_outside] += bias_hh[:hidden_bias_outside]
    b = b[:, None] * half
    b_hn = bias_hh[2 * H:, None]
    x2 = x.reshape(T * B, I)
    gates = w_ih @ x2.T
    gates += b
    gates = gates.reshape(3 * H, T, B)
    hs = np.empty((H, T + 1, B), dtype)
    hs[:, 0] = h0.T
    hidden_n = np.empty((H, T, B), dtype)
    gate_steps = list(gates.transpose(1, 0, 2))
    h_steps = list(hs.transpose(1, 0, 2))
    hidden_n_steps = list(hidden_n.transpose(1, 0, 2))
    w_h = np.empty((3 * H, B), dtype)
    tmp = np.empty((H, B), dtype)
    w_hh_rz, w_hh_n = w_hh[:2 * H], w_hh[2 * H:]
    for t in range(T):
        a, h_prev, h, hn = gate_steps[t], h_steps[t], h_steps[t + 1], hidden_n_steps[t]
        rz = a[:2 * H]
        r, z, n = a[:H], a[H:2 * H], a[2 * H:]
        if reset_after:
            np.matmul(w_hh, h_prev, out=w_h)
            np.add(rz, w_h[:2 * H], out=rz)
        else:
            np.matmul(w_hh_rz, h_prev, out=w_h[:2 * H])
            np.add(rz, w_h[:2 * H], out=rz)
        np.tanh(rz, out=rz)
        np.multiply(rz, 0.5, out=rz)
        np.add(rz, 0.5, out=rz)
        if reset_after:
            np.add(w_h[2 * H:], b_hn, out=hn)            # W_hn h_{t-1} + b_hn
            np.multiply(r, hn, out=tmp)
        else:
            np.multiply(r, h_prev, out=hn)               # r ⊙ h_{t-1}
            np.matmul(w_hh_n, hn, out=tmp)
        np.add(n, tmp, out=n)
        np.tanh(n, out=n)
        np.subtract(h_prev, n, out=h)                    # h = n + z ⊙ (h_{t-1} - n)
        np.multiply(h, z, out=h)
        np.add(h, n, out=h)
    if out is None:
        out = np.empty((T, B, H), dtype)
    np.copyto(out, hs[:, 1:].transpose(1, 2, 0))
    cache = GRUCache(x2, hs, gates, hidden_n, weight_ih, weight_hh, reset_after)
    return out, hs[:, T].T.copy(), cache


def gru_backward(d_outputs, d_hT, cache):
    """Backpropagate through time.

    d_outputs: (T, B, H) or None; d_hT: (B, H) or None.
    Returns dx (T, B, I), dh0 (B, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    """
    if not cache.reset_after:
        return _gru_backward_reset_before(d_outputs, d_hT, cache)
    x2, hs, gates, hidden_n, weight_ih, weight_hh, _ = cache
    H, T1, B = hs.shape
    T = T1 - 1
    dtype = hs.dtype
    r, z, n = gates[:H], gates[H:2 * H], gates[2 * H:]
    h_prev = hs[:, :T]
    # da rows are blocks [n (input side), z, r, n (hidden side)], so that the input side's
    # gradient is blocks 0:3 and the hidden side's blocks 1:4, and each step writes two blocks
    # with one broadcast product.
    n_z_factors = np.empty((2, H, T, B), dtype)
    np.multiply(1.0 - z, 1.0 - n * n, out=n_z_factors[0])
    np.multiply(h_prev - n, z * (1.0 - z), out=n_z_factors[1])
    r_hn_factors = np.empty((2, H, T, B), dtype)
    np.multiply(hidden_n, r * (1.0 - r), out=r_hn_factors[0])
    r_hn_factors[1] = r
    da = np.empty((4, H, T, B), dtype)
    zrn = np.r_[H:2 * H, 0:H, 2 * H:3 * H]
    weight_hh_zrn_T = weight_hh[zrn].T

    dh = np.zeros((H, B), dtype) if d_hT is None else np.array(d_hT.T, order="C")
    d_out_steps = None if d_outputs is None else list(d_outputs.transpose(0, 2, 1))
    n_z_steps = list(n_z_factors.transpose(2, 0, 1, 3))            # T views (2, H, B)
    r_hn_steps = list(r_hn_factors.transpose(2, 0, 1, 3))
    z_steps = list(z.transpose(1, 0, 2))
    da_nz_steps = list(da[0:2].transpose(2, 0, 1, 3))
    da_rhn_steps = list(da[2:4].transpose(2, 0, 1, 3))
    da_n_steps = list(da[0].transpose(1, 0, 2))
    da_hidden_steps = list(da[1:4].reshape(3 * H, T, B).transpose(1, 0, 2))
    through_w = np.empty((H, B), dtype)
    for t in range(T - 1, -1, -1):
        if d_out_steps is not None:
            np.add(dh, d_out_steps[t], out=dh)
        np.multiply(dh, n_z_steps[t], out=da_nz_steps[t])             # da_n, da_z
        np.multiply(da_n_steps[t], r_hn_steps[t], out=da_rhn_steps[t])  # da_r, d(W_hn h + b_hn)
        np.matmul(weight_hh_zrn_T, da_hidden_steps[t], out=through_w)
        np.multiply(dh, z_steps[t], out=dh)
        np.add(dh, through_w, out=dh)                                # dh_{t-1}
    input_side = da[0:3].reshape(3 * H, T * B)          # rows n, z, r
    hidden_side = da[1:4].reshape(3 * H, T * B)         # rows z, r, n
    from_nzr = np.r_[2 * H:3 * H, H:2 * H, 0:H]
    from_zrn = np.r_[H:2 * H, 0:H, 2 * H:3 * H]
    grads = {
        "weight_ih": (input_side @ x2)[from_nzr],
        "weight_hh": (hidden_side @ hs[:, :T].reshape(H, T * B).T)[from_zrn],
        "bias_ih": input_side.sum(axis=1)[from_nzr],
        "bias_hh": hidden_side.sum(axis=1)[from_zrn],
    }
    dx = (input_side.T @ weight_ih[from_nzr]).reshape(T, B, -1)
    return dx, np.ascontiguousarray(dh.T), grads


def _gru_backward_reset_before(d_outputs, d_hT, cache):
    """BPTT for the textbook GRU, n_t = tanh(W_xn x + b_xn + W_hn (r ⊙ h_{t-1}) + b_hn).

    Here input and hidden side share one pre-activation gradient [da_r; da_z; da_n], and
        d(r ⊙ h) = W_hn^T da_n,  da_r = d(r ⊙ h) ⊙ [h_{t-1} σ'(r)],
        dh_{t-1} = dh ⊙ z + d(r ⊙ h) ⊙ r + W_h[r,z]^T [da_r; da_z].
    """
    x2, hs, gates, r_h, weight_ih, weight_hh, _ = cache
    H, T1, B = hs.shape
    T = T1 - 1
    dtype = hs.dtype
    r, z, n = gates[:H], gates[H:2 * H], gates[2 * H:]
    h_prev = hs[:, :T]
    z_n_factors = np.empty((2, H, T, B), dtype)
    np.multiply(h_prev - n, z * (1.0 - z), out=z_n_factors[0])
    np.multiply(1.0 - z, 1.0 - n * n, out=z_n_factors[1])
    r_factor = h_prev * r * (1.0 - r)
    da = np.empty((3, H, T, B), dtype)

    dh = np.zeros((H, B), dtype) if d_hT is None else np.array(d_hT.T, order="C")
    d_out_steps = None if d_outputs is None else list(d_outputs.transpose(0, 2, 1))
    z_n_steps = list(z_n_factors.transpose(2, 0, 1, 3))
    r_factor_steps = list(r_factor.transpose(1, 0, 2))
    r_steps = list(r.transpose(1, 0, 2))
    z_steps = list(z.transpose(1, 0, 2))
    da_zn_steps = list(da[1:3].transpose(2, 0, 1, 3))
    da_r_steps = list(da[0].transpose(1, 0, 2))
    da_n_steps = list(da[2].transpose(1, 0, 2))
    da_rz_steps = list(da[0:2].reshape(2 * H, T, B).transpose(1, 0, 2))
    weight_rz_T = weight_hh[:2 * H].T
    weight_n_T = weight_hh[2 * H:].T
    d_rh = np.empty((H, B), dtype)
    through_w = np.empty((H, B), dtype)
    for t in range(T - 1, -1, -1):
        if d_out_steps is not None:
            np.add(dh, d_out_steps[t], out=dh)
        np.multiply(dh, z_n_steps[t], out=da_zn_steps[t])            # da_z, da_n
        np.matmul(weight_n_T, da_n_steps[t], out=d_rh)                # d(r ⊙ h_{t-1})
        np.multiply(d_rh, r_factor_steps[t], out=da_r_steps[t])
        np.matmul(weight_rz_T, da_rz_steps[t], out=through_w)
        np.multiply(dh, z_steps[t], out=dh)
        np.add(dh, through_w, out=dh)
        np.multiply(d_rh, r_steps[t], out=d_rh)
        np.add(dh, d_rh, out=dh)                                     # dh_{t-1}
    da2 = da.reshape(3 * H, T * B)
    db = da2.sum(axis=1)
    weight_hh_grad = np.empty_like(weight_hh)
    weight_hh_grad[:2 * H] = da2[:2 * H] @ h_prev.reshape(H, T * B).T
    weight_hh_grad[2 * H:] = da2[2 * H:] @ r_h.reshape(H, T * B).T
    grads = {"weight_ih": da2 @ x2, "weight_hh": weight_hh_grad, "bias_ih": db, "bias_hh": db.copy()}
    dx = (da2.T @ weight_ih).reshape(T, B, -1)
    return dx, np.ascontiguousarray(dh.T), grads
