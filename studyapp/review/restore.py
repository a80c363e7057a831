"""A JSON backup restored: the file read, and every part put back through accounts' registry.

`restore_backup(learner=, data=)` gives an account with no reviews, quiz attempts or lab runs
exactly the state of a backup from `exports.json_pieces`: every registered part (review's
below, quiz's attempts, lab's runs) is checked first, then all are stored in one transaction
(`accounts.exports.restore`); a bad item is named (RestoreError) and nothing changes.

Review's part: settings, card states and log, checked (known cards, valid entries, every card's
log replaying to its state) before anything is stored. A quiz-miss entry names its attempt by
the key the quiz part exported, and is stored with that attempt's new id. A version-1 backup
(before attempts and runs could be restored) restores its review part only.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.template.defaultfilters import pluralize

from studyapp.accounts import exports as registry
from studyapp.accounts.exports import Keys, RestoreError, time_of, whole_number
from studyapp.accounts.models import Learner
from studyapp.course.models import Flashcard

from . import scheduling
from .exports import FORMAT, SETTINGS_FIELDS, VERSION
from .imports import MAX_BACKUP_BYTES, MAX_LINES, TooLarge, check_size, insert_reviews
from .models import CardState, Review, ReviewSettings

_STATE_KEYS = set(scheduling._STATE_FIELDS)
_TIMES = scheduling._TIME_FIELDS
READABLE_VERSIONS = (1, VERSION)
QUIZ_ATTEMPT = "quiz_attempt"  # the kind of key quiz-miss entries refer to (accounts.exports' keys)


def _check_state(data, where: str) -> dict:
    if not isinstance(data, dict) or not _STATE_KEYS <= set(data):
        raise RestoreError(f"{where}: a card state needs {', '.join(scheduling._STATE_FIELDS)}")
    state = {name: data[name] for name in scheduling._STATE_FIELDS}
    if not whole_number(state["state"], 0, 3) or not isinstance(state["suspended"], bool):
        raise RestoreError(f"{where}: the state is 0-3 and suspended true or false")
    for name in ("reps", "lapses"):
        if not whole_number(state[name]):
            raise RestoreError(f"{where}: {name} is a whole number from 0")
    if state["step"] is not None and not whole_number(state["step"], 0, 99):
        raise RestoreError(f"{where}: step is a small whole number or null")
    for name in ("stability", "difficulty"):
        if state[name] is not None and (not isinstance(state[name], (int, float)) or isinstance(state[name], bool)):
            raise RestoreError(f"{where}: {name} is a number or null")
    for name in _TIMES:
        moment = time_of(state[name], f"{where}, {name}")
        state[name] = moment.isoformat() if moment else None
    return state


def _check_settings(data) -> dict:
    if isinstance(data, dict):
        data = {"quiz_misses": True, **data}  # a version-1 backup has no quiz_misses: the default
    if not isinstance(data, dict) or not set(SETTINGS_FIELDS) <= set(data):
        raise RestoreError(f"settings: they need {', '.join(SETTINGS_FIELDS)}")
    values = {}
    try:
        for name in SETTINGS_FIELDS:
            value = data[name]
            if name == "parameters":
                values[name] = list(scheduling.validate_parameters(value))
            elif name == "time_zone":
                if not isinstance(value, str):
                    raise ValueError("an IANA time zone name, or empty")
                values[name] = scheduling.validate_setting(name, value) if value else ""
            elif name == "quiz_misses":
                if not isinstance(value, bool):
                    raise ValueError("true or false")
                values[name] = value
            elif name in ("learning_steps", "relearning_steps"):
                if not isinstance(value, list) or len(value) > scheduling.BOUNDS["steps_count"][1]:
                    raise ValueError("steps are a list of at most 10 numbers of seconds")
                low, high = scheduling.BOUNDS["step_seconds"]
                if not all(whole_number(v, low, high) for v in value):
                    raise ValueError(f"each step is a whole number of seconds from {low} to {high}")
                values[name] = value
            elif name == "desired_retention":
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise ValueError("a number")
                values[name] = scheduling.validate_setting(name, float(value))
            else:
                if not whole_number(value, -2**31):
                    raise ValueError("a whole number")
                values[name] = scheduling.validate_setting(name, value)
    except (TypeError, ValueError) as error:
        raise RestoreError(f"settings, {name}: {error}") from None
    return values


_KINDS = {kind for kind, _ in Review.KINDS}


def _check_entry(data, index: int, cards: dict[str, Flashcard], attempts: dict | None,
                 settings_seen: dict[str, dict]) -> tuple[str, Review]:
    """One log entry checked, as an unsaved Review. `settings_seen` holds the scheduler settings
    already checked, by their text: a log's entries mostly share a handful, so each is
    validated once and stored as one dict (the insert encodes each distinct dict once)."""
    where = f"log entry {index + 1}"
    if not isinstance(data, dict):
        raise RestoreError(f"{where}: not an object")
    try:
        slug = data["card"]
        if not isinstance(slug, str) or slug not in cards:
            raise RestoreError(f"{where}: no card “{str(slug)[:80]}” in this course")
        kind, rating = data["kind"], data["rating"]
        if not isinstance(kind, str) or kind not in _KINDS:
            raise RestoreError(f"{where}: “{str(kind)[:20]}” is not a kind of log entry")
        if (kind == Review.RATING) != whole_number(rating, 1, 4) or (kind != Review.RATING and rating is not None):
            raise RestoreError(f"{where}: a rating entry has a rating 1-4, any other none")
        settings = data["settings"]
        key = repr(settings)
        if key in settings_seen:
            settings = settings_seen[key]
        else:
            try:
                checked = scheduling.SchedulerSettings.from_dict(settings)
                scheduling.validate_parameters(checked.parameters)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise RestoreError(f"{where}: its scheduler settings are incomplete or invalid") from None
            settings_seen[key] = settings
        ints = {name: data[name] for name in ("version_before", "version_after", "before_state")}
        if not all(whole_number(v) for v in ints.values()):
            raise RestoreError(f"{where}: versions and before_state are whole numbers from 0")
        duration = data["duration_ms"]
        if duration is not None and not whole_number(duration, 0, scheduling.MAX_DURATION_MS):
            raise RestoreError(f"{where}: duration_ms is a number of milliseconds up to 60,000, or null")
        if not isinstance(data["undone"], bool):
            raise RestoreError(f"{where}: undone is true or false")
        entry = Review(
            flashcard=cards[slug], kind=kind, rating=rating, reviewed_at=time_of(data["reviewed_at"], where),
            duration_ms=duration, state_before=_check_state(data["state_before"], where),
            state_after=_check_state(data["state_after"], where), settings=settings,
            reason=_short_text(data, "reason", 40, where), session=_short_text(data, "session", 16, where),
            undone=data["undone"],
            undone_at=time_of(data["undone_at"], where), quiz_attempt=_attempt_key(data, where, attempts), **ints)
        entry.interval_before = scheduling.interval_days(entry.state_before)
    except KeyError as error:
        raise RestoreError(f"{where}: “{error.args[0]}” is missing") from None
    if entry.reviewed_at is None:
        raise RestoreError(f"{where}: reviewed_at is missing")
    return slug, entry


def _short_text(data: dict, name: str, max_length: int, where: str) -> str:
    if not isinstance(data[name], str) or len(data[name]) > max_length:
        raise RestoreError(f"{where}: {name} is a text of at most {max_length} characters")
    return data[name]


def _attempt_key(data: dict, where: str, attempts: dict | None):
    """The quiz attempt a quiz-miss entry names: a key of the backup's quiz part, or null (a
    version-1 backup names none; nor does a miss whose attempt was not kept)."""
    key = data.get(QUIZ_ATTEMPT)
    if key is None:
        return None
    if data["kind"] != Review.QUIZ_MISS:
        raise RestoreError(f"{where}: only a quiz-miss entry names a quiz attempt")
    if attempts is None or not whole_number(key) or key not in attempts:
        raise RestoreError(f"{where}: it names quiz attempt {str(key)[:20]}, which is not in this backup")
    return key


# What PostgreSQL would refuse to store (a 500 then): NaN and infinities (never in an export,
# and not JSON), and a NUL character in a text (an odd number of backslashes before u0000).
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _not_a_number(constant: str):
    raise RestoreError(f"This backup holds {constant}, which is not a number JSON allows: the file is damaged.")


def read_backup(*, data: bytes) -> dict:
    """The backup's document (RestoreError when it is not one of this site's backups)."""
    check_size(len(data), MAX_BACKUP_BYTES)
    try:
        text = data.decode("utf-8-sig")
        document = json.loads(text, parse_constant=_not_a_number)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise RestoreError(f"This is not a JSON file ({error}).") from None
    if "\\u0000" in text and _NUL.search(text):  # the plain search first: the pattern is slow on 15 MB
        raise RestoreError("This backup holds a NUL character (\\u0000), which no text of this site has: "
                           "the file is damaged.")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestoreError("This JSON file is not a backup of this site (its “format” is not "
                           f"“{FORMAT}”); a review log from another tool is imported as CSV.")
    if document.get("version") not in READABLE_VERSIONS or isinstance(document.get("version"), bool):
        raise RestoreError(f"This backup is version {str(document.get('version'))[:20]}; this site reads "
                           f"versions {' and '.join(map(str, READABLE_VERSIONS))}.")
    if not isinstance(document.get("review"), dict):
        raise RestoreError("This backup has no review part.")
    return document


@dataclass(frozen=True)
class Restored:
    parts: dict[str, str]  # part name -> what was restored ("2 quiz attempts")
    note: str = ""

    def __str__(self) -> str:
        said = [self.parts[name] for name, _ in registry.restorers() if name in self.parts]
        return f"Restored {registry.and_join(said)}.{' ' + self.note if self.note else ''}"


def restore_backup(*, learner: Learner, data: bytes) -> Restored:
    """Restore a backup into the learner's account, which must hold none of what it restores
    (NotEmpty otherwise). Everything is checked before anything is stored (RestoreError)."""
    document = read_backup(data=data)
    if document["version"] == VERSION:
        return Restored(registry.restore(learner=learner, document=document))
    return Restored(registry.restore(learner=learner, document=document, only={"review"}),
                    note="This backup comes from an earlier version of the site, which did not keep enough of "
                         "quiz attempts and lab runs to restore them: only its review part was restored.")


# ---------------------------------------------------------------------------------------------
# Review's part (registered in apps.py)

@dataclass
class ReviewPlan:
    settings: dict
    states: dict[str, tuple[dict, int]]  # card slug -> (state, version)
    entries: dict[str, list[Review]]  # card slug -> its log entries, unsaved
    cards: dict[str, Flashcard]


def check_review(review, keys: Keys) -> ReviewPlan:
    """Review's part checked whole, nothing stored: settings, card states, log entries, and
    every card's log replaying to its state."""
    if not isinstance(review, dict):
        raise RestoreError("This backup has no review part.")
    settings = _check_settings(review.get("settings"))
    states_data, log_data = review.get("card_states"), review.get("log")
    if not isinstance(states_data, list) or not isinstance(log_data, list):
        raise RestoreError("The backup's review part needs card_states and log lists.")
    if len(log_data) > MAX_LINES or len(states_data) > MAX_LINES:
        raise TooLarge([f"A backup holds at most {MAX_LINES:,} log entries."])
    slugs = {item.get("card") for item in (*states_data, *log_data)
             if isinstance(item, dict) and isinstance(item.get("card"), str)}
    cards = {card.slug: card for card in Flashcard.objects.filter(slug__in=slugs)}
    states: dict[str, tuple[dict, int]] = {}
    for index, item in enumerate(states_data):
        where = f"card state {index + 1}"
        slug = item.get("card") if isinstance(item, dict) else item
        if not isinstance(slug, str) or slug not in cards:
            raise RestoreError(f"{where}: no card “{str(slug)[:80]}” in this course")
        if slug in states:
            raise RestoreError(f"{where}: a second state for card “{slug}”")
        if not whole_number(item.get("version")):
            raise RestoreError(f"{where}: version is a whole number from 0")
        states[slug] = (_check_state(item, where), item["version"])
    entries: dict[str, list[Review]] = defaultdict(list)
    settings_seen: dict[str, dict] = {}
    for index, item in enumerate(log_data):
        slug, entry = _check_entry(item, index, cards, keys.get(QUIZ_ATTEMPT), settings_seen)
        if slug not in states:
            raise RestoreError(f"log entry {index + 1}: card “{slug}” has no card state in the backup")
        entries[slug].append(entry)
    for slug, (state, _version) in states.items():
        replayed = scheduling.snapshot(None)
        for entry in sorted(entries.get(slug, []), key=lambda e: e.version_before):
            if not entry.undone:
                replayed = scheduling.replay_entry(state=replayed, entry=entry, card_slug=slug)
        if _normal(replayed) != _normal(state):
            raise RestoreError(f"card “{slug}”: its log does not replay to its state in the backup "
                               "(the file was changed or is damaged).")
    return ReviewPlan(settings=settings, states=states, entries=entries, cards=cards)


def apply_review(learner: Learner, plan: ReviewPlan, keys: Keys) -> str:
    """Store a checked review part (inside accounts' restore transaction, the account checked
    empty): settings, card states, and the log with quiz misses naming the new attempts."""
    CardState.objects.filter(learner=learner).delete()  # only empty states can be left
    ReviewSettings.objects.update_or_create(learner=learner, defaults=plan.settings)
    rows = []
    for slug, (state, version) in plan.states.items():
        row = CardState(learner=learner, flashcard=plan.cards[slug], version=version)
        scheduling._restore(row, state)
        rows.append(row)
    CardState.objects.bulk_create(rows, batch_size=500)
    by_card = {row.flashcard_id: row for row in CardState.objects.filter(learner=learner)}
    new_attempts = keys.get(QUIZ_ATTEMPT, {})
    log = []
    for slug, card_entries in plan.entries.items():
        for entry in card_entries:
            entry.learner, entry.card_state = learner, by_card[plan.cards[slug].pk]
            if entry.quiz_attempt is not None:
                entry.quiz_attempt = new_attempts[entry.quiz_attempt]
            log.append(entry)
    insert_reviews(log)
    return (f"{len(rows)} card state{pluralize(len(rows))} and {len(log)} log "
            f"entr{pluralize(len(log), 'y,ies')}")


def holds_reviews(learner: Learner) -> bool:
    return Review.objects.filter(learner=learner).exists()


def _normal(state: dict) -> dict:
    return {name: (datetime.fromisoformat(value) if name in _TIMES and value else value)
            for name, value in state.items()}
