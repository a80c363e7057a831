"""Training runs: every write of the lab, and the only lab module that calls rnncore.

A run lives in its database row (`Run.state` holds `Trainer.to_bytes()`). While the learner's
page is open and the run is started, the page polls once a second and each poll advances the
run by one bounded chunk (`Trainer.advance(n, max_seconds)`): load, train, store. Nothing lives
in the process between requests, so a closed tab stops its run, a reload or a restart resumes
it, and any number of app processes serve any run.

Two requests that start from the same stored state (two tabs, two workers) must not both
advance it: every write is `UPDATE ... WHERE version = <the version it loaded>`, incrementing
the version, and the request whose update matches no row loses; it answers with the stored
state (the winner's) instead. Pause, Step and Reset also increment the version, so a poll that
was training while the learner paused is dropped rather than undoing the pause.

A learner may have RUNNING_PER_LEARNER runs training at once; a run counts as training while it
is started and was polled in the last RUNNING_WINDOW_SECONDS, so an abandoned tab frees its
place within seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from rnncore.product_bounds import check_lab_config
from rnncore.tasks import get_task
from rnncore.trainer import Trainer

from studyapp.accounts.models import Learner

from . import bounds
from .models import Run
from .texts import BUILTIN_TEXT, topic_text


PREDICTED_SEQUENCES = 100         # points of the adding problem's predictions plot


class RunLimitError(Exception):
    """A start the lab refuses (too many runs training or stored): a 409 with this message."""


class RunUnreadable(Exception):
    """A stored run its bytes no longer load (saved by another version of the engine)."""


def _load(run: Run) -> Trainer:
    try:
        return Trainer.from_bytes(bytes(run.state))
    except ValueError as error:
        raise RunUnreadable(f"Run {run.pk} was saved in a form this version of the lab cannot "
                            f"read ({error}). Delete it and start it again from its "
                            f"settings.") from None


class ReplayConflict(Exception):
    """A Start replayed with other settings than the first time: a 409, nothing changes."""


@dataclass
class RunState:
    """A run as a page shows it: the row, and what its trainer computes."""

    run: Run
    history: dict[str, list[float]]
    baseline: dict[str, float]
    metric: str
    higher_is_better: bool
    config: dict
    seed: int
    message: str = ""                   # divergence or plateau, with a suggestion
    plateau: dict | None = None
    predictions: dict | None = None     # regression: what the model says on evaluation data
    sample: str | None = None           # the language model: text sampled at `temperature`
    temperature: float = bounds.DEFAULT_TEMPERATURE
    notice: str = ""                    # what happened to this request (conflict, refused)
    classification: bool = False
    bits_per_char: float | None = None

    @property
    def polling(self) -> bool:
        return self.run.running and not self.run.done


# --- settings ---------------------------------------------------------------------------

def trainer_config(settings: dict, text: str | None = None) -> tuple[str, dict, int]:
    """(task name, trainer config, seed) for the form's settings. The language model's text is
    its topic's notes as plain text, or `text` (a restored run's own, which the notes may have
    changed from since). ValueError when the topic has no notes."""
    task = settings["task"]
    config = {name: settings[name] for name in bounds.fields(task) if name in settings}
    if task == "char_lm" and text is not None:
        config["text"] = text
    elif task == "char_lm" and settings.get("topic", BUILTIN_TEXT) != BUILTIN_TEXT:
        config["text"] = topic_text(settings["topic"])
    return task, config, settings["seed"]


def settings_of(trainer: Trainer, *, topic: str | None = None) -> dict:
    """The settings, as the form stores them, of the run a trainer trains (a language model's
    topic is not in its trainer: it is given)."""
    task = trainer.task.name
    settings = {"task": task, **{name: trainer.config[name] for name in bounds.fields(task)},
                "seed": trainer.seed}
    if task == "char_lm":
        settings["topic"] = topic
    return settings


def stored_size(trainer: Trainer) -> int:
    """The bytes this run will take once trained to max_steps: its bytes now, the optimiser's
    moments (absent at step 0) and the rest of the history."""
    config = trainer.config
    arrays = trainer.model.state_dict()
    param_bytes = sum(a.nbytes + 200 for a in arrays.values())   # 200: zip and .npy headers
    remaining = config["max_steps"] - trainer.step
    evals = remaining // config["eval_every"] + 1
    slots = len(trainer.optimizer.slot_names) if trainer.step == 0 else 0
    return (len(trainer.to_bytes()) + slots * param_bytes + 3 * 8 * remaining
            + 8 * evals * (1 + len(trainer.task.metric_names)))


def check_settings(settings: dict) -> None:
    """ValueError (naming the setting) unless settings make a run the lab accepts: within the
    task's ranges and the lab's (rnncore.product_bounds.check_lab_config), and small enough to
    store (LAB_RUN_BYTES at max_steps)."""
    task, config, seed = trainer_config(settings)
    check_lab_config(task, config)
    check_size(Trainer(get_task(task), config, seed))


def check_size(trainer: Trainer) -> None:
    """ValueError unless the run stays under LAB_RUN_BYTES at max_steps (the product bounds
    keep every run the form accepts under it; this is the safety net behind them)."""
    size = stored_size(trainer)
    if size > bounds.LAB_RUN_BYTES:
        raise ValueError(f"hidden_size: this network would store {size / 1e6:.1f} MB, over the "
                         f"lab's {bounds.LAB_RUN_BYTES / 1e6:.0f} MB per run; use fewer hidden "
                         f"units or layers")


# --- writes -----------------------------------------------------------------------------

def _lock(learner: Learner) -> None:
    """Serialise a learner's starts (PostgreSQL row lock; SQLite serialises writers anyway)."""
    Learner.objects.select_for_update().filter(pk=learner.pk).first()


def _check_running_limit(learner: Learner, *, now, exclude: int | None = None) -> None:
    since = now - timedelta(seconds=bounds.RUNNING_WINDOW_SECONDS)
    running = (Run.objects.filter(learner=learner, running=True, last_polled__gte=since)
               .exclude(status__in=(Run.FINISHED, Run.DIVERGED)))
    if exclude is not None:
        running = running.exclude(pk=exclude)
    if running.count() >= bounds.RUNNING_PER_LEARNER:
        raise RunLimitError(f"You already have {bounds.RUNNING_PER_LEARNER} runs training. "
                            f"Pause one of them (or close its tab) and start this one again.")


def run_columns(trainer: Trainer) -> dict:
    last = {key: values[-1] for key, values in trainer.history.items()
            if values and key.startswith("eval_") and key != "eval_step"}
    return {"state": trainer.to_bytes(), "status": trainer.status, "step": trainer.step,
            "metrics": last}


def create_run(*, learner: Learner, settings: dict, token: str = "") -> Run:
    """A new run of settings, started (it trains as its page polls). RunLimitError when the
    learner has too many runs training or stored; ValueError for settings out of range.

    A Start sent again with its token (a double click, a retry) gets the run the first one
    made; with the same token but other settings, ReplayConflict."""
    task, config, seed = trainer_config(settings)
    trainer = Trainer.create(task, config, seed)
    now = timezone.now()
    with transaction.atomic():
        _lock(learner)
        if token:
            earlier = Run.objects.filter(learner=learner, token=token).defer("state").first()
            if earlier is not None:
                if earlier.settings != settings:
                    raise ReplayConflict("This Start was already sent with other settings; "
                                         "nothing was changed. Reload the lab to start anew.")
                return earlier
        if Run.objects.filter(learner=learner).count() >= bounds.STORED_RUNS_PER_LEARNER:
            raise RunLimitError(f"You have {bounds.STORED_RUNS_PER_LEARNER} stored runs, the "
                                f"most the lab keeps. Delete some finished runs first.")
        _check_running_limit(learner, now=now)
        return Run.objects.create(learner=learner, task=task, settings=settings, token=token,
                                  max_steps=trainer.config["max_steps"], running=True,
                                  last_polled=now, **run_columns(trainer))


def _store(run: Run, *, expected_version: int | None, **values) -> bool:
    """Write values if the row is still at expected_version (None: whatever it is), bumping
    the version; True if written."""
    values.setdefault("updated", timezone.now())
    rows = Run.objects.filter(pk=run.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    written = rows.update(version=F("version") + 1, **values)
    if written:
        for name, value in values.items():
            setattr(run, name, value)
        run.refresh_from_db(fields=["version"])
    return bool(written)


def _lost(run: Run) -> Trainer:
    """Another request wrote first: the stored state is the answer."""
    run.refresh_from_db()
    return _load(run)


def poll_run(*, run: Run, temperature: float | None = None) -> RunState:
    """One poll of the learner's page: advance a started run by one chunk and store it.

    A run that is paused or done is answered as stored. A started run whose page had stopped
    polling (closed tab, over RUNNING_WINDOW_SECONDS ago) resumes only if the learner has a
    place free, else it is paused with a notice."""
    now = timezone.now()
    notice = ""
    trainer = _load(run)
    if run.running and not run.done:
        stale = (run.last_polled is None or
                 run.last_polled < now - timedelta(seconds=bounds.RUNNING_WINDOW_SECONDS))
        try:
            if stale:
                with transaction.atomic():
                    _lock(run.learner)
                    _check_running_limit(run.learner, now=now, exclude=run.pk)
        except RunLimitError as refused:
            if not _store(run, expected_version=run.version, running=False):
                trainer = _lost(run)
            notice = f"Paused. {refused}"
        else:
            trainer.advance(bounds.chunk_steps(run.max_steps), max_seconds=bounds.CHUNK_SECONDS)
            if not _store(run, expected_version=run.version, running=not trainer.done,
                          last_polled=now, **run_columns(trainer)):
                trainer = _lost(run)
    return describe(run=run, trainer=trainer, temperature=temperature, notice=notice)


def start_run(*, run: Run) -> RunState:
    """Start (or resume) a paused run; RunLimitError when the learner has no place free."""
    now = timezone.now()
    trainer = _load(run)
    if not run.done:
        with transaction.atomic():
            _lock(run.learner)
            _check_running_limit(run.learner, now=now, exclude=run.pk)
            if not _store(run, expected_version=run.version, running=True, last_polled=now):
                trainer = _lost(run)
    return describe(run=run, trainer=trainer)


def pause_run(*, run: Run) -> RunState:
    """Stop advancing the run (a poll already training loses its write to this one)."""
    _store(run, expected_version=None, running=False)
    run.refresh_from_db()   # the state as it is now paused
    return describe(run=run, trainer=_load(run))


def step_run(*, run: Run, steps: int = 1) -> RunState:
    """Pause the run and train `steps` steps (a chunk for a page without JavaScript, where
    nothing polls; bounded in time as a poll's chunk is)."""
    trainer = _load(run)
    trainer.advance(steps, max_seconds=bounds.CHUNK_SECONDS)   # the first step is always taken
    if not _store(run, expected_version=run.version, running=False, **run_columns(trainer)):
        trainer = _lost(run)
    return describe(run=run, trainer=trainer)


def reset_run(*, run: Run) -> RunState:
    """Back to step 0 with the same settings and seed (the same fresh network), paused."""
    saved = _load(run)
    trainer = Trainer.create(saved.task.name, saved.config, saved.seed)
    _store(run, expected_version=None, running=False, **run_columns(trainer))
    return describe(run=run, trainer=trainer)


def delete_run(*, run: Run) -> None:
    run.delete()


# --- a backup's runs (backup.py reads them; these load, check and store) ------------------

@dataclass(frozen=True)
class RestoredRun:
    """A run from a backup, checked and not yet stored."""

    settings: dict
    columns: dict                       # run_columns() of its trainer: state, status, step...
    max_steps: int
    created: datetime


def restored_trainer(*, settings, state: bytes) -> Trainer:
    """The trainer of a run from a backup. ValueError, saying what is wrong, unless `state` is at
    most LAB_RUN_BYTES, loads (Trainer.from_bytes, the lab's loader: rnncore's safety limits on
    every array) and is the run a Start with `settings` makes, within the lab's bounds."""
    if len(state) > bounds.LAB_RUN_BYTES:
        raise ValueError(f"its stored state is {len(state):,} bytes, over the lab's "
                         f"{bounds.LAB_RUN_BYTES:,} per run")
    try:
        trainer = Trainer.from_bytes(state)
    except ValueError as error:
        raise ValueError(f"its stored state does not load ({error})") from None
    if trainer.task.name not in bounds.TASK_ORDER:
        raise ValueError(f"its task {trainer.task.name} is not one the lab trains")
    topic = settings.get("topic") if isinstance(settings, dict) else None
    if trainer.task.name == "char_lm" and not (isinstance(topic, str) and 0 < len(topic) <= 120):
        raise ValueError("a language model's settings name its topic")
    expected = settings_of(trainer, topic=topic)
    if not (isinstance(settings, dict) and settings.keys() == expected.keys() and all(
            type(settings[name]) is type(value) and settings[name] == value
            for name, value in expected.items())):
        raise ValueError("its settings are not those its stored state was trained with")
    task, config, _ = trainer_config(settings, text=trainer.config.get("text"))
    if trainer.task.validate(config) != trainer.config:
        raise ValueError("its stored state differs from what a Start with its settings makes")
    check_lab_config(task, trainer.config)
    check_size(trainer)
    return trainer


@transaction.atomic
def restore_runs(*, learner: Learner, runs: list[RestoredRun]) -> list[Run]:
    """Store checked runs for `learner`, paused, as they were (created times too), in order."""
    stored = []
    for restored in runs:
        run = Run.objects.create(learner=learner, task=restored.settings["task"],
                                 settings=restored.settings, max_steps=restored.max_steps,
                                 running=False, **restored.columns)
        Run.objects.filter(pk=run.pk).update(created=restored.created)  # not auto_now_add's now
        stored.append(run)
    return stored


# --- reads ------------------------------------------------------------------------------

def learner_runs(learner: Learner | None):
    """The learner's runs, newest first, without their bytes."""
    if learner is None:
        return Run.objects.none()
    return Run.objects.filter(learner=learner).defer("state")


def state_of(*, run: Run, temperature: float | None = None) -> RunState:
    """The run as stored (a page load, a change of temperature)."""
    return describe(run=run, trainer=_load(run), temperature=temperature)


# --- what the page shows ----------------------------------------------------------------

def describe(*, run: Run, trainer: Trainer, temperature: float | None = None,
             notice: str = "") -> RunState:
    task = trainer.task
    state = RunState(run=run, history=trainer.history, baseline=trainer.baseline(),
                     metric=task.metric, higher_is_better=task.higher_is_better,
                     config=trainer.config, seed=trainer.seed, notice=notice,
                     classification=task.loss_kind == "cross_entropy" and task.name != "char_lm",
                     temperature=bounds.DEFAULT_TEMPERATURE if temperature is None
                     else temperature)
    if trainer.status == Run.DIVERGED:
        state.message = trainer.message
    else:
        found = trainer.plateau()
        if found is not None and trainer.status != Run.FINISHED:
            state.plateau = found.as_dict()
            state.message = plateau_advice(trainer, found.as_dict())
    if task.loss_kind == "mse":
        state.predictions = _predictions(trainer)
    if task.name == "char_lm":
        state.sample = _sample(trainer, state.temperature)
        if trainer.history.get("eval_bits_per_char"):
            state.bits_per_char = trainer.history["eval_bits_per_char"][-1]
    return state


def plateau_advice(trainer: Trainer, found: dict) -> str:
    """What to try when the evaluation loss has stopped improving, by where it stopped."""
    config = trainer.config
    baseline = [v for k, v in trainer.baseline().items()
                if k.endswith("_loss") or k.endswith("_mse")]
    at_baseline = bool(baseline) and found["best"] >= 0.9 * min(baseline)
    head = (f"No better evaluation loss for {found['evaluations']} evaluations (best "
            f"{found['best']:.4g} at step {found['best_step']:.0f}).")
    if at_baseline:
        tips = []
        if config["cell"] == "rnn":
            tips.append("a vanilla RNN loses long-range gradients: try an LSTM or a GRU")
        if config["cell"] == "lstm" and config.get("forget_bias", 0) < 1:
            tips.append("an LSTM remembers longer with a forget-gate bias of 1 to 3")
        if trainer.task.name == "future_context" and not config.get("bidirectional"):
            tips.append("the answer lies ahead: only a bidirectional network can see it")
        if config["lr"] < 1e-3:
            tips.append("the learning rate may be too small to get anywhere: raise it")
        if not tips:
            tips.append("try a larger learning rate or more hidden units")
        return f"{head} The network does no better than the baseline; {'; '.join(tips)}."
    tips = ["lower the learning rate to settle into a better minimum"]
    if config["clip"] == "none":
        tips.append("clip the gradient norm")
    tips.append("or give it more hidden units")
    return f"{head} It has levelled off below the baseline: {', '.join(tips)}."


def _predictions(trainer: Trainer) -> dict:
    """Regression: the model against the targets on evaluation data (sine: the first sequence
    over time; adding: the first PREDICTED_SEQUENCES sequences, one point each)."""
    data = trainer.eval_data
    n = 1 if trainer.task.name == "sine" else min(PREDICTED_SEQUENCES, data.targets.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        predicted = trainer.model.forward(data.inputs[:, :n])
    if trainer.task.name == "sine":
        return {"kind": "sequence", "t": list(range(1, data.targets.shape[0] + 1)),
                "target": _floats(data.targets[:, 0, 0]),
                "predicted": _floats(predicted[:, 0, 0]),
                "input": _floats(data.inputs[:, 0, 0])}
    return {"kind": "scatter", "target": _floats(data.targets[:n, 0]),
            "predicted": _floats(predicted[:, 0])}


def _floats(values) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def _sample(trainer: Trainer, temperature: float) -> str:
    """Text from the model at temperature, from a generator seeded by the run and its step
    (the same step and temperature give the same text)."""
    text = trainer.config["text"]
    rng = np.random.default_rng([trainer.seed, trainer.step, 3])
    with np.errstate(over="ignore", invalid="ignore"):
        return text[0] + trainer.task.sample(trainer.model, trainer.config, text[0],
                                             bounds.SAMPLE_CHARS, temperature, rng)
