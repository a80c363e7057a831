"""An LSTM over a whole sequence: forward, and backward through time.

Equations in cells/lstm.py (gates i, f, g, o; c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t; h_t = o_t ⊙ tanh(c_t)).
The same arithmetic as looping lstm_step_forward, arranged for speed (see bptt/rnn.py for the
layout: columns, per-step contiguous blocks, buffers reused between calls), plus:
  * each step's whole pre-activation is one product, [W_h | W_x | b] @ [h_{t-1}; x_t; 1]
    ((4H, H+D+1) @ (H+D+1, N)): the inputs and a row of ones are copied below each step's h
    once before the loop, and the loop writes h_t straight above x_{t+1}. Against W_x x_t + b
    for all steps first plus W_h h per step, this drops one NumPy call per step and the input
    product's pass over a (T, 4H, N) buffer (per-call overhead is most of the cost at small
    sizes), and the weight gradients become one product too:
    [dW_h | dW_x | db] = Σ_t da_t [h_{t-1}; x_t; 1]^T;
  * inside the loop the gates are reordered o, i, f, g so the three sigmoid gates are one block,
    and their weight rows are negated once before it, so σ(a) = 1 / (1 + e^{-a}) is three calls
    over that block (negation is exact, so this changes no digit; NumPy's float32 exp is cheaper
    than its tanh, so this beats σ(a) = (1 + tanh(a/2)) / 2). The backward
    pass multiplies by that same matrix (kept in the cache, no reordered copies), so the
    gradients it carries for o, i, f are negated too: the sign sits in their factors below and
    is undone on the small (4H, H+D+1) weight gradient, along with the row order;
  * the backward loop needs only products with precomputed factors: for each step,
        q = dh ⊙ [o (1 - tanh²c)],   da_o = dh ⊙ [tanh(c) σ'(o)],   dc = dc_next + q,
        da_i = dc ⊙ [g σ'(i)],  da_f = dc ⊙ [c_{t-1} σ'(f)],  da_g = dc ⊙ [i tanh'(g)],
        dc_next = dc ⊙ f,       [dh_{t-1}; dx_t] = [W_h | W_x]^T [da_o; da_i; da_f; da_g]
    and the bracketed factors are computed for all steps at once before it, gate-major (each
    gate's T steps one contiguous run: NumPy is faster over one flat run than over T strided
    ones). They are stacked so that the step is four NumPy calls and one
    product (plus adding d_outputs' row): dh times two factors, one add, dc times four factors
    (the fourth is f, giving dc_next), each call writing adjacent blocks. The product's extra
    D rows give dx_t, which saves a product over all steps and a transposing copy afterwards;
  * both loops take their per-step views from zip() over whole arrays (views made in C) instead
    of a dozen Python-level slices per step (per-call overhead again);
  * the layers check x and the states themselves and call with check=False: the weights are
    then checked through one sum over the stacked matrix (full checks only if it is not finite).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..limits import check_cell_arguments
from .layout import Workspace, check_gradients, columns, rows, start_column, step_major


class LSTMCache(NamedTuple):
    zs: np.ndarray          # (T+1, H+D+1, N): zs[t] = [h_{t-1}; x_t; 1], zs[T][:H] = h_T
    tanh_cs: np.ndarray     # (T, H, N) tanh(c_t), a slot of the backward's gate-major buffer
    gates: np.ndarray       # (T+1, 5H, N): [t] = activated o, i, f, g of step t, then c_{t-1}
    weights: np.ndarray     # (4H, H+D+1) [W_h | W_x | b] as the loop used it (see _loop_weights)
    workspace: Workspace


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, out=None, workspace=None,
                 check=True):
    """Run the LSTM over x (T, N, D) from h0, c0 (N, H).

    Returns outputs (T, N, H) (written into `out` if given), h_T (N, H), c_T (N, H), the cache.
    `workspace` (a layout.Workspace) lends the scratch buffers; the cache refers to them, so it
    is valid until the next call with the same workspace. check=False is for a caller that has
    checked x and the states itself (the layers): the weights are then checked for finiteness
    only, through one sum over the stacked matrix the loop uses.
    """
    if check:
        check_cell_arguments(x, {"h0": h0, "c0": c0}, weight_ih, weight_hh, bias_ih, bias_hh, 4)
    ws = Workspace() if workspace is None else workspace
    T, N, D = x.shape
    H = weight_hh.shape[1]
    dtype = x.dtype
    weights = _loop_weights(weight_ih, weight_hh, bias_ih, bias_hh, ws)
    if not check and not math.isfinite(weights.sum()):    # NaN or inf somewhere (or overflow)
        check_cell_arguments(x, {"h0": h0, "c0": c0}, weight_ih, weight_hh, bias_ih, bias_hh, 4)
    zs = ws.get("zs", (T + 1, H + D + 1, N), dtype)
    np.copyto(zs[:T, H:H + D], x.transpose(0, 2, 1))
    zs[:T, H + D] = 1.0
    zs[0, :H] = h0.T
    hs = zs[:, :H]                                      # (T+1, H, N) view, per step contiguous
    # Each step's block holds its gates and, below them, c_{t-1}: then [i; f] ⊙ [g; c_{t-1}] is
    # one call, and step t writes c_t straight into block t+1.
    gates = ws.get("gates", (T + 1, 5 * H, N), dtype)
    cs = gates[:, 4 * H:]                               # (T+1, H, N) view: cs[t] = c_{t-1}
    tanh_cs = ws.get("by_gate", (6, T, H, N), dtype)[3]    # backward's gate-major slot for it
    cs[0] = c0.T
    products = ws.get("products", (2 * H, N), dtype)
    i_g, f_c = products[:H], products[H:]
    one = np.ones((), dtype)            # a 0-d array: NumPy converts a Python float every call
    # Bound once: np.dot is the cheapest product call with out=, and local names skip lookups.
    add, multiply, exp, tanh, dot = np.add, np.multiply, np.exp, np.tanh, np.dot
    # Every per-step view the loop needs, made by iterating over whole arrays (in C) rather
    # than by a dozen Python-level slices per step: o, [o; i; f], g, [i; f], [g; c_{t-1}].
    block = gates[:T].reshape(T, 5, H, N)
    steps = zip(gates[:T, :4 * H], zs[:T], block[:, 0], gates[:T, :3 * H], block[:, 3],
                gates[:T, H:3 * H], gates[:T, 3 * H:], cs[1:], tanh_cs, hs[1:])
    with np.errstate(over="ignore"):                    # e^{-a} = inf gives σ = 1/inf = 0
        for a, z, o, sig, g, i_f, g_c, c, tanh_c, h in steps:
            dot(weights, z, out=a)                      # o, i, f, g pre-activations
            exp(sig, sig)                               # σ = 1 / (1 + e^{-a}), rows negated
            add(sig, one, sig)
            np.reciprocal(sig, sig)
            tanh(g, g)
            multiply(i_f, g_c, products)                # [i ⊙ g; f ⊙ c_{t-1}]
            add(i_g, f_c, c)
            tanh(c, tanh_c)
            multiply(o, tanh_c, h)                      # h_t = o ⊙ tanh(c_t)
    out = rows(hs[1:], out)
    cache = LSTMCache(zs, tanh_cs, gates, weights, ws)
    return out, hs[T].T.copy(), cs[T].T.copy(), cache


def _loop_weights(weight_ih, weight_hh, bias_ih, bias_hh, ws):
    """[W_h | W_x | b_ih + b_hh] with rows in the loop's order o, i, f, g and the sigmoid rows
    o, i, f negated, in a workspace buffer (4H, H+D+1).

    PyTorch's i, f, g, o is the loop's order rotated by one block, so this is four calls: the
    bias sum, stacking the columns, rotating the row blocks, negating (cheaper than a
    fancy-indexed copy).
    """
    H4, D = weight_ih.shape
    H = H4 // 4
    stacked = ws.get("stacked_weights", (H4, H + D + 1), weight_hh.dtype)   # PyTorch's order
    np.concatenate([weight_hh, weight_ih, (bias_ih + bias_hh)[:, None]], axis=1, out=stacked)
    weights = ws.get("weights", (H4, H + D + 1), weight_hh.dtype)          # the loop's order
    np.concatenate([stacked[3 * H:], stacked[:3 * H]], out=weights)
    np.negative(weights[:3 * H], out=weights[:3 * H])
    return weights


def lstm_backward(d_outputs, d_hT, d_cT, cache, check=True):
    """Backpropagate through time.

    d_outputs: (T, N, H) or None; d_hT, d_cT: (N, H) or None (gradients from beyond the sequence).
    Returns dx (T, N, D), dh0 (N, H), dc0 (N, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    check=False skips checking the gradients (for a caller that has, such as the layers).
    """
    zs, tanh_cs, gates, weights, ws = cache
    T, H, N = tanh_cs.shape
    D = zs.shape[1] - H - 1
    dtype = tanh_cs.dtype
    if check:
        check_gradients(d_outputs, {"d_hT": d_hT, "d_cT": d_cT}, T, N, H, dtype)
    one = np.ones((), dtype)
    # The loop multiplies by the forward's weights, whose sigmoid rows are negated, so the
    # gradients it carries for o, i, f are negated too (da' = -da): the sign sits in their
    # factors, σ(σ - 1) in place of σ' = σ (1 - σ), and is undone on the weight gradients.
    # Local factors for every step at once, in the order the loop consumes them:
    # [o (1 - tanh²c), -tanh(c) σ'(o)] multiply dh; [-g σ'(i), -c_{t-1} σ'(f), i tanh'(g), f] dc.
    # They are computed gate-major, each gate's T steps one contiguous run: NumPy is faster
    # over one flat run than over T strided ones, which pays for copying the gates over once;
    # the loop reads its per-step blocks from there at the same speed.
    # Slots: o, i, f, tanh c (the forward wrote it there), g, c_{t-1}: [tanh c, g, c_{t-1}]
    # pairs with [o, i, f], [tanh c, g] with [o, i].
    by_gate = ws.get("by_gate", (6, T, H, N), dtype)
    per_step = gates[:T].reshape(T, 5, H, N).transpose(1, 0, 2, 3)
    np.copyto(by_gate[0:3], per_step[0:3])
    np.copyto(by_gate[4:6], per_step[3:5])
    factors = ws.get("factors", (6, T, H, N), dtype)
    np.subtract(by_gate[0:3], one, out=factors[1:4])
    np.multiply(factors[1:4], by_gate[0:3], out=factors[1:4])   # -σ' = σ (σ - 1) for o, i, f
    np.multiply(factors[1:4], by_gate[3:6], out=factors[1:4])   # times tanh c, g, c_{t-1}
    tanh_prime = factors[0:5:4]                                  # slots 0 and 4
    np.multiply(by_gate[3:5], by_gate[3:5], out=tanh_prime)
    np.subtract(one, tanh_prime, out=tanh_prime)                 # 1 - tanh² for c and g
    np.multiply(by_gate[0:2], tanh_prime, out=tanh_prime)        # times o, i
    np.copyto(factors[5], by_gate[2])                            # f
    # Per step: [q, da_o', da_i', da_f', da_g, dc carried to the step before]; rows 1:5 are the
    # pre-activation gradient in loop order, contiguous for the product with [W_h' | W_x']^T.
    grad = ws.get("grad", (T, 6, H, N), dtype)
    # Per step the product with [W_h' | W_x']^T gives dh_{t-1} and dx_t together (one call, no
    # product over all steps and transposing copy after the loop): block t of dh_dx is
    # [dh_{t-1}; dx_t], and step t-1 reads its dh there; block T holds d_hT.
    dh_dx = ws.get("dh_dx", (T + 1, H + D, N), dtype)
    dh_dx[T, :H] = 0.0 if d_hT is None else d_hT.T
    carry = start_column(d_cT, (H, N), dtype)
    d_out = columns(d_outputs, ws)
    weight_T = ws.get("weight_T", (H + D, 4 * H), dtype)
    np.copyto(weight_T, weights[:, :H + D].T)            # contiguous: a faster per-step product
    add, multiply, dot = np.add, np.multiply, np.dot
    # Per-step views made by iterating over whole arrays, from the last step back (see forward).
    d_outs = [None] * T if d_out is None else d_out[::-1]
    step_factors = factors.transpose(1, 0, 2, 3)[::-1]
    steps = zip(d_outs, dh_dx[:0:-1, :H], step_factors[:, 0:2], step_factors[:, 2:6],
                grad[::-1, 0:2], grad[::-1, 0], grad[::-1, 2:6],
                grad[::-1, 1:5].reshape(T, 4 * H, N), dh_dx[T - 1::-1], grad[::-1, 5])
    for d_out_t, dh, f_dh, f_dc, q_da_o, dc, da_ifg_carry, da_t, dh_dx_t, next_carry in steps:
        if d_out_t is not None:
            add(dh, d_out_t, dh)                         # dh_t = from above + from step t+1
        multiply(dh, f_dh, q_da_o)                       # q, da_o'
        add(dc, carry, dc)                               # dc_t = q + dc carried from t+1
        multiply(dc, f_dc, da_ifg_carry)                 # da_i', da_f', da_g, dc_{t-1}
        dot(weight_T, da_t, out=dh_dx_t)                 # [dh_{t-1}; dx_t] = [W_h' | W_x']^T da'
        carry = next_carry
    dx = rows(dh_dx[:T, H:])                              # signs cancel: W' and da' both flipped
    da2 = step_major(grad[:, 1:5].reshape(T, 4 * H, N), "da_step_major", ws)   # (4H, T*N)
    # [dW_h | dW_x | db] = Σ_t da_t [h_{t-1}; x_t; 1]^T, one product; then the true sign for
    # o, i, f and PyTorch's row order i, f, g, o (the loop's rows 1:4, then row 0).
    loop_grads = np.dot(da2, step_major(zs[:T], "z_step_major", ws).T)
    np.negative(loop_grads[:3 * H], out=loop_grads[:3 * H])
    by_name = {"weight_ih": slice(H, H + D), "weight_hh": slice(0, H), "bias_ih": H + D,
               "bias_hh": H + D}
    grads = {name: np.concatenate([loop_grads[H:, cols], loop_grads[:H, cols]])   # fresh arrays
             for name, cols in by_name.items()}
    # carry lives in the workspace: copy (ascontiguousarray would not copy when N or H is 1)
    return dx, dh_dx[0, :H].T.copy(), carry.T.copy(), grads
