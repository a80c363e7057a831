"""A slice of a real review log (1,000 reviews of 126 cards) through rate_card: every card's state
equals fsrs fed the same reviews directly, and every card's log replays to its stored state."""

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

import fsrs
import pytest

from studyapp.review import scheduling as s
from studyapp.review.models import CardState, Review

from .conftest import make_deck

pytestmark = pytest.mark.django_db
LOG = Path(__file__).parent / "data" / "review_log_slice.csv"


def test_a_real_log_through_the_app_equals_fsrs_and_replays(learner):
    rows = list(csv.DictReader(LOG.open()))
    ids = list(dict.fromkeys(row["card_id"] for row in rows))
    cards = dict(zip(ids, make_deck((len(ids),)), strict=True))
    versions = dict.fromkeys(ids, 0)
    direct = {i: fsrs.Card(card_id=1) for i in ids}
    numbers = dict.fromkeys(ids, 0)
    scheduler = fsrs.Scheduler()
    for row in rows:
        card_id, rating = row["card_id"], int(row["review_rating"])
        when = datetime.fromisoformat(row["review_time"])
        shown = when - timedelta(milliseconds=int(row["review_duration"]))
        outcome = s.rate_card(learner=learner, flashcard=cards[card_id], version=versions[card_id],
                              rating=rating, now=when, shown_at=shown, session="reallog0001")
        versions[card_id] = outcome.card_state.version
        numbers[card_id] += 1
        random.seed(s.fuzz_seed(card_slug=cards[card_id].slug, review_number=numbers[card_id]))
        direct[card_id], _ = scheduler.review_card(direct[card_id], fsrs.Rating(rating), when)
    assert Review.objects.count() == 1000
    assert Review.objects.filter(duration_ms=60_000).exists()  # long answers capped
    durations = {int(r["review_duration"]) for r in rows if int(r["review_duration"]) < 60_000}
    assert set(Review.objects.values_list("duration_ms", flat=True)) - {60_000} <= durations
    for card_id, flashcard in cards.items():
        state = CardState.objects.get(learner=learner, flashcard=flashcard)
        expected = direct[card_id]
        assert (state.state, state.step, state.due, state.stability, state.difficulty) == (
            int(expected.state), expected.step, expected.due, expected.stability, expected.difficulty)
        assert s.replay_card(card_state=state) == s.snapshot(state)
    summary = s.session_summary(learner=learner, session="reallog0001")
    assert summary.reviews == 1000 and summary.cards == 126
    assert summary.again == sum(r["review_rating"] == "1" for r in rows)


def test_only_the_scheduling_module_imports_fsrs():
    root = Path(__file__).resolve().parents[2] / "studyapp"
    def importers(module):
        return sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                      if any(line.strip().split(" ")[:2] in (["import", module], ["from", module])
                             or line.strip().startswith((f"import {module}.", f"from {module}."))
                             for line in p.read_text().splitlines()))

    assert importers("fsrs") == ["review/scheduling.py"]
    assert importers("fsrs_rs_python") == ["review/optimizer.py"]  # the Rust optimiser
