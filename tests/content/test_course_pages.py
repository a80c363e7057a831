"""The whole course loads, and every topic page renders its math as MathML."""

import re

import pytest
from django.conf import settings

from studyapp.course.loading import load_course
from studyapp.course.models import Flashcard, Question, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return load_course(settings.COURSE_DIR)


def test_whole_course_loads_and_reloads_unchanged(course):
    assert course.created["topics"] == 14
    assert Question.objects.count() >= 45 and Flashcard.objects.count() >= 44 + 20
    assert load_course(settings.COURSE_DIR).summary() == "no changes"


def test_every_topic_page_renders_with_mathml(client, course):
    for topic in Topic.objects.live():
        page = client.get(topic.get_absolute_url())
        assert page.status_code == 200, topic.slug
        main = page.content.decode().split("<main", 1)[1]
        assert "<math" in main, topic.slug
        assert "$" not in re.sub(r"<code>.*?</code>", "", main, flags=re.S), topic.slug


def test_topic_list_counts_the_whole_course(client, course):
    topics = list(client.get("/").context["topics"])
    assert len(topics) == 14
    assert sum(t.card_count for t in topics) == Flashcard.objects.count()
    assert sum(t.question_count for t in topics) == Question.objects.count()
