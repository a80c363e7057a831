"""What every teaching task shares: its configuration (defaults and bounds) and its contract
with the trainer.

A task is a small, seeded data generator plus a model shape plus a loss. The trainer calls

    model = task.build_model(config, seed)              # a SequenceModel
    batch = task.sample_batch(config, rng)              # fresh data from the run's own rng
    loss, grads = task.loss_and_grads(model, batch, config)
    metrics = task.evaluate(model, eval_batch, config)  # {'eval_loss': .., 'metric name': ..}

Every configuration key has a ``Param``: its default, its type and its range. ``validate``
fills in defaults, rejects unknown keys, and raises ValueError naming a bad key and its range.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import math

import numpy as np

from .. import limits, training_limits
from ..losses import cross_entropy, mse_loss


@dataclass(frozen=True)
class Param:
    """One hyperparameter: kind is 'int', 'float', 'choice', 'bool' or 'text'."""

    default: object
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    help: str = ""

    def check(self, name: str, value):
        if self.kind == "int":
            return limits.check_int(name, value, self.low, self.high)
        if self.kind == "float":
            return limits.check_real(name, value, self.low, self.high)
        if self.kind == "choice":
            return limits.check_choice(name, value, self.choices)
        if self.kind == "bool":
            return limits.check_bool(name, value)
        if self.kind == "text":
            if not isinstance(value, str) or not self.low <= len(value) <= self.high:
                raise ValueError(f"{name} must be a text of {self.low} to {self.high} characters")
            return value
        raise AssertionError(self.kind)

    def describe(self) -> dict:
        """JSON-able description for a form:
        {'default', 'kind', 'min', 'max' | 'choices', 'help'}."""
        out = {"default": self.default, "kind": self.kind, "help": self.help}
        if self.kind in ("int", "float"):
            out.update(min=self.low, max=self.high)
        elif self.kind == "choice":
            out["choices"] = list(self.choices)
        elif self.kind == "text":
            out.update(min_length=self.low, max_length=self.high)
        return out


def training_params(*, cell="lstm", hidden_size=32, batch_size=16, optimizer="adam", lr=0.01,
                    clip="norm", clip_value=5.0, max_steps=500, eval_every=25,
                    dtype="float32") -> dict[str, Param]:
    """The hyperparameters every task has, with that task's defaults."""
    return {
        "cell": Param(cell, "choice", choices=training_limits.CELLS, help="recurrent cell"),
        "hidden_size": Param(hidden_size, "int", *training_limits.HIDDEN_SIZE,
                             help="hidden units per direction"),
        "num_layers": Param(1, "int", *training_limits.NUM_LAYERS,
                            help="stacked recurrent layers"),
        "batch_size": Param(batch_size, "int", *training_limits.BATCH_SIZE,
                            help="sequences per step"),
        "optimizer": Param(optimizer, "choice", choices=training_limits.OPTIMIZER_NAMES),
        "lr": Param(lr, "float", *training_limits.LEARNING_RATE, help="learning rate"),
        "momentum": Param(0.9, "float", *training_limits.MOMENTUM,
                          help="momentum (optimizer 'momentum')"),
        "beta1": Param(0.9, "float", *training_limits.ADAM_BETA,
                       help="Adam's first-moment decay"),
        "beta2": Param(0.999, "float", *training_limits.ADAM_BETA,
                       help="Adam's second-moment decay"),
        "clip": Param(clip, "choice", choices=training_limits.CLIP_MODES,
                      help="gradient clipping: by global norm, element-wise, or none"),
        "clip_value": Param(clip_value, "float", *training_limits.CLIP_NORM,
                            help="max global norm, or max |entry| for element-wise clipping"),
        "max_steps": Param(max_steps, "int", *training_limits.MAX_STEPS, help="length of the run"),
        "eval_every": Param(eval_every, "int", *training_limits.EVAL_EVERY,
                            help="steps between evaluations"),
        "dtype": Param(dtype, "choice", choices=limits.DTYPE_NAMES,
                       help="floating-point precision"),
        "forget_bias": Param(0.0, "float", *training_limits.FORGET_BIAS,
                             help="LSTM only: added to the forget gate's bias at initialisation "
                                  "(0 is PyTorch's initialisation; 1 to 3 start with a longer "
                                  "memory)"),
    }


def model_options(config: dict) -> dict:
    """The SequenceModel keyword arguments every task takes from its config."""
    return {"num_layers": config["num_layers"], "dtype": config["dtype"],
            "forget_bias": config["forget_bias"]}


@dataclass
class Batch:
    """inputs: (T, B, F) floats, or (T, N) token ids for an embedding; targets: task-specific."""

    inputs: np.ndarray
    targets: np.ndarray
    extra: dict = field(default_factory=dict)


class Task:
    """Base class of the teaching tasks. Subclasses set name, title, claim and params."""

    name = "task"
    title = ""
    claim = ""                       # the course's claim this task makes visible
    metric = "eval_loss"             # the headline evaluation metric's name
    metric_names: tuple[str, ...] = ("eval_loss",)   # the keys evaluate() returns, in order
    # Whether a larger `metric` is better (accuracy) or a smaller one (a loss, MSE): what a rule
    # that compares evaluations over time (the lab's plateau rule: no better evaluation for a
    # while) reads to know which way "better" is.
    higher_is_better = False
    params: dict[str, Param] = {}

    # --- configuration -----------------------------------------------------------------
    def default_config(self) -> dict:
        return {name: p.default for name, p in self.params.items()}

    def config_bounds(self) -> dict:
        return {name: p.describe() for name, p in self.params.items()}

    def validate(self, config: dict | None) -> dict:
        """Defaults overlaid with config, each value checked; unknown keys are errors."""
        config = dict(config or {})
        unknown = sorted(set(config) - set(self.params))
        if unknown:
            raise ValueError(f"unknown hyperparameter(s) for task {self.name!r}: "
                             f"{', '.join(unknown)}; "
                             f"known: {', '.join(self.params)}")
        full = self.default_config()
        full.update(config)
        checked = {name: self.params[name].check(name, value) for name, value in full.items()}
        self.check_consistency(checked)
        return checked

    def check_consistency(self, config: dict) -> None:
        """Cross-parameter checks (e.g. delay vs sequence length); ValueError if violated."""

    # --- the trainer's contract --------------------------------------------------------
    def build_model(self, config: dict, seed: int):
        raise NotImplementedError

    def sample_batch(self, config: dict, rng: np.random.Generator,
                     batch_size: int | None = None) -> Batch:
        """A fresh batch of batch_size sequences (default config["batch_size"])."""
        raise NotImplementedError

    eval_batch_size = 64             # sequences in the fixed evaluation batch

    def eval_batch(self, config: dict, rng: np.random.Generator) -> Batch:
        """The fixed evaluation data (built once per run from its own seeded stream):
        eval_batch_size sequences."""
        return self.sample_batch(config, rng, batch_size=self.eval_batch_size)

    loss_kind = "mse"                # "mse" (regression) or "cross_entropy" (classification)

    def loss(self, scores: np.ndarray, batch: Batch):
        """(loss, d_scores): MSE against the targets, or softmax cross-entropy over the scored
        positions (targets -100 are not scored). Scores (T, B, O) or (B, O)."""
        if self.loss_kind == "mse":
            return mse_loss(scores, batch.targets)
        C = scores.shape[-1]
        loss, d_scores = cross_entropy(scores.reshape(-1, C), batch.targets.reshape(-1))
        return loss, d_scores.reshape(scores.shape)

    def loss_and_grads(self, model, batch: Batch, config: dict):
        """Forward, loss, backward: returns (loss: float, grads: dict name -> array)."""
        scores = model.forward(batch.inputs)
        loss, d_scores = self.loss(scores, batch)
        return loss, model.backward(d_scores)

    def evaluate(self, model, batch: Batch, config: dict) -> dict[str, float]:
        raise NotImplementedError

    def baseline(self, config: dict, batch: Batch) -> dict[str, float]:
        """What a model without memory scores on the evaluation batch, to compare against."""
        return {}


IGNORE = -100                        # target value of positions that are not scored


class RegressionTask(Task):
    """Shared by the tasks that predict real numbers (sine, adding): MSE, which is both the
    loss and the headline metric."""

    metric = "eval_mse"
    metric_names = ("eval_loss", "eval_mse")
    loss_kind = "mse"

    def evaluate(self, model, batch, config):
        mse, _ = self.loss(model.forward(batch.inputs), batch)
        return {"eval_loss": mse, "eval_mse": mse}


class ClassificationTask(Task):
    """Shared by the tasks that name a class (copy, future context, sentiment): cross-entropy,
    and accuracy as the headline metric on the fixed evaluation batch."""

    metric = "eval_accuracy"
    metric_names = ("eval_loss", "eval_accuracy")
    higher_is_better = True
    loss_kind = "cross_entropy"

    def evaluate(self, model, batch, config):
        scores = model.forward(batch.inputs)
        loss, _ = self.loss(scores, batch)
        return {"eval_loss": loss, "eval_accuracy": accuracy(scores, batch.targets)}


class SymbolTask(ClassificationTask):
    """Shared by the tasks that name one of A symbols at the scored steps (copy, future
    context): chance level (a uniform guess) as the baseline, a larger evaluation batch."""

    eval_batch_size = 128

    def baseline(self, config, batch):
        A = config["n_symbols"]
        return {"guess_loss": math.log(A), "guess_accuracy": 1.0 / A}


def one_hot(indices: np.ndarray, n_classes: int, dtype) -> np.ndarray:
    """indices (...) -> (..., n_classes) with a 1 at each index."""
    return np.eye(n_classes, dtype=dtype)[indices]


def accuracy(scores: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of scored positions (targets != -100) whose argmax is the target."""
    C = scores.shape[-1]
    predicted = scores.reshape(-1, C).argmax(axis=1)
    targets = targets.reshape(-1)
    scored = targets != IGNORE
    return float(np.mean(predicted[scored] == targets[scored]))
