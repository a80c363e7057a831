"""What the demo pages offer: the product bounds, the one place the demo forms read them from.

The engine owns them: `rnncore.product_bounds.DEMOS` gives, per engine call a demo makes, a
`Bound(min, max, default, help)` for each size, sized so that one call stays under 20 ms on the
site's machine (`make bench` runs rnncore.bench_bounds).

A page may offer less than the engine affords, never more: where the whole request (several
engine calls, the render of every entry as an input, a drawing per step) must fit the 50 ms a
demo recompute gets, or the page must stay readable, `_narrow` caps a bound and says why.
Numbers that cost the engine nothing (a threshold, a scalar weight) have the page's own range
(`_page`). `make bench` (python -m studyapp.demos.bench) measures each demo at these bounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import numpy as np

from rnncore.product_bounds import DEMOS as ENGINE


@dataclass(frozen=True)
class Bound:
    """A page's bound: min..max inclusive, the value it starts at, what it is for, and the
    engine bound it comes from ((group, name) in rnncore.product_bounds.DEMOS, if any)."""

    min: int | float
    max: int | float
    default: int | float
    help: str = ""
    source: tuple[str, str] | None = field(default=None, compare=False)


# Every seeded draw is made at these sizes, whatever the bounds, and a page takes its corner:
# a link's seed keeps its numbers when a bound moves. DRAW_STEPS for sequence lengths.
DRAW_SIZE = 32
DRAW_STEPS = 128


def draw_sizes(*sizes: Bound, steps: bool = False) -> int:
    """DRAW_SIZE (or DRAW_STEPS), checked to cover each bound's max."""
    size = DRAW_STEPS if steps else DRAW_SIZE
    for bound in sizes:
        if bound.max > size:
            raise ValueError(f"a bound of {bound.max} exceeds the draw size {size}: raise it "
                             f"(the seeded numbers of every size change then)")
    return size


def seeded(make: Callable[[Callable[..., np.ndarray]], dict[str, np.ndarray]]):
    """A demo's `draw(seed)` from `make(uniform)`, where uniform(*shape, scale=1.0) draws
    entries in [-scale, scale] rounded to one place (numbers a learner can read and retype):
    every entry at the largest sizes, cached per seed and handed out as copies (a size change
    takes a corner of it)."""
    @lru_cache(maxsize=64)
    def cached(seed: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(seed)

        def uniform(*shape, scale=1.0):
            return np.round(rng.uniform(-scale, scale, size=shape), 1)

        return make(uniform)

    def draw(seed: int) -> dict[str, np.ndarray]:
        return {name: value.copy() for name, value in cached(seed).items()}

    draw.__doc__ = make.__doc__
    return draw


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

# LSTM and GRU cells, step by step: lstm_step_trace or gru_step_trace for each step of a short
# sequence (the first two shown entry by entry); a gate's bias shift costs nothing.
LSTM_INPUT_SIZE = _engine("lstm_step", "input_size")
LSTM_HIDDEN_SIZE = _narrow(_engine("lstm_step", "hidden_size"), 3,
                           "W_x and W_h have 4H rows, typed entry by entry")
LSTM_STEPS = _engine("lstm_step", "steps")
LSTM_ENTRY = _engine("lstm_step", "entry")
GRU_INPUT_SIZE = _engine("gru_step", "input_size")
GRU_HIDDEN_SIZE = _engine("gru_step", "hidden_size")
GRU_STEPS = _engine("gru_step", "steps")
GRU_ENTRY = _engine("gru_step", "entry")
GATE_SHIFT = _page(-6.0, 6.0, 0.0, "added to a gate's bias in every unit: sigma(a + 6) > 0.997, "
                                  "sigma(a - 6) < 0.003")

# Forward propagation through a sequence: an RNN layer's forward, drawn unrolled.
SEQUENCE_INPUT_SIZE = _engine("forward", "input_size")
SEQUENCE_HIDDEN_SIZE = _narrow(_engine("forward", "hidden_size"), 8,
                               "W_h is typed entry by entry, and each h_t box lists H values")
SEQUENCE_LENGTH = _narrow(_engine("forward", "seq_len"), 20,
                          "each step is a column of the drawing and a row of inputs")

# Feedforward vs recurrent: a one-hidden-layer feedforward net over the concatenated sequence
# (linear_forward, W_1 is H x T*D) beside an RNN layer, with the pattern at each position k.
CONTRAST_INPUT_SIZE = _engine("feedforward_vs_recurrent", "input_size")
CONTRAST_HIDDEN_SIZE = _engine("feedforward_vs_recurrent", "hidden_size")
CONTRAST_LENGTH = _engine("feedforward_vs_recurrent", "seq_len")
CONTRAST_POSITION = _engine("feedforward_vs_recurrent", "position")

# Bidirectional and stacked RNNs: one RNN layer (num_layers, bidirectional) over a sequence,
# every state of every layer and direction listed as numbers.
STACK_INPUT_SIZE = _engine("bidirectional", "input_size")
STACK_HIDDEN_SIZE = _narrow(_engine("bidirectional", "hidden_size"), 4,
                            "each step lists L x dirs x H states, and the output 2H of them")
STACK_LENGTH = _narrow(_engine("bidirectional", "seq_len"), 12,
                       "each step is a row of the tables and a column of the heatmap")
STACK_LAYERS = _engine("bidirectional", "num_layers")
STACK_DIRECTIONS = _engine("bidirectional", "directions")

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
