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

Divergence: a non-finite loss, gradient norm or evaluation stops the run with status
'diverged' and a message; the non-finite numbers never enter the history.

The bytes are a zip of .npy arrays (numpy's .npz, read with allow_pickle=False) plus one JSON
document for the scalars: no pickle, so loading a stored run cannot execute code.
"""

from __future__ import annotations

import io
import json
import math
import time
import zipfile

import numpy as np

from . import training_limits as limits
from .clipping import clip_grad_norm, clip_grad_value, global_norm
from .optim import Optimizer, make_optimizer
from .tasks import Task, get_task

FORMAT = "rnncore-run"
FORMAT_VERSION = 1
MAX_BYTES = 64 * 1024 * 1024            # refuse to parse anything larger

READY, TRAINING, FINISHED, DIVERGED = "ready", "training", "finished", "diverged"
STATUSES = (READY, TRAINING, FINISHED, DIVERGED)

DATA_STREAM, EVAL_STREAM = 1, 2          # independent random streams derived from the seed
TRAIN_KEYS = ("loss", "grad_norm", "grad_norm_clipped")


def _optimizer_for(config: dict) -> Optimizer:
    name = config["optimizer"]
    if name == "momentum":
        return make_optimizer(name, lr=config["lr"], momentum=config["momentum"])
    if name == "adam":
        return make_optimizer(name, lr=config["lr"], betas=(config["beta1"], config["beta2"]))
    return make_optimizer(name, lr=config["lr"])


class Trainer:
    """One training run of one task. Build with ``create`` or ``from_bytes``."""

    def __init__(self, task: Task, config: dict, seed: int):
        self.task = task
        self.config = task.validate(config)
        self.seed = limits.check_int("seed", seed, limits.SEED)
        self.model = task.build_model(self.config, self.seed)
        self.optimizer = _optimizer_for(self.config)
        self.rng = np.random.default_rng([self.seed, DATA_STREAM])
        self.eval_data = task.eval_batch(self.config, np.random.default_rng([self.seed, EVAL_STREAM]))
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
        n_steps = limits.check_int("n_steps", n_steps, limits.ADVANCE_STEPS)
        if max_seconds is not None:
            max_seconds = limits.check_real("max_seconds", max_seconds, limits.ADVANCE_SECONDS)
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
        if not math.isfinite(loss):
            return self._diverge(f"the loss became {loss} at step {self.step + 1}")
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

    def evaluate(self) -> dict[str, float]:
        """The task's metrics on the run's fixed evaluation batch."""
        return self.task.evaluate(self.model, self.eval_data, self.config)

    def _evaluate_and_record(self) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            metrics = self.evaluate()
        bad = [k for k, v in metrics.items() if not math.isfinite(v)]
        if bad:
            return self._diverge(f"{bad[0]} became {metrics[bad[0]]} at step {self.step}")
        self.history["eval_step"].append(float(self.step))
        for key, value in metrics.items():
            self.history.setdefault(key, []).append(float(value))

    def _diverge(self, what: str) -> None:
        self.status = DIVERGED
        self.message = (f"Training diverged: {what}. Try a smaller learning rate or gradient "
                        f"clipping (lr={self.config['lr']}, clip={self.config['clip']!r}).")

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

    # --- serialisation ------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The whole run as bytes (a deterministic .npz: same state, same bytes)."""
        optimizer_state = self.optimizer.state_dict()
        meta = {
            "format": FORMAT, "version": FORMAT_VERSION, "numpy": np.__version__,
            "task": self.task.name, "config": self.config, "seed": self.seed,
            "step": self.step, "status": self.status, "message": self.message,
            "rng": self.rng.bit_generator.state,
            "optimizer": {"name": optimizer_state["name"], "step": optimizer_state["step"],
                          "hyperparameters": optimizer_state["hyperparameters"]},
            "history_keys": list(self.history),
        }
        arrays = {"meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)}
        for name, value in self.model.state_dict().items():
            arrays[f"param/{name}"] = value
        for slot, per_param in optimizer_state["slots"].items():
            for name, value in per_param.items():
                arrays[f"optim/{slot}/{name}"] = value
        for key, values in self.history.items():
            arrays[f"history/{key}"] = np.array(values, dtype=np.float64)
        return _write_npz(arrays)

    @classmethod
    def from_bytes(cls, blob: bytes) -> "Trainer":
        """Rebuild a run saved by to_bytes. Malformed bytes raise ValueError."""
        if not isinstance(blob, (bytes, bytearray, memoryview)) or len(blob) > MAX_BYTES:
            raise ValueError("a saved run must be bytes of at most 64 MiB")
        try:
            with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
            meta = json.loads(arrays.pop("meta").tobytes().decode())
        except (ValueError, OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as error:
            raise ValueError(f"not a saved rnncore run: {error}") from None
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise ValueError(f"not a saved rnncore run of format version {FORMAT_VERSION}")

        run = cls(get_task(meta["task"]), meta["config"], meta["seed"])
        run.model.load_state_dict({k[len("param/"):]: v for k, v in arrays.items()
                                   if k.startswith("param/")})
        slots: dict[str, dict[str, np.ndarray]] = {}
        for key, value in arrays.items():
            if key.startswith("optim/"):
                _, slot, name = key.split("/", 2)
                slots.setdefault(slot, {})[name] = value
        run.optimizer.load_state_dict({**meta["optimizer"], "slots": slots})
        run.rng.bit_generator.state = meta["rng"]
        run.step = int(meta["step"])
        if meta["status"] not in STATUSES:
            raise ValueError(f"unknown status {meta['status']!r}")
        run.status, run.message = meta["status"], meta["message"]
        run.history = {key: arrays[f"history/{key}"].tolist() for key in meta["history_keys"]}
        return run


def _write_npz(arrays: dict[str, np.ndarray]) -> bytes:
    """np.savez_compressed, but with a fixed timestamp in every zip entry so the bytes depend
    only on the arrays. Each entry is a .npy file (np.lib.format, no pickle)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as entry:
                np.lib.format.write_array(entry, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()
