"""Quiz attempts in the JSON backup: exported whole, restored exactly (a retired topic too), an
unfinished restored quiz carries on through the pages, and a damaged attempt is refused."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from studyapp.accounts.exports import RestoreError
from studyapp.accounts.models import Learner
from studyapp.course.loading import load_course
from studyapp.course.models import Topic
from studyapp.quiz.attempts import record_answer, start_attempt
from studyapp.quiz.models import Attempt, Kind
from tests.backups import attempts_data, backup_of, restore

pytestmark = pytest.mark.django_db


def quiz(learner, slugs, *, answered, length=5):
    attempt = start_attempt(learner=learner, topics=list(Topic.objects.filter(slug__in=slugs)), length=length,
                            kinds=[Kind.CHOICE, Kind.TERM])
    for question in attempt.questions.order_by("position")[:answered]:
        record_answer(question=question, response=str(question.correct_option or "gru"))
    return attempt


def test_an_attempt_on_a_retired_topic_keeps_it(quiz_course, learner):
    quiz(learner, ["beta"], answered=4)  # beta has 4 questions: a shorter quiz, finished
    quiz(learner, ["alpha", "beta"], answered=2)
    (quiz_course / "course" / "020-beta.toml").unlink()  # beta leaves the course
    load_course(quiz_course)
    assert Topic.objects.get(slug="beta").retired
    document = backup_of(learner)
    assert [a["topics"] for a in document["quiz"]] == [["beta"], ["alpha", "beta"]]
    other = Learner.objects.create(guest_session_key="restored")
    restore(other, document)
    assert attempts_data(other) == attempts_data(learner)
    assert Attempt.objects.filter(learner=other, topics__slug="beta").count() == 2


def test_an_unfinished_restored_quiz_carries_on_in_the_pages(quiz_course):
    ada, bob = Client(), Client()
    ada.post(reverse("quiz:builder"), {"all_topics": "on", "length": "6", "kinds": ["choice", "term"]})
    attempt = Attempt.objects.get()
    for question in attempt.questions.order_by("position")[:3]:
        ada.post(reverse("quiz:question", args=[attempt.pk, question.position]), {"dont_know": "on"})
    backup = b"".join(ada.get("/review/data/backup.json").streaming_content)
    restored = bob.post("/review/data/restore/", {"file": SimpleUploadedFile("b.json", backup)})
    assert restored.status_code == 200 and "1 quiz attempt (6 questions)" in restored.content.decode()
    copied = Attempt.objects.exclude(pk=attempt.pk).get()
    assert bob.get(reverse("quiz:attempt", args=[copied.pk])).url == reverse("quiz:question", args=[copied.pk, 4])
    assert ada.get(reverse("quiz:attempt", args=[copied.pk])).status_code == 404  # bob's, not ada's
    for client, which in ((ada, attempt), (bob, copied)):
        for position in (4, 5, 6):
            client.post(reverse("quiz:question", args=[which.pk, position]), {"dont_know": "on"})
        which.refresh_from_db()
        assert which.finished is not None
    results = bob.get(reverse("quiz:results", args=[copied.pk]))
    assert results.status_code == 200 and "0 of 6 right" in results.content.decode()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("kind", "numeric", "question 1: its params are not a generated question this site can grade"),
    ("kind", "term", "question 1: a typed question has no options"),
    ("correct_option", 9, "question 1: correct_option is the position of one of its 4 options"),
    ("options", [{"text": "only one"}], "question 1: options is a list of 2 to 20 options"),
    ("params", {"seed": 3}, "question 1: only a calculation has params"),
    ("topic_title", "x" * 201, "question 1: topic_title is a text of at most 200 characters"),
    ("stem", "", "question 1: its stem is empty"),
    ("answer", {"response": "7", "outcome": "right", "answered": "2026-01-01T00:00:00+00:00"},
     "question 1, answer: the response to a multiple-choice question is an option's position"),
])
def test_a_damaged_question_names_it_and_nothing_is_stored(quiz_course, learner, field, value, message):
    quiz(learner, ["alpha"], answered=5)
    document = backup_of(learner)
    question = next(q for q in document["quiz"][0]["questions"] if q["kind"] == Kind.CHOICE)
    question.update({field: value, "position": 1})
    document["quiz"][0]["questions"] = [question]
    other = Learner.objects.create(guest_session_key="restored")
    with pytest.raises(RestoreError, match=f"^quiz attempt 1, {message}"):
        restore(other, json.loads(json.dumps(document)))
    assert not Attempt.objects.filter(learner=other).exists()


def test_a_generated_question_is_checked_as_the_grader_reads_it(small_course, learner):
    """The course's calculations (hidden state): their params hold the generated question."""
    attempt = start_attempt(learner=learner, topics=list(Topic.objects.filter(slug="hidden-state")), length=5,
                            kinds=[Kind.NUMERIC_TYPED])
    record_answer(question=attempt.questions.get(position=1), response="0.5")
    document = backup_of(learner)
    other = Learner.objects.create(guest_session_key="restored")
    for damage in ({"answer": "many"}, {"tolerance": -0.5}, {"options": 3}):
        broken = json.loads(json.dumps(document))
        broken["quiz"][0]["questions"][0]["params"].update(damage)
        with pytest.raises(RestoreError, match="^quiz attempt 1, question 1: its params are not a generated question"):
            restore(other, broken)
    restore(other, document)
    assert attempts_data(other) == attempts_data(learner)
