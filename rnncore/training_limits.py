"""Bounds of every training hyperparameter, and the checks that enforce them.

A web form, the trainer and the tasks validate against these constants, so a bad value fails
early with a ValueError that names the parameter and its range. Ranges are inclusive.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

# optimisers
LEARNING_RATE = (1e-5, 10.0)
MOMENTUM = (0.0, 0.999)
ADAM_BETA = (0.0, 0.9999)
EPSILON = (1e-12, 1e-2)
# gradient clipping
CLIP_NORM = (1e-3, 1e4)
CLIP_VALUE = (1e-3, 1e4)
# trainer
MAX_STEPS = (1, 100_000)
ADVANCE_STEPS = (0, 5_000)         # steps one call to advance() may take (a web request's bound)
ADVANCE_SECONDS = (0.001, 600.0)   # optional wall-clock bound of one advance() call
EVAL_EVERY = (1, 10_000)
SEED = (0, 2**32 - 1)
# shared by tasks
HIDDEN_SIZE = (1, 256)
NUM_LAYERS = (1, 4)
BATCH_SIZE = (1, 256)
SEQ_LEN = (2, 400)
FORGET_BIAS = (0.0, 5.0)

CELLS = ("rnn", "lstm", "gru")
OPTIMIZER_NAMES = ("sgd", "momentum", "adagrad", "adam")
CLIP_MODES = ("none", "norm", "value")
DTYPES = ("float32", "float64")


def check_real(name: str, value, bounds: tuple[float, float]) -> float:
    """Return value as a float if it is a finite real number within bounds, else ValueError."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {value!r}")
    if not low <= float(value) <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value!r}")
    return float(value)


def check_int(name: str, value, bounds: tuple[int, int]) -> int:
    """Return value as an int if it is an integer within bounds, else ValueError."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)                 # 32.0 from a JSON form is fine
        else:
            raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    if not low <= int(value) <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value!r}")
    return int(value)


def check_choice(name: str, value, choices) -> str:
    """Return value if it is one of choices, else ValueError listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    return value


# --- arrays ------------------------------------------------------------------------------
REDUCTIONS = ("mean", "sum", "none")
MAX_ARRAY_ELEMENTS = 50_000_000       # largest array a loss, optimiser or analysis accepts


def check_floating_array(name: str, value, *, min_ndim: int = 0, max_ndim: int = 32,
                         allow_empty: bool = False, finite: bool = True):
    """value as a floating-point ndarray (float16/32/64), finite, with min_ndim..max_ndim axes;
    else ValueError naming it. Integer, bool, complex and object arrays are refused (a gradient
    in an integer dtype would be silently truncated)."""
    try:
        array = np.asarray(value)
    except Exception as error:                 # ragged lists, objects without __array__ ...
        raise ValueError(f"{name} must be a floating-point array: {error}") from None
    if array.dtype.kind != "f":
        raise ValueError(f"{name} must be a floating-point array (float32 or float64), "
                         f"got dtype {array.dtype}")
    if not min_ndim <= array.ndim <= max_ndim:
        raise ValueError(f"{name} must have {min_ndim} to {max_ndim} dimensions, "
                         f"got shape {array.shape}")
    if array.size > MAX_ARRAY_ELEMENTS:
        raise ValueError(f"{name} must have at most {MAX_ARRAY_ELEMENTS} elements, "
                         f"got {array.size}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return array


def check_integer_array(name: str, value, *, ndim: int | None = None, allow_empty: bool = True):
    """value as an integer ndarray (any signed or unsigned integer dtype; an empty list is an
    empty int64 array); else ValueError naming it. Floats and bools are refused rather than
    truncated."""
    try:
        array = np.asarray(value)
    except Exception as error:
        raise ValueError(f"{name} must be an integer array: {error}") from None
    if array.size == 0 and array.dtype.kind == "f":
        array = array.astype(np.int64)         # np.asarray([]) is float64
    if array.dtype.kind not in "iu":
        raise ValueError(f"{name} must be an integer array, got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {array.shape}")
    if array.size > MAX_ARRAY_ELEMENTS:
        raise ValueError(f"{name} must have at most {MAX_ARRAY_ELEMENTS} elements, "
                         f"got {array.size}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if array.dtype == np.uint64 and array.size and int(array.max()) > np.iinfo(np.int64).max:
        raise ValueError(f"{name} has values too large for int64")
    return array.astype(np.int64, copy=False)


def check_index(name: str, value, low: int, high: int) -> int:
    """An integer (Python or NumPy, not bool, not float) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    if not low <= int(value) <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value!r}")
    return int(value)


def check_reduction(reduction) -> str:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction
