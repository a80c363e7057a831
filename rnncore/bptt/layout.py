"""The once-per-sequence work the kernels share: moving between the caller's (T, B, features)
rows and the loop's per-step (features, B) columns, and the matrix products over all steps.

Inside a kernel's loop every vector is a column and each step's block is contiguous, e.g. the
gate pre-activations are a (T, G*H, B) buffer whose [t] is the (G*H, B) block of step t.
"""

from __future__ import annotations

import numpy as np

from ..limits import check_array


def input_terms(x2, weight, bias, T):
    """W x_t + b for all steps: x2 (T*B, I), weight (R, I), bias (R,) -> (T, R, B) contiguous.

    One matrix product over all T*B columns (far faster than T small ones), then one transposing
    copy into per-step blocks.
    """
    rows = x2 @ weight.T                     # (T*B, R)
    rows += bias
    TB, R = rows.shape
    return np.ascontiguousarray(rows.reshape(T, TB // T, R).transpose(0, 2, 1))


def columns(d_outputs):
    """(T, B, H) row gradients -> list of T contiguous (H, B) column blocks, or None."""
    if d_outputs is None:
        return None
    return list(np.ascontiguousarray(d_outputs.transpose(0, 2, 1)))


def weight_and_input_gradients(da, x2, h_prev, weight_ih):
    """The gradients a kernel collects after its backward loop, each one product over all steps.

    da: (T, R, B) pre-activation gradients; x2: (T*B, I); h_prev: (T, H, B) states fed to
    weight_hh; weight_ih (R, I). Returns dW_ih = Σ_t da_t x_t^T (R, I), dW_hh = Σ_t da_t
    h_{t-1}^T (R, H), db = Σ_t Σ_b da_t (R,) and dx (T, B, I) with dx_t = W_ih^T da_t.
    (x2 and weight_ih may be None when only dW_hh and db are wanted; dW_ih and dx are then None.)
    """
    T, R, B = da.shape
    da_rows = np.ascontiguousarray(da.transpose(0, 2, 1)).reshape(T * B, R)
    h_rows = np.ascontiguousarray(h_prev.transpose(0, 2, 1)).reshape(T * B, -1)
    weight_hh_grad = da_rows.T @ h_rows
    bias_grad = da_rows.sum(axis=0)
    if x2 is None:
        return None, weight_hh_grad, bias_grad, None
    weight_ih_grad = da_rows.T @ x2
    dx = (da_rows @ weight_ih).reshape(T, B, -1)
    return weight_ih_grad, weight_hh_grad, bias_grad, dx


def check_gradients(d_outputs, d_final, T, B, H, dtype):
    """Check a kernel's upstream gradients: d_outputs (T, B, H) and each d_final (B, H), or None."""
    if d_outputs is not None:
        check_array("d_outputs", d_outputs, (T, B, H), dtype)
    for name, value in d_final.items():
        if value is not None:
            check_array(name, value, (B, H), dtype)
