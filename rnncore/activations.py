"""Activation functions and their derivatives.

Each derivative is written in terms of the activation's *output* y, which is what a forward pass
caches (CS231n style):

    sigmoid  σ(x) = 1 / (1 + e^{-x})        σ'(x) = y (1 - y)
    tanh     tanh(x)                         tanh'(x) = 1 - y^2
    ReLU     max(0, x)                       ReLU'(x) = 1 if y > 0 else 0
    softmax  ŷ_j = e^{s_j} / Σ_k e^{s_k}    ∂ŷ_j/∂s_k = ŷ_j (1[j = k] - ŷ_k)

(softmax of the scores s gives the prediction ŷ; 1[j = k] is 1 if j = k, else 0.)

Sigmoid is computed from e^{-|x|}, which never overflows, so it keeps full relative precision
even where σ(x) is tiny. (The sequence kernels in rnncore.bptt compute σ(a) = 1 / (1 + e^{-a})
with the sigmoid gates' weight rows negated once, so one exp per block gives e^{-a}; they let
e^{-a} overflow to inf, which gives σ = 0 exactly. A gate's value is only ever added to or
multiplied with numbers of order one, so the two agree to rounding.) Softmax works along one
axis, the last by default.

Every public function accepts an array or array-like of real numbers (lists, scalars; integers
are computed in float64, float32 stays float32) and raises ValueError naming the argument for
anything else: strings, complex numbers, NaN or ±inf (rnncore.limits.as_real_array). The cells
call the unchecked _sigmoid etc. on arrays they have already checked.
"""

from __future__ import annotations

import numpy as np

from .limits import as_real_array, check_int


def _with_axis(name: str, array: np.ndarray, axis: int = -1) -> int:
    """axis as an index of array, which must have at least 1 entry along it (the axis softmax
    normalises); else ValueError."""
    if array.ndim == 0 or array.shape[check_int("axis", axis, -array.ndim, array.ndim - 1)] == 0:
        raise ValueError(f"{name} must have at least one dimension and at least 1 entry along "
                         f"the axis softmax normalises, got shape {array.shape}")
    return axis


# ---- unchecked kernels (the arrays are already checked) ----------------------------------------

def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_derivative(y):
    return y * (1.0 - y)


def _tanh_derivative(y):
    return 1.0 - y * y


def _relu_derivative(y):
    return (y > 0).astype(y.dtype)


def _softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)     # e^x never overflows
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


# ---- public, checked ---------------------------------------------------------------------------

def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^{-x}), elementwise, any shape: 1 / (1 + e^{-x}) for x >= 0 and
    e^{x} / (1 + e^{x}) for x < 0, both written with e^{-|x|}."""
    return _sigmoid(as_real_array("x", x))


def sigmoid_derivative(y: np.ndarray) -> np.ndarray:
    """dσ/dx given y = σ(x): y (1 - y)."""
    return _sigmoid_derivative(as_real_array("y", y))


def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x), elementwise, any shape."""
    return np.tanh(as_real_array("x", x))


def tanh_derivative(y: np.ndarray) -> np.ndarray:
    """d tanh/dx given y = tanh(x): 1 - y^2."""
    return _tanh_derivative(as_real_array("y", y))


def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x), elementwise, any shape."""
    return np.maximum(as_real_array("x", x), 0.0)


def relu_derivative(y: np.ndarray) -> np.ndarray:
    """dReLU/dx given y = ReLU(x): 1 where y > 0, else 0 (the subgradient 0 at x = 0, as PyTorch)."""
    return _relu_derivative(as_real_array("y", y))


def softmax(x: np.ndarray, *, axis: int = -1) -> np.ndarray:
    """softmax(s)_j = e^{s_j} / Σ_k e^{s_k} along `axis` (the last by default), shifted by the
    max so e^s never overflows. Shape of x (at least 1-D, at least one entry along the axis).
    The one softmax of rnncore: the tasks and the sampling temperature use it too."""
    x = as_real_array("x", x)
    return _softmax(x, _with_axis("x", x, axis))


def softmax_backward(dy: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient wrt the softmax input s, given upstream dy = dL/dŷ and the output y = ŷ (same
    shapes), along the last axis.

    ds_k = Σ_j dy_j ŷ_j (1[j = k] - ŷ_k) = ŷ_k (dy_k - Σ_j dy_j ŷ_j): the Jacobian-vector
    product, without building the (Q, Q) Jacobian.
    """
    dy = as_real_array("dy", dy)
    y = as_real_array("y", y)
    _with_axis("dy", dy)
    _with_axis("y", y)
    if dy.shape != y.shape:
        raise ValueError(f"dy must have the shape of y {y.shape}, got {dy.shape}")
    return y * (dy - np.sum(dy * y, axis=-1, keepdims=True))

