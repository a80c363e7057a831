"""Review fixtures: a small deck made directly (two topics, a few cards each), learners."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from studyapp.accounts.models import Learner
from studyapp.course.models import Flashcard, Source, Topic

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def make_deck(cards_per_topic=(3, 2)):
    source = Source.objects.get_or_create(key="000", defaults={"title": "t", "filename": "000.txt"})[0]
    cards = []
    for t, count in enumerate(cards_per_topic):
        topic = Topic.objects.create(slug=f"topic-{t}", title=f"Topic {t}", summary="s", order=t * 10,
                                     source_path=f"{t}.toml")
        for i in range(count):
            cards.append(Flashcard.objects.create(
                slug=f"card-{t}-{i}", topic=topic, position=i + 1, source=source,
                front=f"Front {t}.{i} with $h_t$", back=f"Back {t}.{i}"))
    return cards


@pytest.fixture
def deck(db):
    return make_deck()


@pytest.fixture
def learner(db):
    user = get_user_model().objects.create_user("ada")
    return Learner.objects.create(user=user)


@pytest.fixture
def other_learner(db):
    user = get_user_model().objects.create_user("bob")
    return Learner.objects.create(user=user)
