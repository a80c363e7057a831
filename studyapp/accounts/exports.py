"""The learner's JSON backup: a registry every app adds its part to at start-up, to export it and
to restore it.

accounts imports no other app, so it cannot gather review states, quiz attempts or lab runs
itself; instead each app calls `register(name, fn, restorer)` in its AppConfig.ready(), and the
export and the restore (review's data page) go through `parts()` and `restore()` without
importing those apps.

Export. `fn(learner)` returns the app's data as JSON-ready values; lists may be given as any
iterable (a generator over a `.iterator()` query), which the streaming encoder of the export
writes item by item, so a long history never sits in memory whole.

Restore. A `Restorer` brings its part back in two phases. `check(data, keys)` reads the part as
the export wrote it and checks all of it without writing (RestoreError naming the item: "quiz
attempt 3, question 2: ..."); it returns a plan. Only when every part has passed its check does
`restore()` open one transaction, lock the learner, refuse an account that already holds any
part's data (NotEmpty, the web's 409: a restore gives back exactly the backup's state, which
merging could not), and `apply(learner, plan, keys)` each part: all of it or nothing.

Keys. The one database id a backup carries is an item's own key where another part refers to it
(a review log's quiz-miss entry names its quiz attempt). The part that owns the items fills
`keys[kind]` in its check with the keys in the file and in its apply with the new ids
(`{old key: new id}`); a part that refers to them lists the owner in `after`, so it is checked
and applied after it and finds the map filled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from .models import Learner

ExportFn = Callable[[Learner], Any]
Keys = dict[str, dict[Any, Any]]


class RestoreError(ValueError):
    """A backup that cannot be restored (what is wrong, with the item named)."""


class NotEmpty(RestoreError):
    """The account already holds data a backup would restore (the web's 409)."""


@dataclass(frozen=True)
class Restorer:
    """How an app brings its part of a backup back (the two phases: the module docstring)."""

    check: Callable[[Any, Keys], Any]            # (the part's data, keys) -> plan; no writes
    apply: Callable[[Learner, Any, Keys], str]   # stores the plan; says what it restored
    holds: Callable[[Learner], bool]             # whether the account has any of this part's data
    noun: str                                    # what that data is called: "quiz attempts"
    contents: str                                # what a restore brings back, for the data page
    after: tuple[str, ...] = ()                  # parts restored first (their keys are used here)


_PARTS: dict[str, tuple[ExportFn, Restorer | None]] = {}


def register(name: str, fn: ExportFn, restorer: Restorer | None = None) -> None:
    """Add (or, on a repeated ready(), replace) an app's part of the backup under `name`."""
    if not name.isidentifier():
        raise ValueError(f"An export part is named by an identifier, not {name!r}.")
    _PARTS[name] = (fn, restorer)


def parts() -> list[tuple[str, ExportFn]]:
    """The registered parts' exports, by name."""
    return [(name, fn) for name, (fn, _) in sorted(_PARTS.items())]


def restorers() -> list[tuple[str, Restorer]]:
    """The parts a backup restores, in the order the apps registered them (INSTALLED_APPS)."""
    return [(name, restorer) for name, (_, restorer) in _PARTS.items() if restorer is not None]


def _in_order(chosen: list[tuple[str, Restorer]]) -> list[tuple[str, Restorer]]:
    """Each part after the parts it names in `after`."""
    pending, ordered = dict(chosen), []
    while pending:
        name = next(n for n, r in pending.items() if not set(r.after) & set(pending))
        ordered.append((name, pending.pop(name)))
    return ordered


def restore(*, learner: Learner, document: dict, only: set[str] | None = None) -> dict[str, str]:
    """Restore every registered part of a backup's `document` (those in `only`, when given) into
    the learner's account, which must hold none of any part's data. Everything is checked before
    anything is stored, and stored in one transaction. {part name: what it restored}."""
    chosen = _in_order([(name, r) for name, r in restorers() if only is None or name in only])
    keys: Keys = {}
    plans = {}
    for name, restorer in chosen:
        if name not in document:
            raise RestoreError(f"This backup has no {name} part.")
        plans[name] = restorer.check(document[name], keys)
    with transaction.atomic():
        Learner.objects.select_for_update().get(pk=learner.pk)  # one restore at a time per learner
        every = [restorer for _, restorer in restorers()]
        held = [restorer.noun for restorer in every if restorer.holds(learner)]
        if held:
            raise NotEmpty(f"This account already has {and_join(held)}: a backup restores only into an "
                           f"account with no {and_join([r.noun for r in every], 'or')} yet, so nothing was "
                           "restored. Restore it into a new account, or import a review log as CSV to "
                           "merge it into yours.")
        return {name: restorer.apply(learner, plans[name], keys) for name, restorer in chosen}


# Checks the parts' restorers share.

def time_of(value, where: str) -> datetime | None:
    """An ISO 8601 time with its UTC offset (None stays None); RestoreError naming `where`."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
        utc = moment.astimezone(UTC) if moment.tzinfo else None
    except (TypeError, ValueError, OverflowError):  # year 1 moved to UTC overflows
        raise RestoreError(f"{where}: “{str(value)[:40]}” is not an ISO 8601 time") from None
    if utc is None:
        raise RestoreError(f"{where}: the time {value} has no UTC offset")
    return utc


def whole_number(value, low: int = 0, high: int = 2**31 - 1) -> bool:
    """A JSON whole number in [low, high] (true and false are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def and_join(words: list[str], last: str = "and") -> str:
    """ "a, b and c" (or "a, b or c")."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"
