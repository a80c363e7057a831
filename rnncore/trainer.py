"""A resumable training run: everything it is, as bytes, so a web request can load a run,
advance it a bounded number of steps and store it again.

    run = Trainer.create("adding", {"cell": "gru", "lr": 0.005}, seed=7)
    run.advance(50)                    # train 50 steps (bounded; stops early when done/diverged)
    blob = run.to_bytes()              # store in the database
    run = Trainer.from_bytes(blob)     # in a later request, on any app server
    run.status, run.message, run.step, run.history["loss"]

One training step:
    batch = task.sample_batch(config, rng)         # rng: the run's own, saved with it
    loss, grads = task.loss_and_grads(model, batch)   # forward, loss, BPTT
    clip grads (by global norm or element-wise), recording the norm before and after
    optimizer.step(params, grads)
and every `eval_every` steps the model is scored on a fixed evaluation batch.

Determinism: the run's whole state (parameters, optimiser moments and step count, the random
generator's state, the step, the metric history) round-trips through ``to_bytes`` exactly, and
nothing else influences a step. So on the same machine and library versions, a seed gives the
same run to the bit however it is chunked into ``advance`` calls and save/load cycles.

Divergence: a non-finite loss, gradient norm or evaluation, a loss that explodes (above
max(LOSS_EXPLOSION_FACTOR x the step-0 evaluation loss, LOSS_EXPLOSION_FLOOR)), or one that
thrashes (mean over THRASH_WINDOW steps above THRASH_FACTOR x that loss) stops the run with
status 'diverged' and a message; the offending numbers never enter the history.

The bytes are a zip of .npy arrays plus one JSON document for the scalars, no pickle, so loading
a stored run cannot execute code (the format: rnncore.serialization); from_bytes checks every
entry against a freshly built run of the saved task and configuration.
"""

from __future__ import annotations

import math
import time

import numpy as np

from . import limits, serialization, training_limits
from .plateau import MIN_IMPROVEMENT, PATIENCE, Plateau, detect_plateau  # the lab's plateau rule
from .clipping import clip_grad_norm, clip_grad_value, global_norm
from .optim import Optimizer, optimizer_from_config
from .tasks import Task, get_task

READY, TRAINING, FINISHED, DIVERGED = "ready", "training", "finished", "diverged"
STATUSES = (READY, TRAINING, FINISHED, DIVERGED)

DATA_STREAM, EVAL_STREAM = 1, 2          # independent random streams derived from the seed
TRAIN_KEYS = ("loss", "grad_norm", "grad_norm_clipped")
# Divergence although finite: a training loss above max(FACTOR x the step-0 evaluation loss,
# FLOOR). Thrashing at a huge learning rate stays finite for a long time before (if ever) it
# overflows; this reports it as divergence instead of letting the run "finish".
LOSS_EXPLOSION_FACTOR = 1e3
LOSS_EXPLOSION_FLOOR = 1e6
# ... and thrashing: the mean training loss over the last THRASH_WINDOW steps above
# THRASH_FACTOR x the step-0 evaluation loss (a huge learning rate bouncing around, finite).
THRASH_FACTOR = 10.0
THRASH_WINDOW = 25


class Trainer:
    """One training run of one task. Build with ``create`` or ``from_bytes``."""

    def __init__(self, task: Task, config: dict, seed: int):
        self.task = task
        self.config = task.validate(config)
        self.seed = limits.check_int("seed", seed, *training_limits.SEED)
        self.model = task.build_model(self.config, self.seed)
        self.optimizer = optimizer_from_config(self.config)
        self.rng = np.random.default_rng([self.seed, DATA_STREAM])
        self.eval_data = task.eval_batch(self.config,
                                         np.random.default_rng([self.seed, EVAL_STREAM]))
        self.step = 0
        self.status = READY
        self.message = ""
        self.history: dict[str, list[float]] = {key: [] for key in TRAIN_KEYS}
        self.history["eval_step"] = []

    # --- building -----------------------------------------------------------------------
    @classmethod
    def create(cls, task_name: str, config: dict | None = None, seed: int = 0) -> "Trainer":
        """A new run at step 0 (already scored once on the evaluation batch)."""
        run = cls(get_task(task_name), config or {}, seed)
        run._evaluate_and_record()
        return run

    # --- training -----------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.status in (FINISHED, DIVERGED)

    def advance(self, n_steps: int, max_seconds: float | None = None) -> int:
        """Train up to n_steps more steps (at most max_steps in all); stop early on divergence,
        or once max_seconds have passed (the steps taken are kept). Returns the steps taken."""
        n_steps = limits.check_int("n_steps", n_steps, *training_limits.ADVANCE_STEPS)
        if max_seconds is not None:
            max_seconds = limits.check_real("max_seconds", max_seconds,
                                            *training_limits.ADVANCE_SECONDS)
        started = time.perf_counter()
        taken = 0
        while taken < n_steps and not self.done:
            if max_seconds is not None and taken and time.perf_counter() - started > max_seconds:
                break
            # overflow on the way to inf/nan is reported as divergence, not as warnings
            with np.errstate(over="ignore", invalid="ignore"):
                self._train_step()
            taken += 1
        return taken

    def _train_step(self) -> None:
        config = self.config
        batch = self.task.sample_batch(config, self.rng)
        loss, grads = self.task.loss_and_grads(self.model, batch, config)
        for test in (self._not_finite, self._exploded, self._thrashed):
            why = test(loss)
            if why:
                return self._diverge(why)
        if config["clip"] == "norm":
            norm, clipped = clip_grad_norm(grads, config["clip_value"])
        elif config["clip"] == "value":
            norm, clipped = clip_grad_value(grads, config["clip_value"])
        else:
            norm = clipped = global_norm(grads)
        if not (math.isfinite(norm) and math.isfinite(clipped)):
            return self._diverge(f"the gradient norm became {norm} at step {self.step + 1}")
        self.optimizer.step(self.model.parameters(), grads)
        self.step += 1
        self.history["loss"].append(float(loss))
        self.history["grad_norm"].append(norm)
        self.history["grad_norm_clipped"].append(clipped)
        if self.step % config["eval_every"] == 0 or self.step == config["max_steps"]:
            self._evaluate_and_record()
        if self.status == DIVERGED:
            return
        self.status = FINISHED if self.step >= config["max_steps"] else TRAINING

    # --- the three divergence tests of a training loss: each says why, or None --------------
    def _not_finite(self, loss: float) -> str | None:
        """NaN or inf: the arithmetic has overflowed."""
        if not math.isfinite(loss):
            return f"the loss became {loss} at step {self.step + 1}"
        return None

    def _exploded(self, loss: float) -> str | None:
        """Finite but above loss_explosion_limit(): far beyond anything the start produced."""
        limit = self.loss_explosion_limit()
        if loss > limit:
            return (f"the loss exploded to {loss:.4g} at step {self.step + 1}, above {limit:.4g} "
                    f"(max({LOSS_EXPLOSION_FACTOR:g} x the starting evaluation loss, "
                    f"{LOSS_EXPLOSION_FLOOR:g}))")
        return None

    def _thrashed(self, loss: float) -> str | None:
        """The mean over the last THRASH_WINDOW steps (this one included) above THRASH_FACTOR x
        the starting evaluation loss: a huge learning rate bouncing around, still finite."""
        recent = self.history["loss"][-(THRASH_WINDOW - 1):] + [loss]
        start = self.history.get("eval_loss") or [math.inf]
        if len(recent) == THRASH_WINDOW and np.mean(recent) > THRASH_FACTOR * start[0]:
            return (f"the loss thrashed: its mean over steps {self.step + 2 - THRASH_WINDOW}-"
                    f"{self.step + 1} is {np.mean(recent):.4g}, over {THRASH_FACTOR:g} x the "
                    f"starting evaluation loss {start[0]:.4g}")
        return None

    def loss_explosion_limit(self) -> float:
        """The loss above which training counts as diverged although still finite:
        max(LOSS_EXPLOSION_FACTOR x the evaluation loss at step 0, LOSS_EXPLOSION_FLOOR)."""
        start = self.history.get("eval_loss") or [0.0]
        return max(LOSS_EXPLOSION_FACTOR * start[0], LOSS_EXPLOSION_FLOOR)

    def evaluate(self) -> dict[str, float]:
        """The task's metrics on the run's fixed evaluation batch."""
        return self.task.evaluate(self.model, self.eval_data, self.config)

    def _evaluate_and_record(self) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            metrics = self.evaluate()
        bad = [k for k, v in metrics.items() if not math.isfinite(v)]
        if bad:
            return self._diverge(f"{bad[0]} became {metrics[bad[0]]} at step {self.step}")
        if self.history.get("eval_loss") and metrics["eval_loss"] > self.loss_explosion_limit():
            return self._diverge(f"eval_loss exploded to {metrics['eval_loss']:.4g} at step "
                                 f"{self.step}, above {self.loss_explosion_limit():.4g}")
        self.history["eval_step"].append(float(self.step))
        for key, value in metrics.items():
            self.history.setdefault(key, []).append(float(value))

    def _diverge(self, what: str) -> None:
        self.status = DIVERGED
        self.message = (f"Training diverged: {what}. Try a smaller learning rate or gradient "
                        f"clipping (lr={self.config['lr']}, clip={self.config['clip']!r}).")

    def plateau(self, patience: int = PATIENCE,
                min_improvement: float = MIN_IMPROVEMENT) -> Plateau | None:
        """Whether the evaluation loss has stopped improving (the rule: rnncore.plateau)."""
        return detect_plateau(self.history.get("eval_loss", []), self.history["eval_step"],
                              patience=patience, min_improvement=min_improvement)

    def baseline(self) -> dict[str, float]:
        """What a model without memory scores on the evaluation batch."""
        return self.task.baseline(self.config, self.eval_data)

    def summary(self) -> dict:
        """JSON-able view for a page: task, config, status, step, last metrics, baseline."""
        last = {k: v[-1] for k, v in self.history.items() if v}
        return {"task": self.task.name, "title": self.task.title, "claim": self.task.claim,
                "seed": self.seed, "config": dict(self.config), "status": self.status,
                "message": self.message, "step": self.step,
                "max_steps": self.config["max_steps"], "metric": self.task.metric,
                "last": last, "baseline": self.baseline()}

    # --- serialisation (the format: rnncore.serialization) ---------------------------------
    def to_bytes(self) -> bytes:
        """The whole run as bytes (a deterministic .npz: same state, same bytes)."""
        optimizer_state = self.optimizer.state_dict()
        meta = {
            "numpy": np.__version__, "task": self.task.name, "config": self.config,
            "seed": self.seed, "step": self.step, "status": self.status,
            "message": self.message, "rng": self.rng.bit_generator.state,
            "optimizer": {"name": optimizer_state["name"], "step": optimizer_state["step"],
                          "hyperparameters": optimizer_state["hyperparameters"]},
            "history_keys": list(self.history),
        }
        arrays = {f"param/{name}": value for name, value in self.model.state_dict().items()}
        for slot, per_param in optimizer_state["slots"].items():
            for name, value in per_param.items():
                arrays[f"optim/{slot}/{name}"] = value
        for key, values in self.history.items():
            arrays[f"history/{key}"] = np.array(values, dtype=np.float64)
        return serialization.encode(meta, arrays)

    @classmethod
    def from_bytes(cls, blob: bytes) -> "Trainer":
        """Rebuild a run saved by to_bytes. Anything else raises ValueError (never another
        exception): the archive's sizes and every .npy header are checked before any data is
        read, and every array's name, shape, dtype and values against a freshly built run of
        the saved task and configuration."""
        meta, arrays = serialization.decode(blob)
        run = cls(get_task(meta["task"]), meta["config"], meta["seed"])
        if meta["config"] != run.config:
            raise ValueError("saved config is not a complete, validated configuration")
        run._load_state(meta, arrays)
        return run

    def _load_state(self, meta: dict, arrays: dict[str, np.ndarray]) -> None:
        """Check the saved state against this fresh run's shapes, then install it."""
        config = self.config
        step = limits.check_int("step", meta["step"], 0, config["max_steps"])
        status, message = _check_status(meta["status"], meta["message"], step, config)
        n_evals = _n_evaluations(meta["history_keys"], self.task.metric_names, status, step,
                                 config, arrays.get("history/eval_step"))
        expected = self._expected_arrays(step, meta["history_keys"], n_evals)
        if set(arrays) != set(expected):
            raise ValueError(f"saved arrays must be exactly {sorted(expected)}; missing "
                             f"{sorted(set(expected) - set(arrays))}, unexpected "
                             f"{sorted(set(arrays) - set(expected))}")
        for name, like in expected.items():
            _check_like(name, arrays[name], like)
        history = _check_history(arrays, meta["history_keys"], step, config, n_evals)
        _check_optimizer(meta["optimizer"], self.optimizer, step)
        self._load_rng(meta["rng"])
        slot_params = self.model.parameters() if step else {}
        self.optimizer.load_state_dict({
            "name": self.optimizer.name, "step": step,
            "slots": {slot: {name: arrays[f"optim/{slot}/{name}"] for name in slot_params}
                      for slot in self.optimizer.slot_names}})
        self.model.load_state_dict({name[len("param/"):]: array
                                    for name, array in arrays.items()
                                    if name.startswith("param/")})
        self.step, self.status, self.message, self.history = step, status, message, history

    def _expected_arrays(self, step: int, history_keys: list, n_evals: int) -> dict:
        """name -> an array of the shape and dtype each saved array must have: the parameters,
        the optimiser's moments (none at step 0), one history entry per step or evaluation."""
        expected = {f"param/{name}": value for name, value in self.model.state_dict().items()}
        slot_params = self.model.parameters() if step else {}
        for slot in self.optimizer.slot_names:
            expected.update({f"optim/{slot}/{name}": value
                             for name, value in slot_params.items()})
        for key in history_keys:
            length = step if key in TRAIN_KEYS else n_evals
            expected[f"history/{key}"] = np.zeros(length, dtype=np.float64)
        return expected

    def _load_rng(self, rng_state) -> None:
        if not (isinstance(rng_state, dict)
                and rng_state.get("bit_generator")
                == self.rng.bit_generator.state["bit_generator"]):
            raise ValueError("rng must be a saved PCG64 state")
        try:
            self.rng.bit_generator.state = rng_state
        except (TypeError, KeyError, ValueError, OverflowError) as error:
            raise ValueError(f"rng is not a valid generator state: {error}") from None


def _check_status(status, message, step: int, config: dict) -> tuple[str, str]:
    """A saved run's status must fit its step (or be 'diverged', which comes with a message)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    expected_status = (READY if step == 0 else
                       FINISHED if step == config["max_steps"] else TRAINING)
    if status != DIVERGED and status != expected_status:
        raise ValueError(f"status {status!r} does not fit step {step} of "
                         f"{config['max_steps']}")
    if not isinstance(message, str) or len(message) > limits.MAX_MESSAGE or (
            bool(message) != (status == DIVERGED)):
        raise ValueError("message must be a short text, present only for a diverged run")
    return status, message


def _n_evaluations(history_keys: list, metric_names, status: str, step: int, config: dict,
                   saved_eval_steps) -> int:
    """How many evaluations a run at `step` recorded, after checking its history keys."""
    train_keys = list(TRAIN_KEYS) + ["eval_step"]
    allowed = [train_keys + list(metric_names), train_keys]
    if history_keys not in allowed:
        raise ValueError(f"history_keys must be {allowed[0]}, got {history_keys!r}")
    if history_keys == train_keys:
        # no metric was ever recorded: the first evaluation (at step 0) diverged
        if status != DIVERGED or step != 0:
            raise ValueError("history must hold the task's metrics")
        return 0
    eval_steps = _expected_eval_steps(step, config)
    n_evals = len(eval_steps)
    n_saved = (saved_eval_steps.shape[0]
               if saved_eval_steps is not None and saved_eval_steps.ndim else -1)
    # a run that diverged at an evaluation did not record it
    if status == DIVERGED and n_evals > 1 and eval_steps[-1] == step and n_saved == n_evals - 1:
        n_evals -= 1
    return n_evals


def _check_history(arrays: dict, history_keys: list, step: int, config: dict,
                   n_evals: int) -> dict[str, list[float]]:
    """The saved history as lists, with its evaluation steps and norms checked."""
    history = {key: arrays[f"history/{key}"].tolist() for key in history_keys}
    eval_steps = _expected_eval_steps(step, config)[:n_evals]
    if history["eval_step"] != [float(k) for k in eval_steps]:
        raise ValueError(f"history/eval_step must be {eval_steps}")
    for key in ("grad_norm", "grad_norm_clipped"):
        if any(v < 0 for v in history[key]):
            raise ValueError(f"history/{key} must be >= 0")
    return history


def _check_optimizer(saved, optimizer: Optimizer, step: int) -> None:
    """The saved optimiser must be the configured one, at the run's step."""
    if (not isinstance(saved, dict) or set(saved) != {"name", "step", "hyperparameters"}
            or saved["name"] != optimizer.name
            or saved["hyperparameters"] != optimizer.hyperparameters()):
        raise ValueError("saved optimizer does not match the configuration")
    if isinstance(saved["step"], bool) or saved["step"] != step:
        raise ValueError(f"optimizer step must equal the run's step {step}, "
                         f"got {saved['step']!r}")


def _expected_eval_steps(step: int, config: dict) -> list[int]:
    """The steps at which a run that reached `step` was evaluated: 0, every eval_every, and
    max_steps."""
    every, last = config["eval_every"], config["max_steps"]
    return [0] + [k for k in range(every, step + 1, every)] + (
        [last] if step == last and last % every else [])


def _check_like(name: str, array: np.ndarray, like: np.ndarray) -> None:
    if array.shape != like.shape or array.dtype != like.dtype:
        raise ValueError(f"{name} must have shape {like.shape} and dtype {like.dtype}, "
                         f"got {array.shape} {array.dtype}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
