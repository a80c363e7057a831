"""A learner's review log (CSV) merged into theirs.

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

The JSON backup is restored by `restore.py`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import DateTimeField, F, JSONField

from studyapp.accounts.models import Learner
from studyapp.course.models import Flashcard

from . import scheduling
from .models import CardState, Review

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
        settings_now = scheduling.SchedulerSettings.of(settings).to_dict()  # one dict, shared by the entries
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
    # Times and JSON need the backend's preparation; every other field of a log entry holds an
    # int, str, float, bool or None, which its preparation returns unchanged (and no field has
    # auto_now), so those are passed as they are: half the cost of preparing 10,000 rows.
    prepared = [(f.attname, f if isinstance(f, (DateTimeField, JSONField)) else None) for f in fields]
    encoded: dict[int, object] = {}  # the entries of one import share one settings dict: once

    def column(entry, name, field):
        value = getattr(entry, name)
        if field is None:
            return value
        if name == "settings":
            if id(value) not in encoded:
                encoded[id(value)] = (value, field.get_db_prep_save(value, connection))
            return encoded[id(value)][1]
        return field.get_db_prep_save(value, connection)

    rows = [tuple(column(entry, name, field) for name, field in prepared) for entry in entries]
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


def _entry(learner: Learner, state_row: CardState, row: Row, settings: dict) -> Review:
    return Review(learner=learner, card_state=state_row, flashcard_id=state_row.flashcard_id, kind=Review.RATING,
                  rating=row.rating, reviewed_at=row.when, duration_ms=row.duration_ms,
                  settings=settings, session="import")


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
