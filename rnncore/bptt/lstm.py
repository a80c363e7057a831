"""An LSTM over a whole sequence: forward, and backward through time.

Equations in cells/lstm.py (gates i, f, g, o; c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t; h_t = o_t ⊙ tanh(c_t)).
The same arithmetic as looping lstm_step_forward, arranged for speed (see bptt/rnn.py for the
layout: columns, per-step contiguous blocks, buffers reused between calls), plus:
  * each step's whole pre-activation is one product, [W_h | W_x | b] @ [h_{t-1}; x_t; 1]
    ((4H, H+I+1) @ (H+I+1, B)): the inputs and a row of ones are copied below each step's h
    once before the loop, and the loop writes h_t straight above x_{t+1}. Against W_x x_t + b
    for all steps first plus W_h h per step, this drops one NumPy call per step and the input
    product's pass over a (T, 4H, B) buffer (a win at small sizes, about even at hidden 128),
    and the weight gradients become one product too:
    [dW_h | dW_x | db] = Σ_t da_t [h_{t-1}; x_t; 1]^T;
  * inside the loop the gates are reordered o, i, f, g so the three sigmoid gates are one block,
    and their weight rows are negated once before it, so σ(a) = 1 / (1 + e^{-a}) is three calls
    over that block (negation is exact, so this changes no digit; on this machine NumPy's exp
    is about twice as fast as its tanh, so this beats σ(a) = (1 + tanh(a/2)) / 2);
  * the backward loop needs only products with precomputed factors: for each step,
        q = dh ⊙ [o (1 - tanh²c)],   da_o = dh ⊙ [tanh(c) σ'(o)],   dc = dc_next + q,
        da_i = dc ⊙ [g σ'(i)],  da_f = dc ⊙ [c_{t-1} σ'(f)],  da_g = dc ⊙ [i tanh'(g)],
        dc_next = dc ⊙ f,       dh_{t-1} = W_h^T [da_o; da_i; da_f; da_g]
    and the bracketed factors are computed for all steps at once before it. They are stacked so
    that the step is four NumPy calls and one product (plus adding d_outputs' row): dh times
    two factors, one add, dc times four factors (the fourth is f, giving dc_next), each call
    writing adjacent blocks;
  * both loops take their per-step views from zip() over whole arrays (views made in C) instead
    of a dozen Python-level slices per step: about 6 % of the teaching-size LSTM's time.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from ..limits import check_cell_arguments
from .layout import (Workspace, check_gradients, columns, hidden_gradient, input_gradient, rows,
                     start_column, step_major)


class LSTMCache(NamedTuple):
    zs: np.ndarray          # (T+1, H+I+1, B): zs[t] = [h_{t-1}; x_t; 1], zs[T][:H] = h_T
    tanh_cs: np.ndarray     # (T, H, B) tanh(c_t)
    gates: np.ndarray       # (T+1, 5H, B): [t] = activated o, i, f, g of step t, then c_{t-1}
    weight_ih: np.ndarray   # (4H, I), PyTorch order i, f, g, o
    weight_hh: np.ndarray   # (4H, H)
    workspace: Workspace


@functools.lru_cache(maxsize=64)
def _loop_order(H):
    """Row indices taking PyTorch's i, f, g, o stacking to the loop's o, i, f, g (cached:
    building it costs several µs, a visible share of a small layer's call)."""
    return _frozen(np.concatenate([np.arange(3 * H, 4 * H), np.arange(3 * H)]))


@functools.lru_cache(maxsize=64)
def _torch_order(H):
    """Row indices taking the loop's o, i, f, g back to PyTorch's i, f, g, o (cached)."""
    return _frozen(np.concatenate([np.arange(H, 4 * H), np.arange(H)]))


def _frozen(array):
    array.setflags(write=False)
    return array


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, out=None, workspace=None):
    """Run the LSTM over x (T, B, I) from h0, c0 (B, H).

    Returns outputs (T, B, H) (written into `out` if given), h_T (B, H), c_T (B, H), the cache.
    `workspace` (a layout.Workspace) lends the scratch buffers; the cache refers to them, so it
    is valid until the next call with the same workspace.
    """
    check_cell_arguments(x, {"h0": h0, "c0": c0}, weight_ih, weight_hh, bias_ih, bias_hh, 4)
    ws = Workspace() if workspace is None else workspace
    T, B, I = x.shape
    H = weight_hh.shape[1]
    dtype = x.dtype
    order = _loop_order(H)
    # Sigmoid gates as 1 / (1 + e^{-a}): their rows are negated once here, so one exp gives
    # e^{-a} for all three.
    weights = np.concatenate([weight_hh, weight_ih, (bias_ih + bias_hh)[:, None]], axis=1)[order]
    np.negative(weights[:3 * H], out=weights[:3 * H])
    zs = ws.get("zs", (T + 1, H + I + 1, B), dtype)
    np.copyto(zs[:T, H:H + I], x.transpose(0, 2, 1))
    zs[:T, H + I] = 1.0
    zs[0, :H] = h0.T
    hs = zs[:, :H]                                      # (T+1, H, B) view, per step contiguous
    # Each step's block holds its gates and, below them, c_{t-1}: then [i; f] ⊙ [g; c_{t-1}] is
    # one call, and step t writes c_t straight into block t+1.
    gates = ws.get("gates", (T + 1, 5 * H, B), dtype)
    cs = gates[:, 4 * H:]                               # (T+1, H, B) view: cs[t] = c_{t-1}
    tanh_cs = ws.get("tanh_cs", (T, H, B), dtype)
    cs[0] = c0.T
    products = ws.get("products", (2 * H, B), dtype)
    i_g, f_c = products[:H], products[H:]
    one = np.ones((), dtype)            # a 0-d array: NumPy converts a Python float every call
    # Bound once: np.dot is the cheapest product call with out=, and local names skip lookups.
    add, multiply, exp, tanh, dot = np.add, np.multiply, np.exp, np.tanh, np.dot
    # Every per-step view the loop needs, made by iterating over whole arrays (in C) rather
    # than by a dozen Python-level slices per step: o, [o; i; f], g, [i; f], [g; c_{t-1}].
    block = gates[:T].reshape(T, 5, H, B)
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
    cache = LSTMCache(zs, tanh_cs, gates, weight_ih, weight_hh, ws)
    return out, hs[T].T.copy(), cs[T].T.copy(), cache


def lstm_backward(d_outputs, d_hT, d_cT, cache):
    """Backpropagate through time.

    d_outputs: (T, B, H) or None; d_hT, d_cT: (B, H) or None (gradients from beyond the sequence).
    Returns dx (T, B, I), dh0 (B, H), dc0 (B, H) and grads {weight_ih, weight_hh, bias_ih, bias_hh}.
    """
    zs, tanh_cs, gates, weight_ih, weight_hh, ws = cache
    T, H, B = tanh_cs.shape
    I = zs.shape[1] - H - 1
    dtype = tanh_cs.dtype
    check_gradients(d_outputs, {"d_hT": d_hT, "d_cT": d_cT}, T, B, H, dtype)
    block = gates[:T].reshape(T, 5, H, B)                # o, i, f, g, c_{t-1} of every step
    o, i, f, g = block[:, 0], block[:, 1], block[:, 2], block[:, 3]
    one = np.ones((), dtype)
    # Local factors for every step at once, in the order the loop consumes them:
    # [o (1 - tanh²c), tanh(c) σ'(o)] multiply dh; [g σ'(i), c_{t-1} σ'(f), i tanh'(g), f] dc.
    # Stacked operands keep this to a few calls over large arrays.
    factors = ws.get("factors", (T, 6, H, B), dtype)
    sig_prime = ws.get("sig_prime", (T, 3, H, B), dtype)
    np.subtract(one, block[:, 0:3], out=sig_prime)       # σ' = σ (1 - σ) for o, i, f
    np.multiply(sig_prime, block[:, 0:3], out=sig_prime)
    np.multiply(tanh_cs, sig_prime[:, 0], out=factors[:, 1])
    np.multiply(block[:, 3:5], sig_prime[:, 1:3], out=factors[:, 2:4])   # g σ'(i), c σ'(f)
    tanh_prime = sig_prime[:, 0:2]                       # reuse: 1 - tanh² for c and g
    np.multiply(tanh_cs, tanh_cs, out=tanh_prime[:, 0])
    np.multiply(g, g, out=tanh_prime[:, 1])
    np.subtract(one, tanh_prime, out=tanh_prime)
    np.multiply(block[:, 0], tanh_prime[:, 0], out=factors[:, 0])
    np.multiply(i, tanh_prime[:, 1], out=factors[:, 4])
    factors[:, 5] = f
    # Per step: [q, da_o, da_i, da_f, da_g, dc carried to the step before]; rows 1:5 are the
    # pre-activation gradient in loop order, contiguous for the product with W_h^T.
    grad = ws.get("grad", (T, 6, H, B), dtype)

    dh = start_column(d_hT, (H, B), dtype)
    carry = start_column(d_cT, (H, B), dtype)
    d_out = columns(d_outputs, ws)
    weight_hh_T = weight_hh[_loop_order(H)].T
    add, multiply, dot = np.add, np.multiply, np.dot
    # Per-step views made by iterating over whole arrays, from the last step back (see forward).
    d_outs = [None] * T if d_out is None else d_out[::-1]
    steps = zip(d_outs, factors[::-1, 0:2], factors[::-1, 2:6], grad[::-1, 0:2], grad[::-1, 0],
                grad[::-1, 2:6], grad[::-1, 1:5].reshape(T, 4 * H, B), grad[::-1, 5])
    for d_out_t, f_dh, f_dc, q_da_o, dc, da_ifg_carry, da_t, next_carry in steps:
        if d_out_t is not None:
            add(dh, d_out_t, dh)                         # dh_t = from above + from step t+1
        multiply(dh, f_dh, q_da_o)                       # q, da_o
        add(dc, carry, dc)                               # dc_t = q + dc carried from t+1
        multiply(dc, f_dc, da_ifg_carry)                 # da_i, da_f, da_g, dc_{t-1}
        dot(weight_hh_T, da_t, out=dh)                   # dh_{t-1} = W_h^T [da_o; da_i; da_f; da_g]
        carry = next_carry
    da = grad[:, 1:5].reshape(T, 4 * H, B)
    da2 = step_major(da, "da_step_major", ws)             # (4H, T*B)
    all_grads = hidden_gradient(da2, zs[:T], ws, "z_step_major")[_torch_order(H)]
    dx = input_gradient(da2, weight_ih[_loop_order(H)], T, ws)
    grads = {"weight_ih": all_grads[:, H:H + I].copy(), "weight_hh": all_grads[:, :H].copy(),
             "bias_ih": all_grads[:, H + I].copy(), "bias_hh": all_grads[:, H + I].copy()}
    # carry lives in the workspace: copy (ascontiguousarray would not copy when B or H is 1)
    return dx, np.ascontiguousarray(dh.T), carry.T.copy(), grads
