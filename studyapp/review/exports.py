"""A learner's data out of the site: the review log as CSV, everything as JSON (both streamed).

CSV: the columns of the FSRS tools (py-fsrs's and the optimizer's review logs): `card_id` (the
card's stable slug), `review_time` (ISO 8601 in UTC with microseconds), `review_rating` (1-4),
`review_duration` (ms) and `review_state` (the card's state before the rating: 0 new,
1 learning, 2 review, 3 relearning). Only ratings not undone are rows.

JSON: one document, `{"format": FORMAT, "version": 2, "exported_at": ..., "<app>": ...}`, with a
key per part registered in `accounts.exports` (review's own part is `export_review`). Cards and
topics are named by slug, so a backup restores into any account (`restore.restore_backup`) and
says nothing about other learners. The one id in it is a quiz attempt's own key, which the log's
quiz-miss entries name (`quiz_attempt`); a restore gives them the restored attempts' new ids.
Version 1 (before quiz attempts and lab runs could be restored) lacked that key and the settings'
`quiz_misses`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from studyapp.accounts.exports import parts
from studyapp.accounts.models import Learner

from . import scheduling
from .models import CardState, Review, ReviewSettings

FORMAT = "rnn-study-backup"
VERSION = 2
CSV_COLUMNS = ("card_id", "review_time", "review_rating", "review_duration", "review_state")
SETTINGS_FIELDS = ("desired_retention", "new_per_day", "reviews_per_day", "learning_steps",
                   "relearning_steps", "maximum_interval", "day_start_hour", "time_zone", "parameters",
                   "quiz_misses")
_CHUNK = 2000


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else None


def csv_lines(*, learner: Learner | None) -> Iterator[str]:
    """The learner's review log as CSV text, a line at a time (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(row) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    if learner is None:
        return
    rows = (Review.objects.filter(learner=learner, kind=Review.RATING, undone=False)
            .order_by("reviewed_at", "pk")
            .values_list("flashcard__slug", "reviewed_at", "rating", "duration_ms", "before_state"))
    for slug, when, rating, duration, state in rows.iterator(chunk_size=_CHUNK):
        yield line((slug, iso(when), rating, "" if duration is None else duration, state))


def settings_data(settings: ReviewSettings) -> dict:
    return {name: getattr(settings, name) for name in SETTINGS_FIELDS}


def _card_states(learner: Learner) -> Iterator[dict]:
    states = CardState.objects.filter(learner=learner).select_related("flashcard").order_by("pk")
    for state in states.iterator(chunk_size=_CHUNK):
        yield {"card": state.flashcard.slug, "version": state.version, **scheduling.snapshot(state)}


def _log(learner: Learner) -> Iterator[dict]:
    entries = (Review.objects.filter(learner=learner).order_by("reviewed_at", "pk")
               .values("flashcard__slug", "kind", "rating", "reviewed_at", "duration_ms", "before_state",
                       "state_before", "state_after", "settings", "reason", "version_before",
                       "version_after", "session", "undone", "undone_at", "quiz_attempt"))
    for entry in entries.iterator(chunk_size=_CHUNK):
        entry["card"] = entry.pop("flashcard__slug")
        entry["reviewed_at"], entry["undone_at"] = iso(entry["reviewed_at"]), iso(entry["undone_at"])
        yield entry


def export_review(learner: Learner) -> dict:
    """Review's part of the JSON export: settings (with the FSRS parameters), every card state
    (suspended and buried ones too), and the whole log, undone entries marked."""
    return {"settings": settings_data(scheduling.settings_for(learner=learner)),
            "card_states": _card_states(learner), "log": _log(learner)}


def iter_json(value: Any) -> Iterator[str]:
    """JSON text of `value` in pieces: a dict's values and any iterable that is not a list, tuple
    or string (a generator over a query) are walked, so a generator is consumed item by item;
    each item, and anything else, is one json.dumps."""
    if isinstance(value, dict):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ("," if i else "") + json.dumps(str(key)) + ":"
            yield from iter_json(item)
        yield "}"
    elif isinstance(value, Iterator):
        yield "["
        for i, item in enumerate(value):
            yield ("," if i else "") + json.dumps(item)
        yield "]"
    else:
        yield json.dumps(value)


def json_pieces(*, learner: Learner | None, now: datetime) -> Iterator[str]:
    """The learner's whole export as JSON text, streamed (every registered app's part)."""
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "exported_at": iso(now),
                                "kind": "guest" if learner is None or learner.is_guest else "user"}
    for name, fn in parts():
        document[name] = fn(learner) if learner is not None else _empty(name)
    buffered = []
    size = 0
    for piece in iter_json(document):  # a few KB per write, not one write per token
        buffered.append(piece)
        size += len(piece)
        if size >= 16384:
            yield "".join(buffered)
            buffered, size = [], 0
    yield "".join(buffered) + "\n"


def _empty(name: str) -> Any:
    if name == "review":
        return {"settings": settings_data(scheduling.settings_for(learner=None)), "card_states": [], "log": []}
    return []
