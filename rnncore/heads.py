"""Output heads: the affine map from hidden states to outputs, y_t = W_y h_t + c.

Many-to-many: apply the head to every step's hidden state, h of shape (T, B, H) -> y (T, B, O).
Many-to-one: apply it to one state, e.g. the last step's outputs[-1] or the top layer's h_n[-1],
h of shape (B, H) -> y (B, O); backward then gives dL/dh for that one state, which goes into the
recurrent layer's backward as d_final_state (or as the last row of d_outputs).

Parameters are named as torch.nn.Linear: weight = W_y (O, H), bias = c (O,).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import limits
from .initialization import make_rng, uniform_init


class LinearCache(NamedTuple):
    h: np.ndarray
    weight: np.ndarray


def _check_h(h, in_features, dtype):
    """h must be (T, B, in_features) or (B, in_features), T and B within the limits, finite."""
    if not isinstance(h, np.ndarray) or h.ndim not in (2, 3):
        shape = h.shape if isinstance(h, np.ndarray) else type(h).__name__
        raise ValueError(f"h must be an array of shape (T, B, {in_features}) or "
                         f"(B, {in_features}), got {shape}")
    if h.ndim == 3:
        limits.check_int("h seq_len (dimension 0)", h.shape[0], 1, limits.MAX_SEQ_LEN)
    limits.check_int("h batch (dimension -2)", h.shape[-2], 1, limits.MAX_BATCH)
    return limits.check_array("h", h, (None,) * (h.ndim - 1) + (in_features,), dtype)


def linear_forward(h, weight, bias):
    """y = h W_y^T + c over the last axis of h (..., H) -> (..., O); returns y and the cache.

    weight (O, H) and bias (O,) of one float dtype (float32 or float64), O <= MAX_OUTPUT_SIZE,
    H <= MAX_HEAD_INPUT_SIZE; h (T, B, H) or (B, H) of the same dtype; all finite.
    """
    if not isinstance(weight, np.ndarray) or weight.ndim != 2:
        raise ValueError(f"weight must be a 2-D array (out_features, in_features), got "
                         f"{limits.describe(weight)}")
    dtype = limits.check_dtype("weight dtype", weight.dtype)
    O = limits.check_int("out_features (weight.shape[0])", weight.shape[0], 1,
                         limits.MAX_OUTPUT_SIZE)
    H = limits.check_int("in_features (weight.shape[1])", weight.shape[1], 1,
                         limits.MAX_HEAD_INPUT_SIZE)
    limits.check_array("weight", weight, (O, H), dtype)
    limits.check_array("bias", bias, (O,), dtype)
    _check_h(h, H, dtype)
    return _linear_forward(h, weight, bias)


def _linear_forward(h, weight, bias):
    return h @ weight.T + bias, LinearCache(h, weight)


def linear_backward(dy, cache):
    """Given dL/dy (..., O), return dh (..., H) and {weight: dW_y (O, H), bias: dc (O,)}."""
    limits.check_cache("cache", cache, LinearCache, "linear_forward")
    h, weight = cache
    limits.check_array("dy", dy, h.shape[:-1] + (weight.shape[0],), h.dtype)
    return _linear_backward(dy, cache)


def _linear_backward(dy, cache):
    h, weight = cache
    h2 = h.reshape(-1, h.shape[-1])
    dy2 = dy.reshape(-1, dy.shape[-1])
    grads = {"weight": dy2.T @ h2, "bias": dy2.sum(axis=0)}
    return dy @ weight, grads


class Linear:
    """y_t = W_y h_t + c, for h (T, B, H) (many-to-many) or (B, H) (many-to-one).

    Linear(in_features, out_features, dtype=np.float32, seed=None, rng=None); parameters
    weight (out_features, in_features) and bias (out_features,), initialised uniformly in
    ±1/sqrt(in_features) as torch.nn.Linear.
    """

    def __init__(self, in_features, out_features, dtype=np.float32, seed=None, rng=None):
        self.in_features = limits.check_int("in_features", in_features, 1,
                                            limits.MAX_HEAD_INPUT_SIZE)
        self.out_features = limits.check_int("out_features", out_features, 1,
                                             limits.MAX_OUTPUT_SIZE)
        self.dtype = limits.check_dtype("dtype", dtype)
        generator = make_rng(seed, rng)
        self._params = {
            "weight": uniform_init(generator, (self.out_features, self.in_features),
                                   self.in_features, self.dtype),
            "bias": uniform_init(generator, (self.out_features,), self.in_features, self.dtype),
        }
        self._cache = None

    def parameters(self) -> dict[str, np.ndarray]:
        """Name -> the parameter array itself (live)."""
        return dict(self._params)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Name -> a copy of each parameter."""
        return {name: value.copy() for name, value in self._params.items()}

    def load_state_dict(self, state: dict) -> None:
        """Copy weight and bias in place (names and shapes must match, values finite)."""
        limits.load_parameters(self._params, state)

    def forward(self, h):
        """y = h W_y^T + c for h (T, B, in_features) or (B, in_features)."""
        _check_h(h, self.in_features, self.dtype)
        y, self._cache = _linear_forward(h, self._params["weight"], self._params["bias"])
        return y

    def backward(self, dy):
        """Given dL/dy (shaped as the last forward's y), return (dh, grads {weight, bias})."""
        if self._cache is None:
            raise ValueError("backward() needs a forward() first")
        h = self._cache[0]
        limits.check_array("dy", dy, h.shape[:-1] + (self.out_features,), self.dtype)
        return _linear_backward(dy, self._cache)

    def config(self) -> dict:
        return {"in_features": self.in_features, "out_features": self.out_features,
                "dtype": self.dtype.name}

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"
