"""Scheduling flashcards with FSRS-6 (the `fsrs` package): the only module that imports fsrs.

Every write of the review app goes through the functions here; they are keyword-only, typed,
callable without a request (a quiz, a command, a test), and each write is one transaction:
the rating, its log entry and the new card state are stored together or not at all.

Public functions
    settings_for(learner=)               the learner's settings (unsaved defaults when none stored)
    save_settings(learner=, **values)    validate (ValueError per field) and store settings
    learner_day(settings=, now=)         the learner's day [start, end) in UTC: time zone + day-start hour
    build_queue(learner=, topic=, now=)  the next card and the new / learning / review counts, Anki's order
    due_counts_by_topic(learner=, now=)  {topic id: Counts} for the course pages (a constant number of queries)
    preview_intervals(...)               the interval each rating would give, exactly as rate_card applies it
    rate_card / bury_card / suspend_card / unsuspend_card / undo_entry / reschedule_card
    bring_forward(learner=, flashcards=, attempt_id=, now=)   a quiz miss: the cards due now, first
    weakest_cards(learner=, topic=, now=, count=)   the topic's cards least likely recalled now
    session_summary(learner=, session=)  cards done, time spent, share of Again in one review session
    replay_card(card_state=)             the state the card's log replays to (always the stored one)
    retrievability_at(...) / retrievabilities(...)  fsrs's predicted recall at a moment (the statistics)
    merge_learner(guest=, into=)         a guest's cards and logs into an account (log-in's "merge")

The repeated-submission rule. A change names the version of the card state it was shown with.
If that version is current, the change is made (version + 1). If not, and the log holds an
identical change made from that version (a double click, a retried request), the outcome is that
recorded entry, replayed, and nothing changes; any other change from a stale version is a
`Conflict` (a 409 for the web). A unique (card state, version before) constraint backs this up.

Fuzzing. fsrs spreads review intervals with a random "fuzz" drawn from `random.random`. Here it
stays ON (as in Anki, so cards learnt together do not fall due together) but is reproducible: each
rating's draw comes from a generator seeded with the flashcard's slug and the card's review number
(its count of ratings not undone, plus one), never the learner (a merge or a restore changes that).
Under a lock, fsrs's module-level `random` is swapped for that seeded generator's `random` for
the one call; the global generator is neither read nor reseeded, so other code using `random` can
neither disturb the draw nor be disturbed by it. The same card, review number, state, rating and
time therefore always give the same interval: the one shown on the button is the one applied,
and a replay of the log reproduces every stored due date.

Quiz misses. `bring_forward` (the quiz app's one write here) makes a missed question's cards due
now: a `quiz_miss` log entry (not a rating) sets the card's `due` to now and `brought_forward_at`;
the queue shows such cards first, before learning cards, beyond the day's limits (an unseen card
so brought forward is introduced beyond the new-card limit, and its first rating does not count
against it); the next rating clears the mark. A learner turns this off with the `quiz_misses`
setting. Replayed as a due-date change.

Times: fsrs only accepts UTC datetimes; "today" for the limits and counts is the learner's day
(their time zone and day-start hour, `learner_day`). Queries: the queue, the counts and a rating
each take a fixed number of queries whatever the size of the learner's history.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import fsrs
import fsrs.scheduler as _fsrs_scheduler
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum

from studyapp.accounts.models import Learner
from studyapp.course.models import Flashcard, Topic

from .models import CardState, Review, ReviewSettings

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.scheduler.DEFAULT_PARAMETERS)
LEARN_AHEAD = timedelta(minutes=20)  # Anki's default learn-ahead limit
MAX_DURATION_MS = 60_000  # Anki's cap on the time counted for one answer

# Product bounds of the settings (the form takes them from here).
BOUNDS = {
    "desired_retention": (0.70, 0.97),
    "new_per_day": (0, 9999),
    "reviews_per_day": (0, 9999),
    "maximum_interval": (1, 36500),
    "day_start_hour": (0, 23),
    "step_seconds": (1, 30 * 86400),
    "steps_count": (0, 10),
}
RATING_NAMES = {Review.AGAIN: "Again", Review.HARD: "Hard", Review.GOOD: "Good", Review.EASY: "Easy"}


class Conflict(Exception):
    """A change made from a stale version that is not an identical replay (the web's 409)."""


# ---------------------------------------------------------------------------------------------
# Settings and the learner's day

@dataclass(frozen=True)
class SchedulerSettings:
    """What fsrs is built from; stored with every log entry and used again by a replay."""

    parameters: tuple[float, ...]
    desired_retention: float
    learning_steps: tuple[int, ...]  # seconds
    relearning_steps: tuple[int, ...]
    maximum_interval: int
    fuzzing: str = "seeded"  # how intervals are fuzzed (see the module docstring)

    @classmethod
    def of(cls, settings: ReviewSettings) -> SchedulerSettings:
        return cls(tuple(float(p) for p in settings.parameters), float(settings.desired_retention),
                   tuple(int(s) for s in settings.learning_steps),
                   tuple(int(s) for s in settings.relearning_steps), int(settings.maximum_interval))

    def to_dict(self) -> dict:
        return {"parameters": list(self.parameters), "desired_retention": self.desired_retention,
                "learning_steps": list(self.learning_steps), "relearning_steps": list(self.relearning_steps),
                "maximum_interval": self.maximum_interval, "fuzzing": self.fuzzing}

    @classmethod
    def from_dict(cls, data: dict) -> SchedulerSettings:
        return cls(tuple(data["parameters"]), data["desired_retention"], tuple(data["learning_steps"]),
                   tuple(data["relearning_steps"]), data["maximum_interval"], data.get("fuzzing", "seeded"))

    def scheduler(self) -> fsrs.Scheduler:
        return _scheduler(self)


@cache
def _scheduler(settings: SchedulerSettings) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        parameters=settings.parameters, desired_retention=settings.desired_retention,
        learning_steps=tuple(timedelta(seconds=s) for s in settings.learning_steps),
        relearning_steps=tuple(timedelta(seconds=s) for s in settings.relearning_steps),
        maximum_interval=settings.maximum_interval, enable_fuzzing=True,
    )


def settings_for(*, learner: Learner | None) -> ReviewSettings:
    """The learner's stored settings, or unsaved defaults (one query; none for no learner)."""
    if learner is not None:
        stored = ReviewSettings.objects.filter(learner=learner).first()
        if stored is not None:
            return stored
    return ReviewSettings(learner=learner)


@cache
def time_zones() -> frozenset[str]:
    """The zoneinfo database's zone names."""
    return frozenset(available_timezones())


def check_time_zone(name: str) -> str:
    """`name` if it is a zone of the zoneinfo database, else ValueError."""
    if name not in time_zones():
        raise ValueError(f"“{name}” is not a time zone of the zoneinfo database (e.g. Europe/Berlin).")
    return name


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_steps(text: str) -> list[int]:
    """Anki's step notation ("1m 10m", "30s 1h 1d") as seconds; ValueError on anything else."""
    steps = []
    for token in text.replace(",", " ").split():
        number, unit = token[:-1], token[-1:].lower()
        if unit.isdigit():
            number, unit = token, "m"  # a bare number is minutes, as in Anki
        try:
            value = float(number)
        except ValueError:
            raise ValueError(f"“{token}” is not a step: write a number and a unit, e.g. 1m 10m 1d.") from None
        if unit not in _UNITS or value != value:
            raise ValueError(f"“{token}” is not a step: units are s, m, h and d (e.g. 1m 10m 1d).")
        seconds = round(value * _UNITS[unit])
        low, high = BOUNDS["step_seconds"]
        if not low <= seconds <= high:
            raise ValueError(f"Each step lies between 1s and 30d; “{token}” does not.")
        steps.append(seconds)
    if len(steps) > BOUNDS["steps_count"][1]:
        raise ValueError(f"At most {BOUNDS['steps_count'][1]} steps.")
    return steps


def format_steps(seconds: list[int]) -> str:
    """Seconds as Anki's step notation: [60, 600] -> "1m 10m"."""
    out = []
    for s in seconds:
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
            if s % size == 0:
                out.append(f"{s // size}{unit}")
                break
    return " ".join(out)


def _check_bound(name: str, value: float) -> None:
    low, high = BOUNDS[name]
    if not low <= value <= high:
        raise ValueError(f"Between {low:g} and {high:g}.")


def validate_setting(name: str, value):
    """One setting checked against its bound: the value (steps parsed), or ValueError."""
    if name in ("learning_steps", "relearning_steps"):
        return parse_steps(value) if isinstance(value, str) else [int(v) for v in value]
    if name == "time_zone":
        return check_time_zone(value)
    if name == "quiz_misses":
        return bool(value)
    _check_bound(name, value)
    return value


@transaction.atomic
def save_settings(*, learner: Learner, desired_retention: float, new_per_day: int,
                  reviews_per_day: int, learning_steps: list[int] | str, relearning_steps: list[int] | str,
                  maximum_interval: int, day_start_hour: int, time_zone: str,
                  quiz_misses: bool = True) -> ReviewSettings:
    """Store the learner's settings; they apply from the next scheduling on (ValueError if out of range)."""
    values = {name: validate_setting(name, value) for name, value in {
        "desired_retention": desired_retention, "new_per_day": new_per_day,
        "reviews_per_day": reviews_per_day, "learning_steps": learning_steps,
        "relearning_steps": relearning_steps, "maximum_interval": maximum_interval,
        "day_start_hour": day_start_hour, "time_zone": time_zone, "quiz_misses": quiz_misses}.items()}
    stored, _ = ReviewSettings.objects.update_or_create(learner=learner, defaults=values)
    return stored


def _ensure_settings(learner: Learner, browser_time_zone: str) -> ReviewSettings:
    """The learner's settings row, created on their first stored action with the browser's zone."""
    stored = ReviewSettings.objects.filter(learner=learner).first()
    zone = browser_time_zone if browser_time_zone in time_zones() else ""
    if stored is None:
        try:
            with transaction.atomic():
                stored = ReviewSettings.objects.create(learner=learner, time_zone=zone)
        except IntegrityError:  # a concurrent first action created it
            stored = ReviewSettings.objects.get(learner=learner)
    elif not stored.time_zone and zone:
        ReviewSettings.objects.filter(pk=stored.pk, time_zone="").update(time_zone=zone)
        stored.time_zone = zone
    return stored


def zone_of(settings: ReviewSettings) -> ZoneInfo:
    return ZoneInfo(settings.time_zone or "UTC")


def learner_day(*, settings: ReviewSettings, now: datetime) -> tuple[datetime, datetime]:
    """The learner's current day as [start, end) in UTC: from the day-start hour in their zone to
    the next one (23 or 25 hours long across a daylight-saving change)."""
    zone = zone_of(settings)
    hour = time(settings.day_start_hour)
    local_date = now.astimezone(zone).date()
    start = datetime.combine(local_date, hour, tzinfo=zone)
    if start > now:
        local_date -= timedelta(days=1)
        start = datetime.combine(local_date, hour, tzinfo=zone)
    end = datetime.combine(local_date + timedelta(days=1), hour, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Applying fsrs

_FUZZ_LOCK = threading.Lock()
_STATE_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses",
                 "buried_until", "suspended", "brought_forward_at")
_TIME_FIELDS = ("due", "last_review", "buried_until", "brought_forward_at")
QUIZ_MISS_REASON = "brought forward by a quiz miss"


def fuzz_seed(*, card_slug: str, review_number: int) -> int:
    """The seed of the fuzz of a card's `review_number`-th rating (1 for its first)."""
    digest = hashlib.sha256(f"{card_slug}#{review_number}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def snapshot(card_state: CardState | None) -> dict:
    """A card state's scheduling fields as JSON (a new card when None)."""
    if card_state is None:
        return {"state": CardState.NEW, "step": None, "stability": None, "difficulty": None, "due": None,
                "last_review": None, "reps": 0, "lapses": 0, "buried_until": None, "suspended": False,
                "brought_forward_at": None}
    out = {}
    for name in _STATE_FIELDS:
        value = getattr(card_state, name)
        out[name] = value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
    return out


def _restore(card_state: CardState, data: dict) -> None:
    for name in _STATE_FIELDS:
        value = data.get(name)  # entries older than a field lack it (None)
        if name in _TIME_FIELDS and value is not None:
            value = datetime.fromisoformat(value)
        setattr(card_state, name, value)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)


def _fsrs_card(data: dict, now: datetime) -> fsrs.Card:
    if data["state"] == CardState.NEW:
        return fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=now)
    parse = lambda v: datetime.fromisoformat(v) if v else None  # noqa: E731
    return fsrs.Card(card_id=1, state=fsrs.State(data["state"]), step=data["step"],
                     stability=data["stability"], difficulty=data["difficulty"],
                     due=parse(data["due"]), last_review=parse(data["last_review"]))


def apply_rating(*, state: dict, rating: int, now: datetime, settings: SchedulerSettings,
                 card_slug: str) -> dict:
    """The card state (as `snapshot` gives it) after `rating` at `now`: fsrs's review_card with the
    reproducible fuzz. Pure: reads and writes nothing."""
    if rating not in RATING_NAMES:
        raise ValueError(f"A rating is 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy), not {rating!r}.")
    now = _utc(now)
    review_number = state["reps"] + 1
    generator = random.Random(fuzz_seed(card_slug=card_slug, review_number=review_number))
    scheduler = settings.scheduler()
    with _FUZZ_LOCK:
        saved = _fsrs_scheduler.random
        _fsrs_scheduler.random = generator.random
        try:
            card, _ = scheduler.review_card(_fsrs_card(state, now), fsrs.Rating(rating), now)
        finally:
            _fsrs_scheduler.random = saved
    lapse = state["state"] == CardState.REVIEW and rating == Review.AGAIN
    return {**state, "state": int(card.state), "step": card.step, "stability": card.stability,
            "difficulty": card.difficulty, "due": card.due.isoformat(),
            "last_review": card.last_review.isoformat(), "reps": review_number,
            "lapses": state["lapses"] + lapse}


def preview_intervals(*, card_state: CardState | None, flashcard: Flashcard, settings: ReviewSettings,
                      now: datetime) -> dict[int, timedelta]:
    """{rating: interval} for the four ratings: what `rate_card` at `now` would apply."""
    state = snapshot(card_state)
    scheduler_settings = SchedulerSettings.of(settings)
    out = {}
    for rating in RATING_NAMES:
        after = apply_rating(state=state, rating=rating, now=now, settings=scheduler_settings,
                             card_slug=flashcard.slug)
        out[rating] = datetime.fromisoformat(after["due"]) - _utc(now)
    return out


def interval_label(interval: timedelta) -> str:
    """An interval as Anki labels its answer buttons: "<1m", "10m", "3h", "2d", "3.5mo", "1.2y"."""
    seconds = interval.total_seconds()
    if seconds < 60:
        return "<1m"
    minutes = seconds / 60
    if minutes < 60:
        return f"{round(minutes)}m"
    hours = minutes / 60
    if hours < 24:
        return _one_decimal(hours, "h")
    days = hours / 24
    if days < 30:
        return _one_decimal(days, "d")
    if days < 365:
        return _one_decimal(days / 30, "mo")
    return _one_decimal(days / 365, "y")


def _one_decimal(value: float, unit: str) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text}{unit}"


# ---------------------------------------------------------------------------------------------
# Writes: ratings, bury, suspend, undo, due-date changes

@dataclass(frozen=True)
class Outcome:
    """What a change did: the log entry, the card state after it, and whether it was a replay."""

    entry: Review
    card_state: CardState
    replayed: bool = False


def _locked_state(learner: Learner, flashcard: Flashcard) -> CardState:
    """The learner's state for the card, created NEW if missing (race-safe), locked for the transaction."""
    try:
        with transaction.atomic():
            CardState.objects.get_or_create(learner=learner, flashcard=flashcard)
    except IntegrityError:  # a concurrent first action created it; it is there now
        pass
    return CardState.objects.select_for_update().get(learner=learner, flashcard=flashcard)


def _replay_or_conflict(card_state: CardState, version: int, *, kind: str, rating: int | None) -> Outcome:
    entry = card_state.log.filter(version_before=version).first()
    if entry is not None and entry.kind == kind and entry.rating == rating:
        return Outcome(entry=entry, card_state=card_state, replayed=True)
    if entry is None:
        raise Conflict("This card is not in the state it was shown in: reload to see it as it is now.")
    done = RATING_NAMES[entry.rating] if entry.kind == Review.RATING else entry.get_kind_display()
    raise Conflict(f"This card was already changed from that state ({done}, perhaps in another tab); "
                   "nothing was changed. Here it is as it is now.")


def _change(*, learner: Learner, flashcard: Flashcard, version: int, now: datetime, kind: str,
            session: str, after: dict | Callable[[dict, ReviewSettings, SchedulerSettings], dict], rating: int | None = None,
            duration_ms: int | None = None, reason: str = "", browser_time_zone: str = "",
            quiz_attempt: int | None = None) -> Outcome:
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError("A version is a whole number from 0.")
    now = _utc(now)
    with transaction.atomic():
        settings = _ensure_settings(learner, browser_time_zone)
        card_state = _locked_state(learner, flashcard)
        if card_state.version != version:
            return _replay_or_conflict(card_state, version, kind=kind, rating=rating)
        before = snapshot(card_state)
        scheduler_settings = SchedulerSettings.of(settings)
        new = after(before, settings, scheduler_settings) if callable(after) else {**before, **after}
        if kind == Review.RATING and before.get("brought_forward_at"):
            reason = QUIZ_MISS_REASON  # shown because of a miss: outside the day's limits
        entry = Review.objects.create(
            learner=learner, card_state=card_state, flashcard=flashcard, kind=kind, rating=rating,
            reviewed_at=now, duration_ms=duration_ms, before_state=before["state"],
            state_before=before, state_after=new, settings=scheduler_settings.to_dict(), reason=reason,
            version_before=version, version_after=version + 1, session=session, quiz_attempt=quiz_attempt,
            interval_before=interval_days(before),
        )
        _restore(card_state, new)
        card_state.version = version + 1
        card_state.save()
        return Outcome(entry=entry, card_state=card_state)


def interval_days(state: dict) -> float | None:
    """A snapshot's interval in days: its due date minus its last review (None without both)."""
    if not state.get("due") or not state.get("last_review"):
        return None
    return (datetime.fromisoformat(state["due"]) - datetime.fromisoformat(state["last_review"])).total_seconds() / 86400


def measured_duration_ms(*, shown_at: datetime | None, now: datetime) -> int | None:
    """Milliseconds from showing the card to the answer, capped at 60 s (None when unknown)."""
    if shown_at is None:
        return None
    elapsed = (_utc(now) - _utc(shown_at)).total_seconds() * 1000
    return round(min(max(elapsed, 0), MAX_DURATION_MS))


def rate_card(*, learner: Learner, flashcard: Flashcard, version: int, rating: int, now: datetime,
              shown_at: datetime | None = None, session: str = "", browser_time_zone: str = "") -> Outcome:
    """Rate a card (1 Again .. 4 Easy) shown at `version`: the log entry and the new state in one
    transaction. Replays an identical repeated rating; raises Conflict for a conflicting one and
    ValueError for a bad rating. `browser_time_zone` fills the learner's zone on their first action."""
    if rating not in RATING_NAMES:
        raise ValueError(f"A rating is 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy), not {rating!r}.")

    def after(before, settings, scheduler_settings):
        new = apply_rating(state=before, rating=rating, now=now, settings=scheduler_settings,
                           card_slug=flashcard.slug)
        return {**new, "buried_until": None, "brought_forward_at": None}

    return _change(learner=learner, flashcard=flashcard, version=version, now=now, kind=Review.RATING,
                   rating=rating, session=session, after=after, browser_time_zone=browser_time_zone,
                   duration_ms=measured_duration_ms(shown_at=shown_at, now=now))


def bury_card(*, learner: Learner, flashcard: Flashcard, version: int, now: datetime,
              session: str = "", browser_time_zone: str = "") -> Outcome:
    """Hide a card until the learner's next day starts (Anki's bury, key `-`)."""

    def after(before, settings, scheduler_settings):
        return {**before, "buried_until": learner_day(settings=settings, now=_utc(now))[1].isoformat()}

    return _change(learner=learner, flashcard=flashcard, version=version, now=now, kind=Review.BURY,
                   session=session, after=after, browser_time_zone=browser_time_zone)


def suspend_card(*, learner: Learner, flashcard: Flashcard, version: int, now: datetime,
                 session: str = "", browser_time_zone: str = "") -> Outcome:
    """Take a card out of the queue until unsuspended (Anki's suspend, key `@`); its schedule is kept."""
    return _change(learner=learner, flashcard=flashcard, version=version, now=now, kind=Review.SUSPEND,
                   session=session, after={"suspended": True}, browser_time_zone=browser_time_zone)


def unsuspend_card(*, learner: Learner, flashcard: Flashcard, version: int, now: datetime,
                   session: str = "") -> Outcome:
    """Put a suspended card back in the queue, with its schedule as it was."""
    return _change(learner=learner, flashcard=flashcard, version=version, now=now,
                   kind=Review.UNSUSPEND, session=session, after={"suspended": False})


def reschedule_card(*, learner: Learner, flashcard: Flashcard, due: datetime, now: datetime,
                    reason: str, version: int | None = None) -> Outcome:
    """Change a scheduled card's due date without a rating (e.g. a quiz miss brings it back).

    Logged like a rating, replayed as that change, undoable. `version` None means "whatever the
    current version is" (for callers that did not show the card); ValueError for a new card."""
    due = _utc(due)
    with transaction.atomic():
        if version is None:
            version = _locked_state(learner, flashcard).version

        def after(before, settings, scheduler_settings):
            if before["state"] == CardState.NEW:
                raise ValueError("A new card has no due date to change: it is shown in course order.")
            return {**before, "due": due.isoformat()}

        return _change(learner=learner, flashcard=flashcard, version=version, now=now,
                       kind=Review.RESCHEDULE, session="", after=after, reason=reason[:40])


def bring_forward(*, learner: Learner, flashcards: list[Flashcard], attempt_id: int,
                  now: datetime) -> list[Outcome]:
    """A quiz miss in attempt `attempt_id`: make each card due now, to be shown first in the queue.

    Each change is a `quiz_miss` log entry naming the attempt (not a rating). An unseen card is
    brought forward too: it is introduced next, beyond the day's new-card limit. Nothing changes
    for a learner who turned `quiz_misses` off, for a suspended or retired card, or for a card
    already brought forward and not rated since. Returns the entries made."""
    now = _utc(now)
    settings = settings_for(learner=learner)
    if not settings.quiz_misses:
        return []
    outcomes = []
    with transaction.atomic():
        for flashcard in flashcards:
            if flashcard.retired:
                continue
            card_state = _locked_state(learner, flashcard)
            if card_state.suspended or card_state.brought_forward_at is not None:
                continue

            def after(before, settings, scheduler_settings):
                due = before["due"]
                if due is None or datetime.fromisoformat(due) > now:
                    due = now.isoformat()
                return {**before, "due": due, "buried_until": None, "brought_forward_at": now.isoformat()}

            outcomes.append(_change(learner=learner, flashcard=flashcard, version=card_state.version,
                                    now=now, kind=Review.QUIZ_MISS, session="", after=after,
                                    reason=QUIZ_MISS_REASON, quiz_attempt=attempt_id))
    return outcomes


def cards_brought_forward_by(*, learner: Learner, attempt_id: int) -> list[Flashcard]:
    """The cards a quiz attempt's misses brought forward (entries not undone), in course order."""
    ids = Review.objects.filter(learner=learner, kind=Review.QUIZ_MISS, quiz_attempt=attempt_id,
                                undone=False).values("flashcard")
    return list(Flashcard.objects.filter(pk__in=ids).select_related("topic").order_by("topic__order", "position"))


def retrievability(*, card_state: CardState | None, settings: ReviewSettings, now: datetime) -> float:
    """The probability (FSRS) that the learner recalls the card at `now`: 0 for a card never learnt."""
    if card_state is None or card_state.state == CardState.NEW:
        return 0.0
    return retrievability_at(stability=card_state.stability, last_review=card_state.last_review, at=now,
                             settings=SchedulerSettings.of(settings))


def weakest_cards(*, learner: Learner, topic: Topic, now: datetime, count: int = 3) -> list[Flashcard]:
    """The topic's live, unsuspended cards with the lowest retrievability for the learner now
    (unseen ones count as 0), ties in course order: a miss's stand-ins when a question names no
    cards. Two queries."""
    settings = settings_for(learner=learner)
    states = {s.flashcard_id: s for s in CardState.objects.filter(learner=learner, flashcard__topic=topic)}
    cards = [card for card in Flashcard.objects.live().filter(topic=topic).order_by("position")
             if not (card.pk in states and states[card.pk].suspended)]
    cards.sort(key=lambda card: retrievability(card_state=states.get(card.pk), settings=settings, now=now))
    return cards[:count]


def undo_entry(*, learner: Learner, entry_id: int, now: datetime) -> Outcome:
    """Undo one log entry of the learner: mark it undone and restore the card's state before it.

    Only the card's latest change not undone can be undone (undo goes back step by step, and each
    undone entry's state before is the state after the one before it); undoing an entry already
    undone is a replay. Raises Review.DoesNotExist for another learner's entry."""
    now = _utc(now)
    with transaction.atomic():
        entry = Review.objects.get(learner=learner, pk=entry_id)
        card_state = CardState.objects.select_for_update().get(pk=entry.card_state_id)
        entry = Review.objects.get(pk=entry.pk)  # re-read under the card's lock
        if entry.undone:
            return Outcome(entry=entry, card_state=card_state, replayed=True)
        if card_state.log.filter(undone=False, version_before__gt=entry.version_before).exists():
            raise Conflict("This card changed after that step, so that step cannot be undone first; "
                           "nothing was changed.")
        _restore(card_state, entry.state_before)
        card_state.version += 1
        card_state.save()
        entry.undone, entry.undone_at = True, now
        entry.save(update_fields=["undone", "undone_at"])
        return Outcome(entry=entry, card_state=card_state)


def last_undoable(*, learner: Learner | None, session: str) -> Review | None:
    """What `u` undoes next: the session's latest change not undone that is still its card's latest
    (a change made elsewhere since, e.g. by a quiz, is undone there first). One query."""
    if learner is None or not session:
        return None
    later = Review.objects.filter(card_state=OuterRef("card_state"), undone=False,
                                  version_before__gt=OuterRef("version_before"))
    return (Review.objects.filter(learner=learner, session=session, undone=False).exclude(Exists(later))
            .order_by("-reviewed_at", "-pk").first())


# ---------------------------------------------------------------------------------------------
# The queue and the counts

@dataclass(frozen=True)
class Counts:
    new: int = 0
    learning: int = 0
    review: int = 0
    forward: int = 0  # brought forward by quiz misses: shown first, beyond the day's limits
    forward_new: int = 0  # of those, cards never studied

    @property
    def due(self) -> int:
        return self.learning + self.review + self.forward

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review + self.forward


@dataclass
class Queue:
    """The queue's head and what is left. `kind` says which queue the card comes from."""

    counts: Counts
    card: Flashcard | None = None
    card_state: CardState | None = None
    kind: str = ""  # "forward" (a quiz miss), "learning", "review", "new", "ahead" (a learning card shown early) or ""
    next_due: datetime | None = None  # when the queue is empty: when something is due again
    day_end: datetime | None = None
    settings: ReviewSettings | None = field(default=None)


_FORWARD = Q(brought_forward_at__isnull=False)
_NOT_FORWARD = Q(brought_forward_at__isnull=True)


def _live_cards(topic: Topic | None):
    cards = Flashcard.objects.live()
    return cards.filter(topic=topic) if topic is not None else cards


def _visible(now: datetime) -> Q:
    return Q(suspended=False) & (Q(buried_until__isnull=True) | Q(buried_until__lte=now))


def _scheduled_states(learner: Learner, topic: Topic | None, now: datetime):
    states = CardState.objects.filter(_visible(now), learner=learner, flashcard__retired=False,
                                      flashcard__topic__retired=False)
    return states.filter(flashcard__topic=topic) if topic is not None else states


def _new_cards(learner: Learner | None, topic: Topic | None, now: datetime):
    """Live flashcards the learner has not started (no state, or NEW and visible)."""
    cards = _live_cards(topic)
    if learner is None:
        return cards
    started = CardState.objects.filter(learner=learner, flashcard=OuterRef("pk")).exclude(
        Q(state=CardState.NEW) & _visible(now) & _NOT_FORWARD)
    return cards.exclude(Exists(started))


def _done_today(learner: Learner, day_start: datetime) -> tuple[int, int]:
    done = Review.objects.filter(learner=learner, kind=Review.RATING, undone=False,
                                 reviewed_at__gte=day_start).exclude(reason=QUIZ_MISS_REASON).aggregate(
        new=Count("pk", filter=Q(before_state=CardState.NEW)),
        review=Count("pk", filter=Q(before_state=CardState.REVIEW)))
    return done["new"], done["review"]


def _limits(settings: ReviewSettings, new_done: int, review_done: int, review_due: int,
            new_available: int) -> tuple[int, int]:
    """(reviews shown, new shown) within the day's limits: new cards also count against the
    review limit, as in Anki."""
    review_left = max(0, settings.reviews_per_day - review_done)
    review = min(review_due, review_left)
    new = max(0, min(new_available, settings.new_per_day - new_done, review_left - review))
    return review, new


def build_queue(*, learner: Learner | None, topic: Topic | None = None, now: datetime,
                settings: ReviewSettings | None = None) -> Queue:
    """The next card to review and the counts left: first the cards quiz misses brought forward
    (oldest miss first, beyond the day's limits), then Anki's order: learning and relearning cards
    due by now; review cards due today (the learner's day); new cards in course order within the
    day's new-card and review limits; when nothing else is left, learning cards due within
    20 minutes. A constant number of queries (at most 6)."""
    now = _utc(now)
    settings = settings or settings_for(learner=learner)
    day_start, day_end = learner_day(settings=settings, now=now)
    if learner is None:
        new_available = _live_cards(topic).count()
        _, new = _limits(settings, 0, 0, 0, new_available)
        queue = Queue(Counts(new=new), kind="new" if new else "", day_end=day_end, settings=settings)
        if new:
            queue.card = _live_cards(topic).select_related("topic").order_by("topic__order", "position").first()
        return queue

    new_done, review_done = _done_today(learner, day_start)
    learning = Q(state__in=(CardState.LEARNING, CardState.RELEARNING))
    states = _scheduled_states(learner, topic, now)
    found = states.aggregate(
        forward=Count("pk", filter=_FORWARD),
        forward_new=Count("pk", filter=_FORWARD & Q(state=CardState.NEW)),
        learning=Count("pk", filter=learning & Q(due__lte=now) & _NOT_FORWARD),
        ahead=Count("pk", filter=learning & Q(due__lte=now + LEARN_AHEAD) & _NOT_FORWARD),
        review=Count("pk", filter=Q(state=CardState.REVIEW, due__lt=day_end) & _NOT_FORWARD),
        next_due=Min("due", filter=~Q(state=CardState.NEW)),
    )
    new_cards = _new_cards(learner, topic, now)
    new_available = new_cards.count()
    review, new = _limits(settings, new_done, review_done, found["review"], new_available)
    counts = Counts(new=new, learning=found["learning"], review=review, forward=found["forward"],
                    forward_new=found["forward_new"])
    queue = Queue(counts, day_end=day_end, settings=settings)
    ordered = states.filter(_NOT_FORWARD).select_related("flashcard__topic").order_by(
        "due", "flashcard__topic__order", "flashcard__position")
    if counts.forward:
        queue.card_state = (states.filter(_FORWARD).select_related("flashcard__topic")
                            .order_by("brought_forward_at", "flashcard__topic__order", "flashcard__position").first())
        queue.kind = "forward"
    elif counts.learning:
        queue.card_state, queue.kind = ordered.filter(learning, due__lte=now).first(), "learning"
    elif counts.review:
        queue.card_state, queue.kind = ordered.filter(state=CardState.REVIEW, due__lt=day_end).first(), "review"
    elif counts.new:
        queue.card = new_cards.select_related("topic").order_by("topic__order", "position").first()
        queue.kind = "new"
    elif found["ahead"]:
        queue.counts = Counts(learning=found["ahead"])
        queue.card_state, queue.kind = ordered.filter(learning, due__lte=now + LEARN_AHEAD).first(), "ahead"
    else:
        later = [found["next_due"]] if found["next_due"] else []
        if new_available or _buried_exists(learner, topic, now):
            later.append(day_end)  # new cards beyond today's limit, buried cards: tomorrow
        queue.next_due = min(later) if later else None
    if queue.card_state is not None:
        queue.card = queue.card_state.flashcard
    elif queue.card is not None:
        # A NEW card may have a state row (all its ratings undone): one query, only for new cards.
        queue.card_state = CardState.objects.filter(learner=learner, flashcard=queue.card).first()
    return queue


def _buried_exists(learner: Learner, topic: Topic | None, now: datetime) -> bool:
    buried = CardState.objects.filter(learner=learner, suspended=False, buried_until__gt=now,
                                      flashcard__retired=False, flashcard__topic__retired=False)
    if topic is not None:
        buried = buried.filter(flashcard__topic=topic)
    return buried.exists()


def card_in_scope(*, learner: Learner | None, flashcard_id: int, topic: Topic | None,
                  ) -> tuple[Flashcard, CardState | None]:
    """A live card of the scope and the learner's state for it (Flashcard.DoesNotExist otherwise)."""
    flashcard = _live_cards(topic).select_related("topic").get(pk=flashcard_id)
    state = None
    if learner is not None:
        state = CardState.objects.filter(learner=learner, flashcard=flashcard).first()
    return flashcard, state


def due_counts_by_topic(*, learner: Learner | None, now: datetime) -> dict[int, Counts]:
    """For each live topic, the counts its own review page would show (4 queries, whatever the data)."""
    now = _utc(now)
    settings = settings_for(learner=learner)
    day_start, day_end = learner_day(settings=settings, now=now)
    new_done, review_done = _done_today(learner, day_start) if learner is not None else (0, 0)
    new_by_topic = dict(_new_cards(learner, None, now).order_by().values_list("topic").annotate(n=Count("pk")))
    due_by_topic = {}
    if learner is not None:
        learning = Q(state__in=(CardState.LEARNING, CardState.RELEARNING))
        rows = (_scheduled_states(learner, None, now).order_by().values("flashcard__topic").annotate(
            forward=Count("pk", filter=_FORWARD),
            learning=Count("pk", filter=learning & Q(due__lte=now) & _NOT_FORWARD),
            review=Count("pk", filter=Q(state=CardState.REVIEW, due__lt=day_end) & _NOT_FORWARD)))
        due_by_topic = {row["flashcard__topic"]: row for row in rows}
    out = {}
    for topic_id in set(new_by_topic) | set(due_by_topic):
        row = due_by_topic.get(topic_id, {"learning": 0, "review": 0, "forward": 0})
        review, new = _limits(settings, new_done, review_done, row["review"], new_by_topic.get(topic_id, 0))
        out[topic_id] = Counts(new=new, learning=row["learning"], review=review, forward=row["forward"])
    return out


def suspended_cards(*, learner: Learner | None, topic: Topic) -> list[CardState]:
    """The learner's suspended cards of a topic, in course order."""
    if learner is None:
        return []
    return list(CardState.objects.filter(learner=learner, suspended=True, flashcard__topic=topic,
                                         flashcard__retired=False)
                .select_related("flashcard").order_by("flashcard__position"))


# ---------------------------------------------------------------------------------------------
# Retrievability (the statistics' forgetting curves and distribution)

def retrievabilities(*, memories: list[tuple[float | None, datetime | None]], at: datetime,
                     settings: SchedulerSettings) -> list[float]:
    """fsrs's predicted probability of recall at `at` for each (stability, last review): its
    forgetting curve (1 + factor * t / S) ** decay with the decay of `settings`' parameters. fsrs
    counts t in whole days elapsed, so the value is constant within each day after the review;
    0 for a card never reviewed."""
    at = _utc(at)
    scheduler = settings.scheduler()
    out = []
    for stability, last_review in memories:
        if stability is None or last_review is None:
            out.append(0.0)
            continue
        last_review = _utc(last_review)
        card = fsrs.Card(card_id=1, state=fsrs.State.Review, stability=stability, due=last_review,
                         last_review=last_review)
        out.append(float(scheduler.get_card_retrievability(card, at)))
    return out


def retrievability_at(*, stability: float | None, last_review: datetime | None, at: datetime,
                   settings: SchedulerSettings) -> float:
    """One card's predicted recall at `at` (see `retrievabilities`)."""
    return retrievabilities(memories=[(stability, last_review)], at=at, settings=settings)[0]


# ---------------------------------------------------------------------------------------------
# Sessions and replay

@dataclass(frozen=True)
class SessionSummary:
    reviews: int
    cards: int
    again: int
    duration_ms: int

    @property
    def again_share(self) -> float:
        return self.again / self.reviews if self.reviews else 0.0


def session_summary(*, learner: Learner | None, session: str) -> SessionSummary:
    """What the learner did in one review session (ratings not undone): one query."""
    if learner is None or not session:
        return SessionSummary(0, 0, 0, 0)
    found = Review.objects.filter(learner=learner, session=session, kind=Review.RATING,
                                  undone=False).aggregate(
        reviews=Count("pk"), cards=Count("flashcard", distinct=True),
        again=Count("pk", filter=Q(rating=Review.AGAIN)), duration=Sum("duration_ms"))
    return SessionSummary(found["reviews"], found["cards"], found["again"], found["duration"] or 0)


def replay_card(*, card_state: CardState) -> dict:
    """Replay the card's log (entries not undone, in order) through fsrs with the settings each was
    made under; the result always equals `snapshot(card_state)`."""
    slug = Flashcard.objects.only("slug").get(pk=card_state.flashcard_id).slug
    state = snapshot(None)
    for entry in card_state.log.filter(undone=False).order_by("version_before"):
        state = replay_entry(state=state, entry=entry, card_slug=slug)
    return state


def replay_entry(*, state: dict, entry: Review, card_slug: str) -> dict:
    """One log entry applied to a state: a rating through fsrs, any other change as recorded."""
    if entry.kind == Review.RATING:
        new = apply_rating(state=state, rating=entry.rating, now=entry.reviewed_at,
                           settings=SchedulerSettings.from_dict(entry.settings), card_slug=card_slug)
        return {**new, "buried_until": None, "brought_forward_at": None}
    if entry.kind == Review.RESCHEDULE:
        # A due-date change sets what it changed: the due date, or the memory state and due date
        # recomputed under new FSRS parameters (review/optimizer.py).
        changed = [name for name in _STATE_FIELDS if entry.state_after.get(name) != entry.state_before.get(name)]
    else:
        changed = {Review.BURY: ("buried_until",), Review.SUSPEND: ("suspended",),
                   Review.UNSUSPEND: ("suspended",),
                   Review.QUIZ_MISS: ("due", "buried_until", "brought_forward_at")}[entry.kind]
    return {**state, **{name: entry.state_after.get(name) for name in changed}}


# ---------------------------------------------------------------------------------------------
# A guest's progress merged into an account (the log-in's "merge" choice)

@dataclass(frozen=True)
class MergeOutcome:
    moved_cards: int  # cards the account had never seen, moved with their logs
    merged_cards: int  # cards both had: logs merged in time order and replayed
    reviews: int  # log entries that came from the guest
    other_rows: dict[str, int]  # other learner-owned rows moved (accounts.learners.move_owned_rows)


REVIEW_MODELS = (CardState, Review, ReviewSettings)  # what merge_learner moves itself


def merge_preview(*, guest: Learner, into: Learner | None) -> dict:
    """What a merge would do: the guest's cards and reviews, the account's cards, the overlap."""
    guest_cards = set(CardState.objects.filter(learner=guest).values_list("flashcard_id", flat=True))
    own_cards = set(CardState.objects.filter(learner=into).values_list("flashcard_id", flat=True)) if into else set()
    return {"guest_cards": len(guest_cards),
            "guest_reviews": Review.objects.filter(learner=guest, kind=Review.RATING, undone=False).count(),
            "own_cards": len(own_cards), "shared_cards": len(guest_cards & own_cards)}


def merge_learner(*, guest: Learner, into: Learner) -> MergeOutcome:
    """Give `into` everything `guest` studied, then delete `guest`. One transaction.

    A card only the guest has moves with its log unchanged. For a card both have, the two logs
    are merged in time order (ties: the account's first) and replayed through fsrs with each
    entry's own settings, as `replay_card` does: every entry not undone gets the replayed state
    before and after it (so an undo restores a state of the merged history) and versions in that
    order, and the card's state is the replay's end, so the log still replays to the stored state
    and no review is lost. Undone entries are kept, in time order, as they were. The account keeps
    its settings (the guest's move only when it has none); every other learner-owned row moves as
    `move_owned_rows` does."""
    from studyapp.accounts.learners import move_owned_rows

    if guest.pk == into.pk:
        raise ValueError("A learner cannot be merged into itself.")
    with transaction.atomic():
        guest_states = {s.flashcard_id: s for s in CardState.objects.select_for_update().filter(learner=guest)}
        own_states = {s.flashcard_id: s for s in CardState.objects.select_for_update()
                      .filter(learner=into, flashcard_id__in=list(guest_states))}
        reviews = Review.objects.filter(learner=guest).count()
        only_guest = [s.pk for f, s in guest_states.items() if f not in own_states]
        Review.objects.filter(card_state_id__in=only_guest).update(learner=into)
        CardState.objects.filter(pk__in=only_guest).update(learner=into)
        slugs = dict(Flashcard.objects.filter(pk__in=list(own_states)).values_list("pk", "slug"))
        for flashcard_id, own in own_states.items():
            _merge_card(own=own, other=guest_states[flashcard_id], card_slug=slugs[flashcard_id])
        if not ReviewSettings.objects.filter(learner=into).exists():
            ReviewSettings.objects.filter(learner=guest).update(learner=into)
        others = move_owned_rows(source=guest, target=into, exclude=REVIEW_MODELS)
        guest.delete()
        return MergeOutcome(moved_cards=len(only_guest), merged_cards=len(own_states), reviews=reviews,
                            other_rows=others)


def _merge_card(*, own: CardState, other: CardState, card_slug: str) -> None:
    entries = sorted([(e.reviewed_at, 0, e.version_before, e) for e in own.log.all()]
                     + [(e.reviewed_at, 1, e.version_before, e) for e in other.log.all()],
                     key=lambda item: item[:3])
    # Free the versions 0..n-1 first, in two ranges that cannot meet: (card state, version
    # before) is unique, checked row by row.
    for card_state, offset in ((own, 10**9), (other, 15 * 10**8)):
        Review.objects.filter(card_state=card_state).update(
            card_state=own, learner_id=own.learner_id, version_before=F("version_before") + offset,
            version_after=F("version_after") + offset)
    state = snapshot(None)
    for version, (_, _, _, entry) in enumerate(entries):
        entry.card_state_id, entry.learner_id = own.pk, own.learner_id
        entry.version_before, entry.version_after = version, version + 1
        if not entry.undone:
            before = state
            state = replay_entry(state=state, entry=entry, card_slug=card_slug)
            entry.state_before, entry.state_after, entry.before_state = before, state, before["state"]
            entry.interval_before = interval_days(before)
        entry.save(update_fields=["card_state", "learner", "version_before", "version_after",
                                  "state_before", "state_after", "before_state", "interval_before"])
    _restore(own, state)
    own.version = max(own.version, other.version, len(entries)) + 1
    own.save()
    other.delete()

def validate_parameters(parameters) -> tuple[float, ...]:
    """FSRS-6's 21 weights as fsrs accepts them (its own bounds), or ValueError saying why."""
    try:
        values = tuple(float(p) for p in parameters)
    except (TypeError, ValueError):
        raise ValueError("FSRS parameters are a list of 21 numbers.") from None
    if len(values) != len(DEFAULT_PARAMETERS) or any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise ValueError(f"FSRS parameters are {len(DEFAULT_PARAMETERS)} finite numbers, not {len(values)}.")
    try:
        fsrs.Scheduler(parameters=values)
    except ValueError as error:
        raise ValueError(f"These FSRS parameters are out of fsrs's bounds: {error}") from None
    return values
