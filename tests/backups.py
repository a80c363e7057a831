"""Helpers of the backup tests: a learner's backup as a document, restoring one, and a learner's
rows as plain values to compare (every stored field, so a field the backup forgets shows)."""

import json
from datetime import UTC, datetime

from studyapp.lab.models import Run
from studyapp.quiz.models import Attempt
from studyapp.review import exports
from studyapp.review.models import CardState, Review
from studyapp.review.restore import restore_backup

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
# What a restored run does not take from the backup: the row's own bookkeeping (a restored run
# is paused, has not been polled, and was not made by a Start form).
RUN_BOOKKEEPING = ("learner_id", "version", "running", "last_polled", "token", "updated")


def backup_of(learner) -> dict:
    return json.loads("".join(exports.json_pieces(learner=learner, now=NOW)))


def restore(learner, document):
    return restore_backup(learner=learner, data=json.dumps(document).encode())


def fields(row, leave_out=()) -> dict:
    """A row's stored fields but its id and those left out (bytes as bytes, not memoryview)."""
    values = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields
              if f.attname not in ("id", *leave_out)}
    return {name: bytes(v) if isinstance(v, memoryview) else v for name, v in values.items()}


def attempts_data(learner) -> list[dict]:
    """The learner's attempts, oldest first, with their topics, questions and answers."""
    out = []
    for attempt in Attempt.objects.filter(learner=learner).order_by("created", "pk"):
        questions = [{**fields(q, ("attempt_id",)),
                      "answer": fields(q.answer, ("question_id",)) if hasattr(q, "answer") else None}
                     for q in attempt.questions.order_by("position")]
        out.append({**fields(attempt, ("learner_id",)), "questions": questions,
                    "topics": sorted(t.slug for t in attempt.topics.all())})
    return out


def attempt_ids(learner) -> list[int]:
    return list(Attempt.objects.filter(learner=learner).order_by("created", "pk").values_list("pk", flat=True))


def runs_data(learner) -> list[dict]:
    return [fields(run, RUN_BOOKKEEPING) for run in Run.objects.filter(learner=learner).order_by("created", "pk")]


def review_data(learner) -> dict:
    """Card states by card, and the log in a fixed order; quiz misses name their attempt by its
    place among the learner's attempts (ids differ between accounts)."""
    place = {pk: n for n, pk in enumerate(attempt_ids(learner))}
    states = {st.flashcard_id: fields(st, ("learner_id",)) for st in CardState.objects.filter(learner=learner)}
    log = []
    for entry in Review.objects.filter(learner=learner).order_by("flashcard_id", "version_before"):
        values = fields(entry, ("learner_id", "card_state_id"))
        if values["quiz_attempt"] is not None:
            values["quiz_attempt"] = ("attempt", place[values["quiz_attempt"]])
        log.append(values)
    return {"states": states, "log": log}


def everything(learner) -> dict:
    return {"review": review_data(learner), "attempts": attempts_data(learner), "runs": runs_data(learner)}
