"""The queue in Anki's order, learn-ahead, and the daily limits by the learner's day."""

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.review import scheduling as s
from studyapp.review.models import CardState

from .conftest import NOW, make_deck

pytestmark = pytest.mark.django_db


def configure(learner, **changes):
    values = {"desired_retention": 0.9, "new_per_day": 20, "reviews_per_day": 200,
              "learning_steps": "1m 10m", "relearning_steps": "10m", "maximum_interval": 36500,
              "day_start_hour": 4, "time_zone": "UTC"} | changes
    return s.save_settings(learner=learner, **values)


def rate(learner, card, rating, when):
    version = CardState.objects.filter(learner=learner, flashcard=card).values_list("version", flat=True).first() or 0
    return s.rate_card(learner=learner, flashcard=card, version=version, rating=rating, now=when).card_state


def test_learning_then_reviews_due_today_then_new_in_course_order(learner):
    a0, a1, a2, b0, b1 = make_deck()
    configure(learner)
    rate(learner, a2, 4, NOW - timedelta(days=30))  # a review card, due later...
    CardState.objects.filter(flashcard=a2).update(due=NOW + timedelta(hours=5))  # ...today (day ends 04:00)
    rate(learner, b1, 1, NOW - timedelta(minutes=5))  # learning, due 1 minute after: due now
    queue = s.build_queue(learner=learner, now=NOW)
    assert (queue.kind, queue.card) == ("learning", b1)
    assert queue.counts == s.Counts(new=3, learning=1, review=1)
    rate(learner, b1, 3, NOW)  # to its 10m step
    queue = s.build_queue(learner=learner, now=NOW)
    assert (queue.kind, queue.card) == ("review", a2)  # due at 17:00 but today: shown now
    rate(learner, a2, 3, NOW)
    queue = s.build_queue(learner=learner, now=NOW)
    assert (queue.kind, queue.card) == ("new", a0)
    assert queue.counts == s.Counts(new=3, learning=0, review=0)
    for card in (a0, a1, b0):
        assert s.build_queue(learner=learner, now=NOW).card == card
        rate(learner, card, 4, NOW)
    # Nothing else left: the learning card due in 10 minutes comes early (learn-ahead, 20 min).
    queue = s.build_queue(learner=learner, now=NOW + timedelta(minutes=1))
    assert (queue.kind, queue.card, queue.counts.learning) == ("ahead", b1, 1)
    rate(learner, b1, 3, NOW + timedelta(minutes=1))
    queue = s.build_queue(learner=learner, now=NOW + timedelta(minutes=1))
    assert queue.card is None and queue.counts.total == 0
    assert queue.next_due == min(CardState.objects.values_list("due", flat=True))


def test_a_topics_queue_holds_only_its_cards(learner):
    a0, a1, a2, b0, b1 = make_deck()
    queue = s.build_queue(learner=learner, topic=b0.topic, now=NOW)
    assert queue.card == b0 and queue.counts.new == 2


def test_daily_limits_follow_the_learners_day_in_their_zone(learner):
    cards = make_deck((6,))
    configure(learner, new_per_day=2, reviews_per_day=3, time_zone="Asia/Tokyo", day_start_hour=4)
    tokyo_23h = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    for card in cards[:2]:
        rate(learner, card, 4, tokyo_23h)  # Easy: straight to review
    assert s.build_queue(learner=learner, now=tokyo_23h).counts.new == 0
    # 03:59 the next morning is still the same learner day; 04:00 starts a new one.
    assert s.build_queue(learner=learner, now=datetime(2026, 3, 2, 18, 59, tzinfo=UTC)).counts.new == 0
    assert s.build_queue(learner=learner, now=datetime(2026, 3, 2, 19, 0, tzinfo=UTC)).counts.new == 2


def test_a_one_day_card_rated_in_the_evening_is_due_the_next_morning(learner):
    (card,) = make_deck((1,))
    configure(learner, time_zone="Europe/Berlin", day_start_hour=4)
    evening = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # 20:00 in Berlin
    rate(learner, card, 4, evening)
    CardState.objects.filter(flashcard=card).update(due=evening + timedelta(days=1))  # a 1-day interval
    assert s.build_queue(learner=learner, now=datetime(2026, 6, 2, 1, 59, tzinfo=UTC)).counts.review == 0
    morning = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)  # 04:00 in Berlin: due "today" though at 20:00
    queue = s.build_queue(learner=learner, now=morning)
    assert queue.counts.review == 1 and queue.card == card


def test_the_review_limit_caps_reviews_and_new_cards_and_resets_across_daylight_saving(learner):
    cards = make_deck((8,))
    configure(learner, new_per_day=10, reviews_per_day=4, time_zone="America/New_York", day_start_hour=4)
    start = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    for card in cards[:5]:
        rate(learner, card, 4, start)
    CardState.objects.filter(flashcard__in=cards[:5]).update(due=datetime(2026, 3, 7, 12, tzinfo=UTC))
    # The day of 2026-03-07 04:00 EST to 2026-03-08 04:00 EDT (23 hours): 5 reviews due, limit 4.
    saturday = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
    queue = s.build_queue(learner=learner, now=saturday)
    assert queue.counts == s.Counts(new=0, learning=0, review=4)
    for _ in range(2):
        rate(learner, queue.card, 3, saturday)
        queue = s.build_queue(learner=learner, now=saturday)
    assert queue.counts.review == 2
    # 03:30 EDT on the 8th (07:30 UTC) is still Saturday's learner day; 04:00 EDT (08:00 UTC) is not.
    assert s.build_queue(learner=learner, now=datetime(2026, 3, 8, 7, 30, tzinfo=UTC)).counts.review == 2
    sunday = s.build_queue(learner=learner, now=datetime(2026, 3, 8, 8, 0, tzinfo=UTC))
    assert sunday.counts.review == 3  # the 3 left, within a fresh limit of 4
    assert sunday.counts.new == 1  # new cards fill what the review limit leaves


def test_a_guest_without_a_learner_sees_the_new_cards(db):
    cards = make_deck()
    queue = s.build_queue(learner=None, now=NOW)
    assert queue.card == cards[0] and queue.counts == s.Counts(new=5)


def test_due_counts_by_topic_equal_each_topics_queue(learner):
    cards = make_deck((3, 2))
    rate(learner, cards[0], 1, NOW - timedelta(minutes=5))
    rate(learner, cards[3], 4, NOW - timedelta(days=10))
    CardState.objects.filter(flashcard=cards[3]).update(due=NOW)
    counts = s.due_counts_by_topic(learner=learner, now=NOW)
    for card in (cards[0], cards[3]):
        assert counts[card.topic_id] == s.build_queue(learner=learner, topic=card.topic, now=NOW).counts
    assert counts[cards[0].topic_id] == s.Counts(new=2, learning=1, review=0)
    assert counts[cards[3].topic_id] == s.Counts(new=1, learning=0, review=1)
