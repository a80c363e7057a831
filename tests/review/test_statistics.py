"""The statistics against hand-made histories in a non-UTC zone (New York, day start 04:00),
across the day-start hour and a daylight-saving change: heatmap counts, streaks, averages, time,
forecast buckets, true retention young and mature per period, answer buttons, states, topics,
retrievability; and a card's forgetting curve against fsrs fed the same ratings directly."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest

from studyapp.course.models import Flashcard, Source, Topic
from studyapp.review import scheduling as s
from studyapp.review import statistics as st
from studyapp.review.models import CardState, Review, ReviewSettings


pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 20, 11, 0, tzinfo=NY).astimezone(UTC)  # Friday 20 March, 11:00 EDT


def local(*args):
    return datetime(*args, tzinfo=NY).astimezone(UTC)


def reference_day(moment):
    """The learner's day, computed independently: the New York wall clock minus four hours."""
    wall = moment.astimezone(NY).replace(tzinfo=None)
    return (wall - timedelta(hours=4)).date()


@pytest.fixture
def ny(learner):
    ReviewSettings.objects.create(learner=learner, time_zone="America/New_York", day_start_hour=4)
    return learner


class Log:
    """Review rows written directly, with the before-state and interval the test chooses."""

    def __init__(self, learner):
        self.learner = learner
        self.versions = {}

    def add(self, card, at, rating=3, before=CardState.REVIEW, interval=10.0, ms=8000, kind=Review.RATING,
            undone=False):
        state, _ = CardState.objects.get_or_create(learner=self.learner, flashcard=card)
        version = self.versions.get(card.pk, 0)
        self.versions[card.pk] = version + 1
        last = at - timedelta(days=interval)
        snap = {**s.snapshot(None), "state": before}
        if before != CardState.NEW:
            snap |= {"stability": 5.0, "difficulty": 5.0, "last_review": last.isoformat(),
                     "due": (last + timedelta(days=interval)).isoformat(), "reps": 1}
        return Review.objects.create(
            learner=self.learner, card_state=state, flashcard=card, kind=kind,
            rating=rating if kind == Review.RATING else None, reviewed_at=at, duration_ms=ms,
            before_state=before, state_before=snap, state_after=snap, settings={}, version_before=version,
            version_after=version + 1, undone=undone, interval_before=s.interval_days(snap))


def test_heatmap_streak_averages_and_time_in_the_learners_days(ny, deck):
    log = Log(ny)
    a, b = deck[0], deck[1]
    times = [
        (local(2026, 3, 20, 10, 0), 4000), (local(2026, 3, 20, 10, 5), 6000),  # today
        (local(2026, 3, 20, 3, 59), 5000),  # before 04:00: still Thursday the 19th
        (local(2026, 3, 19, 4, 0), 1000),  # from 04:00: Thursday
        (local(2026, 3, 19, 3, 0), 2000),  # Wednesday the 18th
        (local(2026, 3, 8, 3, 30), 3000),  # the spring-forward day (02:00 -> 03:00): still the 7th
        (local(2026, 3, 8, 4, 10), 3000),  # the 8th
        (local(2026, 3, 1, 12, 0), 60000), (local(2026, 3, 1, 13, 0), 1000), (local(2026, 3, 1, 23, 0), 1000),
        (local(2025, 2, 1, 12, 0), 9000),  # more than a year ago: in the streaks' history, not the heatmap
    ]
    for i, (at, ms) in enumerate(times):
        log.add(a if i % 2 else b, at, ms=ms)
    log.add(a, local(2026, 3, 10, 12, 0), undone=True)  # undone: not counted
    log.add(a, local(2026, 3, 11, 12, 0), kind=Review.BURY)  # not a rating
    stats = st.learner_statistics(learner=ny, now=NOW)

    assert stats.today == date(2026, 3, 20)
    calendar = dict(stats.calendar)
    assert len(stats.calendar) == 365 and stats.calendar[-1][0] == date(2026, 3, 20)
    assert {day: n for day, n in calendar.items() if n} == {
        date(2026, 3, 20): 2, date(2026, 3, 19): 2, date(2026, 3, 18): 1, date(2026, 3, 8): 1,
        date(2026, 3, 7): 1, date(2026, 3, 1): 3}
    # The same by the independent day rule.
    expected = {}
    for at, _ in times[:-1]:
        expected[reference_day(at)] = expected.get(reference_day(at), 0) + 1
    assert {day: n for day, n in calendar.items() if n} == expected
    assert stats.total_reviews == 11
    assert (stats.streak, stats.longest_streak) == (3, 3)
    assert (stats.days_studied, stats.period_days, stats.period_reviews) == (6, 20, 10)
    assert stats.average_studied == pytest.approx(10 / 6) and stats.average_period == pytest.approx(0.5)
    time = dict(stats.time_per_day)
    assert len(stats.time_per_day) == 30
    assert time[date(2026, 3, 20)] == 10000 and time[date(2026, 3, 19)] == 6000
    assert time[date(2026, 3, 1)] == 62000 and time[date(2026, 3, 2)] == 0
    assert stats.period_ms == 4000 + 6000 + 5000 + 1000 + 2000 + 3000 + 3000 + 62000
    assert stats.monthly == [(date(2026, 3, 1), 6, 10, stats.period_ms)]

    # Tomorrow (no review yet) the streak still stands; the day after it is broken.
    assert st.learner_statistics(learner=ny, now=local(2026, 3, 21, 12, 0)).streak == 3
    assert st.learner_statistics(learner=ny, now=local(2026, 3, 22, 3, 59)).streak == 3  # still the 21st
    assert st.learner_statistics(learner=ny, now=local(2026, 3, 22, 4, 0)).streak == 0


def test_streaks_over_long_runs():
    today = date(2026, 3, 20)
    run = {today - timedelta(days=k) for k in range(400)}
    assert st._streaks(run, today) == (400, 400)
    assert st._streaks(run - {today}, today) == (399, 399)
    assert st._streaks({today - timedelta(days=2), date(2020, 1, 1), date(2020, 1, 2)}, today) == (0, 2)


def test_true_retention_and_answer_buttons_young_and_mature_per_period(ny, deck):
    log = Log(ny)
    rows = [
        # (moment, rating, before state, interval in days)
        (local(2026, 3, 20, 9, 0), 3, CardState.REVIEW, 10), (local(2026, 3, 20, 9, 1), 1, CardState.REVIEW, 10),
        (local(2026, 3, 20, 9, 2), 4, CardState.REVIEW, 21), (local(2026, 3, 20, 9, 3), 2, CardState.REVIEW, 30),
        (local(2026, 3, 20, 3, 0), 1, CardState.REVIEW, 30),  # yesterday (before 04:00)
        (local(2026, 3, 14, 4, 0), 3, CardState.REVIEW, 20.9),  # the first moment of the past week: young
        (local(2026, 3, 14, 3, 59), 1, CardState.REVIEW, 20.9),  # just before it: the month only
        (local(2026, 2, 19, 4, 0), 2, CardState.REVIEW, 40),  # the month's first day
        (local(2026, 2, 19, 3, 0), 3, CardState.REVIEW, 40),  # the year only
        (local(2025, 6, 1, 12, 0), 1, CardState.REVIEW, 50),
        (local(2025, 3, 21, 12, 0), 3, CardState.REVIEW, 5),  # the year's first day (364 days ago)
        (local(2025, 3, 1, 12, 0), 1, CardState.REVIEW, 5),  # over a year ago: nowhere
        # learning steps: in the answer buttons only
        (local(2026, 3, 20, 8, 0), 1, CardState.NEW, 0), (local(2026, 3, 20, 8, 1), 3, CardState.LEARNING, 0),
        (local(2026, 3, 18, 8, 0), 2, CardState.RELEARNING, 0),
    ]
    for i, (at, rating, before, interval) in enumerate(rows):
        log.add(deck[i % len(deck)], at, rating=rating, before=before, interval=interval)
    log.add(deck[0], local(2026, 3, 20, 9, 30), rating=1, interval=30, undone=True)
    stats = st.learner_statistics(learner=ny, now=NOW)

    # Independently: the period's first learner day, then count.
    def expected(days, group):
        first = date(2026, 3, 20) - timedelta(days=days - 1)
        chosen = [(r, iv) for at, r, before, iv in rows if before == CardState.REVIEW and reference_day(at) >= first
                  and (iv >= 21) == (group == "mature")]
        return st.Ratio(sum(r > 1 for r, _ in chosen), len(chosen))

    table = {row.key: row for row in stats.retention}
    for key, _, days in st.PERIODS:
        assert table[key].young == expected(days, "young"), key
        assert table[key].mature == expected(days, "mature"), key
    # And by hand.
    assert (table["today"].young, table["today"].mature) == (st.Ratio(1, 2), st.Ratio(2, 2))
    assert (table["week"].young, table["week"].mature) == (st.Ratio(2, 3), st.Ratio(2, 3))
    assert (table["month"].young, table["month"].mature) == (st.Ratio(2, 4), st.Ratio(3, 4))
    assert (table["year"].young, table["year"].mature) == (st.Ratio(3, 5), st.Ratio(4, 6))
    assert table["year"].both.share == pytest.approx(7 / 11)
    assert stats.desired_retention == 0.9

    buttons = {row.key: row.counts for row in stats.buttons}
    assert buttons == {"learning": (1, 1, 1, 0), "young": (2, 0, 3, 0), "mature": (2, 2, 1, 1)}
    assert {row.key: row.correct for row in stats.buttons}["mature"] == pytest.approx(4 / 6)


def make_state(learner, card, state, due=None, interval=None, suspended=False, buried_until=None, stability=None):
    last = due - timedelta(days=interval) if due is not None and interval is not None else None
    return CardState.objects.create(learner=learner, flashcard=card, state=state, due=due, last_review=last,
                                    stability=stability if stability is not None else (3.0 if last else None),
                                    difficulty=5.0 if last else None, suspended=suspended,
                                    buried_until=buried_until, reps=1 if last else 0)


def test_forecast_states_topics_and_retrievability(ny, deck):
    cards = list(deck)  # two topics: 3 + 2 cards
    topic2 = Topic.objects.get(slug="topic-1")
    source = Source.objects.get()
    for i in range(2, 8):  # topic-1 gets 6 more cards: 3 + 8 cards in all
        cards.append(Flashcard.objects.create(slug=f"more-{i}", topic=topic2, position=i + 1, source=source,
                                              front="f", back="b"))
    retired = Flashcard.objects.create(slug="gone", topic=topic2, position=99, source=source, front="f", back="b",
                                       retired=True)
    tomorrow_start = local(2026, 3, 21, 4, 0)
    make_state(ny, cards[0], CardState.LEARNING, due=NOW + timedelta(hours=1), interval=0.01)  # today, learning
    make_state(ny, cards[1], CardState.REVIEW, due=local(2026, 3, 21, 3, 59), interval=5)  # still today: young
    make_state(ny, cards[2], CardState.REVIEW, due=tomorrow_start, interval=30)  # tomorrow: mature
    make_state(ny, cards[3], CardState.REVIEW, due=NOW - timedelta(days=2), interval=21)  # overdue: today, mature
    make_state(ny, cards[4], CardState.REVIEW, due=local(2026, 3, 23, 12, 0), interval=20.5)  # in 3 days: young
    make_state(ny, cards[5], CardState.REVIEW, due=local(2026, 4, 25, 12, 0), interval=60)  # beyond 30 days
    make_state(ny, cards[6], CardState.REVIEW, due=local(2026, 3, 21, 12, 0), interval=40, suspended=True)
    make_state(ny, cards[7], CardState.RELEARNING, due=NOW + timedelta(minutes=10), interval=0.007)
    make_state(ny, cards[8], CardState.REVIEW, due=NOW - timedelta(hours=1), interval=3,
               buried_until=tomorrow_start)  # buried: tomorrow
    make_state(ny, cards[9], CardState.NEW)  # all its ratings undone: new
    make_state(ny, retired, CardState.REVIEW, due=NOW, interval=3)  # left the course: not counted
    stats = st.learner_statistics(learner=ny, now=NOW)

    forecast = {f.day: (f.learning, f.young, f.mature) for f in stats.forecast}
    assert len(stats.forecast) == 30 and stats.forecast[0].day == date(2026, 3, 20)
    assert forecast[date(2026, 3, 20)] == (2, 1, 1)
    assert forecast[date(2026, 3, 21)] == (0, 1, 1)
    assert forecast[date(2026, 3, 23)] == (0, 1, 0)
    assert sum(f.total for f in stats.forecast) == 7 and stats.overdue == 1
    assert stats.states == {"new": 2, "learning": 1, "review": 6, "relearning": 1, "suspended": 1}
    assert stats.cards_total == 11
    progress = {p.topic.slug: (p.cards, p.seen, p.mature) for p in stats.topics}
    assert progress == {"topic-0": (3, 3, 1), "topic-1": (8, 6, 3)}

    # The retrievability of each seen card, by fsrs directly, binned by 5%.
    scheduler = fsrs.Scheduler()
    values = [scheduler.get_card_retrievability(fsrs.Card(card_id=1, state=fsrs.State.Review,
                                                          stability=c.stability, last_review=c.last_review), NOW)
              for c in CardState.objects.filter(learner=ny, flashcard__retired=False).exclude(state=CardState.NEW)]
    assert len(values) == 9
    bins = {}
    for v in values:
        bins[min(int(v * 20), 19)] = bins.get(min(int(v * 20), 19), 0) + 1
    assert {low // 5: n for low, _, n in stats.retrievability_bins if n} == bins
    assert stats.retrievability_average == pytest.approx(sum(values) / len(values))

    one = st.learner_statistics(learner=ny, topic=topic2, now=NOW)
    assert one.states == {"new": 2, "learning": 0, "review": 4, "relearning": 1, "suspended": 1}
    assert [p.topic.slug for p in one.topics] == ["topic-1"]


def test_a_learner_with_nothing_and_no_learner_have_empty_statistics(learner, deck):
    for who in (learner, None):
        stats = st.learner_statistics(learner=who, now=NOW)
        assert not stats.has_reviews and stats.streak == 0 and stats.states["new"] == 5
        assert stats.retrievability_average is None and stats.forecast[0].total == 0


def test_the_forgetting_curve_is_fsrs_retrievability_at_chosen_dates(learner, deck):
    card = deck[0]
    ReviewSettings.objects.create(learner=learner, time_zone="America/New_York", day_start_hour=4)
    t0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    plan = [(t0, 3), (t0 + timedelta(minutes=10), 3), (t0 + timedelta(days=4), 3),
            (t0 + timedelta(days=20), 1), (t0 + timedelta(days=20, minutes=10), 3), (t0 + timedelta(days=25), 4)]
    version = 0
    for at, rating in plan:
        s.rate_card(learner=learner, flashcard=card, version=version, rating=rating, now=at)
        version += 1
    undone = s.rate_card(learner=learner, flashcard=card, version=version, rating=1, now=t0 + timedelta(days=40))
    s.undo_entry(learner=learner, entry_id=undone.entry.pk, now=t0 + timedelta(days=40))
    now = t0 + timedelta(days=41, hours=5)
    history = st.card_history(learner=learner, flashcard=card, now=now)

    # fsrs, fed the same ratings directly (stability does not depend on the fuzz).
    scheduler = fsrs.Scheduler()
    direct = fsrs.Card(card_id=1)
    memories = []
    for at, rating in plan:
        direct, _ = scheduler.review_card(direct, fsrs.Rating(rating), at)
        memories.append((at, direct))
    curve = {p.at: p.retrievability for p in history.curve}
    for (at, memory), nxt in zip(memories, [*plan[1:], (now, None)], strict=True):
        for days in (0, 1, 2, 3, 7):
            moment = at + timedelta(days=days)
            if moment < nxt[0] or nxt[1] is None:
                assert curve[moment] == pytest.approx(scheduler.get_card_retrievability(memory, moment)), (at, days)
    last_at, last = memories[-1]
    assert history.today.retrievability == pytest.approx(scheduler.get_card_retrievability(last, now))
    assert history.today.retrievability == pytest.approx(s.retrievability_at(
        stability=learner.card_states.get().stability, last_review=learner.card_states.get().last_review, at=now,
        settings=s.SchedulerSettings.of(s.settings_for(learner=learner))))
    assert history.curve[0].at == t0 and history.curve[-1].at >= now + timedelta(days=7)
    # Each review sits on the curve: the prediction just before it; its rating beside it.
    assert history.ratings == [3, 3, 3, 1, 3, 4]
    assert history.reviews[3].at == plan[3][0]
    assert history.reviews[3].retrievability == pytest.approx(scheduler.get_card_retrievability(memories[2][1], plan[3][0]))
    # The history lists every entry, the undone one marked; intervals, stability, difficulty as stored.
    assert len(history.entries) == 7 and history.entries[-1].entry.undone
    rated = history.entries[2]
    assert rated.stability == pytest.approx(memories[2][1].stability)
    assert rated.difficulty == pytest.approx(memories[2][1].difficulty)
    assert rated.interval == datetime.fromisoformat(rated.entry.state_after["due"]) - plan[2][0]
    assert rated.retrievability == pytest.approx(scheduler.get_card_retrievability(memories[1][1], plan[2][0]))
    assert history.entries[0].retrievability is None  # a new card has no prediction
    assert history.entries[0].when.tzinfo == NY


def test_a_card_never_rated_has_no_curve(learner, deck):
    history = st.card_history(learner=learner, flashcard=deck[0], now=NOW)
    assert not history.has_curve and history.entries == [] and history.today is None
    assert not st.card_history(learner=None, flashcard=deck[0], now=NOW).has_curve


def test_each_entry_stores_the_interval_it_was_made_from_and_the_migration_fills_old_ones(learner, deck):
    import importlib

    from django.apps import apps

    t0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    for i, (days, rating) in enumerate([(0, 3), (0.01, 3), (3, 3), (30, 1), (30.01, 3), (40, 4)]):
        s.rate_card(learner=learner, flashcard=deck[0], version=i, rating=rating, now=t0 + timedelta(days=days))
    entries = list(Review.objects.order_by("version_before"))
    expected = [None] + [(datetime.fromisoformat(e.state_before["due"])
                          - datetime.fromisoformat(e.state_before["last_review"])).total_seconds() / 86400
                         for e in entries[1:]]
    assert [e.interval_before for e in entries] == pytest.approx(expected)
    assert expected[4] > 21 or expected[3] > 1  # the log holds real review-state intervals
    Review.objects.update(interval_before=None)
    importlib.import_module("studyapp.review.migrations.0003_statistics").fill_intervals(apps, None)
    assert [e.interval_before for e in Review.objects.order_by("version_before")] == pytest.approx(expected)
