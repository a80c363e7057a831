"""The lab's product bounds: what the training form offers, inside rnncore's safety limits.

rnncore's limits say what the engine accepts at all; these say what one lab run may be, sized
so that one training step at the bounds stays under 50 ms, a stored run under 1 MB, and a poll
(load, a chunk of steps, store) well under 100 ms of compute. `python -m studyapp.lab.bench`
(part of `make bench`) measures the lab's side of it (a poll, a stored run, how many runs a
machine serves); rnncore's own bench measures the step. The numbers are rnncore's
(`rnncore.product_bounds`: `lab_config_bounds`, `LAB_STEP_MS`, `LAB_RUN_BYTES`); the form is
built from `task_bounds(task)`, those bounds for the fields the lab offers.
"""

from __future__ import annotations

from rnncore import training_limits
from rnncore.product_bounds import LAB_RUN_BYTES, LAB_STEP_MS, lab_config_bounds
from rnncore.tasks import TASKS

# --- what a run may be ------------------------------------------------------------------
TASK_ORDER = ("adding", "sine", "copy", "char_lm", "sentiment", "future_context")
DEFAULT_TASK = "adding"            # the ready default: an LSTM on the adding problem
DEFAULT_SEED = 1
TASK_TITLES = {name: TASKS[name].title for name in TASK_ORDER}
MAX_TEXT_CHARS = 20_000            # the language model's training text (rnncore's own limit)


# --- what the form offers ---------------------------------------------------------------
COMMON_FIELDS = ("cell", "hidden_size", "num_layers", "batch_size", "optimizer", "lr", "clip",
                 "clip_value", "forget_bias", "max_steps", "eval_every")
TASK_FIELDS: dict[str, tuple[str, ...]] = {
    "sine": ("seq_len", "noise"),
    "adding": ("seq_len",),
    "copy": ("n_symbols", "copy_length", "delay"),
    "char_lm": ("seq_len",),
    "sentiment": ("train_embeddings",),
    "future_context": ("bidirectional", "seq_len", "shift", "n_symbols"),
}
SEED = training_limits.SEED
MAX_STEPS = max(lab_config_bounds(name)["max_steps"]["max"] for name in TASK_ORDER)
LEARNING_RATE = training_limits.LEARNING_RATE   # the log-scale slider spans all of it

# --- how runs advance -------------------------------------------------------------------
POLL_SECONDS = 1                   # the page polls once a second while a run trains
CHUNK_STEPS = 50         # at most this many steps per poll
CHUNK_SECONDS = 0.030    # ... and no new step after this (one step is under 50 ms)
MIN_POLLS_PER_RUN = 10             # a short run still grows over about ten polls
RUNNING_PER_LEARNER = 3            # runs training at once, per learner
RUNNING_WINDOW_SECONDS = 10        # a run counts as training while polled this recently
STORED_RUNS_PER_LEARNER = 50       # runs kept (delete some to start more)

# --- what the page shows ----------------------------------------------------------------
TEMPERATURE = (0.1, 2.0)           # the language model's sampling temperature slider
DEFAULT_TEMPERATURE = 0.8
SAMPLE_CHARS = 240                 # characters sampled for the page


def chunk_steps(max_steps: int) -> int:
    """Steps one poll may take: CHUNK_STEPS, fewer for a short run so it grows visibly."""
    return max(1, min(CHUNK_STEPS, -(-max_steps // MIN_POLLS_PER_RUN)))


def fields(task_name: str) -> tuple[str, ...]:
    return COMMON_FIELDS + TASK_FIELDS[task_name]


def task_bounds(task_name: str) -> dict[str, dict]:
    """name -> the description of that hyperparameter (`Param.describe()`: default, kind,
    min/max or choices, help) for the fields the lab offers: the engine's lab bounds
    (`lab_config_bounds`), where the task's own range applies to the rest."""
    described = lab_config_bounds(task_name)
    return {name: dict(described[name]) for name in fields(task_name)}
