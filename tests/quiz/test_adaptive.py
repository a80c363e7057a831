"""Adaptive choice (issue 17): topic weights from this week's wrong answers, unseen and missed
questions first within a topic, no repeats, and "My weakest topics" with its reasons."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from studyapp.accounts.models import Learner
from studyapp.course.loading import load_course
from studyapp.course.models import Topic
from studyapp.quiz import attempts
from studyapp.quiz.attempts import record_answer, start_attempt
from studyapp.quiz.models import Answer, AttemptQuestion, Kind

from tests.coursefiles import write_course

from .conftest import topic

CHOICE = Kind.CHOICE


@pytest.fixture
def three_topics(db, tmp_path):
    """gru, lstm and bptt with 12 multiple-choice questions each (no term cards)."""
    root = write_course(tmp_path / "course", {
        "010-gru.toml": topic("gru", 10, 12, []),
        "020-lstm.toml": topic("lstm", 20, 12, []),
        "030-bptt.toml": topic("bptt", 30, 12, []),
    })
    load_course(root)
    return {t.slug: t for t in Topic.objects.all()}


@pytest.fixture
def learner(db):
    return Learner.objects.create(guest_session_key="adaptive-learner")


def answer(question, *, right):
    wrong = question.correct_option % len(question.options) + 1
    return record_answer(question=question, response=str(question.correct_option if right else wrong))


def practise(learner, topics, *, right_by_topic, seed=0):
    """One quiz over `topics` answered with `right_by_topic[slug]` right answers per topic, the
    rest wrong; returns {slug: (right, answered)}."""
    length = 12 * len(right_by_topic)  # every question of those topics
    attempt = start_attempt(learner=learner, topics=[topics[s] for s in right_by_topic], length=length,
                            kinds=[CHOICE], rng=random.Random(seed))
    done = Counter()
    for question in attempt.questions.all():
        slug = question.topic.slug
        answered, right = right_by_topic[slug]
        if done[slug] < answered:
            answer(question, right=done[slug] < right)
            done[slug] += 1
    return attempt


def expected_weight(right, answered):
    """The rule, computed independently: 1 + 3 * (wrong + 1) / (answered + 2)."""
    return 1 + 3 * ((answered - right) + 1) / (answered + 2)


def test_a_learner_who_misses_gru_gets_more_gru_over_many_quizzes(three_topics, learner):
    # This week: 6 GRU answers all wrong, 6 LSTM and 6 BPTT all right.
    first = start_attempt(learner=learner, topics=list(three_topics.values()), length=18, kinds=[CHOICE],
                          rng=random.Random(1))
    by_topic = Counter(q.topic.slug for q in first.questions.all())
    assert by_topic == {"gru": 6, "lstm": 6, "bptt": 6}  # equal weights: the topics take turns
    for question in first.questions.all():
        answer(question, right=question.topic.slug != "gru")
    records = attempts.topic_records(learner=learner, now=timezone.now())
    assert {three_topics[s].pk: r.weight for s, r in
            (("gru", records[three_topics["gru"].pk]), ("lstm", records[three_topics["lstm"].pk]))} == {
        three_topics["gru"].pk: pytest.approx(expected_weight(0, 6)),
        three_topics["lstm"].pk: pytest.approx(expected_weight(6, 6))}

    shares = Counter()
    quizzes = 150
    for seed in range(quizzes):  # unanswered quizzes do not change the weights
        attempt = start_attempt(learner=learner, topics=list(three_topics.values()), length=10,
                                kinds=[CHOICE], rng=random.Random(seed))
        slugs = [q.source_slug for q in attempt.questions.all()]
        assert len(slugs) == len(set(slugs)) == 10  # never twice in an attempt
        shares.update(q.topic.slug for q in attempt.questions.all())
    gru, lstm = expected_weight(0, 6), expected_weight(6, 6)
    expected_gru_share = gru / (gru + 2 * lstm)
    assert shares["gru"] / (10 * quizzes) == pytest.approx(expected_gru_share, abs=0.03)
    assert shares["gru"] > 2 * shares["lstm"] and shares["gru"] > 2 * shares["bptt"]
    assert abs(shares["lstm"] - shares["bptt"]) <= 0.05 * shares["lstm"]


def test_answers_older_than_a_week_do_not_weigh(three_topics, learner):
    attempt = practise(learner, three_topics, right_by_topic={"gru": (4, 0)})
    assert attempts.topic_records(learner=learner, now=timezone.now())[three_topics["gru"].pk].answered == 4
    Answer.objects.filter(question__attempt=attempt).update(answered=timezone.now() - timedelta(days=8))
    assert attempts.topic_records(learner=learner, now=timezone.now()) == {}


def test_within_a_topic_unseen_then_missed_questions_come_first(three_topics, learner):
    gru = three_topics["gru"]
    attempt = start_attempt(learner=learner, topics=[gru], length=10, kinds=[CHOICE], rng=random.Random(3))
    asked = list(attempt.questions.all())
    for question in asked[:8]:
        answer(question, right=True)
    for question in asked[8:]:
        answer(question, right=False)
    unseen = {f"gru-q{n}" for n in range(1, 13)} - {q.source_slug for q in asked}
    missed = {q.source_slug for q in asked[8:]}
    for seed in range(10):
        again = start_attempt(learner=learner, topics=[gru], length=5, kinds=[CHOICE], rng=random.Random(seed))
        slugs = {q.source_slug for q in again.questions.all()}
        assert unseen | missed <= slugs  # 2 unseen + 2 missed + 1 of the right ones


def test_my_weakest_topics_are_picked_by_the_rule_and_explained(three_topics, learner):
    practise(learner, three_topics, right_by_topic={"gru": (6, 2), "lstm": (6, 5)})
    weak = attempts.weakest_topics(learner=learner, now=timezone.now())
    assert [w.topic.slug for w in weak] == ["gru", "lstm", "bptt"]
    assert [str(w) for w in weak] == ["Topic gru: 2 of 6 right this week",
                                      "Topic lstm: 5 of 6 right this week",
                                      "Topic bptt: not tried this week"]
    assert weak[0].record.weight == pytest.approx(expected_weight(2, 6))

    quiz = start_attempt(learner=learner, topics=None, length=6, kinds=[CHOICE], weakest=True,
                         rng=random.Random(0))
    assert not quiz.all_topics
    assert {t.slug for t in quiz.topics.all()} == {"gru", "lstm", "bptt"}
    assert quiz.notice.startswith("Your weakest topics: Topic gru: 2 of 6 right this week; "
                                  "Topic lstm: 5 of 6 right this week; Topic bptt: not tried this week.")


def test_weakest_ranks_by_weight_and_an_all_right_topic_comes_after_untried_ones(three_topics, learner):
    practise(learner, three_topics, right_by_topic={"gru": (3, 3), "lstm": (2, 1), "bptt": (6, 3)})
    weak = attempts.weakest_topics(learner=learner, now=timezone.now(), count=3)
    # bptt 3 of 6 and lstm 1 of 2 weigh the same (2.5): more answers rank first; gru, with no
    # wrong answer, comes last.
    assert expected_weight(1, 2) == expected_weight(3, 6)
    assert [w.topic.slug for w in weak] == ["bptt", "lstm", "gru"]


def test_weakest_with_no_answers_says_so(three_topics, learner):
    quiz = start_attempt(learner=learner, topics=None, length=5, kinds=[CHOICE], weakest=True,
                         rng=random.Random(0))
    assert quiz.notice.startswith("You have not answered any questions this week")
    assert "Topic gru: not tried this week" in quiz.notice


def test_the_builder_states_the_rule_and_offers_my_weakest_topics(client, three_topics):
    page = client.get("/quiz/").content.decode()
    assert "My weakest topics" in page and "How questions are chosen" in page
    assert "1 + 3 × its share of wrong answers" in page
    response = client.post("/quiz/", {"weakest": "on", "length": 5, "kinds": [CHOICE]})
    assert response.status_code == 302
    attempt_question = AttemptQuestion.objects.get(position=1)
    first = client.get(response["Location"]).content.decode()
    assert "not tried this week" in first and attempt_question.attempt.notice in first.replace("&#x27;", "'")
