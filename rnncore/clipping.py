"""Gradient clipping, the guard against exploding gradients.

    by global norm   ||dp|| = sqrt(sum over all parameters p of sum dp^2), dp = dL/dp;
                     if ||dp|| > max_norm:  dp <- dp * max_norm / (||dp|| + 1e-6)
                                                         (torch.nn.utils.clip_grad_norm_)
    element-wise     dp <- clip(dp, -v, v)  for each entry   (min-char-rnn, v = 5)

Both work in place on a dict name -> gradient array (non-finite entries allowed: they make the
norm non-finite, which the trainer reports as divergence) and return (norm_before, norm_after), the
global norms the learner sees on the gradient-norm plot. Norm clipping keeps the direction of
the step; element-wise clipping bends it but is cheap and never lets one entry explode.
"""

from __future__ import annotations

import math

import numpy as np

from . import limits, training_limits


def global_norm(grads: dict[str, np.ndarray]) -> float:
    """sqrt(sum_k ||g_k||^2) over all gradient arrays, accumulated in float64."""
    limits.check_gradient_dict(grads, finite=False)
    total = 0.0
    for grad in grads.values():
        flat = grad.ravel().astype(np.float64, copy=False)
        total += float(np.dot(flat, flat))
    return math.sqrt(total)


def clip_grad_norm(grads: dict[str, np.ndarray], max_norm: float) -> tuple[float, float]:
    """Scale all gradients together so their global norm is at most max_norm (in place).

    Returns (norm_before, norm_after). A non-finite norm is left alone (the trainer reports it
    as divergence rather than hiding it)."""
    max_norm = limits.check_real("clip_norm", max_norm, *training_limits.CLIP_NORM)
    limits.check_gradient_dict(grads, finite=False)
    norm = global_norm(grads)
    if not math.isfinite(norm):
        return norm, norm
    scale = max_norm / (norm + 1e-6)
    if scale < 1.0:
        for grad in grads.values():
            grad *= scale
        return norm, global_norm(grads)
    return norm, norm


def clip_grad_value(grads: dict[str, np.ndarray], clip_value: float) -> tuple[float, float]:
    """Clip every gradient entry to [-clip_value, clip_value] (in place), as min-char-rnn does.

    Returns (norm_before, norm_after)."""
    clip_value = limits.check_real("clip_value", clip_value, *training_limits.CLIP_VALUE)
    limits.check_gradient_dict(grads, finite=False)
    before = global_norm(grads)
    for grad in grads.values():
        np.clip(grad, -clip_value, clip_value, out=grad)
    return before, global_norm(grads)
