"""What the demo pages offer: the product bounds, one entry per demo.

These are not rnncore's safety limits (rnncore.limits): they are the sizes a page can show and
recompute inside one request's budget (engine time under 20 ms, the whole request under 50 ms at
p95, measured by `make bench`: python -m studyapp.demos.bench). When the engine publishes its
own table (rnncore.product_bounds, the engine-tidy issue), the values come from there; this
module is the one place the demo forms read them from either way.
"""

from __future__ import annotations

from dataclasses import dataclass

try:  # the engine's table, once it exists
    from rnncore import product_bounds as _engine
except ImportError:  # pragma: no cover - depends on the engine's version
    _engine = None


@dataclass(frozen=True)
class Range:
    """An inclusive range for one form field."""

    low: float
    high: float

    def __iter__(self):
        return iter((self.low, self.high))


def _pick(name: str, default: Range) -> Range:
    """The engine's bound `name` (a (low, high) pair) when it publishes one, else `default`."""
    value = getattr(_engine, name, None) if _engine is not None else None
    if value is None:
        return default
    low, high = value
    return Range(low, high)


# Every number a learner types into a matrix or vector: large enough for saturation and
# explosion, small enough that a worked example stays readable (and never overflows).
ENTRY = _pick("DEMO_ENTRY", Range(-100.0, 100.0))
SEED = _pick("DEMO_SEED", Range(0, 2**32 - 1))

# Hidden state, step by step (rnn_step_trace twice, an output layer).
STEP_INPUT_SIZE = _pick("DEMO_STEP_INPUT_SIZE", Range(1, 6))          # D
STEP_HIDDEN_SIZE = _pick("DEMO_STEP_HIDDEN_SIZE", Range(1, 6))        # H
STEP_OUTPUT_SIZE = _pick("DEMO_STEP_OUTPUT_SIZE", Range(1, 6))        # Q

# Forward propagation through a sequence (an RNN forward over T steps, drawn unrolled).
SEQUENCE_INPUT_SIZE = _pick("DEMO_SEQUENCE_INPUT_SIZE", Range(1, 4))
SEQUENCE_HIDDEN_SIZE = _pick("DEMO_SEQUENCE_HIDDEN_SIZE", Range(1, 6))
SEQUENCE_LENGTH = _pick("DEMO_SEQUENCE_LENGTH", Range(1, 10))

# Activation functions over a grid of points; a chain of T derivatives.
ACTIVATION_RANGE = _pick("DEMO_ACTIVATION_RANGE", Range(1.0, 20.0))    # plot x in [-r, r]
ACTIVATION_POINT = _pick("DEMO_ACTIVATION_POINT", Range(-20.0, 20.0))  # the pre-activation a
ACTIVATION_POINTS = 401                                                # grid points (fixed)
SATURATION_THRESHOLD = _pick("DEMO_SATURATION_THRESHOLD", Range(0.001, 0.25))
CHAIN_LENGTH = _pick("DEMO_CHAIN_LENGTH", Range(1, 200))               # T
CHAIN_WEIGHT = _pick("DEMO_CHAIN_WEIGHT", Range(-10.0, 10.0))          # w_h
SOFTMAX_SIZE = _pick("DEMO_SOFTMAX_SIZE", Range(2, 6))                 # entries of s

# Losses: MSE and cross-entropy on short vectors, CTC with its alignments listed.
MSE_SIZE = _pick("DEMO_MSE_SIZE", Range(1, 8))
CROSS_ENTROPY_CLASSES = _pick("DEMO_CROSS_ENTROPY_CLASSES", Range(2, 6))   # Q
CTC_STEPS = _pick("DEMO_CTC_STEPS", Range(1, 6))                           # T
CTC_LABELS = _pick("DEMO_CTC_LABELS", Range(1, 3))        # letters besides the blank
CTC_TARGET_LENGTH = _pick("DEMO_CTC_TARGET_LENGTH", Range(1, 3))
# At T = 6 and a target of 3 distinct letters there are 84 alignments: the list fits a page.
CTC_MAX_ALIGNMENTS = 84

# BPTT and vanishing / exploding gradients (hidden_gradient_norms for RNN, LSTM, GRU) and a few
# training steps with clipping by norm.
GRADIENT_STEPS = _pick("DEMO_GRADIENT_STEPS", Range(2, 40))             # T
GRADIENT_HIDDEN_SIZE = _pick("DEMO_GRADIENT_HIDDEN_SIZE", Range(1, 16))  # H
GRADIENT_INPUT_SIZE = _pick("DEMO_GRADIENT_INPUT_SIZE", Range(1, 4))     # D
SPECTRAL_RADIUS = _pick("DEMO_SPECTRAL_RADIUS", Range(0.05, 3.0))
CLIP_NORM = _pick("DEMO_CLIP_NORM", Range(0.01, 100.0))
LEARNING_RATE = _pick("DEMO_LEARNING_RATE", Range(0.0001, 1.0))
TRAINING_STEPS = _pick("DEMO_TRAINING_STEPS", Range(1, 12))
