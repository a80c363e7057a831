"""Losses and their gradients: MSE, softmax cross-entropy and CTC, the one module for all three.

Each loss mirrors the ``torch.nn.functional`` function of the same name (same arguments, same
numbers) and returns ``(loss, d_loss / d_first_argument)``, the gradient that starts
backpropagation. With ``reduction='none'`` the loss is an array and the gradient is that of its
sum, as ``loss.backward(torch.ones_like(loss))`` would give.

In the course's notation (scores s_t, prediction ŷ_t, target y_t, Q classes or outputs):

    MSE            L_t = ||ŷ_t - y_t||^2 with ŷ_t = s_t                       (regression)
    cross-entropy  L_t = -log ŷ_{t, y_t} with ŷ_t = softmax(s_t)             (classification)
    CTC            L = -log P(y | x), summed over every alignment            (unknown alignment)

The course's total is the sum L = sum_t L_t; PyTorch's and these functions' default reduction
is the mean, which differs by the constant 1/T (or 1/(number of items)); reduction='sum' gives
the course's total.

Shapes: T time steps, N sequences in the batch, Q classes; for CTC, U the target length and
S = 2U + 1 the blank-extended label's. Inputs must be floating point and finite; anything else
raises ValueError naming the argument (an integer input would otherwise give an integer,
truncated gradient). CTC's helpers (ctc_collapse, ctc_best_path, ctc_alignments,
ctc_brute_force_nll) are for teaching small examples; their work is bounded by the CTC limits of
rnncore.limits.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from . import limits, training_limits
from .training_limits import REDUCTIONS  # noqa: F401 (public)


def _real_array_as(name: str, value, dtype) -> np.ndarray:
    """value (integers or floats) cast to dtype, then checked as check_floating_array does (a
    target or a class weight, which may be given as integers, unlike the input)."""
    return limits.check_floating_array(name, value, dtype=dtype, allow_int=True,
                                       expected="a real-valued array")


def _check_axis(axis, ndim: int) -> int:
    return limits.check_int("axis", axis, -ndim, ndim - 1)


# ----------------------------------------------------------------------------------------
# Softmax helpers
# ----------------------------------------------------------------------------------------

def _log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(s)_j = s_j - log sum_k exp(s_k), computed after subtracting max(s) so that
    exp never overflows. logits: a non-empty, finite floating-point array."""
    logits = limits.check_floating_array("logits", logits, min_ndim=1)
    return _log_softmax(logits, _check_axis(axis, logits.ndim))


def log_softmax_backward(d_log_probs: np.ndarray, log_probs: np.ndarray,
                         axis: int = -1) -> np.ndarray:
    """Backward of log_softmax: ds = dl - softmax(s) * sum(dl) along the class axis.

    Chain this after ``ctc_loss`` to get the gradient with respect to the logits."""
    d_log_probs = limits.check_floating_array("d_log_probs", d_log_probs, min_ndim=1)
    log_probs = limits.check_floating_array("log_probs", log_probs, min_ndim=1)
    if d_log_probs.shape != log_probs.shape:
        raise ValueError(f"d_log_probs shape {d_log_probs.shape} != log_probs shape "
                         f"{log_probs.shape}")
    axis = _check_axis(axis, log_probs.ndim)
    return d_log_probs - np.exp(log_probs) * d_log_probs.sum(axis=axis, keepdims=True)


# ----------------------------------------------------------------------------------------
# Mean squared error
# ----------------------------------------------------------------------------------------

def mse_loss(input: np.ndarray, target: np.ndarray, reduction: str = "mean"):
    """Mean squared error, as ``torch.nn.functional.mse_loss``.

        loss = 1/n sum_k (input_k - target_k)^2        ('mean' over all n elements)
        d loss / d input = 2 (input - target) / n

    input: non-empty finite floating-point array; target: finite numbers of the same shape.
    Returns (loss, d_input) with d_input in input's dtype.
    """
    limits.check_choice("reduction", reduction, training_limits.REDUCTIONS)
    input = limits.check_floating_array("input", input)
    target = _real_array_as("target", target, input.dtype)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input shape {input.shape} != target shape {target.shape}")
    diff = input - target
    if reduction == "none":
        return diff * diff, 2 * diff
    total = float(np.sum(diff * diff))
    if reduction == "sum":
        return total, 2 * diff
    n = diff.size
    return total / n, diff * (2.0 / n)


# ----------------------------------------------------------------------------------------
# Softmax cross-entropy
# ----------------------------------------------------------------------------------------

def _class_weight(weight, n_classes: int, dtype) -> np.ndarray:
    if weight is None:
        return np.ones(n_classes, dtype=dtype)
    weight = _real_array_as("weight", weight, dtype)
    if weight.shape != (n_classes,):
        raise ValueError(f"cross_entropy: weight must have shape ({n_classes},), "
                         f"got {weight.shape}")
    return weight


def cross_entropy(input: np.ndarray, target: np.ndarray, weight: np.ndarray | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0):
    """Softmax cross-entropy from logits, as ``torch.nn.functional.cross_entropy``.

    input:  logits, (Q,), (N, Q) or (N, Q, d1, ...), floating point and finite, classes on
            axis 1 as in PyTorch, so a time-major sequence (T, N, Q) is passed as
            ``logits.reshape(T * N, Q)`` (per step).
    target: class indices (integer array, shape of input without the class axis; each in
            [0, Q) or ignore_index), or class probabilities (float array, same shape as input).
    weight: optional (Q,) rescaling weight per class.  label_smoothing: a number in [0, 1].

    With the prediction ŷ = softmax(s) of the scores s and y the target class, per item:
        L = -w_y log ŷ_y                         dL / ds = w_y (ŷ - onehot(y))
    'mean' divides the sum by sum_k w_{y_k} over non-ignored items (the number of items when
    unweighted; ValueError when that is 0, where PyTorch returns nan); probability targets
    divide by the number of items. ``label_smoothing`` e mixes in the uniform distribution:
    (1 - e) * loss + e/C * sum_c -w_c log p_c.

    Returns (loss, d_input) with d_input shaped like input.
    """
    limits.check_choice("reduction", reduction, training_limits.REDUCTIONS)
    eps = limits.check_real("label_smoothing", label_smoothing, *training_limits.LABEL_SMOOTHING)
    ignore_index = limits.check_int("ignore_index", ignore_index, -2**62, 2**62)
    logits = limits.check_floating_array("input", input, min_ndim=1)
    target = np.asarray(target)
    unbatched = logits.ndim == 1
    if unbatched:                                  # (C,) -> (1, C)
        logits, target = logits[None], target[None]
    n_classes = logits.shape[1]
    if n_classes < 1:
        raise ValueError("cross_entropy: input must have at least one class")
    z = np.moveaxis(logits, 1, -1)                 # (N, d1, ..., C): classes last
    log_p = _log_softmax(z)
    p = np.exp(log_p)
    class_weight = _class_weight(weight, n_classes, z.dtype)

    if target.dtype.kind == "f":
        loss_items, grad, denominator = _probability_targets(log_p, p, target, logits.shape,
                                                             class_weight, eps, unbatched)
    elif target.dtype.kind in "iu":
        loss_items, grad, denominator = _index_targets(log_p, p, target, logits.shape,
                                                       class_weight, ignore_index, eps)
    else:
        raise ValueError(f"target must be class indices (integers) or probabilities (floats), "
                         f"got dtype {target.dtype}")

    if reduction == "none":
        loss = loss_items[0] if unbatched else loss_items
    elif reduction == "sum":
        loss = float(loss_items.sum())
    else:
        if not denominator:
            raise ValueError("cross_entropy: reduction 'mean' needs at least one target that "
                             "is not ignore_index and has non-zero weight")
        loss = float(loss_items.sum() / denominator)
        grad = grad / denominator
    grad = np.moveaxis(grad, -1, 1)
    return loss, (grad[0] if unbatched else grad).astype(logits.dtype, copy=False)


def _index_targets(log_p, p, target, input_shape, class_weight, ignore_index, eps):
    """Class-index targets y (shape of the input without the class axis; ignore_index is not
    scored). Per item, loss = -w_y log p_y with gradient w_y (p - onehot(y)); label smoothing
    e mixes in e/Q * sum_c -w_c log p_c (gradient p sum(w) - w). log_p, p: (N, d1, ..., Q),
    classes last. Returns (per-item losses, gradient, the 'mean' denominator sum w_y)."""
    n_classes = log_p.shape[-1]
    if target.shape != log_p.shape[:-1]:
        raise ValueError(f"cross_entropy: target shape {target.shape} does not match input "
                         f"{input_shape} (its shape without the class axis)")
    target = target.astype(np.int64)
    valid = target != ignore_index
    safe_target = np.where(valid, target, 0)
    if np.any((safe_target < 0) | (safe_target >= n_classes)):
        raise ValueError(f"cross_entropy: target classes must be in [0, {n_classes - 1}] "
                         f"or ignore_index ({ignore_index})")
    w_item = class_weight[safe_target] * valid          # w_y, 0 where ignored
    picked = np.take_along_axis(log_p, safe_target[..., None], axis=-1)[..., 0]
    nll = -picked * w_item
    d_nll = w_item[..., None] * p
    np.put_along_axis(d_nll, safe_target[..., None],
                      np.take_along_axis(d_nll, safe_target[..., None], axis=-1)
                      - w_item[..., None], axis=-1)
    smooth = -(log_p * class_weight).sum(axis=-1) * valid
    d_smooth = (p * class_weight.sum() - class_weight) * valid[..., None]
    loss_items = (1 - eps) * nll + (eps / n_classes) * smooth
    grad = (1 - eps) * d_nll + (eps / n_classes) * d_smooth
    return loss_items, grad, w_item.sum()


def _probability_targets(log_p, p, target, input_shape, class_weight, eps, unbatched):
    """Probability targets t (the input's shape, classes on axis 1). Per item,
    loss = -sum_c w_c t_c log p_c with gradient p sum_c(w t) - w t; label smoothing e replaces
    t by (1 - e) t + e/Q. Returns (per-item losses, gradient, the number of items)."""
    n_classes = log_p.shape[-1]
    limits.check_floating_array("target", target, allow_empty=True)
    if target.shape != input_shape:
        raise ValueError(f"cross_entropy: probability target shape "
                         f"{target.shape[1:] if unbatched else target.shape} != input shape "
                         f"{input_shape[1:] if unbatched else input_shape}")
    t = np.moveaxis(target.astype(log_p.dtype), 1, -1)
    if eps > 0:
        t = t * (1 - eps) + eps / n_classes
    wt = class_weight * t
    loss_items = -(wt * log_p).sum(axis=-1)
    grad = p * wt.sum(axis=-1, keepdims=True) - wt
    return loss_items, grad, loss_items.size


def sequence_cross_entropy(logits: np.ndarray, targets: np.ndarray, lengths=None):
    """The course's sequence loss per step: 1/T sum_t L_t with L_t = -log ŷ_{t, y_t} (the
    course's total L = sum_t L_t divided by T), averaged over the batch.

    logits: (T, N, Q) time-major scores (floating point, finite); targets: (T, N) integer class
    indices in [0, Q) at the valid steps (steps past a sequence's length are padding and may
    hold anything); lengths: optional (N,) integers in [1, T], the valid steps per sequence
    (T in the formula is that sequence's length). Returns (loss, d_logits (T, N, Q)).
    """
    logits = limits.check_floating_array("logits", logits, min_ndim=3, max_ndim=3)
    T, N, Q = logits.shape
    targets = limits.check_integer_array("targets", targets)
    if targets.shape != (T, N):
        raise ValueError(f"targets must have shape ({T}, {N}), got {targets.shape}")
    if lengths is None:
        lengths = np.full(N, T)
    else:
        lengths = limits.check_integer_array("lengths", lengths)
        if lengths.shape != (N,):
            raise ValueError(f"lengths must have shape ({N},), got {lengths.shape}")
        if np.any((lengths < 1) | (lengths > T)):
            raise ValueError(f"lengths must be in [1, {T}], got {lengths.tolist()}")
    in_sequence = np.arange(T)[:, None] < lengths[None, :]          # (T, N)
    if np.any(in_sequence & ((targets < 0) | (targets >= Q))):
        raise ValueError(f"targets must be classes in [0, {Q - 1}] at the valid steps")
    safe_targets = np.where(in_sequence, targets, 0)
    per_step, d_per_step = cross_entropy(logits.reshape(T * N, Q), safe_targets.reshape(T * N),
                                         reduction="none")
    # weight of step t of sequence n: 1/(T_n * N) if t < T_n else 0
    step_weight = in_sequence / (lengths[None, :] * N)
    loss = float((per_step.reshape(T, N) * step_weight).sum())
    d_logits = d_per_step.reshape(T, N, Q) * step_weight[..., None].astype(logits.dtype)
    return loss, d_logits


# ----------------------------------------------------------------------------------------
# Connectionist temporal classification
# ----------------------------------------------------------------------------------------
#     CTC = -log P(y | x)   (the alignment between the T steps and the label is unknown)
# ctc_loss mirrors torch.nn.functional.ctc_loss; its forward variables (alpha), backward
# variables (beta) and gradient are one function each below it. The helpers ctc_collapse,
# ctc_best_path and ctc_alignments are for teaching: the collapse B, greedy decoding, and the
# list of every alignment of a small example.

NEG = -np.inf


def _extend_with_blanks(labels, blank: int) -> np.ndarray:
    """l = (a, b) -> l' = (blank, a, blank, b, blank): length 2U + 1."""
    extended = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    extended[1::2] = labels
    return extended


def _lengths(name: str, value, n_batch: int, unbatched: bool) -> np.ndarray:
    """input_lengths / target_lengths as an int64 array of shape (N,)."""
    array = limits.check_integer_array(name, value)
    if unbatched and array.shape in ((), (1,)):
        return array.reshape(1)
    if array.shape != (n_batch,):
        expected = "a single integer" if unbatched else f"shape ({n_batch},), one per sequence"
        raise ValueError(f"{name} must be {expected}, got shape {array.shape}")
    return array


def _check_ctc_inputs(log_probs, targets, input_lengths, target_lengths, blank):
    """Validate ctc_loss's arguments; return (log_probs (T, N, Q), labels, input_lengths,
    target_lengths, blank, unbatched)."""
    log_probs = limits.check_floating_array("log_probs", log_probs, min_ndim=2, max_ndim=3)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs[:, None, :]
    T, N, C = log_probs.shape
    blank = limits.check_int("blank", blank, 0, C - 1)
    input_lengths = _lengths("input_lengths", input_lengths, N, unbatched)
    target_lengths = _lengths("target_lengths", target_lengths, N, unbatched)
    if np.any(input_lengths < 1) or np.any(input_lengths > T):
        raise ValueError(f"input_lengths must be in [1, {T}] (T, the steps of log_probs), "
                         f"got {input_lengths.tolist()}")
    if np.any(target_lengths < 0):
        raise ValueError(f"target_lengths must be >= 0, got {target_lengths.tolist()}")
    targets = limits.check_integer_array("targets", targets)
    if unbatched:
        if targets.ndim != 1:
            raise ValueError(f"targets must be 1-D (S,) with 2-D log_probs, got {targets.shape}")
        targets = targets[None]
    if targets.ndim == 2:                                         # padded (N, S)
        if targets.shape[0] != N:
            raise ValueError(f"targets (padded) must have {N} rows, got shape {targets.shape}")
        S = targets.shape[1]
        if np.any(target_lengths > S):
            raise ValueError(f"target_lengths must be in [0, {S}] (the padded targets' width), "
                             f"got {target_lengths.tolist()}")
        labels = [targets[n, :target_lengths[n]] for n in range(N)]
    elif targets.ndim == 1:                                       # concatenated (sum(L),)
        if int(target_lengths.sum()) != targets.shape[0]:
            raise ValueError(f"target_lengths must sum to len(targets) = {targets.shape[0]} for "
                             f"concatenated targets, got sum {int(target_lengths.sum())}")
        offsets = np.concatenate([[0], np.cumsum(target_lengths)])
        labels = [targets[offsets[n]:offsets[n + 1]] for n in range(N)]
    else:
        raise ValueError(f"targets must be (N, S) padded or (sum(target_lengths),) "
                         f"concatenated, got shape {targets.shape}")
    cells = T * N * (2 * int(target_lengths.max()) + 1)
    if cells > limits.MAX_CTC_LATTICE:
        raise ValueError(f"ctc_loss: T * N * (2 max(target_lengths) + 1) must be at most "
                         f"{limits.MAX_CTC_LATTICE}, got {cells}")
    for y in labels:
        if np.any((y < 0) | (y >= C) | (y == blank)):
            raise ValueError(f"targets must be classes in [0, {C - 1}] other than blank "
                             f"({blank}), got {y.tolist()}")
    return log_probs, labels, input_lengths, target_lengths, blank, unbatched


def ctc_loss(log_probs: np.ndarray, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """Connectionist temporal classification loss, as ``torch.nn.functional.ctc_loss``.

    log_probs:      (T, N, Q) log-probabilities (log_softmax of the network's scores), or (T, Q);
                    floating point and finite
    targets:        (N, S) padded, or (sum(target_lengths),) concatenated class indices (integers
                    in [0, Q) other than blank); (S,) with 2-D log_probs
    input_lengths:  (N,) integers in [1, T];  target_lengths: (N,) integers in [0, S] (padded) or
                    summing to len(targets) (concatenated)
    blank:          integer in [0, Q)

    P(y|x) sums, over every alignment pi of length T that collapses to y (merge repeats, then
    drop blanks), the product prod_t p_t(pi_t). It is computed by the forward-backward
    recursions over the blank-extended label l' = (_, y1, _, y2, ..., _), in log space:

        alpha_t(s) = p_t(l'_s) * (alpha_{t-1}(s) + alpha_{t-1}(s-1) [+ alpha_{t-1}(s-2)])
        beta_t(s)  = p_t(l'_s) * (beta_{t+1}(s)  + beta_{t+1}(s+1)  [+ beta_{t+1}(s+2)])
        P(y|x)     = alpha_{T-1}(S-1) + alpha_{T-1}(S-2)
    the bracketed skip only when l'_s is not blank and differs from l'_{s-2}. Then

        loss = -log P(y|x)
        d loss / d log p_t(k) = -1/P * sum_{s: l'_s = k} alpha_t(s) beta_t(s) / p_t(k)

    i.e. minus the posterior occupancy of class k at step t. 'mean' divides each sequence's loss
    by its target length (at least 1), then averages over the batch; 'sum' adds them up.

    Returns (loss, d_log_probs), the true gradient with respect to ``log_probs`` as given.
    PyTorch's ctc backward adds ``exp(log_probs)`` (times each sequence's reduction weight);
    log_softmax's backward removes that term, so both give the same gradient for the logits:
    chain ``log_softmax_backward`` for those. An infeasible target (too long for its input) has
    loss inf (0 with zero_infinity) and zero gradient.
    """
    limits.check_choice("reduction", reduction, training_limits.REDUCTIONS)
    limits.check_bool("zero_infinity", zero_infinity, words="true or false")
    log_probs, labels, input_lengths, target_lengths, blank, unbatched = _check_ctc_inputs(
        log_probs, targets, input_lengths, target_lengths, blank)
    lattice = _ctc_lattice(log_probs, labels, target_lengths, blank)
    log_alpha, log_likelihood = _ctc_alpha(lattice, input_lengths)
    log_beta = _ctc_beta(lattice, input_lengths)
    d_nll = _ctc_gradient(lattice, log_alpha, log_beta, log_likelihood)

    feasible = np.isfinite(log_likelihood)
    nll = np.where(feasible, -log_likelihood, np.inf)
    if zero_infinity:
        nll = np.where(feasible, nll, 0.0)
    N = log_probs.shape[1]
    if reduction == "none":
        loss, scale = (nll[0] if unbatched else nll), np.ones(N)
    elif reduction == "sum":
        loss, scale = float(nll.sum()), np.ones(N)
    else:
        per_label = np.maximum(target_lengths, 1)
        loss, scale = float(np.mean(nll / per_label)), 1.0 / (per_label * N)
    grad = (d_nll * scale[None, :, None]).astype(log_probs.dtype)
    return loss, (grad[:, 0] if unbatched else grad)


class _Lattice(NamedTuple):
    """What the CTC recursions share: the blank-extended labels and what each step emits."""

    ext: np.ndarray         # (N, S) l' per sequence, padded with blanks to the longest
    S_n: np.ndarray         # (N,) 2U + 1: each sequence's own extended length
    can_skip: np.ndarray    # (N, S) the move s-2 -> s is allowed (l'_s a label != l'_{s-2})
    emit: np.ndarray        # (T, N, S) float64 log p_t(l'_s)
    n_classes: int


def _ctc_lattice(log_probs, labels, target_lengths, blank) -> _Lattice:
    T, N, C = log_probs.shape
    S = 2 * int(target_lengths.max()) + 1
    ext = np.full((N, S), blank, dtype=np.int64)
    for n, y in enumerate(labels):
        ext[n, :2 * len(y) + 1] = _extend_with_blanks(y, blank)
    can_skip = np.zeros((N, S), dtype=bool)
    can_skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    emit = log_probs.astype(np.float64)[:, np.arange(N)[:, None], ext]
    return _Lattice(ext, 2 * target_lengths + 1, can_skip, emit, C)


def _ctc_alpha(lattice: _Lattice, input_lengths) -> tuple[np.ndarray, np.ndarray]:
    """The forward variables, log alpha_t(s) (T, N, S): the probability of the prefixes that
    reach s at step t; and log P(y|x) (N,) from each sequence's own last step,
    alpha_{T_n-1}(S_n-1) + alpha_{T_n-1}(S_n-2).

        alpha_t(s) = p_t(l'_s) (alpha_{t-1}(s) + alpha_{t-1}(s-1) [+ alpha_{t-1}(s-2)])
    """
    emit, S_n, can_skip = lattice.emit, lattice.S_n, lattice.can_skip
    T, N, S = emit.shape
    log_alpha = np.full((T, N, S), NEG)
    log_alpha[0, :, 0] = emit[0, :, 0]                       # start on the blank ...
    if S > 1:
        log_alpha[0, :, 1] = np.where(S_n > 1, emit[0, :, 1], NEG)   # ... or the first label
    from_left = np.full((N, S), NEG)
    from_skip = np.full((N, S), NEG)
    for t in range(1, T):
        prev = log_alpha[t - 1]
        from_left[:, 1:] = prev[:, :-1]
        from_skip[:, 2:] = np.where(can_skip[:, 2:], prev[:, :-2], NEG)
        log_alpha[t] = emit[t] + np.logaddexp(np.logaddexp(prev, from_left), from_skip)
    batch, last = np.arange(N), input_lengths - 1
    end_a = log_alpha[last, batch, S_n - 1]
    end_b = np.where(S_n > 1, log_alpha[last, batch, np.maximum(S_n - 2, 0)], NEG)
    return log_alpha, np.logaddexp(end_a, end_b)


def _ctc_beta(lattice: _Lattice, input_lengths) -> np.ndarray:
    """The backward variables, log beta_t(s) (T, N, S): the probability of the suffixes from s
    at step t to the end, starting at each sequence's own last step in its last two states.

        beta_t(s) = p_t(l'_s) (beta_{t+1}(s) + beta_{t+1}(s+1) [+ beta_{t+1}(s+2)])
    """
    emit, S_n, can_skip = lattice.emit, lattice.S_n, lattice.can_skip
    T, N, S = emit.shape
    last = input_lengths - 1
    log_beta = np.full((T, N, S), NEG)
    s_index = np.arange(S)[None, :]
    skip_next = np.zeros((N, S), dtype=bool)                 # s -> s+2 allowed
    skip_next[:, :-2] = can_skip[:, 2:]
    is_end = (s_index == S_n[:, None] - 1) | (s_index == S_n[:, None] - 2)
    from_right = np.full((N, S), NEG)
    from_skip = np.full((N, S), NEG)
    for t in range(T - 1, -1, -1):
        start = np.where(is_end, emit[t], NEG)
        if t + 1 < T:
            nxt = log_beta[t + 1]
            from_right[:, :-1] = nxt[:, 1:]
            from_skip[:, :-2] = np.where(skip_next[:, :-2], nxt[:, 2:], NEG)
            recurse = emit[t] + np.logaddexp(np.logaddexp(nxt, from_right), from_skip)
        else:
            recurse = np.full((N, S), NEG)
        log_beta[t] = np.where((t == last)[:, None], start,
                               np.where((t < last)[:, None], recurse, NEG))
    return log_beta


def _ctc_gradient(lattice: _Lattice, log_alpha, log_beta, log_likelihood) -> np.ndarray:
    """d(-log P(y|x)) / d log p_t(k) for each sequence, (T, N, Q): minus the occupancy
    gamma_t(s) = alpha_t(s) beta_t(s) / (p_t(l'_s) P), summed over the s with l'_s = k
    (alpha and beta both contain p_t(l'_s), hence the division). Zero for an infeasible target."""
    ext, emit = lattice.ext, lattice.emit
    T, N, S = emit.shape
    feasible = np.isfinite(log_likelihood)
    log_gamma = log_alpha + log_beta - emit - np.where(feasible, log_likelihood, 0.0)[None, :, None]
    gamma = np.where(feasible[None, :, None], np.exp(log_gamma), 0.0)
    d_nll = np.zeros((T, N, lattice.n_classes))
    batch = np.arange(N)
    for s in range(S):                                       # (n, ext[n, s]) pairs are distinct
        d_nll[:, batch, ext[:, s]] -= gamma[:, :, s]
    return d_nll


def ctc_collapse(path, blank: int = 0) -> list[int]:
    """The CTC collapse B: merge repeated symbols, then drop blanks. (a a _ a b b) -> (a a b).

    path: a 1-D sequence of non-negative integers; blank: an integer in [0, limits.MAX_CLASSES]."""
    blank = limits.check_int("blank", blank, 0, limits.MAX_CLASSES)
    path = limits.check_integer_array("path", path, ndim=1)
    if np.any(path < 0):
        raise ValueError("path must hold class indices >= 0")
    out, previous = [], None
    for symbol in path.tolist():
        if symbol != previous and symbol != blank:
            out.append(symbol)
        previous = symbol
    return out


def ctc_best_path(log_probs: np.ndarray, blank: int = 0):
    """Best-path (greedy) decoding: the most probable class at each step, collapsed.

    log_probs: (T, Q) for one sequence (floating point, finite); blank in [0, Q).
    Returns (path: list of T classes, labels: collapsed list). The best path is the single most
    probable alignment; its collapse is not always the most probable labelling (which sums over
    all alignments), but usually is in practice.
    """
    log_probs = limits.check_floating_array("log_probs", log_probs, min_ndim=2, max_ndim=2)
    blank = limits.check_int("blank", blank, 0, log_probs.shape[1] - 1)
    path = [int(k) for k in np.argmax(log_probs, axis=-1)]
    return path, ctc_collapse(path, blank)


def _check_label(target, blank: int, n_classes: int | None, max_length: int) -> list[int]:
    target = limits.check_integer_array("target", target, ndim=1)
    if target.shape[0] > max_length:
        raise ValueError(f"target must have at most {max_length} labels, got {target.shape[0]}")
    high = limits.MAX_CLASSES if n_classes is None else n_classes - 1
    if np.any((target < 0) | (target > high) | (target == blank)):
        raise ValueError(f"target must hold classes in [0, {high}] other than blank ({blank}), "
                         f"got {target.tolist()}")
    return target.tolist()


def ctc_alignments(target, n_steps: int, n_classes: int | None = None, blank: int = 0,
                   max_alignments: int = limits.MAX_ALIGNMENTS) -> list[tuple[int, ...]]:
    """Every alignment of length n_steps that collapses to target, in lexicographic order of the
    path through the extended label. For a small example (e.g. target 'ab', T = 4) to list them.

    target: labels (integers >= 0, not blank; below n_classes when it is given);
    n_steps in [1, limits.MAX_ALIGNMENT_STEPS]; blank in [0, n_classes); max_alignments in
    [1, limits.MAX_ALIGNMENTS]: more alignments than that raise ValueError before any is built.

    Walks the extended label l': each step stays on s, moves to s+1, or skips to s+2 when
    allowed, starting in s = 0 or 1 and ending in S-1 or S-2. The walk is iterative and only
    enters states from which the end is still reachable, so its work is proportional to the
    alignments it lists.
    """
    n_steps = limits.check_int("n_steps", n_steps, 1, limits.MAX_ALIGNMENT_STEPS)
    max_alignments = limits.check_int("max_alignments", max_alignments, 1,
                                       limits.MAX_ALIGNMENTS)
    if n_classes is not None:
        n_classes = limits.check_int("n_classes", n_classes, 2, limits.MAX_CLASSES)
    blank = limits.check_int("blank", blank, 0,
                             limits.MAX_CLASSES if n_classes is None else n_classes - 1)
    labels = _check_label(target, blank, n_classes, limits.MAX_ALIGNMENT_STEPS)
    ext = _extend_with_blanks(labels, blank).tolist()
    S, T = len(ext), n_steps

    def moves(s):
        yield s
        if s + 1 < S:
            yield s + 1
        if s + 2 < S and ext[s + 2] != blank and ext[s + 2] != ext[s]:
            yield s + 2

    # completions[t, s]: alignments that finish from state s at step t (capped past the limit)
    cap = max_alignments + 1
    ext_array = np.asarray(ext)
    skip_next = np.zeros(S, dtype=bool)                      # s -> s+2 allowed
    skip_next[:-2] = (ext_array[2:] != blank) & (ext_array[2:] != ext_array[:-2])
    completions = np.zeros((T, S), dtype=np.int64)
    completions[T - 1, max(S - 2, 0):] = 1
    for t in range(T - 2, -1, -1):
        following = completions[t + 1]
        count = following.copy()
        count[:-1] += following[1:]
        count[:-2] += np.where(skip_next[:-2], following[2:], 0)
        completions[t] = np.minimum(count, cap)
    total = int(completions[0, :2].sum())
    if total > max_alignments:
        raise ValueError(f"more than max_alignments = {max_alignments} alignments: "
                         f"the example is not small")

    alignments: list[tuple[int, ...]] = []
    path = [0] * T
    stack = [(0, s) for s in (1, 0) if s < S and completions[0, s]]
    while stack:
        t, s = stack.pop()
        path[t] = s
        if t == T - 1:
            alignments.append(tuple(ext[k] for k in path))
            continue
        for m in reversed(list(moves(s))):
            if completions[t + 1, m]:
                stack.append((t + 1, m))
    return alignments


def ctc_brute_force_nll(log_probs: np.ndarray, target, blank: int = 0) -> float:
    """-log P(y|x) by summing prod_t p_t(pi_t) over every path pi of length T that collapses to y.

    Enumerates all Q^T paths (at most limits.MAX_BRUTE_FORCE_PATHS): only for tiny examples.
    log_probs (T, Q) floating point and finite; target as for ctc_alignments."""
    log_probs = limits.check_floating_array("log_probs", log_probs, min_ndim=2, max_ndim=2)
    T, C = log_probs.shape
    if C ** T > limits.MAX_BRUTE_FORCE_PATHS:
        raise ValueError(f"C ** T must be at most {limits.MAX_BRUTE_FORCE_PATHS}, "
                         f"got {C} ** {T}")
    blank = limits.check_int("blank", blank, 0, C - 1)
    labels = _check_label(target, blank, C, T)
    total = -np.inf
    for path in itertools.product(range(C), repeat=T):
        if ctc_collapse(path, blank) == labels:
            total = np.logaddexp(total, float(sum(log_probs[t, k] for t, k in enumerate(path))))
    return float(-total)
