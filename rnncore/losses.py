"""Losses and their gradients: MSE, softmax cross-entropy (CTC lives in rnncore.ctc).

Each loss mirrors the ``torch.nn.functional`` function of the same name (same arguments,
same numbers) and returns ``(loss, d_loss / d_first_argument)``, the gradient that starts
backpropagation. With ``reduction='none'`` the loss is an array and the gradient is that of
its sum, as ``loss.backward(torch.ones_like(loss))`` would give.

The course writes the three losses as

    MSE           = 1/T sum_t (y_t - yhat_t)^2                      (regression)
    cross-entropy = -1/T sum_t sum_i y_{t,i} log yhat_{t,i}          (classification)
    CTC           = -log P(y | x)                                    (unknown alignment)

Shapes: T time steps, N (or B) sequences in the batch, C classes. Inputs must be floating
point and finite; anything else raises ValueError naming the argument (an integer input would
otherwise give an integer, truncated gradient).
"""

from __future__ import annotations

import numpy as np

from . import limits, training_limits
from .ctc import (ctc_alignments, ctc_best_path, ctc_brute_force_nll,  # noqa: F401 (public)
                  ctc_collapse, ctc_loss)
from .training_limits import REDUCTIONS  # noqa: F401 (public)


def _real_array_as(name: str, value, dtype) -> np.ndarray:
    """value (integers or floats) cast to dtype, then checked as check_floating_array does (a
    target or a class weight, which may be given as integers, unlike the input)."""
    cast = limits.as_real_array(name, value, dtype=dtype, expected="a real-valued array",
                                finite=False)
    return limits.check_floating_array(name, cast)


def _check_axis(axis, ndim: int) -> int:
    return limits.check_int("axis", axis, -ndim, ndim - 1)


# ----------------------------------------------------------------------------------------
# Softmax helpers
# ----------------------------------------------------------------------------------------

def _log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(z)_i = z_i - log sum_j exp(z_j), computed after subtracting max(z) so that
    exp never overflows. logits: a non-empty, finite floating-point array."""
    logits = limits.check_floating_array("logits", logits, min_ndim=1)
    return _log_softmax(logits, _check_axis(axis, logits.ndim))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(z)_i = exp(z_i) / sum_j exp(z_j)   (same shape as logits)."""
    return np.exp(log_softmax(logits, axis=axis))


def log_softmax_backward(d_log_probs: np.ndarray, log_probs: np.ndarray,
                         axis: int = -1) -> np.ndarray:
    """Backward of log_softmax: dz = dl - softmax(z) * sum(dl) along the class axis.

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

    input:  logits, (C,), (N, C) or (N, C, d1, ...), floating point and finite, classes on
            axis 1 as in PyTorch, so a time-major sequence (T, B, C) is passed as
            ``logits.reshape(T * B, C)`` (per step).
    target: class indices (integer array, shape of input without the class axis; each in
            [0, C) or ignore_index), or class probabilities (float array, same shape as input).
    weight: optional (C,) rescaling weight per class.  label_smoothing: a number in [0, 1].

    With p = softmax(z) and y the target class:
        loss_k = -w_y log p_y                    d loss_k / d z = w_y (p - onehot(y))
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
        # Probability targets: loss_k = -sum_c w_c t_c log p_c, gradient p * sum_c(w t) - w t.
        limits.check_floating_array("target", target, allow_empty=True)
        if target.shape != logits.shape:
            raise ValueError(f"cross_entropy: probability target shape "
                             f"{target.shape[1:] if unbatched else target.shape} != input shape "
                             f"{logits.shape[1:] if unbatched else logits.shape}")
        t = np.moveaxis(target.astype(z.dtype), 1, -1)
        if eps > 0:
            t = t * (1 - eps) + eps / n_classes
        wt = class_weight * t
        loss_items = -(wt * log_p).sum(axis=-1)
        grad = p * wt.sum(axis=-1, keepdims=True) - wt
        denominator = loss_items.size
    elif target.dtype.kind in "iu":
        if target.shape != z.shape[:-1]:
            raise ValueError(f"cross_entropy: target shape {target.shape} does not match input "
                             f"{logits.shape} (its shape without the class axis)")
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
        # Smoothing term sum_c -w_c log p_c and its gradient p * sum(w) - w.
        smooth = -(log_p * class_weight).sum(axis=-1) * valid
        d_smooth = (p * class_weight.sum() - class_weight) * valid[..., None]
        loss_items = (1 - eps) * nll + (eps / n_classes) * smooth
        grad = (1 - eps) * d_nll + (eps / n_classes) * d_smooth
        denominator = w_item.sum()
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


def sequence_cross_entropy(logits: np.ndarray, targets: np.ndarray, lengths=None):
    """The course's sequence loss: L = -1/T sum_t log yhat_{t, y_t}, averaged over the batch.

    logits: (T, B, C) time-major scores (floating point, finite); targets: (T, B) integer class
    indices in [0, C) at the valid steps (steps past a sequence's length are padding and may
    hold anything); lengths: optional (B,) integers in [1, T], the valid steps per sequence
    (T in the formula is that sequence's length). Returns (loss, d_logits (T, B, C)).
    """
    logits = limits.check_floating_array("logits", logits, min_ndim=3, max_ndim=3)
    T, B, C = logits.shape
    targets = limits.check_integer_array("targets", targets)
    if targets.shape != (T, B):
        raise ValueError(f"targets must have shape ({T}, {B}), got {targets.shape}")
    if lengths is None:
        lengths = np.full(B, T)
    else:
        lengths = limits.check_integer_array("lengths", lengths)
        if lengths.shape != (B,):
            raise ValueError(f"lengths must have shape ({B},), got {lengths.shape}")
        if np.any((lengths < 1) | (lengths > T)):
            raise ValueError(f"lengths must be in [1, {T}], got {lengths.tolist()}")
    in_sequence = np.arange(T)[:, None] < lengths[None, :]          # (T, B)
    if np.any(in_sequence & ((targets < 0) | (targets >= C))):
        raise ValueError(f"targets must be classes in [0, {C - 1}] at the valid steps")
    safe_targets = np.where(in_sequence, targets, 0)
    per_step, d_per_step = cross_entropy(logits.reshape(T * B, C), safe_targets.reshape(T * B),
                                         reduction="none")
    # weight of step t of sequence b: 1/(T_b * B) if t < T_b else 0
    step_weight = in_sequence / (lengths[None, :] * B)
    loss = float((per_step.reshape(T, B) * step_weight).sum())
    d_logits = d_per_step.reshape(T, B, C) * step_weight[..., None].astype(logits.dtype)
    return loss, d_logits
