"""Bounds on every size the engine accepts, and the checks that enforce them.

A web form can reuse these constants for its own field limits; every entry point of rnncore
checks its arguments against them and raises ValueError naming the parameter and the allowed
range. Ranges are inclusive. The values keep one forward + backward pass of a demo well under a
second on one core.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

MAX_INPUT_SIZE = 1024      # features per step (e.g. a one-hot character vocabulary)
MAX_HIDDEN_SIZE = 512
MAX_OUTPUT_SIZE = 1024     # outputs of a Linear head
MAX_HEAD_INPUT_SIZE = 2 * MAX_HIDDEN_SIZE   # a head may read both directions' states
MAX_LAYERS = 4
MAX_SEQ_LEN = 1000
MAX_BATCH = 256

NONLINEARITIES = ("tanh", "relu")
DTYPES = (np.float32, np.float64)
DTYPE_NAMES = ("float32", "float64")


def check_int(name: str, value, low: int, high: int) -> int:
    """Return value as an int if it is an integer in [low, high], else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
    return int(value)


def check_choice(name: str, value, choices: tuple) -> object:
    """Return value if it is one of choices, else raise ValueError listing them."""
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_dtype(name: str, dtype) -> np.dtype:
    """Return np.dtype(dtype) if it is float32 or float64, else raise ValueError."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved not in DTYPES:
        raise ValueError(f"{name} must be one of float32, float64, got {dtype!r}")
    return resolved


def check_array(name: str, value, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Check that value is an ndarray of the given shape and dtype and return it.

    shape holds ints, or None for a dimension that was checked elsewhere. The message names what
    was expected, e.g. "x must have shape (T, 4, 8) ... got (30, 4, 7)".
    """
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(value).__name__}")
    if value.ndim != len(shape) or any(
        want is not None and got != want for want, got in zip(shape, value.shape)
    ):
        wanted = "(" + ", ".join("*" if s is None else str(s) for s in shape)
        wanted += ",)" if len(shape) == 1 else ")"
        raise ValueError(f"{name} must have shape {wanted}, got {value.shape}")
    if value.dtype != dtype:
        raise ValueError(f"{name} must have dtype {np.dtype(dtype).name}, got {value.dtype.name}")
    return value


def check_sequence(name: str, x, input_size: int, dtype: np.dtype) -> np.ndarray:
    """Check a (T, B, input_size) batch of sequences: T <= MAX_SEQ_LEN, B <= MAX_BATCH."""
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(x).__name__}")
    if x.ndim != 3:
        raise ValueError(
            f"{name} must have shape (seq_len, batch, {input_size}) (time-major), got {x.shape}"
        )
    check_int(f"{name} seq_len (dimension 0)", x.shape[0], 1, MAX_SEQ_LEN)
    check_int(f"{name} batch (dimension 1)", x.shape[1], 1, MAX_BATCH)
    return check_array(name, x, (None, None, input_size), dtype)


def check_cell_arguments(x, states, weight_ih, weight_hh, bias_ih, bias_hh, gate_count):
    """Check the arguments of a step function (x (B, I)) or sequence kernel (x (T, B, I)).

    states: name -> array that must be (B, H). Weights must be (G*H, I) and (G*H, H), biases
    (G*H,), with G = gate_count, and everything one float dtype. Returns that dtype.
    """
    dtype = check_dtype("weight_hh dtype", getattr(weight_hh, "dtype", None))
    if not isinstance(weight_hh, np.ndarray) or weight_hh.ndim != 2:
        raise ValueError(f"weight_hh must be a 2-D array ({gate_count}*H, H)")
    H = check_int("hidden size (weight_hh.shape[1])", weight_hh.shape[1], 1, MAX_HIDDEN_SIZE)
    check_array("weight_hh", weight_hh, (gate_count * H, H), dtype)
    if not isinstance(x, np.ndarray) or x.ndim not in (2, 3):
        raise ValueError("x must be an array of shape (B, I) for one step or (T, B, I)")
    if x.ndim == 3:
        check_int("x seq_len (dimension 0)", x.shape[0], 1, MAX_SEQ_LEN)
    B = check_int("x batch (dimension -2)", x.shape[-2], 1, MAX_BATCH)
    I = check_int("x input size (dimension -1)", x.shape[-1], 1, MAX_INPUT_SIZE)
    check_array("x", x, x.shape, dtype)
    check_array("weight_ih", weight_ih, (gate_count * H, I), dtype)
    check_array("bias_ih", bias_ih, (gate_count * H,), dtype)
    check_array("bias_hh", bias_hh, (gate_count * H,), dtype)
    for name, state in states.items():
        check_array(name, state, (B, H), dtype)
    return dtype
