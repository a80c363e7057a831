"""A learner's review statistics as plain data, from their own records, in their own days.

    learner_statistics(learner=, topic=, now=)   everything /review/stats/ shows (a fixed number of queries)
    card_history(learner=, flashcard=, now=)     one card's log and its forgetting curve

Days. A learner's day runs from the day-start hour in their time zone to the next one
(`scheduling.learner_day`). Reviews are counted per UTC quarter-hour in SQL (every zone's offset
is a whole number of quarter-hours, and the day starts on the hour, so a quarter-hour never
straddles two learner days) and each quarter-hour is then placed in its learner day in Python
with zoneinfo: exact across daylight-saving changes, and the rows returned are bounded by the
quarter-hours studied, not by the number of reviews.

Words, as Anki uses them. A review counted here is a rating that was not undone. Young and
mature: a card in the review state whose interval (due date minus last review) is under 21 days,
or 21 days or more; for a past review, the interval it had when it was reviewed (Anki's lastIvl).
True retention: the share of Hard, Good and Easy among the reviews of cards in the review state
(learning and relearning steps left out). Retrievability: fsrs's predicted probability of recall,
through `scheduling.retrievabilities` (the only importer of fsrs).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Case, Count, Func, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from studyapp.accounts.models import Learner
from studyapp.course.models import Flashcard, Topic

from . import scheduling
from .models import CardState, Review, ReviewSettings

MATURE_DAYS = 21
CALENDAR_DAYS = 365  # the heatmap: the past year, today included
FORECAST_DAYS = 30
TIME_DAYS = 30  # time spent per day: the past month
RETRIEVABILITY_BIN = 5  # percent
PERIODS = (("today", "Today", 1), ("week", "Past week", 7), ("month", "Past month", 30),
           ("year", "Past year", 365))
GROUPS = (("learning", "Learning"), ("young", "Young"), ("mature", "Mature"))
QUARTER = 900  # seconds
CURVE_POINTS = 2000  # a card's forgetting curve: at most about this many points, whatever its history
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HALF_SECOND = 0.5 / 86400  # in days: a tolerance for the SQL's floating-point day arithmetic


# ---------------------------------------------------------------------------------------------
# SQL: quarter-hours (SQLite and PostgreSQL, the two databases the site runs on)

class QuarterHour(Func):
    """The UTC quarter-hour of a datetime column, counted from 1970."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        # Seconds from julianday (faster than strftime); the 0.5 ms guards its floating point.
        return self.as_sql(compiler, connection, template=(
            "(CAST((julianday(%(expressions)s) - 2440587.5) * 86400.0 + 0.0005 AS INTEGER) / 900)"), **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection,
                           # date_part is double precision; EXTRACT is numeric, and slower
                           template="FLOOR(date_part('epoch', %(expressions)s) / 900)::bigint", **extra)


# ---------------------------------------------------------------------------------------------
# The learner's days

def day_start(day: date, settings: ReviewSettings) -> datetime:
    """When the learner's day `day` starts, in UTC (as `scheduling.learner_day` builds it)."""
    zone = scheduling.zone_of(settings)
    return datetime.combine(day, time(settings.day_start_hour), tzinfo=zone).astimezone(UTC)


def learner_date(moment: datetime, settings: ReviewSettings) -> date:
    """The learner's day a moment falls in."""
    start, _ = scheduling.learner_day(settings=settings, now=moment.astimezone(UTC))
    return start.astimezone(scheduling.zone_of(settings)).date()


class _DayFinder:
    """learner_date for many moments in time order: one zoneinfo computation per day crossed."""

    def __init__(self, settings):
        self.settings, self.start, self.end, self.day = settings, None, None, None

    def __call__(self, moment: datetime) -> date:
        if self.start is None or not self.start <= moment < self.end:
            self.start, self.end = scheduling.learner_day(settings=self.settings, now=moment)
            self.day = self.start.astimezone(scheduling.zone_of(self.settings)).date()
        return self.day


# ---------------------------------------------------------------------------------------------
# What the page shows

@dataclass(frozen=True)
class Ratio:
    passed: int
    total: int

    @property
    def share(self) -> float | None:
        return self.passed / self.total if self.total else None


@dataclass(frozen=True)
class RetentionRow:
    key: str
    label: str
    days: int
    young: Ratio
    mature: Ratio

    @property
    def both(self) -> Ratio:
        return Ratio(self.young.passed + self.mature.passed, self.young.total + self.mature.total)


@dataclass(frozen=True)
class ForecastDay:
    day: date
    learning: int
    young: int
    mature: int

    @property
    def total(self) -> int:
        return self.learning + self.young + self.mature


@dataclass(frozen=True)
class ButtonRow:
    key: str
    label: str
    counts: tuple[int, int, int, int]  # Again, Hard, Good, Easy

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def correct(self) -> float | None:
        return (self.total - self.counts[0]) / self.total if self.total else None


@dataclass(frozen=True)
class TopicProgress:
    topic: Topic
    cards: int
    seen: int
    mature: int

    @property
    def seen_share(self) -> float:
        return self.seen / self.cards if self.cards else 0.0

    @property
    def mature_share(self) -> float:
        return self.mature / self.cards if self.cards else 0.0


@dataclass(frozen=True)
class Statistics:
    today: date
    now: datetime
    settings: ReviewSettings
    topic: Topic | None
    total_reviews: int  # all time
    calendar: list[tuple[date, int]]  # every day of the past year, oldest first
    days_studied: int  # in the period
    period_days: int  # from the first day studied (at most a year ago) to today
    period_reviews: int
    streak: int
    longest_streak: int
    time_per_day: list[tuple[date, int]]  # ms, the past month
    period_ms: int
    forecast: list[ForecastDay]
    overdue: int  # cards due before today, counted in today's column
    retention: list[RetentionRow]
    desired_retention: float
    states: dict[str, int]
    topics: list[TopicProgress]
    retrievability_bins: list[tuple[int, int, int]]  # (low %, high %, cards)
    retrievability_average: float | None
    buttons: list[ButtonRow]
    monthly: list[tuple[date, int, int, int]] = field(default_factory=list)  # (month, days studied, reviews, ms)

    @property
    def has_reviews(self) -> bool:
        return self.total_reviews > 0

    @property
    def average_studied(self) -> float:
        return self.period_reviews / self.days_studied if self.days_studied else 0.0

    @property
    def average_period(self) -> float:
        return self.period_reviews / self.period_days if self.period_days else 0.0

    @property
    def ms_per_review(self) -> int:
        return round(self.period_ms / self.period_reviews) if self.period_reviews else 0

    @property
    def cards_total(self) -> int:
        return sum(self.states.values())

    @property
    def studied_days(self) -> list[tuple[date, int, int]]:
        """(day, reviews, ms) of each day studied in the past year, newest first."""
        ms = dict(self.time_per_day)
        return [(day, n, ms.get(day)) for day, n in reversed(self.calendar) if n]


def _ratings(learner: Learner, topic: Topic | None):
    reviews = Review.objects.filter(learner=learner, kind=Review.RATING, undone=False)
    return reviews.filter(flashcard__topic=topic) if topic is not None else reviews


def _streaks(days: set[date], today: date) -> tuple[int, int]:
    """(current streak ending today or yesterday, longest streak) in learner days."""
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    longest = run = 0
    previous = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    return current, longest


def _interval_days(due: datetime | None, last_review: datetime | None) -> float | None:
    if due is None or last_review is None:
        return None
    return (due - last_review).total_seconds() / 86400


def _is_mature(interval: float | None) -> bool:
    return interval is not None and interval >= MATURE_DAYS - _HALF_SECOND


def learner_statistics(*, learner: Learner | None, topic: Topic | None = None, now: datetime) -> Statistics:
    """Everything the statistics page shows, for the whole course or one topic. Six queries at
    most, whatever the size of the history."""
    now = now.astimezone(UTC)
    settings = scheduling.settings_for(learner=learner)
    today = learner_date(now, settings)
    starts = {key: day_start(today - timedelta(days=days - 1), settings) for key, _, days in PERIODS}

    # 1. Reviews and time per UTC quarter-hour, all time.
    quarters = []
    if learner is not None:
        # COUNT(*), not of a column, and no ORDER BY: PostgreSQL then reads the covering index
        # alone and hashes the groups (sorting 50,000 rows cost it 40 ms).
        quarters = list(_ratings(learner, topic).annotate(q=QuarterHour("reviewed_at")).order_by()
                        .values("q").annotate(n=Count("*"), ms=Coalesce(Sum("duration_ms"), 0))
                        .values_list("q", "n", "ms"))
    per_day, ms_per_day = Counter(), Counter()
    find_day = _DayFinder(settings)
    for q, n, ms in quarters:
        day = find_day(_EPOCH + timedelta(seconds=q * QUARTER))
        per_day[day] += n
        ms_per_day[day] += ms
    first_calendar_day = today - timedelta(days=CALENDAR_DAYS - 1)
    calendar = [(first_calendar_day + timedelta(days=i), per_day.get(first_calendar_day + timedelta(days=i), 0))
                for i in range(CALENDAR_DAYS)]
    studied = [day for day, n in calendar if n]
    period_start = studied[0] if studied else today
    streak, longest = _streaks({day for day, n in per_day.items() if n}, today)
    months = {}
    for day, n in calendar:
        if n:
            key = day.replace(day=1)
            row = months.setdefault(key, [0, 0, 0])
            row[0] += 1
            row[1] += n
            row[2] += ms_per_day[day]
    time_per_day = [(today - timedelta(days=i), ms_per_day.get(today - timedelta(days=i), 0))
                    for i in range(TIME_DAYS - 1, -1, -1)]

    # 2. True retention and the answer buttons: the past year's reviews counted by period, group
    # (learning, young, mature: the interval the card had, `interval_before`) and rating, from
    # the covering index alone.
    counted = Counter()
    if learner is not None:
        period = Case(*(When(reviewed_at__gte=starts[key], then=Value(i)) for i, (key, _, _) in enumerate(PERIODS)),
                      default=Value(len(PERIODS)), output_field=IntegerField())
        group = Case(When(~Q(before_state=CardState.REVIEW), then=Value(0)),
                     When(Q(mature__gte=MATURE_DAYS - _HALF_SECOND), then=Value(2)),
                     default=Value(1), output_field=IntegerField())
        rows = (_ratings(learner, topic).filter(reviewed_at__gte=starts["year"]).order_by()
                .annotate(mature=Coalesce("interval_before", 0.0))
                .annotate(p=period, g=group).values("p", "g", "rating").annotate(n=Count("*"))
                .values_list("p", "g", "rating", "n"))
        for p, g, rating, n in rows:
            counted[p, g, rating] += n
    retention, buttons = [], []
    for i, (key, label, _days) in enumerate(PERIODS):
        def ratio(g, i=i):
            # A period includes every shorter one (today lies in the past week, and so on).
            cells = [(p, g, r) for p in range(i + 1) for r in (1, 2, 3, 4)]
            total = sum(counted[c] for c in cells)
            return Ratio(total - sum(counted[c] for c in cells if c[2] == Review.AGAIN), total)

        retention.append(RetentionRow(key, label, _days, ratio(1), ratio(2)))
    for g, (key, label) in enumerate(GROUPS):
        buttons.append(ButtonRow(key, label, tuple(sum(counted[p, g, r] for p in range(len(PERIODS)))
                                                   for r in (1, 2, 3, 4))))

    # 3. The card states of live cards (bounded by the course, not the history), 4. the live cards per topic.
    states = []
    if learner is not None:
        rows = CardState.objects.filter(learner=learner, flashcard__retired=False, flashcard__topic__retired=False)
        if topic is not None:
            rows = rows.filter(flashcard__topic=topic)
        states = list(rows.values_list("state", "due", "last_review", "stability", "suspended", "buried_until",
                                       "flashcard__topic_id"))
    topics = Topic.objects.live().annotate(cards=Count("flashcards", filter=Q(flashcards__retired=False)))
    if topic is not None:
        topics = topics.filter(pk=topic.pk)
    topics = [t for t in topics if t.cards]

    counts = Counter()
    seen, mature_by_topic = Counter(), Counter()
    day_starts = [day_start(today + timedelta(days=i), settings) for i in range(FORECAST_DAYS + 1)]
    forecast = [[0, 0, 0] for _ in range(FORECAST_DAYS)]
    overdue = 0
    memories = []
    for state, due, last_review, stability, suspended, buried_until, topic_id in states:
        interval = _interval_days(due, last_review)
        if state != CardState.NEW:
            seen[topic_id] += 1
            memories.append((stability, last_review))
            if state == CardState.REVIEW and _is_mature(interval):
                mature_by_topic[topic_id] += 1
        if suspended:
            counts["suspended"] += 1
            continue
        counts[dict(CardState.STATES)[state]] += 1
        if state == CardState.NEW or due is None:
            continue
        when = max(due, buried_until) if buried_until else due
        index = bisect_right(day_starts, when) - 1
        if index >= FORECAST_DAYS:
            continue
        if index < 0:
            index = 0
            overdue += 1
        column = 0 if state != CardState.REVIEW else 2 if _is_mature(interval) else 1
        forecast[index][column] += 1
    live_cards = sum(t.cards for t in topics)
    started = sum(counts[name] for name in ("learning", "review", "relearning", "suspended"))
    state_counts = {"new": live_cards - started, "learning": counts["learning"], "review": counts["review"],
                    "relearning": counts["relearning"], "suspended": counts["suspended"]}

    values = scheduling.retrievabilities(memories=memories, at=now,
                                         settings=scheduling.SchedulerSettings.of(settings))
    bins = Counter(min(int(value * 100 // RETRIEVABILITY_BIN), 100 // RETRIEVABILITY_BIN - 1) for value in values)
    retrievability_bins = [(b * RETRIEVABILITY_BIN, (b + 1) * RETRIEVABILITY_BIN, bins.get(b, 0))
                           for b in range(100 // RETRIEVABILITY_BIN)]

    return Statistics(
        today=today, now=now, settings=settings, topic=topic, total_reviews=sum(per_day.values()),
        calendar=calendar, days_studied=len(studied), period_days=(today - period_start).days + 1,
        period_reviews=sum(n for _, n in calendar), streak=streak, longest_streak=longest,
        time_per_day=time_per_day, period_ms=sum(ms_per_day[day] for day in studied),
        forecast=[ForecastDay(today + timedelta(days=i), *row) for i, row in enumerate(forecast)],
        overdue=overdue, retention=retention, desired_retention=settings.desired_retention,
        states=state_counts,
        topics=[TopicProgress(t, t.cards, seen[t.pk], mature_by_topic[t.pk]) for t in topics],
        retrievability_bins=retrievability_bins,
        retrievability_average=sum(values) / len(values) if values else None,
        buttons=buttons,
        monthly=[(month, *row) for month, row in sorted(months.items(), reverse=True)],
    )


# ---------------------------------------------------------------------------------------------
# One card: its log and its forgetting curve

@dataclass(frozen=True)
class HistoryEntry:
    entry: Review
    when: datetime  # in the learner's zone
    interval: timedelta | None  # what a rating scheduled (due after minus the review's time)
    stability: float | None
    difficulty: float | None
    retrievability: float | None  # predicted recall when it was rated (None for a new card)
    state_before: str
    state_after: str


@dataclass(frozen=True)
class CurvePoint:
    at: datetime
    retrievability: float


@dataclass(frozen=True)
class CardHistory:
    flashcard: Flashcard
    card_state: CardState | None
    settings: ReviewSettings
    entries: list[HistoryEntry]  # every log entry, oldest first, undone ones included
    curve: list[CurvePoint]  # the predicted recall from the first rating to the curve's end
    reviews: list[CurvePoint]  # each rating not undone: the recall predicted just before it
    ratings: list[int]  # each of those reviews' rating
    today: CurvePoint | None
    daily: bool  # the curve is sampled every day (so drawn as fsrs's day-wise steps)

    @property
    def has_curve(self) -> bool:
        return bool(self.curve)


def _sample_days(start: datetime, end: datetime, limit: int = 200) -> tuple[list[datetime], int]:
    days = max(0, (end - start).days)
    step = max(1, -(-days // limit))
    return [start + timedelta(days=k) for k in range(0, days + 1, step)], step


def _parse(value):
    return datetime.fromisoformat(value) if value else None


def card_history(*, learner: Learner | None, flashcard: Flashcard, now: datetime) -> CardHistory:
    """One card's log (every entry, undone ones marked) and its forgetting curve: after each rating
    not undone, fsrs's retrievability from that rating's stability under that rating's settings,
    sampled on whole days since the rating (fsrs counts whole days) up to the next rating; the last
    one runs past today and the due date. Three queries."""
    now = now.astimezone(UTC)
    settings = scheduling.settings_for(learner=learner)
    zone = scheduling.zone_of(settings)
    card_state = None
    log = []
    if learner is not None:
        card_state = CardState.objects.filter(learner=learner, flashcard=flashcard).first()
        if card_state is not None:
            log = list(card_state.log.order_by("reviewed_at", "pk"))
    names = dict(CardState.STATES)
    entries = []
    for entry in log:
        before, after = entry.state_before, entry.state_after
        scheduler_settings = scheduling.SchedulerSettings.from_dict(entry.settings)
        is_rating = entry.kind == Review.RATING
        recall = None
        if is_rating and before["stability"] is not None:
            recall = scheduling.retrievability_at(stability=before["stability"], last_review=_parse(before["last_review"]),
                                               at=entry.reviewed_at, settings=scheduler_settings)
        entries.append(HistoryEntry(
            entry=entry, when=entry.reviewed_at.astimezone(zone),
            interval=(_parse(after["due"]) - entry.reviewed_at) if is_rating else None,
            stability=after["stability"] if is_rating else None,
            difficulty=after["difficulty"] if is_rating else None,
            retrievability=recall, state_before=names[before["state"]], state_after=names[after["state"]]))

    rated = sorted((e for e in log if e.kind == Review.RATING and not e.undone), key=lambda e: e.version_before)
    curve, reviews, ratings = [], [], []
    daily = True
    today = None
    for i, entry in enumerate(rated):
        after = entry.state_after
        scheduler_settings = scheduling.SchedulerSettings.from_dict(entry.settings)
        start = entry.reviewed_at
        last = i == len(rated) - 1
        if last:
            due = card_state.due if card_state is not None and card_state.due else start
            interval = max(due - start, timedelta(0))
            end = max(now + timedelta(days=7), due + interval / 4)
        else:
            end = rated[i + 1].reviewed_at
        moments, step = _sample_days(start, end, limit=max(8, CURVE_POINTS // len(rated)))
        daily = daily and step == 1
        if moments[-1] != end:
            moments.append(end)
        values = [scheduling.retrievability_at(stability=after["stability"], last_review=start, at=moment,
                                            settings=scheduler_settings) for moment in moments]
        curve.extend(CurvePoint(m, v) for m, v in zip(moments, values, strict=True))
        if not last:
            reviews.append(CurvePoint(end, values[-1]))
        if last:
            today = CurvePoint(now, scheduling.retrievability_at(stability=after["stability"], last_review=start, at=now,
                                                              settings=scheduler_settings))
    # The first rating of a card (new) has no prediction before it; later ones sit on the curve.
    if rated:
        reviews.insert(0, CurvePoint(rated[0].reviewed_at, 1.0))
        ratings = [e.rating for e in rated]
    return CardHistory(flashcard=flashcard, card_state=card_state, settings=settings, entries=entries,
                       curve=curve, reviews=reviews, ratings=ratings, today=today, daily=daily)


def card_for(*, learner: Learner | None, slug: str) -> Flashcard:
    """A live card, or a retired one the learner has a history for (Flashcard.DoesNotExist otherwise)."""
    card = Flashcard.objects.select_related("topic").get(slug=slug)
    live = not card.retired and not card.topic.retired
    if live or (learner is not None and CardState.objects.filter(learner=learner, flashcard=card).exists()):
        return card
    raise Flashcard.DoesNotExist(slug)
