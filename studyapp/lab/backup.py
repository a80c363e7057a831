"""A learner's lab runs in their JSON backup: the export, and the check of a restore.

Each run is exported with its stored training state (`Run.state`, the Trainer's bytes, base64),
so a restored run is the same run: the same step, history and metrics, and it trains on exactly
as the original would. The columns beside the state (status, step, metrics) are copies of what
the state holds; a restore takes them from the state and refuses a file whose copies disagree.
A restore loads every state through the lab's own loader and checks it against its settings and
the lab's bounds (`training.restored_trainer`) before anything is stored; restored runs are
paused until their learner presses Start.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator

from django.template.defaultfilters import pluralize

from studyapp.accounts.exports import Keys, RestoreError, time_of
from studyapp.accounts.models import Learner

from . import bounds, training
from .models import Run

COPIES = ("task", "status", "step", "max_steps", "metrics")  # of what the state holds
_MAX_STATE_CHARS = 4 * (bounds.LAB_RUN_BYTES // 3 + 1)  # base64 of LAB_RUN_BYTES


def export_runs(learner: Learner) -> Iterator[dict]:
    """The learner's runs, oldest first, each with its stored state, one at a time (the export
    streams them: a run's bytes may be up to a megabyte)."""
    for run in Run.objects.filter(learner=learner).order_by("created", "pk").iterator(chunk_size=10):
        yield {"task": run.task, "settings": run.settings, "status": run.status, "step": run.step,
               "max_steps": run.max_steps, "metrics": run.metrics, "created": run.created.isoformat(),
               "state": base64.b64encode(bytes(run.state)).decode("ascii")}


def check_runs(data, keys: Keys) -> list[training.RestoredRun]:
    """The lab part checked whole, nothing stored: each run's state loaded and checked."""
    if not isinstance(data, list):
        raise RestoreError("The backup's lab part is not a list of runs.")
    if len(data) > bounds.STORED_RUNS_PER_LEARNER:
        raise RestoreError(f"The backup holds {len(data)} lab runs; the lab keeps at most "
                           f"{bounds.STORED_RUNS_PER_LEARNER} per learner.")
    return [_check_run(item, f"lab run {n}") for n, item in enumerate(data, 1)]


def _check_run(item, where: str) -> training.RestoredRun:
    if not isinstance(item, dict):
        raise RestoreError(f"{where}: not an object")
    missing = [name for name in (*COPIES, "settings", "created", "state") if name not in item]
    if missing:
        raise RestoreError(f"{where}: “{missing[0]}” is missing")
    state = item["state"]
    if isinstance(state, str) and len(state) > _MAX_STATE_CHARS:
        raise RestoreError(f"{where}: its stored state is over the lab's {bounds.LAB_RUN_BYTES:,} "
                           "bytes per run")
    try:
        blob = base64.b64decode(state, validate=True) if isinstance(state, str) else None
    except binascii.Error:
        blob = None
    if blob is None:
        raise RestoreError(f"{where}: its state is the run's stored bytes in base64")
    try:
        trainer = training.restored_trainer(settings=item["settings"], state=blob)
    except ValueError as error:
        raise RestoreError(f"{where}: {error}") from None
    columns = training.run_columns(trainer)
    found = {"task": trainer.task.name, "max_steps": trainer.config["max_steps"], **columns}
    for name in COPIES:
        if type(item[name]) is not type(found[name]) or item[name] != found[name]:
            raise RestoreError(f"{where}: its {name} is not what its stored state says (the file was "
                               "changed or is damaged)")
    created = time_of(item["created"], f"{where}, created")
    if created is None:
        raise RestoreError(f"{where}: created is missing")
    return training.RestoredRun(settings=item["settings"], columns=columns,
                                max_steps=trainer.config["max_steps"], created=created)


def apply_runs(learner: Learner, plan: list[training.RestoredRun], keys: Keys) -> str:
    runs = training.restore_runs(learner=learner, runs=plan)
    return f"{len(runs)} lab run{pluralize(len(runs))}"


def holds_runs(learner: Learner) -> bool:
    return Run.objects.filter(learner=learner).exists()
