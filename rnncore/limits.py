"""rnncore's safety limits, and the checks that enforce them.

Every size and amount of work the engine accepts is bounded here, and every entry point checks
its arguments against these constants and raises ValueError naming the parameter and the allowed
range. Ranges are inclusive. They are *safety* limits: they keep a malformed or hostile request
from taking minutes or gigabytes, and they are far above what one web request can afford (an
LSTM forward and backward at T = 1000, H = 512 takes a few hundred ms). What a demo page or the
lab offers is narrower, in rnncore.product_bounds; the training hyperparameters' ranges are in
rnncore.training_limits.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

# ---- sizes of layers, heads and sequences ------------------------------------------------------
MAX_INPUT_SIZE = 1024      # D: features per step (e.g. a one-hot character vocabulary)
MAX_HIDDEN_SIZE = 512      # H
MAX_OUTPUT_SIZE = 1024     # Q: outputs of a Linear head
MAX_HEAD_INPUT_SIZE = 2 * MAX_HIDDEN_SIZE   # a head may read both directions' states
MAX_LAYERS = 4             # L
MAX_SEQ_LEN = 1000         # T
MAX_BATCH = 256            # N

NONLINEARITIES = ("tanh", "relu")
DTYPES = (np.float32, np.float64)
DTYPE_NAMES = ("float32", "float64")
MAX_ARRAY_ELEMENTS = 50_000_000     # largest array a loss, optimiser or analysis accepts

# ---- initialisation ----------------------------------------------------------------------------
MAX_SEED = 2**32 - 1                # seeds of layers, heads and training runs
MAX_INIT_ELEMENTS = 4 * 1024 * 1024    # one initialised array; a (4*512, 1024) LSTM weight is 2 M

# ---- CTC (rnncore.losses) ----------------------------------------------------------------------
# T * N * (2 max(target length) + 1): the cells of the forward-backward lattice (each array of
# that size is float64; five are alive at once, so 2e6 cells is about 80 MB).
MAX_CTC_LATTICE = 2_000_000
MAX_ALIGNMENT_STEPS = 1_000         # ctc_alignments: n_steps and target length
MAX_ALIGNMENTS = 100_000            # ctc_alignments: largest list it will build
MAX_BRUTE_FORCE_PATHS = 1_000_000   # ctc_brute_force_nll: C ** T paths at most
MAX_CLASSES = 1_000_000             # largest blank / class index the CTC helpers accept

# ---- analysis (rnncore.analysis) ---------------------------------------------------------------
MAX_UNROLL_CELLS = 20_000_000       # T * N * H * layers * directions one unroll may hold
MAX_COMPONENTS = 3                  # principal components of a hidden trajectory
MAX_EXAMPLES = 256                  # evaluation sequences analyse_run looks at

# ---- saved runs (rnncore.serialization, rnncore.trainer) ---------------------------------------
MAX_RUN_BYTES = 64 * 1024 * 1024            # refuse to parse a saved run larger than this
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024  # sum of a saved run's entries' declared sizes
MAX_ENTRIES = 4_096                         # arrays in one saved run
MAX_META_BYTES = 1024 * 1024                # a saved run's JSON document
MAX_MESSAGE = 1_000                         # characters of a run's status message

# ---- task inputs (rnncore.tasks) ---------------------------------------------------------------
MAX_VOCABULARY = 128                # distinct characters of a char_lm text
MAX_PROMPT = 2_000                  # characters of a char_lm sampling prompt
MAX_SENTENCE_WORDS = 50             # longest sentence the sentiment task reads


def describe(value) -> str:
    """A short description of value for an error message (arrays by shape, not contents)."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 80 else f"a {type(value).__name__}"


def check_int(name: str, value, low: int, high: int) -> int:
    """Return value as an int if it is an integer (Python or NumPy; not a bool, not a float,
    even 32.0) in [low, high], else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {describe(value)}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
    return int(value)


def check_real(name: str, value, low: float, high: float) -> float:
    """Return value as a float if it is a finite real number (Python or NumPy; not a bool, not
    a string) in [low, high], else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {describe(value)}")
    if not low <= float(value) <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {describe(value)}")
    return float(value)


def check_choice(name: str, value, choices: tuple) -> object:
    """Return the choice equal to value (of the same type, so "tanh" but not an array holding
    it), else raise ValueError listing them."""
    for choice in choices:
        if isinstance(value, type(choice)) and value == choice:
            return choice
    allowed = ", ".join(repr(c) for c in choices)
    raise ValueError(f"{name} must be one of {allowed}, got {describe(value)}")


def check_bool(name: str, value, *, words: str = "True or False") -> bool:
    """Return value as a bool if it is True or False (Python or NumPy), else raise ValueError
    "{name} must be {words}, got ...".

    Strings, numbers and None are refused: "no" would otherwise count as True.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be {words}, got {describe(value)}")
    return bool(value)


def check_dtype(name: str, dtype) -> np.dtype:
    """Return np.dtype(dtype) if it is float32 or float64, else raise ValueError."""
    try:
        resolved = None if dtype is None else np.dtype(dtype)   # np.dtype(None) is float64
    except (TypeError, ValueError, SyntaxError):
        resolved = None
    if resolved is None or resolved not in DTYPES:
        raise ValueError(f"{name} must be one of {', '.join(DTYPE_NAMES)}, got {describe(dtype)}")
    return resolved


def check_finite(name: str, value: np.ndarray) -> np.ndarray:
    """Raise ValueError unless every entry of the ndarray value is finite (no NaN, no ±inf).

    One np.isfinite(...).all() pass; integer and boolean arrays are finite by construction.
    """
    if value.dtype.kind in "fc" and not np.isfinite(value).all():
        bad = np.argwhere(~np.isfinite(value))[0]
        where = f" at index {tuple(int(k) for k in bad)}" if value.ndim else ""
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf), "
                         f"got {value[tuple(bad)]}{where}")
    return value


def check_array(name: str, value, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Check that value is an ndarray of the given shape and dtype, with finite entries, and
    return it.

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
    return check_finite(name, value)


def check_sequence(name: str, x, input_size: int, dtype: np.dtype) -> np.ndarray:
    """Check a (T, N, input_size) batch of sequences: T <= MAX_SEQ_LEN, N <= MAX_BATCH."""
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(x).__name__}")
    if x.ndim != 3:
        raise ValueError(
            f"{name} must have shape (seq_len, batch, {input_size}) (time-major), got {x.shape}"
        )
    check_int(f"{name} seq_len (dimension 0)", x.shape[0], 1, MAX_SEQ_LEN)
    check_int(f"{name} batch (dimension 1)", x.shape[1], 1, MAX_BATCH)
    return check_array(name, x, (None, None, input_size), dtype)


def check_cell_arguments(x, states, weight_ih, weight_hh, bias_ih, bias_hh, gate_count,
                         x_ndim=3):
    """Check the arguments of a step function (x_ndim=2: x (N, D)) or a sequence kernel
    (x_ndim=3, the default: x (T, N, D)).

    states: name -> array that must be (N, H). Weights must be (G*H, D) and (G*H, H), biases
    (G*H,), with G = gate_count, and everything one float dtype with finite entries. Returns
    that dtype.
    """
    if x_ndim not in (2, 3):
        raise ValueError(f"x_ndim must be 2 (a step) or 3 (a sequence), got {describe(x_ndim)}")
    if not isinstance(weight_hh, np.ndarray) or weight_hh.ndim != 2:
        raise ValueError(f"weight_hh must be a 2-D array ({gate_count}*H, H), got "
                         f"{describe(weight_hh)}")
    dtype = check_dtype("weight_hh dtype", weight_hh.dtype)
    H = check_int("hidden size (weight_hh.shape[1])", weight_hh.shape[1], 1, MAX_HIDDEN_SIZE)
    check_array("weight_hh", weight_hh, (gate_count * H, H), dtype)
    wanted = "(N, D) for one step" if x_ndim == 2 else "(T, N, D) (time-major) for a sequence"
    if not isinstance(x, np.ndarray) or x.ndim != x_ndim:
        raise ValueError(f"x must be an array of shape {wanted}, got {describe(x)}")
    if x_ndim == 3:
        check_int("x seq_len (dimension 0)", x.shape[0], 1, MAX_SEQ_LEN)
    N = check_int("x batch (dimension -2)", x.shape[-2], 1, MAX_BATCH)
    D = check_int("x input size (dimension -1)", x.shape[-1], 1, MAX_INPUT_SIZE)
    check_array("x", x, x.shape, dtype)
    check_array("weight_ih", weight_ih, (gate_count * H, D), dtype)
    check_array("bias_ih", bias_ih, (gate_count * H,), dtype)
    check_array("bias_hh", bias_hh, (gate_count * H,), dtype)
    for name, state in states.items():
        check_array(name, state, (N, H), dtype)
    return dtype


def check_cache(name: str, cache, cache_type: type, producer: str):
    """Raise ValueError unless cache is the cache_type instance that `producer` returned."""
    if not isinstance(cache, cache_type):
        raise ValueError(f"{name} must be the cache returned by {producer}, got "
                         f"{describe(cache)}")
    return cache


def as_real_array(name: str, value, *, dtype=None, allow_int: bool = True,
                  expected: str = "an array of real numbers", finite: bool = True) -> np.ndarray:
    """value (an ndarray or any array-like: nested lists, scalars, a tensor's .numpy()) as a
    real ndarray; ValueError naming `name` otherwise. The one conversion every public function
    that takes numbers uses.

    dtype: cast to it (always a copy; check_dtype's float32 or float64). None: float32 and
    float64 arrays are returned as they are, other real arrays (integers, bools, float16) as
    float64. allow_int: whether integer and bool arrays count as numbers (False for gradients
    and losses, where an integer array is a mistake). expected: how the messages describe a
    good value ("{name} must be {expected}"). finite: refuse NaN and ±inf, checked after the
    cast (1e300 is finite in float64 but inf in float32).

    Refused: what NumPy cannot turn into one array (ragged lists, objects, an int beyond
    int64), strings, complex numbers (their imaginary part would be dropped).
    """
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be {expected}") from None
    if array.dtype.kind == "c":
        raise ValueError(f"{name} must be real numbers, got complex ({array.dtype.name}); "
                         f"pass the real part explicitly if that is what you mean")
    if array.dtype.kind not in ("biuf" if allow_int else "f"):
        raise ValueError(f"{name} must be {expected}, got dtype {array.dtype}")
    cast_to = np.float64 if dtype is None and array.dtype not in DTYPES else dtype
    if cast_to is not None:
        cast_to = check_dtype(f"{name} dtype", cast_to)
        with np.errstate(over="ignore", invalid="ignore"):
            array = array.astype(cast_to)         # a copy
    if finite and not np.isfinite(array).all():
        if dtype is None:
            raise ValueError(f"{name} must contain only finite numbers (no NaN or inf)")
        raise ValueError(f"{name} must contain only finite numbers within "
                         f"±{float(np.finfo(cast_to).max):.3g} (the range of {cast_to.name})")
    return array


def check_parameter_value(name: str, value, shape: tuple, dtype) -> np.ndarray:
    """Return value as a new array of the given shape and dtype, for copying into a parameter:
    as_real_array(name, value, dtype=dtype) (so finite *after* the cast: the limit is ±3.4e38
    for float32, ±1.8e308 for float64) of exactly that shape."""
    cast = as_real_array(name, value, dtype=dtype, expected="an array of numbers")
    if cast.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {cast.shape}")
    return cast


def check_floating_array(name: str, value, *, min_ndim: int = 0, max_ndim: int = 32,
                         allow_empty: bool = False, finite: bool = True, dtype=None,
                         allow_int: bool = False,
                         expected: str = "a floating-point array (float32 or float64)"
                         ) -> np.ndarray:
    """value as a floating-point ndarray with min_ndim..max_ndim axes and at most
    MAX_ARRAY_ELEMENTS entries, finite unless finite=False; else ValueError naming it.

    One conversion, as_real_array(name, value, dtype=dtype, allow_int=allow_int): by default an
    integer array is refused (an integer gradient would be silently truncated); a target or an
    analysis input, which may be given as integers, passes allow_int=True and a dtype to cast to.
    """
    array = as_real_array(name, value, dtype=dtype, allow_int=allow_int, finite=False,
                          expected=expected)
    if not min_ndim <= array.ndim <= max_ndim:
        raise ValueError(f"{name} must have {min_ndim} to {max_ndim} dimensions, "
                         f"got shape {array.shape}")
    if array.size > MAX_ARRAY_ELEMENTS:
        raise ValueError(f"{name} must have at most {MAX_ARRAY_ELEMENTS} elements, "
                         f"got {array.size}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if finite and not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return array


def check_integer_array(name: str, value, *, ndim: int | None = None,
                        allow_empty: bool = True) -> np.ndarray:
    """value as an int64 ndarray (from any signed or unsigned integer dtype; an empty list is
    an empty int64 array); else ValueError naming it. Floats and bools are refused rather than
    truncated."""
    try:
        array = np.asarray(value)
    except Exception as error:                 # ragged lists, objects without __array__ ...
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


def check_gradient_dict(grads, params=None, *, finite: bool = True) -> None:
    """The one check of a gradient dict, for the optimisers and clipping, which update arrays in
    place: grads a dict name -> floating-point ndarray (a list or an integer array would be
    copied or truncated, not updated). With params (a dict name -> floating-point ndarray), the
    same names and each gradient its parameter's shape. finite: refuse NaN and ±inf (an
    optimiser step); clipping passes finite=False, since a non-finite norm is the divergence the
    trainer reports. ValueError naming the entry otherwise."""
    if not isinstance(grads, dict) or not (params is None or isinstance(params, dict)):
        what = "grads must be a dict" if params is None else "params and grads must be dicts"
        raise ValueError(f"{what} name -> array, got {type(grads).__name__}")
    if params is not None:
        missing = sorted(set(params) - set(grads), key=str)
        extra = sorted(set(grads) - set(params), key=str)
        if missing or extra:
            raise ValueError(f"grads must have exactly the parameters' names: missing {missing}, "
                             f"unexpected {extra}")
    for name, grad in grads.items():
        if not isinstance(grad, np.ndarray) or grad.dtype.kind != "f":
            kind = grad.dtype if isinstance(grad, np.ndarray) else type(grad).__name__
            raise ValueError(f"gradient {name!r} must be a floating-point ndarray, got {kind}")
        if params is not None:
            param = params[name]
            if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
                raise ValueError(f"parameter {name!r} must be a floating-point ndarray")
            if grad.shape != param.shape:
                raise ValueError(f"gradient {name!r} must have shape {param.shape}, "
                                 f"got {grad.shape}")
        if finite and not np.isfinite(grad).all():
            raise ValueError(f"gradient {name!r} must be finite (no NaN or infinity)")


def load_parameters(params: dict, state) -> None:
    """Check `state` against `params` (same names; each value as check_parameter_value, with
    the shape and dtype of its parameter), then copy every value in place. Nothing is written
    unless every entry is good."""
    if not isinstance(state, dict):
        raise ValueError(f"state must be a dict of name -> array, got {type(state).__name__}")
    missing = [name for name in params if name not in state]
    unexpected = [name for name in state if name not in params]
    if missing or unexpected:
        raise ValueError(f"state names do not match the parameters: missing {missing}, "
                         f"unexpected {unexpected}")
    converted = {name: check_parameter_value(f"state[{name!r}]", state[name], target.shape,
                                             target.dtype)
                 for name, target in params.items()}
    for name, value in converted.items():
        np.copyto(params[name], value)
