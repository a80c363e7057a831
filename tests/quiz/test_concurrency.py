"""Answers arriving at the same moment (two tabs, a double submit): one is recorded, the attempt
is finished exactly once. Needs concurrent writers: PostgreSQL (make test-postgres)."""

import random
import threading

import pytest
from django.db import connection

from studyapp.accounts.models import Learner
from studyapp.course.loading import load_course
from studyapp.quiz.attempts import AnswerConflict, record_answer, start_attempt
from studyapp.quiz.models import Answer, AttemptQuestion, Kind

from .conftest import quiz_course_files

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(actions):
    barrier, outcomes = threading.Barrier(len(actions)), []

    def run(action):
        try:
            barrier.wait()
            outcomes.append(action())
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def attempt(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL; run by make test-postgres)")
    load_course(quiz_course_files(tmp_path))
    learner = Learner.objects.create(guest_session_key="concurrent")
    return start_attempt(learner=learner, topics=None, length=5, kinds=[Kind.CHOICE],
                         rng=random.Random(0))


def test_different_answers_at_once_record_one_and_conflict_the_others(attempt):
    question = attempt.questions.first()
    responses = ["1", "2", "3", "4", "1", "2"]
    outcomes = run_at_once([
        lambda r=r: record_answer(question=AttemptQuestion.objects.get(pk=question.pk), response=r)
        for r in responses])
    answer = Answer.objects.get(question=question)
    recorded = [o for o in outcomes if not isinstance(o, Exception)]
    conflicts = [o for o in outcomes if isinstance(o, AnswerConflict)]
    assert len(recorded) + len(conflicts) == len(responses), outcomes
    assert sum(not o.replay for o in recorded) == 1
    assert all(o.answer.response == answer.response for o in recorded)
    assert all(c.answer.pk == answer.pk for c in conflicts)


def test_the_last_answers_arriving_together_finish_the_attempt(attempt):
    questions = list(attempt.questions.all())
    for question in questions[:3]:
        record_answer(question=question, response="1")
    outcomes = run_at_once([lambda q=q: record_answer(question=q, response="2") for q in questions[3:]])
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    attempt.refresh_from_db()
    assert attempt.finished is not None
