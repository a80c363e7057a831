"""A GRU over a whole sequence: forward, and backward through time, in both forms.

Equations in cells/gru.py (gates r, z, n; PyTorch's n_t = tanh(W_xn x + b_xn + r ⊙ (W_hn h + b_hn))
by default, the textbook W_hn (r ⊙ h) with reset_after=False; h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}).
Arranged for speed as bptt/rnn.py and bptt/lstm.py: columns, one product for all steps' inputs,
buffers reused between calls, σ(a) = 1 / (1 + e^{-a}) with the r and z weight rows negated once,
and the backward loop reduced to products with factors computed for all steps beforehand:

    da_n = dh ⊙ [(1 - z) tanh'(n)],   da_z = dh ⊙ [(h_{t-1} - n) σ'(z)]
    reset_after:  da_r = da_n ⊙ [(W_hn h + b_hn) σ'(r)],   d(W_hn h + b_hn) = da_n ⊙ r
    dh_{t-1} = dh ⊙ z + W_h^T [da_r; da_z; d(W_hn h + b_hn)]

As in bptt/lstm.py, the layers check x, the state and reset_after themselves and call with
check=False: the weights are then checked through one sum each (full checks only if one is not
finite).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ..limits import check_bool, check_cell_arguments
from .layout import (Workspace, check_gradients, columns, hidden_gradient, input_gradients,
                     input_terms, inputs_with_ones, rows, start_column, step_major)


class GRUCache(NamedTuple):
    xa: np.ndarray          # (T, D+1, N) inputs as columns plus a row of ones
    hs: np.ndarray          # (T+1, H, N) hidden states as columns; hs[0] = h_0
    gates: np.ndarray       # (T, 3H, N) activated r, z, n
    hidden_n: np.ndarray    # (T, H, N) W_hn h_{t-1} + b_hn (reset_after) or r ⊙ h_{t-1} (not)
    weight_ih: np.ndarray   # (3H, D), order r, z, n
    weight_hh: np.ndarray   # (3H, H)
    reset_after: bool
    workspace: Workspace


def gru_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True, out=None,
                workspace=None, check=True):
    """Run the GRU over x (T, N, D) from h0 (N, H).

    Returns outputs (T, N, H) (written into `out` if given), h_T (N, H) and the cache.
    `workspace` (a layout.Workspace) lends the scratch buffers; the cache refers to them, so it
    is valid until the next call with the same workspace. check=False is for a caller that has
    checked x, the state and reset_after (a bool) itself (the layers): the weights are then
    checked for finiteness only, through one sum each.
    """
    if check:
        check_cell_arguments(x, {"h0": h0}, weight_ih, weight_hh, bias_ih, bias_hh, 3)
        reset_after = check_bool("reset_after", reset_after)
    elif not math.isfinite(weight_ih.sum() + weight_hh.sum() + bias_ih.sum() + bias_hh.sum()):
        check_cell_arguments(x, {"h0": h0}, weight_ih, weight_hh, bias_ih, bias_hh, 3)
    T, N, D = x.shape
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
    ws = Workspace() if workspace is None else workspace
    xa = inputs_with_ones(x, ws)
    gates = input_terms(xa, w_ih, b, ws.get("gates", (T, 3 * H, N), dtype))     # (T, 3H, N)
    hs = ws.get("hs", (T + 1, H, N), dtype)
    hs[0] = h0.T
    hidden_n = ws.get("hidden_n", (T, H, N), dtype)
    w_h = ws.get("w_h", (3 * H, N), dtype)
    w_h_rz = w_h[:2 * H]
    tmp = ws.get("tmp", (H, N), dtype)
    w_hh_rz, w_hh_n = w_hh[:2 * H], w_hh[2 * H:]
    one = np.ones((), dtype)            # a 0-d array: NumPy converts a Python float every call
    with np.errstate(over="ignore"):                    # e^{-a} = inf gives σ = 1/inf = 0
        for t in range(T):
            a, h_prev, h, hn = gates[t], hs[t], hs[t + 1], hidden_n[t]
            rz, r, z, n = a[:2 * H], a[:H], a[H:2 * H], a[2 * H:]
            if reset_after:
                np.dot(w_hh, h_prev, out=w_h)
            else:
                np.dot(w_hh_rz, h_prev, out=w_h_rz)
            np.add(rz, w_h_rz, out=rz)
            np.exp(rz, out=rz)
            np.add(rz, one, out=rz)
            np.reciprocal(rz, out=rz)
            if reset_after:
                np.add(w_h[2 * H:], b_hn, out=hn)        # W_hn h_{t-1} + b_hn
                np.multiply(r, hn, out=tmp)
            else:
                np.multiply(r, h_prev, out=hn)           # r ⊙ h_{t-1}
                np.dot(w_hh_n, hn, out=tmp)
            np.add(n, tmp, out=n)
            np.tanh(n, out=n)
            np.subtract(h_prev, n, out=h)                # h = n + z ⊙ (h_{t-1} - n)
            np.multiply(h, z, out=h)
            np.add(h, n, out=h)
    out = rows(hs[1:], out)
    cache = GRUCache(xa, hs, gates, hidden_n, weight_ih, weight_hh, reset_after, ws)
    return out, hs[T].T.copy(), cache


def gru_backward(d_outputs, d_hT, cache, check=True):
    """Backpropagate through time.

    d_outputs: (T, N, H) or None; d_hT: (N, H) or None.
    Returns dx (T, N, D), dh0 (N, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    check=False skips checking the gradients (for a caller that has, such as the layers).
    """
    T1, H, N = cache.hs.shape
    T = T1 - 1
    if check:
        check_gradients(d_outputs, {"d_hT": d_hT}, T, N, H, cache.hs.dtype)
    if cache.reset_after:
        return _gru_backward_reset_after(d_outputs, d_hT, cache, T, H, N)
    return _gru_backward_reset_before(d_outputs, d_hT, cache, T, H, N)


def _gru_backward_reset_after(d_outputs, d_hT, cache, T, H, N):
    """BPTT for PyTorch's GRU, n_t = tanh(W_xn x + b_xn + r ⊙ (W_hn h_{t-1} + b_hn))."""
    xa, hs, gates, hidden_n, weight_ih, weight_hh, _, ws = cache
    dtype = hs.dtype
    r, z = gates[:, :H], gates[:, H:2 * H]
    h_prev = hs[:T]
    one = np.ones((), dtype)
    # da holds per step the blocks [n (input side), z, r, n (hidden side)]: the input side's
    # gradient is blocks 0:3 and the hidden side's 1:4, and each step fills two blocks with one
    # broadcast product. Factors: [(1 - z) tanh'(n), (h_{t-1} - n) σ'(z)] multiply dh and
    # [(W_hn h + b_hn) σ'(r), r] multiply da_n.
    n_z_factors = ws.get("n_z_factors", (T, 2, H, N), dtype)
    r_hn_factors = ws.get("r_hn_factors", (T, 2, H, N), dtype)
    tmp = ws.get("factor_tmp", (T, H, N), dtype)
    _update_candidate_factors(gates, h_prev, tmp, one, n_out=n_z_factors[:, 0],
                              z_out=n_z_factors[:, 1])
    _sigmoid_derivative(r, tmp, one)
    np.multiply(hidden_n, tmp, out=r_hn_factors[:, 0])
    r_hn_factors[:, 1] = r
    da = ws.get("da", (T, 4, H, N), dtype)
    from_nzr, from_zrn = _gate_orders(H)
    weight_hh_zrn_T = weight_hh[from_zrn].T

    dh = start_column(d_hT, (H, N), dtype)
    d_out = columns(d_outputs, ws)
    through_w = ws.get("through_w", (H, N), dtype)
    add, multiply, dot = np.add, np.multiply, np.dot
    for t in range(T - 1, -1, -1):
        if d_out is not None:
            add(dh, d_out[t], dh)
        da_t = da[t]
        multiply(dh, n_z_factors[t], da_t[0:2])                # da_n, da_z
        multiply(da_t[0], r_hn_factors[t], da_t[2:4])          # da_r, d(W_hn h + b_hn)
        dot(weight_hh_zrn_T, da_t[1:4].reshape(3 * H, N), out=through_w)
        multiply(dh, z[t], dh)
        add(dh, through_w, dh)                                 # dh_{t-1}
    input_side = da[:, 0:3].reshape(T, 3 * H, N)          # rows n, z, r
    hidden_side = da[:, 1:4].reshape(T, 3 * H, N)         # rows z, r, n
    weight_ih_grad, bias_ih_grad, dx, _ = input_gradients(
        input_side, xa, weight_ih[from_nzr], ws)
    hidden2 = step_major(hidden_side, "hidden_side_step_major", ws)
    weight_hh_grad = hidden_gradient(hidden2, h_prev, ws)
    bias_hh_grad = hidden2.sum(axis=1)
    grads = {
        "weight_ih": weight_ih_grad[from_nzr],
        "weight_hh": weight_hh_grad[from_zrn],
        "bias_ih": bias_ih_grad[from_nzr],
        "bias_hh": bias_hh_grad[from_zrn],
    }
    return dx, np.ascontiguousarray(dh.T), grads


def _gru_backward_reset_before(d_outputs, d_hT, cache, T, H, N):
    """BPTT for the textbook GRU, n_t = tanh(W_xn x + b_xn + W_hn (r ⊙ h_{t-1}) + b_hn).

    Here input and hidden side share one pre-activation gradient [da_r; da_z; da_n], and
        d(r ⊙ h) = W_hn^T da_n,  da_r = d(r ⊙ h) ⊙ [h_{t-1} σ'(r)],
        dh_{t-1} = dh ⊙ z + d(r ⊙ h) ⊙ r + W_h[r,z]^T [da_r; da_z].
    """
    xa, hs, gates, r_h, weight_ih, weight_hh, _, ws = cache
    dtype = hs.dtype
    r, z = gates[:, :H], gates[:, H:2 * H]
    h_prev = hs[:T]
    one = np.ones((), dtype)
    z_n_factors = ws.get("z_n_factors", (T, 2, H, N), dtype)
    tmp = ws.get("factor_tmp", (T, H, N), dtype)
    _update_candidate_factors(gates, h_prev, tmp, one, n_out=z_n_factors[:, 1],
                              z_out=z_n_factors[:, 0])
    r_factor = ws.get("r_factor", (T, H, N), dtype)
    _sigmoid_derivative(r, r_factor, one)
    np.multiply(r_factor, h_prev, out=r_factor)
    da = ws.get("da", (T, 3, H, N), dtype)

    dh = start_column(d_hT, (H, N), dtype)
    d_out_steps = columns(d_outputs, ws)
    weight_rz_T = weight_hh[:2 * H].T
    weight_n_T = weight_hh[2 * H:].T
    d_rh = ws.get("d_rh", (H, N), dtype)
    through_w = ws.get("through_w", (H, N), dtype)
    for t in range(T - 1, -1, -1):
        if d_out_steps is not None:
            np.add(dh, d_out_steps[t], out=dh)
        da_t = da[t]
        np.multiply(dh, z_n_factors[t], out=da_t[1:3])               # da_z, da_n
        np.dot(weight_n_T, da_t[2], out=d_rh)                      # d(r ⊙ h_{t-1})
        np.multiply(d_rh, r_factor[t], out=da_t[0])
        np.dot(weight_rz_T, da_t[0:2].reshape(2 * H, N), out=through_w)
        np.multiply(dh, z[t], out=dh)
        np.add(dh, through_w, out=dh)
        np.multiply(d_rh, r[t], out=d_rh)
        np.add(dh, d_rh, out=dh)                                     # dh_{t-1}
    da = da.reshape(T, 3 * H, N)
    weight_ih_grad, bias_grad, dx, da2 = input_gradients(da, xa, weight_ih, ws)
    weight_hh_rz_grad = hidden_gradient(da2[:2 * H], h_prev, ws)
    weight_hh_n_grad = hidden_gradient(da2[2 * H:], r_h, ws, "r_h_step_major")
    weight_hh_grad = np.concatenate([weight_hh_rz_grad, weight_hh_n_grad])
    grads = {"weight_ih": weight_ih_grad, "weight_hh": weight_hh_grad,
             "bias_ih": bias_grad, "bias_hh": bias_grad.copy()}
    return dx, np.ascontiguousarray(dh.T), grads


def _update_candidate_factors(gates, h_prev, tmp, one, n_out, z_out):
    """The factors dh multiplies for all steps, each into its given (T, H, N) slot:
    n_out = (1 - z) tanh'(n) (giving da_n), z_out = (h_{t-1} - n) σ'(z) (giving da_z).

    gates (T, 3H, N) activated r, z, n; h_prev (T, H, N); tmp a (T, H, N) scratch buffer.
    """
    H = h_prev.shape[1]
    z, n = gates[:, H:2 * H], gates[:, 2 * H:]
    _sigmoid_derivative(z, tmp, one)
    np.subtract(h_prev, n, out=z_out)
    np.multiply(z_out, tmp, out=z_out)
    np.multiply(n, n, out=tmp)
    np.subtract(one, tmp, out=tmp)                  # tanh'(n) = 1 - n²
    np.subtract(one, z, out=n_out)
    np.multiply(n_out, tmp, out=n_out)


@lru_cache(maxsize=16)
def _gate_orders(H):
    """Row permutations (3H,) from the gate order r, z, n: to n, z, r and to z, r, n (the
    reset-after backward's input- and hidden-side block orders; each is also the way back to
    r, z, n from that order). Cached per H, read-only."""
    from_nzr = np.r_[2 * H:3 * H, H:2 * H, 0:H]
    from_zrn = np.r_[H:2 * H, 0:H, 2 * H:3 * H]
    from_nzr.flags.writeable = False
    from_zrn.flags.writeable = False
    return from_nzr, from_zrn


def _sigmoid_derivative(s, out, one):
    """σ'(a) = s (1 - s) from s = σ(a), into out (two calls, no temporaries)."""
    np.subtract(one, s, out=out)
    np.multiply(out, s, out=out)
