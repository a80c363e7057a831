"""Whatever a learner does (ratings, bury, suspend, unsuspend, undo, due-date changes, at any
times), every card's log replays through fsrs to its stored state."""

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.review import scheduling as s
from studyapp.review.models import CardState, Review

from .conftest import NOW

pytestmark = pytest.mark.django_db

actions = st.lists(st.tuples(
    st.sampled_from(["rate", "rate", "rate", "bury", "suspend", "unsuspend", "undo", "reschedule"]),
    st.integers(0, 2),  # which card
    st.integers(1, 4),  # rating
    st.integers(0, 60 * 24 * 20),  # minutes later
), max_size=25)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions)
def test_any_history_replays_to_the_stored_state(deck, learner, steps):
    with transaction.atomic():
        now = NOW
        for action, index, rating, minutes in steps:
            now += timedelta(minutes=minutes)
            card = deck[index]
            state = CardState.objects.filter(learner=learner, flashcard=card).first()
            version = state.version if state else 0
            try:
                if action == "rate":
                    s.rate_card(learner=learner, flashcard=card, version=version, rating=rating, now=now,
                                session="property")
                elif action == "bury":
                    s.bury_card(learner=learner, flashcard=card, version=version, now=now, session="property")
                elif action == "suspend" and not (state and state.suspended):
                    s.suspend_card(learner=learner, flashcard=card, version=version, now=now, session="property")
                elif action == "unsuspend" and state and state.suspended:
                    s.unsuspend_card(learner=learner, flashcard=card, version=version, now=now, session="property")
                elif action == "undo":
                    entry = s.last_undoable(learner=learner, session="property")
                    if entry is not None:
                        s.undo_entry(learner=learner, entry_id=entry.pk, now=now)
                elif action == "reschedule" and state and state.state != CardState.NEW:
                    s.reschedule_card(learner=learner, flashcard=card, due=now + timedelta(hours=rating),
                                      now=now, reason="test")
            except s.Conflict:
                pytest.fail("a change from the current version conflicted")
            # The queue never offers a suspended or buried card.
            head = s.build_queue(learner=learner, now=now)
            if head.card_state is not None:
                assert not head.card_state.suspended
                assert head.card_state.buried_until is None or head.card_state.buried_until <= now
        for state in CardState.objects.filter(learner=learner):
            assert s.replay_card(card_state=state) == s.snapshot(state)
            assert state.reps == Review.objects.filter(card_state=state, kind=Review.RATING, undone=False).count()
        transaction.set_rollback(True)
