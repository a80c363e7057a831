"""Scheduling equals fsrs; the shown intervals are the applied ones; the learner's day; undo,
bury, suspend, replay and the repeated-submission rule, through review/scheduling.py."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest

from studyapp.review import scheduling as s
from studyapp.review.models import CardState, Review, ReviewSettings

from .conftest import NOW

pytestmark = pytest.mark.django_db


def direct_fsrs(slug, ratings_and_times, **scheduler_kwargs):
    """The same ratings through fsrs itself, the global generator seeded as the module documents."""
    scheduler = fsrs.Scheduler(**scheduler_kwargs)
    card = fsrs.Card(card_id=1)
    card.due = ratings_and_times[0][1]
    for number, (rating, when) in enumerate(ratings_and_times, start=1):
        random.seed(s.fuzz_seed(card_slug=slug, review_number=number))
        card, _ = scheduler.review_card(card, fsrs.Rating(rating), when)
    return card


def rate_all(learner, card, ratings_and_times):
    outcome = None
    for rating, when in ratings_and_times:
        version = CardState.objects.filter(learner=learner, flashcard=card).values_list("version", flat=True).first() or 0
        outcome = s.rate_card(learner=learner, flashcard=card, version=version, rating=rating, now=when)
    return outcome.card_state


def test_scheduling_equals_fsrs_called_directly(deck, learner):
    history = [(3, NOW), (3, NOW + timedelta(minutes=10)), (3, NOW + timedelta(days=3)),
               (1, NOW + timedelta(days=12)), (3, NOW + timedelta(days=12, minutes=10)),
               (4, NOW + timedelta(days=20)), (2, NOW + timedelta(days=60))]
    state = rate_all(learner, deck[0], history)
    expected = direct_fsrs(deck[0].slug, history)
    assert state.state == int(expected.state) == CardState.REVIEW
    assert state.due == expected.due and state.last_review == expected.last_review
    assert state.stability == expected.stability and state.difficulty == expected.difficulty
    assert state.step == expected.step
    assert state.reps == 7 and state.lapses == 1


def test_settings_apply_to_the_next_scheduling_and_are_recorded(deck, learner):
    s.save_settings(learner=learner, desired_retention=0.8, new_per_day=5, reviews_per_day=50,
                    learning_steps="2m 20m 1h", relearning_steps="5m", maximum_interval=30,
                    day_start_hour=3, time_zone="Europe/Berlin")
    history = [(3, NOW), (3, NOW + timedelta(minutes=2)), (4, NOW + timedelta(minutes=30))]
    state = rate_all(learner, deck[0], history)
    expected = direct_fsrs(deck[0].slug, history, desired_retention=0.8, maximum_interval=30,
                           learning_steps=(timedelta(minutes=2), timedelta(minutes=20), timedelta(hours=1)),
                           relearning_steps=(timedelta(minutes=5),))
    assert state.due == expected.due
    entry = Review.objects.filter(card_state=state).last()
    assert entry.settings["desired_retention"] == 0.8
    assert entry.settings["learning_steps"] == [120, 1200, 3600]
    assert entry.settings["maximum_interval"] == 30 and len(entry.settings["parameters"]) == 21


def test_fuzz_is_on_reproducible_per_card_and_review_number_and_leaves_random_alone(deck, learner):
    state = {"state": CardState.REVIEW, "step": None, "stability": 40.0, "difficulty": 5.0,
             "due": NOW.isoformat(), "last_review": (NOW - timedelta(days=40)).isoformat(), "reps": 4,
             "lapses": 0, "buried_until": None, "suspended": False}
    settings = s.SchedulerSettings.of(ReviewSettings())
    random.seed(123)
    before = random.getstate()
    dues = {slug: s.apply_rating(state=state, rating=3, now=NOW, settings=settings, card_slug=slug)["due"]
            for slug in (f"card-{i}" for i in range(12))}
    assert random.getstate() == before  # the global generator neither read nor reseeded
    again = s.apply_rating(state=state, rating=3, now=NOW, settings=settings, card_slug="card-0")["due"]
    assert again == dues["card-0"]
    assert len(set(dues.values())) > 1  # fuzz is on: cards learnt together spread out
    unfuzzed = fsrs.Scheduler(enable_fuzzing=False).review_card(
        s._fsrs_card(state, NOW), fsrs.Rating.Good, NOW)[0].due
    spread = {abs((datetime.fromisoformat(d) - unfuzzed).days) for d in dues.values()}
    assert max(spread) <= 0.15 * (unfuzzed - NOW).days + 1  # within fsrs's fuzz range


@pytest.mark.parametrize("history", [[], [(3, NOW - timedelta(minutes=5))],
                                     [(3, NOW - timedelta(days=9)), (3, NOW - timedelta(days=8, hours=23)),
                                      (3, NOW - timedelta(days=5))],
                                     [(4, NOW - timedelta(days=30)), (1, NOW - timedelta(days=2))]])
def test_the_intervals_shown_are_the_intervals_applied(deck, learner, other_learner, history):
    for rating in (1, 2, 3, 4):
        # a fresh learner per rating, with the same history
        from django.contrib.auth import get_user_model

        from studyapp.accounts.models import Learner
        someone = Learner.objects.create(user=get_user_model().objects.create_user(f"u{rating}"))
        state = rate_all(someone, deck[0], history) if history else None
        shown = s.preview_intervals(card_state=state, flashcard=deck[0], settings=s.settings_for(learner=someone),
                                    now=NOW)
        applied = s.rate_card(learner=someone, flashcard=deck[0], version=state.version if state else 0,
                              rating=rating, now=NOW).card_state
        assert applied.due - NOW == shown[rating]


@pytest.mark.parametrize("seconds, label", [
    (30, "<1m"), (60, "1m"), (600, "10m"), (3600, "1h"), (5400, "1.5h"), (86400, "1d"), (2 * 86400, "2d"),
    (45 * 86400, "1.5mo"), (90 * 86400, "3mo"), (400 * 86400, "1.1y")])
def test_interval_labels_as_anki_writes_them(seconds, label):
    assert s.interval_label(timedelta(seconds=seconds)) == label


def test_steps_and_settings_are_validated():
    assert s.parse_steps("1m 10m") == [60, 600]
    assert s.parse_steps("30s, 1h 1d 5") == [30, 3600, 86400, 300]
    assert s.format_steps([60, 600, 86400, 30]) == "1m 10m 1d 30s"
    for bad in ("1x", "m", "0m", "31d", " ".join(["1m"] * 11)):
        with pytest.raises(ValueError):
            s.parse_steps(bad)
    with pytest.raises(ValueError, match="zoneinfo"):
        s.check_time_zone("Mars/Olympus")
    with pytest.raises(ValueError):
        s.validate_setting("desired_retention", 0.99)


def test_the_learners_day_follows_zone_hour_and_daylight_saving():
    settings = ReviewSettings(time_zone="America/New_York", day_start_hour=4)
    # 2026-03-08 DST starts at 02:00 (before the 04:00 day start): that learner day lasts 23 hours.
    start, end = s.learner_day(settings=settings, now=datetime(2026, 3, 8, 6, 0, tzinfo=UTC))
    assert start == datetime(2026, 3, 7, 4, 0, tzinfo=ZoneInfo("America/New_York"))
    assert end - start == timedelta(hours=23)
    # 03:30 local on 2026-03-08 (EDT) still belongs to the day that began on the 7th.
    assert s.learner_day(settings=settings, now=datetime(2026, 3, 8, 7, 30, tzinfo=UTC))[0] == start
    # 2026-11-01 DST ends: 25 hours.
    start, end = s.learner_day(settings=settings, now=datetime(2026, 11, 1, 3, 0, tzinfo=UTC))
    assert end - start == timedelta(hours=25)
    # A day-start hour that the spring change skips (02:00 in Berlin on 2026-03-29): days still tile.
    berlin = ReviewSettings(time_zone="Europe/Berlin", day_start_hour=2)
    moment, previous_end = datetime(2026, 3, 27, 12, tzinfo=UTC), None
    for _ in range(5):
        start, end = s.learner_day(settings=berlin, now=moment)
        assert start <= moment < end and (previous_end is None or previous_end == start)
        previous_end, moment = end, end + timedelta(minutes=1)


def test_undo_goes_back_step_by_step_to_each_exact_prior_state(deck, learner):
    card = deck[0]
    states, entries = [s.snapshot(None)], []
    version = 0
    for minutes, rating in ((0, 3), (1, 1), (2, 3), (15, 3)):
        outcome = s.rate_card(learner=learner, flashcard=card, version=version, rating=rating,
                              now=NOW + timedelta(minutes=minutes), session="sessionAAA")
        version = outcome.card_state.version
        states.append(s.snapshot(outcome.card_state))
        entries.append(outcome.entry)
    assert s.last_undoable(learner=learner, session="sessionAAA") == entries[-1]
    for index in range(3, -1, -1):
        undone = s.last_undoable(learner=learner, session="sessionAAA")
        assert undone == entries[index]
        outcome = s.undo_entry(learner=learner, entry_id=undone.pk, now=NOW + timedelta(hours=1))
        assert s.snapshot(outcome.card_state) == states[index]
        assert s.replay_card(card_state=outcome.card_state) == states[index]
    assert s.last_undoable(learner=learner, session="sessionAAA") is None
    assert Review.objects.filter(learner=learner).count() == 4  # nothing deleted: all marked undone
    assert Review.objects.filter(learner=learner, undone=False).count() == 0
    # Undoing twice is a replay; the card is new again and first in its queue.
    assert s.undo_entry(learner=learner, entry_id=entries[0].pk, now=NOW).replayed
    assert s.build_queue(learner=learner, now=NOW + timedelta(hours=1)).card == card


def test_only_a_cards_latest_change_can_be_undone(deck, learner):
    first = s.rate_card(learner=learner, flashcard=deck[0], version=0, rating=3, now=NOW)
    s.rate_card(learner=learner, flashcard=deck[0], version=1, rating=3, now=NOW + timedelta(minutes=1))
    with pytest.raises(s.Conflict):
        s.undo_entry(learner=learner, entry_id=first.entry.pk, now=NOW)


def test_another_learners_entry_cannot_be_undone(deck, learner, other_learner):
    entry = s.rate_card(learner=learner, flashcard=deck[0], version=0, rating=3, now=NOW).entry
    with pytest.raises(Review.DoesNotExist):
        s.undo_entry(learner=other_learner, entry_id=entry.pk, now=NOW)


def test_bury_until_the_next_day_and_suspend_with_their_undo(deck, learner):
    s.save_settings(learner=learner, desired_retention=0.9, new_per_day=20, reviews_per_day=200,
                    learning_steps="1m 10m", relearning_steps="10m", maximum_interval=36500,
                    day_start_hour=4, time_zone="Asia/Tokyo")
    assert s.build_queue(learner=learner, now=NOW).card == deck[0]
    bury = s.bury_card(learner=learner, flashcard=deck[0], version=0, now=NOW, session="sessionBBB")
    # Buried until 04:00 Tokyo time (19:00 UTC) the next learner day.
    assert bury.card_state.buried_until == datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    assert s.build_queue(learner=learner, now=NOW).card == deck[1]
    assert s.build_queue(learner=learner, now=datetime(2026, 3, 2, 19, 0, tzinfo=UTC)).card == deck[0]
    s.undo_entry(learner=learner, entry_id=bury.entry.pk, now=NOW)
    assert s.build_queue(learner=learner, now=NOW).card == deck[0]

    suspend = s.suspend_card(learner=learner, flashcard=deck[0], version=2, now=NOW, session="sessionBBB")
    queue = s.build_queue(learner=learner, now=NOW + timedelta(days=30))
    assert queue.card == deck[1] and queue.counts.new == len(deck) - 1
    assert [st.flashcard for st in s.suspended_cards(learner=learner, topic=deck[0].topic)] == [deck[0]]
    s.undo_entry(learner=learner, entry_id=suspend.entry.pk, now=NOW)
    assert s.suspended_cards(learner=learner, topic=deck[0].topic) == []
    again = s.suspend_card(learner=learner, flashcard=deck[0], version=4, now=NOW)
    s.unsuspend_card(learner=learner, flashcard=deck[0], version=again.card_state.version, now=NOW)
    state = CardState.objects.get(learner=learner, flashcard=deck[0])
    assert not state.suspended and s.replay_card(card_state=state) == s.snapshot(state)


def test_an_identical_repeat_is_a_replay_and_a_conflicting_one_a_conflict(deck, learner):
    first = s.rate_card(learner=learner, flashcard=deck[0], version=0, rating=3, now=NOW)
    repeat = s.rate_card(learner=learner, flashcard=deck[0], version=0, rating=3, now=NOW + timedelta(seconds=2))
    assert repeat.replayed and repeat.entry == first.entry
    with pytest.raises(s.Conflict, match="already changed"):
        s.rate_card(learner=learner, flashcard=deck[0], version=0, rating=1, now=NOW)
    with pytest.raises(s.Conflict):
        s.bury_card(learner=learner, flashcard=deck[0], version=0, now=NOW)
    with pytest.raises(s.Conflict):
        s.rate_card(learner=learner, flashcard=deck[0], version=7, rating=3, now=NOW)
    state = CardState.objects.get(learner=learner, flashcard=deck[0])
    assert state.version == 1 and Review.objects.count() == 1
    with pytest.raises(ValueError):
        s.rate_card(learner=learner, flashcard=deck[1], version=0, rating=7, now=NOW)
    assert not CardState.objects.filter(flashcard=deck[1]).exists()


def test_a_due_date_change_without_a_rating_replays_as_that_change(deck, learner):
    s.rate_card(learner=learner, flashcard=deck[0], version=0, rating=4, now=NOW)
    later = NOW + timedelta(days=1)
    outcome = s.reschedule_card(learner=learner, flashcard=deck[0], due=later, now=NOW, reason="quiz miss")
    assert outcome.card_state.due == later and outcome.entry.kind == Review.RESCHEDULE
    s.rate_card(learner=learner, flashcard=deck[0], version=2, rating=3, now=later)
    state = CardState.objects.get(learner=learner, flashcard=deck[0])
    assert s.replay_card(card_state=state) == s.snapshot(state)
    with pytest.raises(ValueError):
        s.reschedule_card(learner=learner, flashcard=deck[1], due=later, now=NOW, reason="quiz miss")


def test_a_retired_card_leaves_the_queue_with_its_state_kept_and_comes_back(deck, learner):
    s.rate_card(learner=learner, flashcard=deck[0], version=0, rating=1, now=NOW)
    assert s.build_queue(learner=learner, now=NOW + timedelta(minutes=2)).card == deck[0]
    deck[0].retired = True
    deck[0].save()
    queue = s.build_queue(learner=learner, now=NOW + timedelta(minutes=2))
    assert queue.card == deck[1] and queue.counts.learning == 0
    deck[0].retired = False
    deck[0].save()
    queue = s.build_queue(learner=learner, now=NOW + timedelta(minutes=2))
    assert queue.card == deck[0] and queue.card_state.reps == 1


def test_clearing_an_expired_guest_removes_their_review_data(deck):
    from django.contrib.sessions.models import Session

    from studyapp.accounts.learners import clear_expired_guests
    from studyapp.accounts.models import Learner

    guest = Learner.objects.create(guest_session_key="gone-session-key")
    assert not Session.objects.filter(session_key="gone-session-key").exists()
    s.rate_card(learner=guest, flashcard=deck[0], version=0, rating=3, now=NOW)
    assert clear_expired_guests() == 1
    assert not CardState.objects.exists() and not Review.objects.exists() and not ReviewSettings.objects.exists()
