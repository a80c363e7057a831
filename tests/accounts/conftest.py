"""Account fixtures: the review deck, a guest session with a learner, users with passwords."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from studyapp.accounts.learners import SESSION_KEY
from studyapp.accounts.models import Learner
from studyapp.review import scheduling as s
from studyapp.review.models import CardState, Review

from ..review.conftest import make_deck

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PASSWORD = "a long study passphrase"


@pytest.fixture
def deck(db):
    return make_deck()


def make_guest(client: Client) -> Learner:
    """A guest learner tied to the client's session, as current_learner(create=True) makes it."""
    client.get("/")  # a session cookie
    session = client.session
    session.save()
    learner = Learner.objects.create(guest_session_key=session.session_key)
    session[SESSION_KEY] = learner.pk
    session.save()
    client.cookies["sessionid"] = session.session_key
    return learner


def rate(learner, card, rating, when, session="sess000001"):
    version = CardState.objects.filter(learner=learner, flashcard=card).values_list("version", flat=True).first() or 0
    return s.rate_card(learner=learner, flashcard=card, version=version, rating=rating, now=when, session=session)


def states_of(learner):
    return {c.flashcard_id: (s.snapshot(c), c.version)
            for c in CardState.objects.filter(learner=learner)}


def log_of(learner):
    return list(Review.objects.filter(learner=learner).order_by("pk").values(
        "pk", "card_state__flashcard", "kind", "rating", "reviewed_at", "state_before", "state_after",
        "version_before", "version_after", "undone", "settings", "session"))


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("ada", email="ada@example.org", password=PASSWORD)


@pytest.fixture
def studied_user(user, deck):
    """ada, with a learner who rated the first two cards."""
    learner = Learner.objects.create(user=user)
    rate(learner, deck[0], 3, NOW - timedelta(days=2))
    rate(learner, deck[0], 3, NOW - timedelta(days=2) + timedelta(minutes=10))
    rate(learner, deck[1], 1, NOW - timedelta(days=1))
    return user
