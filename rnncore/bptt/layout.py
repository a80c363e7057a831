"""The once-per-sequence work the kernels share: scratch buffers, moving between the caller's
(T, N, features) rows and the loop's per-step (features, N) columns, and the matrix products
over all steps.

Inside a kernel's loop every vector is a column and each step's block is contiguous, e.g. the
gate pre-activations are a (T, G*H, N) buffer whose [t] is the (G*H, N) block of step t. The
products over all steps want the step index beside the batch index instead, (features, T*N);
going from one to the other moves whole contiguous N-long runs (a cheap block copy), never
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
    """x (T, N, D) -> xa (T, D+1, N): step t's inputs as columns, plus a row of ones.

    The ones row folds the bias into the products: [W | b] @ [x; 1] = W x + b in the input
    projection, and Σ da [x; 1]^T = [dW | db] in the weight gradient, so neither needs a
    separate (T, G*H, N)-sized pass.
    """
    T, N, D = x.shape
    xa = workspace.get("inputs_with_ones", (T, D + 1, N), x.dtype)
    np.copyto(xa[:, :D], x.transpose(0, 2, 1))
    xa[:, D] = 1.0
    return xa


def input_terms(xa, weight, bias, out):
    """W x_t + b for all steps into out (T, R, N): xa (T, D+1, N), weight (R, D), bias (R,).

    One stacked product writes every step's (R, N) block in place, with no transposing copy.
    """
    np.matmul(np.concatenate([weight, bias[:, None]], axis=1), xa, out=out)
    return out


def step_major(blocks, name, workspace):
    """(T, R, N) per-step column blocks -> (R, T*N) for a product over all steps (a block copy).

    Each contiguous N-long run moves whole: viewed as one opaque (void) element of N * itemsize
    bytes, the copy is a (T, R) -> (R, T) transpose of T*R elements, faster than NumPy's float
    copy, which pays its inner-loop overhead once per N-long run.
    """
    T, R, N = blocks.shape
    joined = workspace.get(name, (R, T, N), blocks.dtype)
    run = np.dtype((np.void, N * blocks.dtype.itemsize))
    np.copyto(joined.view(run)[..., 0], blocks.view(run)[..., 0].T)
    return joined.reshape(R, T * N)


def columns(d_outputs, workspace):
    """(T, N, H) row gradients -> (T, H, N) contiguous column blocks, or None."""
    if d_outputs is None:
        return None
    T, N, H = d_outputs.shape
    out = workspace.get("d_outputs", (T, H, N), d_outputs.dtype)
    np.copyto(out, d_outputs.transpose(0, 2, 1))
    return out


def rows(states, out=None):
    """(T, H, N) column blocks -> (T, N, H) rows, in `out` if given (else a fresh array)."""
    if out is None:
        T, H, N = states.shape
        out = np.empty((T, N, H), states.dtype)
    np.copyto(out, states.transpose(0, 2, 1))
    return out


def input_gradients(da, xa, weight_ih, workspace):
    """The input-side gradients, each one product over all steps after the backward loop.

    da: (T, R, N) pre-activation gradients (any T stride); xa: (T, D+1, N) from inputs_with_ones;
    weight_ih (R, D). Returns dW_ih = Σ_t da_t x_t^T (R, D), db = Σ_t Σ_b da_t (R,), dx
    (T, N, D) with dx_t = W_ih^T da_t (fresh arrays), and da as (R, T*N) for hidden_gradient.
    """
    da2 = step_major(da, "da_step_major", workspace)
    both = hidden_gradient(da2, xa, workspace, "x_step_major")    # [dW_ih | db]  (R, D+1)
    dx = input_gradient(da2, weight_ih, xa.shape[0], workspace)
    return both[:, :-1].copy(), both[:, -1].copy(), dx, da2


def input_gradient(da2, weight_ih, T, workspace):
    """dx_t = W_ih^T da_t for all steps: da2 (R, T*N), weight_ih (R, D) -> fresh dx (T, N, D).

    One product into (D, T*N) columns, then a transposing copy. (Writing dx's rows directly as
    da2^T @ W_ih skips the copy, but that product's shape is a slower one for OpenBLAS.)
    """
    R, TB = da2.shape
    D = weight_ih.shape[1]
    dx_cols = workspace.get("dx_cols", (D, TB), da2.dtype)
    np.matmul(weight_ih.T, da2, out=dx_cols)
    dx = np.empty((T, TB // T, D), da2.dtype)
    np.copyto(dx, dx_cols.reshape(D, T, TB // T).transpose(1, 2, 0))
    return dx


def hidden_gradient(da2, states, workspace, name="h_step_major"):
    """dW = Σ_t da_t s_t^T: da2 (R, T*N) from input_gradients, states (T, K, N) -> (R, K)."""
    return da2 @ step_major(states, name, workspace).T


def check_gradients(d_outputs, d_final, T, N, H, dtype):
    """Check a kernel's upstream gradients: d_outputs (T, N, H) and each d_final (N, H), or None."""
    if d_outputs is not None:
        check_array("d_outputs", d_outputs, (T, N, H), dtype)
    for name, value in d_final.items():
        if value is not None:
            check_array(name, value, (N, H), dtype)


def start_column(value, shape, dtype):
    """A (N, H) gradient from beyond the sequence as an (H, N) column block (zeros if None)."""
    return np.zeros(shape, dtype) if value is None else np.array(value.T, order="C")
