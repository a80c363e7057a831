"""A learner's data into the site: a review log (CSV) merged into theirs, a JSON backup restored.

CSV import. `parse_log(data=)` checks the whole file before anything is stored: at most
MAX_BYTES and MAX_LINES; columns `card_id` (a card's slug), `review_time` (ISO 8601, naive
meaning UTC, or epoch milliseconds), `review_rating` (1-4), optionally `review_duration` (ms;
other columns, `review_state` among them, are ignored). A bad line is named by its line number
and what is wrong (`LogError`), and then nothing is applied. `preview_log` counts what an import
would add; `apply_log` adds it in one transaction.

A review is the same review when its card and time (to the microsecond) match one already in the
learner's log, so importing a file twice adds nothing. Reviews of a card later than all of its
own entries are appended, rated as `rate_card` rates (fsrs, the seeded fuzz, the learner's
settings now); a card whose imported reviews interleave with its own entries is rebuilt: the
merged log replayed in time order (`scheduling.apply_rating` for ratings, `replay_entry` for the
rest, undone entries kept and still undone), every entry's states and versions rewritten, so the
log still replays to the stored state.

JSON restore. `restore_backup(learner=, data=)` gives an account with no reviews exactly the
state of a backup from `exports.json_pieces`: settings, card states and log, checked first
(known cards, valid entries, and every card's log replaying to its state).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F

from studyapp.accounts.models import Learner
from studyapp.course.models import Flashcard

from . import scheduling
from .exports import FORMAT, SETTINGS_FIELDS, VERSION
from .models import CardState, Review, ReviewSettings

MAX_BYTES = 10 * 1024 * 1024
# A backup repeats each entry's states and settings: about 1.1 KB per review (12,580 reviews make
# 13.7 MB), so it has a limit of its own, about 55,000 reviews.
MAX_BACKUP_BYTES = 64 * 1024 * 1024
MAX_LINES = 200_000
MAX_ERRORS = 20  # errors listed at once (the count says how many more)
REQUIRED = ("card_id", "review_time", "review_rating")
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_VERSION_SHIFT = 1 << 30


class LogError(ValueError):
    """What is wrong with an uploaded file: a list of problems, each naming its line."""

    def __init__(self, problems: list[str], more: int = 0):
        self.problems = problems
        self.more = more
        text = "; ".join(problems) + (f"; and {more} more problems" if more else "")
        super().__init__(text)


class TooLarge(LogError):
    """Beyond MAX_BYTES or MAX_LINES (the web's 413)."""


@dataclass(frozen=True)
class Row:
    line: int
    card: str
    when: datetime
    rating: int
    duration_ms: int | None


@dataclass
class ParsedLog:
    rows: list[Row]
    digest: str  # of the file's bytes: what a confirmation names
    duplicates: int = 0  # lines repeating an earlier line's card and time


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_size(size: int, limit: int = MAX_BYTES) -> None:
    if size > limit:
        raise TooLarge([f"The file is {size / 1024 / 1024:.1f} MB; {'an import' if limit == MAX_BYTES else 'a restore'} "
                        f"takes at most {limit // 1024 // 1024} MB{' (split it and import the parts)' if limit == MAX_BYTES else ''}."])


def _parse_time(text: str) -> datetime:
    text = text.strip()
    if text.isdigit():
        value = datetime.fromtimestamp(int(text) / 1000, tz=UTC) if len(text) <= 15 else None
        if value is None:
            raise ValueError(f"review_time “{text}” is too large for epoch milliseconds")
        return value
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise ValueError(f"review_time “{text[:40]}” is neither ISO 8601 (2024-03-29T20:32:32.250000+00:00) "
                         "nor epoch milliseconds") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_log(*, data: bytes, now: datetime) -> ParsedLog:
    """Every line of a CSV review log checked (LogError naming the bad lines; TooLarge)."""
    check_size(len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise LogError([f"line {line}: not UTF-8 text (save the file as UTF-8 CSV)"]) from None
    if text.count("\n") > MAX_LINES + 1:
        raise TooLarge([f"The file has {text.count(chr(10)):,} lines; an import takes at most "
                        f"{MAX_LINES:,} reviews (split it and import the parts)."])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise LogError(["line 1: the file is empty; it needs a header line: "
                        "card_id,review_time,review_rating,review_duration"]) from None
    names = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise LogError([f"line 1: the header lacks {', '.join(missing)} (it has {', '.join(names)[:200] or 'nothing'}); "
                        "the columns are card_id,review_time,review_rating,review_duration"])
    at = {name: names.index(name) for name in (*REQUIRED, "review_duration") if name in names}
    latest = now + timedelta(days=1)
    problems: list[str] = []
    more = 0
    rows: list[Row] = []
    seen: set[tuple[str, datetime]] = set()
    duplicates = 0
    count = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(f"line {reader.line_num}: {error}")
            break
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # blank lines, e.g. at the end
        count += 1
        if count > MAX_LINES:
            raise TooLarge([f"The file has more than {MAX_LINES:,} reviews; an import takes at most "
                            f"{MAX_LINES:,} (split it and import the parts)."])
        try:
            if len(record) != len(names):
                raise ValueError(f"{len(record)} fields where the header has {len(names)}")
            row = _row(line, record, at, latest)
        except ValueError as error:
            if len(problems) < MAX_ERRORS:
                problems.append(f"line {line}: {error}")
            else:
                more += 1
            continue
        key = (row.card, row.when)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        rows.append(row)
    if problems:
        raise LogError(problems, more)
    if not rows:
        raise LogError(["the file has a header but no reviews"])
    rows.sort(key=lambda r: (r.when, r.line))
    return ParsedLog(rows=rows, digest=digest_of(data), duplicates=duplicates)


def _row(line: int, record: list[str], at: dict[str, int], latest: datetime) -> Row:
    card = record[at["card_id"]].strip()
    if not card:
        raise ValueError("card_id is empty")
    if len(card) > 200:
        raise ValueError("card_id is longer than 200 characters")
    when = _parse_time(record[at["review_time"]])
    if not EARLIEST <= when <= latest:
        raise ValueError(f"review_time {when:%Y-%m-%d %H:%M} UTC is {'in the future' if when > latest else 'before 1990'}")
    rating_text = record[at["review_rating"]].strip()
    if rating_text not in ("1", "2", "3", "4"):
        raise ValueError(f"review_rating “{rating_text[:20]}” is not 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)")
    duration = None
    if "review_duration" in at:
        text = record[at["review_duration"]].strip()
        if text:
            try:
                duration = int(float(text))
            except ValueError:
                raise ValueError(f"review_duration “{text[:20]}” is not a number of milliseconds") from None
            if duration < 0 or duration > 10**9:
                raise ValueError(f"review_duration {text[:20]} is not a number of milliseconds from 0")
            duration = min(duration, scheduling.MAX_DURATION_MS)
    return Row(line, card, when, int(rating_text), duration)


# ---------------------------------------------------------------------------------------------
# Preview and apply

@dataclass
class Plan:
    """What an import would do."""

    digest: str
    new: dict[int, list[Row]] = field(default_factory=dict)  # flashcard id -> its new reviews
    cards: dict[int, Flashcard] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # card ids of no card, in first-seen order
    unknown_reviews: int = 0
    already: int = 0  # reviews already in the learner's log
    duplicates: int = 0
    total: int = 0  # reviews in the file

    @property
    def reviews(self) -> int:
        return sum(len(rows) for rows in self.new.values())

    @property
    def known_cards(self) -> int:
        return len(self.new)


def plan_log(*, learner: Learner | None, parsed: ParsedLog) -> Plan:
    """The import of `parsed` for `learner`: new reviews per known card, unknown ids, repeats.
    Three queries whatever the size."""
    plan = Plan(digest=parsed.digest, duplicates=parsed.duplicates, total=len(parsed.rows) + parsed.duplicates)
    slugs = {row.card for row in parsed.rows}
    cards = {card.slug: card for card in Flashcard.objects.filter(slug__in=slugs).select_related("topic")}
    existing: set[tuple[int, datetime]] = set()
    if learner is not None and cards:
        existing = set(Review.objects.filter(learner=learner, kind=Review.RATING)
                       .values_list("flashcard_id", "reviewed_at").iterator(chunk_size=5000))
        existing = {(card_id, when.astimezone(UTC)) for card_id, when in existing}
    unknown: dict[str, None] = {}
    for row in parsed.rows:
        card = cards.get(row.card)
        if card is None:
            unknown.setdefault(row.card)
            plan.unknown_reviews += 1
        elif (card.pk, row.when) in existing:
            plan.already += 1
        else:
            plan.new.setdefault(card.pk, []).append(row)
            plan.cards[card.pk] = card
    plan.unknown = list(unknown)
    return plan


@dataclass(frozen=True)
class Applied:
    added: int
    cards: int
    rebuilt: int  # cards whose log was replayed because imported reviews interleaved with it
    already: int
    unknown: int


def apply_log(*, learner: Learner, parsed: ParsedLog, digest: str) -> Applied:
    """Add the new reviews of `parsed` to the learner's log, in one transaction. ValueError when
    `digest` is not the file's (the confirmation names the file that was previewed)."""
    if digest != parsed.digest:
        raise ValueError("This is not the file that was previewed: preview it again, then confirm.")
    with transaction.atomic():
        Learner.objects.select_for_update().get(pk=learner.pk)  # one import at a time per learner
        settings = scheduling._ensure_settings(learner, "")
        settings_now = scheduling.SchedulerSettings.of(settings)
        plan = plan_log(learner=learner, parsed=parsed)  # again, under the transaction
        if not plan.new:
            return Applied(0, 0, 0, plan.already, len(plan.unknown))
        ids = list(plan.new)
        states = {st.flashcard_id: st for st in CardState.objects.select_for_update().filter(
            learner=learner, flashcard_id__in=ids)}
        missing = [CardState(learner=learner, flashcard_id=i) for i in ids if i not in states]
        states.update({st.flashcard_id: st for st in missing})
        logs: dict[int, list[Review]] = defaultdict(list)
        for entry in Review.objects.filter(learner=learner, flashcard_id__in=ids).order_by("version_before"):
            logs[entry.flashcard_id].append(entry)
        created: list[Review] = []
        rewritten: list[Review] = []
        rebuilt = 0
        for card_id, rows in plan.new.items():
            state_row, log, slug = states[card_id], logs.get(card_id, []), plan.cards[card_id].slug
            fresh = [_entry(learner, state_row, row, settings_now) for row in rows]
            if not log or rows[0].when > max(e.reviewed_at for e in log):
                state = scheduling.snapshot(state_row) if log else scheduling.snapshot(None)
                version = state_row.version
                merged = fresh
            else:
                rebuilt += 1
                state, version = scheduling.snapshot(None), 0
                merged = sorted(log + fresh, key=lambda e: e.reviewed_at)  # stable: own order kept
                rewritten.extend(log)
            for entry in merged:
                state, version = _replay_into(entry, state, version, slug)
            scheduling._restore(state_row, state)
            state_row.version = version
            created.extend(fresh)
        CardState.objects.bulk_create(missing, batch_size=500)  # with their final states
        if missing and missing[0].pk is None:  # a backend that returns no ids
            by_card = {st.flashcard_id: st.pk for st in CardState.objects.filter(learner=learner, flashcard_id__in=ids)}
            for state_row in missing:
                state_row.pk = by_card[state_row.flashcard_id]
        for entry in created:
            entry.card_state = states[entry.flashcard_id]
        if rewritten:
            Review.objects.filter(pk__in=[e.pk for e in rewritten]).update(
                version_before=F("version_before") + _VERSION_SHIFT, version_after=F("version_after") + _VERSION_SHIFT)
            Review.objects.bulk_update(rewritten, ["state_before", "state_after", "before_state",
                                                   "version_before", "version_after"], batch_size=500)
        insert_reviews(created)
        fresh_ids = {id(st) for st in missing}
        known = [st for st in states.values() if id(st) not in fresh_ids]
        update_states(known)
    return Applied(len(created), len(plan.new), rebuilt, plan.already, len(plan.unknown))


def insert_reviews(entries: list[Review]) -> None:
    """Insert log entries as bulk_create would (each field's own database preparation), in one
    executemany: the ORM's per-row SQL compilation costs seconds at 10,000 rows, this a fraction."""
    if not entries:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a lookup per use
    fields = [f for f in Review._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(Review._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    for entry in entries:
        entry.card_state_id = entry.card_state.pk  # set after the states were created
    settings_field = Review._meta.get_field("settings")
    prepared: dict[int, object] = {}  # the entries of one import share one settings dict

    def prep(f, entry):
        value = f.pre_save(entry, True)
        if f is settings_field:
            key = id(value)
            if key not in prepared:
                prepared[key] = (value, f.get_db_prep_save(value, connection))
            return prepared[key][1]
        return f.get_db_prep_save(value, connection)

    rows = [tuple(prep(f, entry) for f in fields) for entry in entries]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[start:start + 2000])


def update_states(states: list[CardState]) -> None:
    """Write card states' scheduling fields and versions, one executemany of plain UPDATEs
    (bulk_update's CASE expressions cost seconds at 1,000 cards)."""
    if not states:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    names = [*scheduling._STATE_FIELDS, "version"]
    fields = [CardState._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(CardState._meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
           f"WHERE {quote(CardState._meta.pk.column)} = %s")
    rows = [(*(f.get_db_prep_save(getattr(state, f.attname), connection) for f in fields), state.pk) for state in states]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _entry(learner: Learner, state_row: CardState, row: Row, settings: scheduling.SchedulerSettings) -> Review:
    return Review(learner=learner, card_state=state_row, flashcard_id=state_row.flashcard_id, kind=Review.RATING,
                  rating=row.rating, reviewed_at=row.when, duration_ms=row.duration_ms,
                  settings=settings.to_dict(), session="import")


def _replay_into(entry: Review, state: dict, version: int, slug: str) -> tuple[dict, int]:
    """Write the entry's states and versions as replayed from `state` at `version`; the state
    and version after it (an undone entry leaves the state as it was, its undo took a version)."""
    entry.state_before, entry.before_state = state, state["state"]
    entry.interval_before = scheduling.interval_days(state)
    after = scheduling.replay_entry(state=state, entry=entry, card_slug=slug)
    entry.state_after = after
    entry.version_before, entry.version_after = version, version + 1
    if entry.undone:
        return state, version + 2
    return after, version + 1


# ---------------------------------------------------------------------------------------------
# JSON restore

_STATE_KEYS = set(scheduling._STATE_FIELDS)
_TIMES = scheduling._TIME_FIELDS


class RestoreError(ValueError):
    """A backup that cannot be restored (what is wrong, with the item named)."""


class NotEmpty(RestoreError):
    """The account already has reviews (the web's 409)."""


def _time(value, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise RestoreError(f"{where}: “{str(value)[:40]}” is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise RestoreError(f"{where}: the time {value} has no UTC offset")
    return moment.astimezone(UTC)


def _check_state(data, where: str) -> dict:
    if not isinstance(data, dict) or not _STATE_KEYS <= set(data):
        raise RestoreError(f"{where}: a card state needs {', '.join(scheduling._STATE_FIELDS)}")
    state = {name: data[name] for name in scheduling._STATE_FIELDS}
    if state["state"] not in (0, 1, 2, 3) or not isinstance(state["suspended"], bool):
        raise RestoreError(f"{where}: the state is 0-3 and suspended true or false")
    for name in ("reps", "lapses"):
        if not isinstance(state[name], int) or isinstance(state[name], bool) or not 0 <= state[name] < 2**31:
            raise RestoreError(f"{where}: {name} is a whole number from 0")
    if state["step"] is not None and (not isinstance(state["step"], int) or not 0 <= state["step"] < 100):
        raise RestoreError(f"{where}: step is a small whole number or null")
    for name in ("stability", "difficulty"):
        if state[name] is not None and (not isinstance(state[name], (int, float)) or isinstance(state[name], bool)):
            raise RestoreError(f"{where}: {name} is a number or null")
    for name in _TIMES:
        moment = _time(state[name], f"{where}, {name}")
        state[name] = moment.isoformat() if moment else None
    return state


def _check_settings(data) -> dict:
    if not isinstance(data, dict) or not set(SETTINGS_FIELDS) <= set(data):
        raise RestoreError(f"settings: they need {', '.join(SETTINGS_FIELDS)}")
    values = {}
    try:
        for name in SETTINGS_FIELDS:
            value = data[name]
            if name == "parameters":
                values[name] = list(scheduling.validate_parameters(value))
            elif name == "time_zone":
                values[name] = scheduling.validate_setting(name, value) if value else ""
            elif name in ("learning_steps", "relearning_steps"):
                if not isinstance(value, list) or len(value) > scheduling.BOUNDS["steps_count"][1]:
                    raise ValueError("steps are a list of at most 10 numbers of seconds")
                low, high = scheduling.BOUNDS["step_seconds"]
                if not all(isinstance(v, int) and low <= v <= high for v in value):
                    raise ValueError(f"each step is a whole number of seconds from {low} to {high}")
                values[name] = value
            elif name == "desired_retention":
                values[name] = scheduling.validate_setting(name, float(value))
            else:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError("a whole number")
                values[name] = scheduling.validate_setting(name, value)
    except (TypeError, ValueError) as error:
        raise RestoreError(f"settings, {name}: {error}") from None
    return values


_KINDS = {kind for kind, _ in Review.KINDS}


def _check_entry(data, index: int, cards: dict[str, Flashcard]) -> tuple[str, Review]:
    where = f"log entry {index + 1}"
    if not isinstance(data, dict):
        raise RestoreError(f"{where}: not an object")
    try:
        slug = data["card"]
        if slug not in cards:
            raise RestoreError(f"{where}: no card “{str(slug)[:80]}” in this course")
        kind, rating = data["kind"], data["rating"]
        if kind not in _KINDS:
            raise RestoreError(f"{where}: “{str(kind)[:20]}” is not a kind of log entry")
        if (kind == Review.RATING) != (rating in (1, 2, 3, 4)) or (kind != Review.RATING and rating is not None):
            raise RestoreError(f"{where}: a rating entry has a rating 1-4, any other none")
        settings = data["settings"]
        try:
            checked = scheduling.SchedulerSettings.from_dict(settings)
            scheduling.validate_parameters(checked.parameters)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise RestoreError(f"{where}: its scheduler settings are incomplete or invalid") from None
        ints = {name: data[name] for name in ("version_before", "version_after", "before_state")}
        if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**31 for v in ints.values()):
            raise RestoreError(f"{where}: versions and before_state are whole numbers from 0")
        duration = data["duration_ms"]
        if duration is not None and (not isinstance(duration, int) or not 0 <= duration <= scheduling.MAX_DURATION_MS):
            raise RestoreError(f"{where}: duration_ms is a number of milliseconds up to 60,000, or null")
        if not isinstance(data["undone"], bool):
            raise RestoreError(f"{where}: undone is true or false")
        entry = Review(
            flashcard=cards[slug], kind=kind, rating=rating, reviewed_at=_time(data["reviewed_at"], where),
            duration_ms=duration, state_before=_check_state(data["state_before"], where),
            state_after=_check_state(data["state_after"], where), settings=settings,
            reason=str(data["reason"])[:40], session=str(data["session"])[:16], undone=data["undone"],
            undone_at=_time(data["undone_at"], where), **ints)
        entry.interval_before = scheduling.interval_days(entry.state_before)
    except KeyError as error:
        raise RestoreError(f"{where}: “{error.args[0]}” is missing") from None
    if entry.reviewed_at is None:
        raise RestoreError(f"{where}: reviewed_at is missing")
    return slug, entry


def read_backup(*, data: bytes) -> dict:
    """The backup's document (RestoreError when it is not one of this site's backups)."""
    check_size(len(data), MAX_BACKUP_BYTES)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RestoreError(f"This is not a JSON file ({error}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestoreError("This JSON file is not a backup of this site (its “format” is not "
                           f"“{FORMAT}”); a review log from another tool is imported as CSV.")
    if document.get("version") != VERSION:
        raise RestoreError(f"This backup is version {document.get('version')!r}; this site reads version {VERSION}.")
    if not isinstance(document.get("review"), dict):
        raise RestoreError("This backup has no review part.")
    return document


@dataclass(frozen=True)
class Restored:
    cards: int
    entries: int


def restore_backup(*, learner: Learner, data: bytes) -> Restored:
    """Restore the review part of a backup into the learner's account, which must have no reviews
    (NotEmpty otherwise). Everything is checked before anything is stored (RestoreError)."""
    review = read_backup(data=data)["review"]
    settings = _check_settings(review.get("settings"))
    states_data, log_data = review.get("card_states"), review.get("log")
    if not isinstance(states_data, list) or not isinstance(log_data, list):
        raise RestoreError("The backup's review part needs card_states and log lists.")
    if len(log_data) > MAX_LINES or len(states_data) > MAX_LINES:
        raise TooLarge([f"A backup holds at most {MAX_LINES:,} log entries."])
    slugs = {item.get("card") for item in states_data if isinstance(item, dict)}
    slugs |= {item.get("card") for item in log_data if isinstance(item, dict)}
    cards = {card.slug: card for card in Flashcard.objects.filter(slug__in=[s for s in slugs if isinstance(s, str)])}
    states: dict[str, tuple[dict, int]] = {}
    for index, item in enumerate(states_data):
        where = f"card state {index + 1}"
        if not isinstance(item, dict) or item.get("card") not in cards:
            raise RestoreError(f"{where}: no card “{str(item.get('card') if isinstance(item, dict) else item)[:80]}” in this course")
        if item["card"] in states:
            raise RestoreError(f"{where}: a second state for card “{item['card']}”")
        version = item.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version < 2**31:
            raise RestoreError(f"{where}: version is a whole number from 0")
        states[item["card"]] = (_check_state(item, where), version)
    entries: dict[str, list[Review]] = defaultdict(list)
    for index, item in enumerate(log_data):
        slug, entry = _check_entry(item, index, cards)
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
                               "(the file was changed or is damaged); nothing was restored.")
    with transaction.atomic():
        Learner.objects.select_for_update().get(pk=learner.pk)  # one restore at a time per learner
        if Review.objects.filter(learner=learner).exists():
            raise NotEmpty("This account already has reviews: a backup restores only into an account with "
                           "none. To merge a review log into yours, import it as CSV.")
        CardState.objects.filter(learner=learner).delete()  # only empty states can be left
        ReviewSettings.objects.update_or_create(learner=learner, defaults=settings)
        rows = []
        for slug, (state, version) in states.items():
            row = CardState(learner=learner, flashcard=cards[slug], version=version)
            scheduling._restore(row, state)
            rows.append(row)
        CardState.objects.bulk_create(rows, batch_size=500)
        by_card = {row.flashcard_id: row for row in CardState.objects.filter(learner=learner)}
        log = []
        for slug, card_entries in entries.items():
            for entry in card_entries:
                entry.learner, entry.card_state = learner, by_card[cards[slug].pk]
                log.append(entry)
        insert_reviews(log)
    return Restored(cards=len(rows), entries=len(log))


def _normal(state: dict) -> dict:
    return {name: (datetime.fromisoformat(value) if name in _TIMES and value else value)
            for name, value in state.items()}
