"""Bounds of every training hyperparameter, and the checks that enforce them.

A web form, the trainer and the tasks validate against these constants, so a bad value fails
early with a ValueError that names the parameter and its range. Ranges are inclusive.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

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
