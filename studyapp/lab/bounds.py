"""The lab's product bounds: what the training form offers, inside rnncore's safety limits.

rnncore's limits say what the engine accepts at all; these say what one lab run may be, sized
so that one training step at the bounds stays under 50 ms, a stored run under 1 MB, and a poll
(load, a chunk of steps, store) well under 100 ms of compute. `python -m studyapp.lab.bench`
(part of `make bench`) measures all three. The form is built from `task_bounds(task)`: the
task's own `config_bounds()` for the fields the lab offers, narrowed to the caps below.
"""

from __future__ import annotations

from rnncore import training_limits
from rnncore.tasks import TASKS

try:  # the engine's product bounds, once they land (rnncore/product_bounds.py)
    from rnncore import product_bounds as _engine  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the engine's branch
    _engine = None


def _engine_value(name: str, default):
    return getattr(_engine, name, default) if _engine is not None else default


# --- what a run may be ------------------------------------------------------------------
TASK_ORDER = ("adding", "sine", "copy", "char_lm", "sentiment", "future_context")
DEFAULT_TASK = "adding"            # the ready default: an LSTM on the adding problem
DEFAULT_SEED = 1
TASK_TITLES = {name: TASKS[name].title for name in TASK_ORDER}

# Caps within rnncore's ranges (inclusive). Keys are the tasks' hyperparameter names.
CAPS: dict[str, tuple[float, float]] = _engine_value("LAB_CAPS", {
    "hidden_size": (1, 64),
    "num_layers": (1, 2),
    "batch_size": (1, 32),
    "max_steps": (1, 2_000),
    "seq_len": (2, 50),            # every task's sequences (the task's own minimum applies)
    "delay": (1, 40),              # copy: T = 2 x copy_length + delay <= 50
    "copy_length": (1, 5),
    "shift": (1, 20),
    "clip_value": (1e-3, 1e3),
})
MAX_RUN_BYTES = _engine_value("LAB_MAX_RUN_BYTES", 1_000_000)   # a stored run, at max_steps
MAX_STEP_SECONDS = _engine_value("LAB_MAX_STEP_SECONDS", 0.050)  # one step at the caps (bench)
MAX_TEXT_CHARS = 20_000            # the language model's training text (rnncore's own limit)

# --- what the form offers ---------------------------------------------------------------
COMMON_FIELDS = ("cell", "hidden_size", "num_layers", "batch_size", "optimizer", "lr", "clip",
                 "clip_value", "forget_bias", "max_steps")
TASK_FIELDS: dict[str, tuple[str, ...]] = {
    "sine": ("seq_len", "noise"),
    "adding": ("seq_len",),
    "copy": ("n_symbols", "copy_length", "delay"),
    "char_lm": ("seq_len",),
    "sentiment": ("train_embeddings",),
    "future_context": ("bidirectional", "seq_len", "shift", "n_symbols"),
}
SEED = training_limits.SEED
LEARNING_RATE = training_limits.LEARNING_RATE   # the log-scale slider spans all of it

# --- how runs advance -------------------------------------------------------------------
POLL_SECONDS = 1                   # the page polls once a second while a run trains
CHUNK_STEPS = _engine_value("LAB_CHUNK_STEPS", 50)        # at most this many steps per poll
CHUNK_SECONDS = _engine_value("LAB_CHUNK_SECONDS", 0.040)  # ... and no new step after this
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
    """name -> the task's description of that hyperparameter (`Param.describe()`: default,
    kind, min/max or choices, help), for the fields the lab offers, ranges narrowed to CAPS."""
    described = TASKS[task_name].config_bounds()
    out = {}
    for name in fields(task_name):
        entry = dict(described[name])
        if name in CAPS and entry["kind"] in ("int", "float"):
            low, high = CAPS[name]
            entry["min"] = max(entry["min"], low)
            entry["max"] = min(entry["max"], high)
            entry["default"] = min(max(entry["default"], entry["min"]), entry["max"])
        out[name] = entry
    return out
