"""What the demo pages offer: the product bounds, the one place the demo forms read them from.

The engine owns them: `rnncore.product_bounds.DEMOS` (the engine-tidy issue) gives, per engine
call a demo makes, a `Bound(min, max, default, help)` for each size, sized so that one call stays
under 20 ms on the site's machine. Until that module is on this branch's main, `_ENGINE_MIRROR`
below holds the same names and numbers (copied from the engine branch), so switching is the one
import at the top.

A page may offer less than the engine affords, never more: where the whole request (several
engine calls, the render of every entry as an input, a drawing per step) must fit the 50 ms a
demo recompute gets, or the page must stay readable, `_narrow` caps a bound and says why.
`make bench` (python -m studyapp.demos.bench) measures each demo at these bounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

try:  # the engine's table, once it exists on main
    from rnncore.product_bounds import DEMOS as _ENGINE_DEMOS
except ImportError:  # until then, the same names and numbers
    _ENGINE_DEMOS = None


@dataclass(frozen=True)
class Bound:
    """min..max inclusive, the value a page starts at, and what it is for (as the engine's)."""

    min: int | float
    max: int | float
    default: int | float
    help: str = ""
    source: tuple[str, str] | None = field(default=None, compare=False)   # (group, name) in ENGINE


_MAX_SEED = 2**32 - 1

# rnncore/product_bounds.py on the engine branch (8f57b35), group by group.
_ENGINE_MIRROR: dict[str, dict[str, Bound]] = {
    "hidden_state": {
        "input_size": Bound(1, 4, 2, "D, entries of x_t"),
        "hidden_size": Bound(1, 4, 2, "H, entries of h_t"),
        "output_size": Bound(1, 4, 2, "Q, entries of the scores s_t"),
        "steps": Bound(1, 5, 2, "steps shown, t = 1..T"),
        "entry": Bound(-10.0, 10.0, 0.0, "any one entry of a weight, bias or input"),
    },
    "forward": {
        "input_size": Bound(1, 4, 2, "D"),
        "hidden_size": Bound(1, 16, 4, "H"),
        "seq_len": Bound(1, 50, 8, "T"),
        "seed": Bound(0, _MAX_SEED, 0, "draws the weights and the inputs"),
    },
    "activations": {
        "points": Bound(11, 1001, 201, "grid points"),
        "x_max": Bound(0.5, 20.0, 6.0, "the grid spans [-x_max, x_max]"),
        "chain_length": Bound(1, 100, 10, "T derivatives multiplied"),
        "softmax_size": Bound(2, 10, 4, "entries of the softmax example"),
    },
    "losses": {
        "classes": Bound(2, 8, 3, "Q"),
        "items": Bound(1, 8, 3, "steps or examples scored"),
        "entry": Bound(-20.0, 20.0, 0.0, "any one score or regression target"),
    },
    "ctc": {
        "n_steps": Bound(1, 8, 4, "T"),
        "target_length": Bound(0, 3, 2, "U, labels in the target"),
        "classes": Bound(2, 5, 3, "Q, the blank included"),
        "max_alignments": Bound(1, 500, 500, "passed to ctc_alignments: the list's length"),
    },
    "gradient_norms": {
        "input_size": Bound(1, 8, 4, "D"),
        "hidden_size": Bound(1, 32, 16, "H"),
        "seq_len": Bound(2, 100, 50, "T"),
        "spectral_radius": Bound(0.1, 3.0, 1.0, "rho(W_hh) of the vanilla RNN"),
        "seed": Bound(0, _MAX_SEED, 0, "draws the weights and the input"),
    },
    "clipping": {
        "steps": Bound(1, 10, 5, "training steps"),
        "hidden_size": Bound(1, 16, 8, "H"),
        "seq_len": Bound(5, 30, 20, "T"),
        "batch_size": Bound(1, 16, 8, "N"),
        "clip_value": Bound(0.01, 100.0, 1.0, "max global norm"),
        "lr": Bound(1e-4, 10.0, 0.1, "learning rate (large ones explode without clipping)"),
        "seed": Bound(0, _MAX_SEED, 0, "the run's seed"),
    },
}

ENGINE: dict = _ENGINE_DEMOS if _ENGINE_DEMOS is not None else _ENGINE_MIRROR
FROM_ENGINE = _ENGINE_DEMOS is not None


def _engine(group: str, name: str) -> Bound:
    bound = ENGINE[group][name]
    return Bound(bound.min, bound.max, bound.default, bound.help, source=(group, name))


def _narrow(bound: Bound, high, why: str) -> Bound:
    """The bound capped at `high` for this page (never above what the engine affords)."""
    high = min(bound.max, high)
    return Bound(bound.min, high, min(bound.default, high), f"{bound.help} (page: {why})",
                 source=bound.source)


def _page(low, high, default, help_text: str) -> Bound:
    """A number the engine does not bound (it costs nothing): the page's own range."""
    return Bound(low, high, default, help_text)


SEED = _engine("gradient_norms", "seed")

# Hidden state, step by step: rnn_step_trace twice, the output layer, softmax.
STEP_INPUT_SIZE = _engine("hidden_state", "input_size")          # D
STEP_HIDDEN_SIZE = _engine("hidden_state", "hidden_size")        # H
STEP_OUTPUT_SIZE = _engine("hidden_state", "output_size")        # Q
ENTRY = _engine("hidden_state", "entry")                         # every typed weight or input

# Forward propagation through a sequence: an RNN layer's forward, drawn unrolled.
SEQUENCE_INPUT_SIZE = _engine("forward", "input_size")
SEQUENCE_HIDDEN_SIZE = _narrow(_engine("forward", "hidden_size"), 8,
                               "W_h is typed entry by entry, and each h_t box lists H values")
SEQUENCE_LENGTH = _narrow(_engine("forward", "seq_len"), 20,
                          "each step is a column of the drawing and a row of inputs")

# Activation functions over a grid; a chain of T derivatives; softmax.
ACTIVATION_POINTS = _engine("activations", "points").default
ACTIVATION_RANGE = _engine("activations", "x_max")
ACTIVATION_POINT = _page(-20.0, 20.0, 2.0, "the pre-activation a where values are read off")
SATURATION_THRESHOLD = _page(0.001, 0.25, 0.05, "f'(a) below this counts as saturated")
CHAIN_LENGTH = _engine("activations", "chain_length")
CHAIN_WEIGHT = _page(-10.0, 10.0, 1.0, "the scalar RNN's recurrent weight w_h")
SOFTMAX_SIZE = _engine("activations", "softmax_size")

# Losses: MSE and cross-entropy on short vectors; CTC with every alignment listed.
MSE_SIZE = _engine("losses", "items")
CROSS_ENTROPY_CLASSES = _engine("losses", "classes")
LOSS_ENTRY = _engine("losses", "entry")
CTC_STEPS = _engine("ctc", "n_steps")
_classes = _engine("ctc", "classes")
CTC_LABELS = Bound(_classes.min - 1, _classes.max - 1, _classes.default - 1,
                   "letters besides the blank (the engine's classes less the blank)")
CTC_TARGET_LENGTH = _engine("ctc", "target_length")
CTC_MAX_ALIGNMENTS = _engine("ctc", "max_alignments").max

# BPTT and vanishing / exploding gradients: hidden_gradient_norms for RNN, LSTM and GRU (three
# engine calls in one request, so the page offers less than one call affords).
GRADIENT_INPUT_SIZE = _engine("gradient_norms", "input_size")
GRADIENT_HIDDEN_SIZE = _narrow(_engine("gradient_norms", "hidden_size"), 16,
                               "three layers' norms and a training run share one request")
GRADIENT_STEPS = _narrow(_engine("gradient_norms", "seq_len"), 60,
                         "three layers' norms and a training run share one request")
SPECTRAL_RADIUS = _engine("gradient_norms", "spectral_radius")

# Clipping by norm over a few training steps.
TRAINING_STEPS = _engine("clipping", "steps")
TRAINING_HIDDEN_SIZE = _engine("clipping", "hidden_size")
TRAINING_SEQ_LEN = _engine("clipping", "seq_len")
TRAINING_BATCH = _engine("clipping", "batch_size")
CLIP_NORM = _engine("clipping", "clip_value")
LEARNING_RATE = _engine("clipping", "lr")
