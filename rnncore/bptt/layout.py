"""The once-per-sequence work the kernels share: scratch buffers, moving between the caller's
(T, B, features) rows and the loop's per-step (features, B) columns, and the matrix products
over all steps.

Inside a kernel's loop every vector is a column and each step's block is contiguous, e.g. the
gate pre-activations are a (T, G*H, B) buffer whose [t] is the (G*H, B) block of step t. The
products over all steps want the step index beside the batch index instead, (features, T*B);
going from one to the other moves whole contiguous B-long runs (a cheap block copy), never
single elements.
"""

from __future__ import annotations

import numpy as np

from ..limits import check_array

# At most this much is kept between calls per workspace (per layer and direction): beyond it the
# arithmetic dwarfs the cost of fresh pages, and a layer should not hold on to hundreds of MB it
# is not using (what the benchmark's sizes keep: rnncore/README.md, "Benchmark").
KEEP_BYTES = 32 * 2**20


class Workspace:
    """Named scratch buffers that survive from one call to the next (one Workspace per cell).

    A fresh NumPy array of a few MB costs a page fault per 4 KB the first time it is written,
    which can take longer than the arithmetic on it (figures: rnncore/README.md, "Benchmark").
    Reusing the same memory on every call avoids it.
    Buffers returned by get() are uninitialised and are overwritten by the next call that asks
    for the same name, so a kernel's cache is valid until the next forward with this workspace.
    Never hand a workspace buffer to the caller: outputs and gradients are fresh arrays.
    """

    def __init__(self):
        self._buffers: dict[str, np.ndarray] = {}
        self._kept_bytes = 0

    def get(self, name, shape, dtype):
        """An uninitialised array `shape` of `dtype` (the kept one under `name` if it fits)."""
        buffer = self._buffers.get(name)
        if buffer is not None and buffer.shape == shape and buffer.dtype == dtype:
            return buffer
        if buffer is not None:                          # shape changed: forget the old one
            del self._buffers[name]
            self._kept_bytes -= buffer.nbytes
        buffer = np.empty(shape, dtype)
        if self._kept_bytes + buffer.nbytes <= KEEP_BYTES:
            self._buffers[name] = buffer
            self._kept_bytes += buffer.nbytes
        return buffer


def inputs_with_ones(x, workspace):
    """x (T, B, I) -> xa (T, I+1, B): step t's inputs as columns, plus a row of ones.

    The ones row folds the bias into the products: [W | b] @ [x; 1] = W x + b in the input
    projection, and Σ da [x; 1]^T = [dW | db] in the weight gradient, so neither needs a
    separate (T, G*H, B)-sized pass.
    """
    T, B, I = x.shape
    xa = workspace.get("inputs_with_ones", (T, I + 1, B), x.dtype)
    np.copyto(xa[:, :I], x.transpose(0, 2, 1))
    xa[:, I] = 1.0
    return xa


def input_terms(xa, weight, bias, out):
    """W x_t + b for all steps into out (T, R, B): xa (T, I+1, B), weight (R, I), bias (R,).

    One stacked product writes every step's (R, B) block in place, with no transposing copy.
    """
    np.matmul(np.concatenate([weight, bias[:, None]], axis=1), xa, out=out)
    return out


def step_major(blocks, name, workspace):
    """(T, R, B) per-step column blocks -> (R, T*B) for a product over all steps (a block copy).

    Each contiguous B-long run moves whole: viewed as one opaque (void) element of B * itemsize
    bytes, the copy is a (T, R) -> (R, T) transpose of T*R elements, faster than NumPy's float
    copy, which pays its inner-loop overhead once per B-long run.
    """
    T, R, B = blocks.shape
    joined = workspace.get(name, (R, T, B), blocks.dtype)
    run = np.dtype((np.void, B * blocks.dtype.itemsize))
    np.copyto(joined.view(run)[..., 0], blocks.view(run)[..., 0].T)
    return joined.reshape(R, T * B)


def columns(d_outputs, workspace):
    """(T, B, H) row gradients -> (T, H, B) contiguous column blocks, or None."""
    if d_outputs is None:
        return None
    T, B, H = d_outputs.shape
    out = workspace.get("d_outputs", (T, H, B), d_outputs.dtype)
    np.copyto(out, d_outputs.transpose(0, 2, 1))
    return out


def rows(states, out=None):
    """(T, H, B) column blocks -> (T, B, H) rows, in `out` if given (else a fresh array)."""
    if out is None:
        T, H, B = states.shape
        out = np.empty((T, B, H), states.dtype)
    np.copyto(out, states.transpose(0, 2, 1))
    return out


def input_gradients(da, xa, weight_ih, workspace):
    """The input-side gradients, each one product over all steps after the backward loop.

    da: (T, R, B) pre-activation gradients (any T stride); xa: (T, I+1, B) from inputs_with_ones;
    weight_ih (R, I). Returns dW_ih = Σ_t da_t x_t^T (R, I), db = Σ_t Σ_b da_t (R,), dx
    (T, B, I) with dx_t = W_ih^T da_t (fresh arrays), and da as (R, T*B) for hidden_gradient.
    """
    da2 = step_major(da, "da_step_major", workspace)
    both = hidden_gradient(da2, xa, workspace, "x_step_major")    # [dW_ih | db]  (R, I+1)
    dx = input_gradient(da2, weight_ih, xa.shape[0], workspace)
    return both[:, :-1].copy(), both[:, -1].copy(), dx, da2


def input_gradient(da2, weight_ih, T, workspace):
    """dx_t = W_ih^T da_t for all steps: da2 (R, T*B), weight_ih (R, I) -> fresh dx (T, B, I).

    One product into (I, T*B) columns, then a transposing copy. (Writing dx's rows directly as
    da2^T @ W_ih skips the copy, but that product's shape is a slower one for OpenBLAS.)
    """
    R, TB = da2.shape
    I = weight_ih.shape[1]
    dx_cols = workspace.get("dx_cols", (I, TB), da2.dtype)
    np.matmul(weight_ih.T, da2, out=dx_cols)
    dx = np.empty((T, TB // T, I), da2.dtype)
    np.copyto(dx, dx_cols.reshape(I, T, TB // T).transpose(1, 2, 0))
    return dx


def hidden_gradient(da2, states, workspace, name="h_step_major"):
    """dW = Σ_t da_t s_t^T: da2 (R, T*B) from input_gradients, states (T, K, B) -> (R, K)."""
    return da2 @ step_major(states, name, workspace).T


def check_gradients(d_outputs, d_final, T, B, H, dtype):
    """Check a kernel's upstream gradients: d_outputs (T, B, H) and each d_final (B, H), or None."""
    if d_outputs is not None:
        check_array("d_outputs", d_outputs, (T, B, H), dtype)
    for name, value in d_final.items():
        if value is not None:
            check_array(name, value, (B, H), dtype)


def start_column(value, shape, dtype):
    """A (B, H) gradient from beyond the sequence as an (H, B) column block (zeros if None)."""
    return np.zeros(shape, dtype) if value is None else np.array(value.T, order="C")
