"""Reproducible parameter initialisation.

Every layer and head draws its initial weights from uniform(-1/sqrt(H), 1/sqrt(H)), H the layer's
hidden size (or a head's input size), as PyTorch's nn.RNN/LSTM/GRU/Linear do. The draws come from
a numpy Generator: pass `seed` (an int) for a fresh one, or `rng` to share one across layers.
"""

from __future__ import annotations

import math

import numpy as np

from . import limits
from .limits import check_dtype, check_int


def make_rng(seed=None, rng=None) -> np.random.Generator:
    """Return rng, or a new Generator seeded with seed (fresh entropy when both are None)."""
    if seed is not None and rng is not None:
        raise ValueError("pass either seed or rng, not both")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    if seed is not None:
        seed = check_int("seed", seed, 0, limits.MAX_SEED)
    return np.random.default_rng(seed)


def uniform_init(rng: np.random.Generator, shape: tuple, fan: int, dtype) -> np.ndarray:
    """uniform(-1/sqrt(fan), 1/sqrt(fan)) of the given shape, drawn in float64, cast to dtype."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if not isinstance(shape, tuple) or not shape:
        raise ValueError(f"shape must be a non-empty tuple of sizes, got {shape!r}")
    shape = tuple(check_int(f"shape[{k}]", size, 1, limits.MAX_INIT_ELEMENTS)
                  for k, size in enumerate(shape))
    if math.prod(shape) > limits.MAX_INIT_ELEMENTS:
        raise ValueError(f"shape must hold at most {limits.MAX_INIT_ELEMENTS} entries, got {shape}")
    fan = check_int("fan", fan, 1, limits.MAX_INIT_ELEMENTS)
    dtype = check_dtype("dtype", dtype)
    bound = 1.0 / math.sqrt(fan)
    return rng.uniform(-bound, bound, size=shape).astype(dtype)
