"""What the demo pages and the lab offer: the product bounds, sized so one request stays in budget.

rnncore.limits and rnncore.training_limits are *safety* limits: what the engine accepts at all,
far above what one web request can afford (an LSTM forward and backward at T = 1000, H = 512
takes a few hundred ms, one lab step at the training limits seconds, its saved run many MB).
These bounds are what a page offers, narrower and inside the safety limits (a test checks that),
and each is sized so that, on the 2-core machine the site runs on,

    DEMO_CALL_MS   one engine call of a demo at its bounds takes under 20 ms, which leaves the
                   rest of a demo request's 50 ms for the view and the render;
    LAB_STEP_MS    one training step at a task's lab bounds takes under 50 ms (its share of the
                   periodic evaluation included);
    LAB_RUN_BYTES  a finished run at a task's lab bounds (its whole history, so max_steps is
                   capped too) is under 1 MB as Trainer.to_bytes().

`make bench` (python -m rnncore.bench_bounds) measures all three at the bounds; the sizes are
deterministic, so tests assert them, never the times.

The data is plain: a Bound per offered number (min, max, default, help), grouped in dicts.

    DEMOS["gradient_norms"]["seq_len"]      Bound(min=2, max=100, default=50, help=...)
    DEMOS["ctc"]["n_steps"].check("n_steps", value)      # ValueError naming the field
    LAB["adding"]["hidden_size"]            the lab's bound of one task's hyperparameter
    lab_config_bounds("adding")             task.config_bounds() narrowed by LAB (same shape)
    check_lab_config("adding", config)      the full validated configuration, within LAB

A form turns the ValueError of check / check_lab_config into a field error (a 400, never a 500).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import limits
from .tasks import get_task

DEMO_CALL_MS = 20.0
LAB_STEP_MS = 50.0
LAB_RUN_BYTES = 1_000_000


@dataclass(frozen=True)
class Bound:
    """A number a form offers: min..max inclusive, the value it starts at, and what it is for.
    Integer bounds (all three ints) take integers only; the others any real number."""

    min: int | float
    max: int | float
    default: int | float
    help: str = ""

    @property
    def kind(self) -> str:
        """'int' or 'float', as a task's Param.describe() says it."""
        return "int" if all(isinstance(v, int) for v in (self.min, self.max, self.default)) \
            else "float"

    def check(self, name: str, value):
        """value as an int or float within the bound; ValueError "{name} must be in [min, max],
        got ..." otherwise (rnncore.limits' checkers)."""
        if self.kind == "int":
            return limits.check_int(name, value, self.min, self.max)
        return limits.check_real(name, value, self.min, self.max)

    def describe(self) -> dict:
        """JSON-able, as a task's config_bounds() entries: {'kind', 'min', 'max', 'default',
        'help'}."""
        return {"kind": self.kind, "min": self.min, "max": self.max, "default": self.default,
                "help": self.help}


# ---- demos: one group per engine call a demo page makes ----------------------------------------

DEMOS: dict[str, dict[str, Bound]] = {
    # rnn_step_trace, then the output layer s_t = W_y h_t + b_y and
    # softmax, for a few steps: every entry of every matrix is a field, so sizes stay small.
    "hidden_state": {
        "input_size": Bound(1, 4, 2, "D, entries of x_t"),
        "hidden_size": Bound(1, 4, 2, "H, entries of h_t"),
        "output_size": Bound(1, 4, 2, "Q, entries of the scores s_t"),
        "steps": Bound(1, 5, 2, "steps shown, t = 1..T"),
        "entry": Bound(-10.0, 10.0, 0.0, "any one entry of a weight, bias or input"),
    },
    # lstm_step_trace for the steps of a short sequence (two shown entry by entry, the rest
    # drawn over time): W_x (4H, D) and W_h (4H, H) are typed entry by entry, so sizes stay small
    "lstm_step": {
        "input_size": Bound(1, 4, 1, "D, entries of x_t"),
        "hidden_size": Bound(1, 4, 1, "H, entries of h_t and c_t"),
        "steps": Bound(2, 16, 8, "steps of the sequence drawn, t = 1..T"),
        "entry": Bound(-10.0, 10.0, 0.0, "any one entry of a weight, bias or input"),
    },
    # gru_step_trace likewise: W_x (3H, D), W_h (3H, H), the biases b_x and b_h (3H)
    "gru_step": {
        "input_size": Bound(1, 4, 1, "D, entries of x_t"),
        "hidden_size": Bound(1, 4, 1, "H, entries of h_t"),
        "steps": Bound(2, 16, 8, "steps of the sequence drawn, t = 1..T"),
        "entry": Bound(-10.0, 10.0, 0.0, "any one entry of a weight, bias or input"),
    },
    # a float64 RNN layer's forward over one short sequence (the heatmap of h_t over time)
    "forward": {
        "input_size": Bound(1, 4, 2, "D"),
        "hidden_size": Bound(1, 16, 4, "H"),
        "seq_len": Bound(1, 50, 8, "T"),
        "seed": Bound(0, limits.MAX_SEED, 0, "draws the weights and the inputs"),
    },
    # one sequence with a pattern at each position k = 1..T, as a batch: linear_forward over the
    # concatenated sequences (a feedforward layer, W_1 is H x T*D) and a float64 RNN layer
    "feedforward_vs_recurrent": {
        "input_size": Bound(1, 4, 2, "D, entries of x_t and of the pattern"),
        "hidden_size": Bound(1, 4, 3, "H, hidden units of both networks"),
        "seq_len": Bound(1, 10, 5, "T; the feedforward input has T*D entries"),
        "position": Bound(1, 10, 2, "k, the step where the pattern appears"),
        "seed": Bound(0, limits.MAX_SEED, 0, "draws the weights of both networks"),
    },
    # a float64 RNN layer, stacked and bidirectional, over one short sequence: every state of
    # every layer and direction, the outputs and h_n shown (the page lists each as numbers)
    "bidirectional": {
        "input_size": Bound(1, 4, 1, "D"),
        "hidden_size": Bound(1, 8, 2, "H, per direction"),
        "seq_len": Bound(1, 20, 5, "T"),
        "num_layers": Bound(1, 3, 2, "L, stacked layers"),
        "directions": Bound(1, 2, 2, "1 (forward only) or 2 (bidirectional)"),
        "seed": Bound(0, limits.MAX_SEED, 0, "draws the weights and the inputs"),
    },
    # sigmoid, tanh, ReLU and softmax with their derivatives over a grid of x; a chain of T
    # derivatives (what BPTT multiplies)
    "activations": {
        "points": Bound(11, 1001, 201, "grid points"),
        "x_max": Bound(0.5, 20.0, 6.0, "the grid spans [-x_max, x_max]"),
        "chain_length": Bound(1, 100, 10, "T derivatives multiplied"),
        "softmax_size": Bound(2, 10, 4, "entries of the softmax example"),
    },
    # mse_loss and cross_entropy on a small editable example
    "losses": {
        "classes": Bound(2, 8, 3, "Q"),
        "items": Bound(1, 8, 3, "steps or examples scored"),
        "entry": Bound(-20.0, 20.0, 0.0, "any one score or regression target"),
    },
    # ctc_loss on one sequence, with ctc_alignments listing and summing every alignment: at
    # these bounds there are at most 462 (8 steps, 3 distinct labels), which fits a page
    "ctc": {
        "n_steps": Bound(1, 8, 4, "T"),
        "target_length": Bound(0, 3, 2, "U, labels in the target"),
        "classes": Bound(2, 5, 3, "Q, the blank included"),
        "max_alignments": Bound(1, 500, 500, "passed to ctc_alignments: the list's length"),
    },
    # rnncore.analysis.hidden_gradient_norms for an RNN, an LSTM and a GRU on one input
    # (three calls, each within the budget), the RNN's W_hh rescaled to a spectral radius
    "gradient_norms": {
        "input_size": Bound(1, 8, 4, "D"),
        "hidden_size": Bound(1, 32, 16, "H"),
        "seq_len": Bound(2, 100, 50, "T"),
        "spectral_radius": Bound(0.1, 3.0, 1.0, "rho(W_hh) of the vanilla RNN"),
        "seed": Bound(0, limits.MAX_SEED, 0, "draws the weights and the input"),
    },
    # a few clipped training steps: Trainer.create(task, config).advance(steps) for sine or
    # adding with these sizes and clip="norm", showing the norm before and after clipping
    "clipping": {
        "steps": Bound(1, 10, 5, "training steps"),
        "hidden_size": Bound(1, 16, 8, "H"),
        "seq_len": Bound(5, 25, 20, "T"),
        "batch_size": Bound(1, 16, 8, "N"),
        "clip_value": Bound(0.01, 100.0, 1.0, "max global norm"),
        "lr": Bound(1e-4, 10.0, 0.1, "learning rate (large ones explode without clipping)"),
        "seed": Bound(0, limits.MAX_SEED, 0, "the run's seed"),
    },
}


# ---- the lab: per task, the hyperparameters that set a step's cost and a run's size ------------
# The other hyperparameters (lr, optimizer, clip, ...) cost nothing extra: the lab offers their
# task's config_bounds(). Sizes: an Adam run stores its parameters three times (values and two
# moments), float32; the bidirectional task doubles them, the char_lm vocabulary (up to 128
# characters) widens its input and output.

LAB_DTYPES = ("float32",)      # float64 is for worked examples and gradient checks

_STEPS = Bound(1, 2000, 200, "length of the run (its history is stored)")
_EVAL_EVERY = Bound(10, 500, 25, "steps between evaluations")
_LAYERS = Bound(1, 2, 1, "stacked recurrent layers")


def _steps(default: int) -> Bound:
    return Bound(_STEPS.min, _STEPS.max, default, _STEPS.help)


def _eval_every(default: int, low: int = _EVAL_EVERY.min) -> Bound:
    return Bound(low, _EVAL_EVERY.max, default, _EVAL_EVERY.help)


def _hidden(high: int, default: int) -> Bound:
    return Bound(1, high, default, "hidden units per direction")


def _batch(high: int, default: int) -> Bound:
    return Bound(1, high, default, "sequences per step")


LAB: dict[str, dict[str, Bound]] = {
    "sine": {"hidden_size": _hidden(64, 16), "num_layers": _LAYERS, "batch_size": _batch(32, 16),
             "seq_len": Bound(5, 100, 30, "steps per sequence"),
             "max_steps": _steps(200), "eval_every": _eval_every(20)},
    "adding": {"hidden_size": _hidden(64, 32), "num_layers": _LAYERS,
               "batch_size": _batch(32, 32),
               "seq_len": Bound(4, 80, 30, "steps per sequence (the dependency's range)"),
               # its evaluation batch is 256 sequences: evaluating less often keeps its share
               "max_steps": _steps(600), "eval_every": _eval_every(25, low=20)},
    "copy": {"hidden_size": _hidden(64, 32), "num_layers": _LAYERS, "batch_size": _batch(32, 32),
             "delay": Bound(1, 80, 10, "steps between the last symbol and the recall"),
             "copy_length": Bound(1, 10, 3, "symbols to remember"),
             "max_steps": _steps(400), "eval_every": _eval_every(25)},
    "char_lm": {"hidden_size": _hidden(48, 48), "num_layers": _LAYERS,
                "batch_size": _batch(32, 16),
                "seq_len": Bound(2, 100, 25, "characters per training window"),
                "max_steps": _steps(300), "eval_every": _eval_every(25)},
    "sentiment": {"hidden_size": _hidden(64, 8), "num_layers": _LAYERS,
                  "batch_size": _batch(16, 16), "max_steps": _steps(150),
                  "eval_every": _eval_every(10)},
    "future_context": {"hidden_size": _hidden(32, 16), "num_layers": _LAYERS,
                       "batch_size": _batch(32, 32),
                       "seq_len": Bound(2, 50, 10, "steps per sequence"),
                       "max_steps": _steps(200), "eval_every": _eval_every(20)},
}


def lab_bounds(task_name: str) -> dict[str, Bound]:
    """The lab's bounds of one task (ValueError for an unknown task)."""
    get_task(task_name)
    return LAB[task_name]


def lab_default_config(task_name: str) -> dict:
    """The configuration the lab starts a task at: the task's defaults, with the lab's defaults
    for the bounded keys (e.g. char_lm's hidden size 48, not the task's 64)."""
    task = get_task(task_name)
    return {**task.default_config(),
            **{name: bound.default for name, bound in LAB[task_name].items()}}


def lab_config_bounds(task_name: str) -> dict:
    """task.config_bounds() as the lab offers it: min, max and default of each bounded key from
    LAB, dtype's choices LAB_DTYPES; everything else as the task describes it. JSON-able."""
    described = get_task(task_name).config_bounds()
    for name, bound in LAB[task_name].items():
        described[name] = {**described[name], "min": bound.min, "max": bound.max,
                           "default": bound.default}
    described["dtype"] = {**described["dtype"], "choices": list(LAB_DTYPES),
                          "default": LAB_DTYPES[0]}
    return described


def check_lab_config(task_name: str, config: dict | None) -> dict:
    """The full configuration of a lab run: lab_default_config overlaid with config, validated
    by the task (its own keys, types and ranges), then each bounded key checked against LAB and
    dtype against LAB_DTYPES. ValueError naming the key and its range otherwise."""
    task = get_task(task_name)
    full = task.validate({**lab_default_config(task_name), **dict(config or {})})
    for name, bound in LAB[task_name].items():
        bound.check(name, full[name])
    limits.check_choice("dtype", full["dtype"], LAB_DTYPES)
    return full


def lab_max_config(task_name: str, cell: str = "lstm") -> dict:
    """The costliest configuration the lab offers for a task with this cell: every bounded key
    at its max (eval_every at its min), bidirectional where the task has it, Adam (two moments
    per parameter), and for char_lm the longest text the task takes with the most distinct
    characters (the widest vocabulary). What make bench times and the run-size test stores."""
    task = get_task(task_name)
    config = {name: bound.max for name, bound in LAB[task_name].items()}
    config.update(cell=cell, optimizer="adam")
    config["eval_every"] = LAB[task_name]["eval_every"].min      # the most evaluations
    if "bidirectional" in task.params:
        config["bidirectional"] = True
    if task_name == "char_lm":
        # MAX_VOCABULARY distinct characters in a seeded random order (which compresses worst)
        alphabet = np.array([chr(32 + k) for k in range(limits.MAX_VOCABULARY)])
        length = int(task.params["text"].high)
        draw = np.random.default_rng(0).permuted(np.resize(np.arange(alphabet.size), length))
        config["text"] = "".join(alphabet[draw])
    return check_lab_config(task_name, config)
