"""Output heads: the affine map from hidden states to the scores, s_t = W_y h_t + b_y.

The scores (logits) s_t are what a loss reads: the prediction is ŷ_t = softmax(s_t) for
classification and ŷ_t = s_t for regression (rnncore.losses), compared with the target y_t.

Many-to-many: apply the head to every step's hidden state, h of shape (T, N, H) -> s (T, N, Q).
Many-to-one: apply it to one state, e.g. the last step's outputs[-1] or the top layer's h_n[-1],
h of shape (N, H) -> s (N, Q); backward then gives dL/dh for that one state, which goes into the
recurrent layer's backward as d_final_state (or as the last row of d_outputs).

Parameters are named as torch.nn.Linear: weight = W_y (Q, H), bias = b_y (Q,). (H is 2H for a
head on both directions of a bidirectional layer.)
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
    """h must be (T, N, in_features) or (N, in_features), T and N within the limits, finite."""
    if not isinstance(h, np.ndarray) or h.ndim not in (2, 3):
        shape = h.shape if isinstance(h, np.ndarray) else type(h).__name__
        raise ValueError(f"h must be an array of shape (T, N, {in_features}) or "
                         f"(N, {in_features}), got {shape}")
    if h.ndim == 3:
        limits.check_int("h seq_len (dimension 0)", h.shape[0], 1, limits.MAX_SEQ_LEN)
    limits.check_int("h batch (dimension -2)", h.shape[-2], 1, limits.MAX_BATCH)
    return limits.check_array("h", h, (None,) * (h.ndim - 1) + (in_features,), dtype)


def linear_forward(h, weight, bias):
    """s = h W_y^T + b_y over the last axis of h (..., H) -> (..., Q); returns s and the cache.

    (Rows are vectors here, so W_y h_t becomes h @ W_y.T.) weight W_y (Q, H) and bias b_y (Q,)
    of one float dtype (float32 or float64), Q <= MAX_OUTPUT_SIZE, H <= MAX_HEAD_INPUT_SIZE;
    h (T, N, H) or (N, H) of the same dtype; all finite.
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


def linear_backward(ds, cache):
    """Given ds = dL/ds (..., Q), return dh (..., H) and {weight: dW_y (Q, H), bias: db_y (Q,)}.

        dh_t = W_y^T ds_t,   dW_y = Σ_t Σ_n ds_t h_t^T,   db_y = Σ_t Σ_n ds_t
    """
    limits.check_cache("cache", cache, LinearCache, "linear_forward")
    h, weight = cache
    limits.check_array("ds", ds, h.shape[:-1] + (weight.shape[0],), h.dtype)
    return _linear_backward(ds, cache)


def _linear_backward(ds, cache):
    h, weight = cache
    h2 = h.reshape(-1, h.shape[-1])                 # every step and sequence is one row
    ds2 = ds.reshape(-1, ds.shape[-1])
    grads = {"weight": ds2.T @ h2, "bias": ds2.sum(axis=0)}
    return ds @ weight, grads


class Linear:
    """The scores s_t = W_y h_t + b_y, for h (T, N, H) (many-to-many) or (N, H) (many-to-one).

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
        """s = h W_y^T + b_y for h (T, N, in_features) or (N, in_features): the scores (T, N, Q)
        or (N, Q)."""
        _check_h(h, self.in_features, self.dtype)
        s, self._cache = _linear_forward(h, self._params["weight"], self._params["bias"])
        return s

    def backward(self, ds):
        """Given ds = dL/ds (shaped as the last forward's scores), return (dh, grads {weight,
        bias})."""
        if self._cache is None:
            raise ValueError("backward() needs a forward() first")
        h = self._cache[0]
        limits.check_array("ds", ds, h.shape[:-1] + (self.out_features,), self.dtype)
        return _linear_backward(ds, self._cache)

    def config(self) -> dict:
        return {"in_features": self.in_features, "out_features": self.out_features,
                "dtype": self.dtype.name}

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"
