"""Building attempts (length, kinds, top-ups, shorter quizzes), snapshots, answering, resuming."""

import random
from collections import Counter

import pytest

from studyapp.course.loading import load_course
from studyapp.course.models import Question, Topic
from studyapp.quiz import attempts
from studyapp.quiz.attempts import AnswerConflict, record_answer, start_attempt
from studyapp.quiz.backup import export_attempts
from studyapp.quiz.models import Answer, Kind, Outcome
from studyapp.quiz.results import attempt_results

from .conftest import quiz_course_files

CHOICE, TERM = Kind.CHOICE, Kind.TERM


def topics(*slugs):
    return list(Topic.objects.filter(slug__in=slugs))


def build(learner, *, slugs=None, length=10, kinds=(CHOICE, TERM), seed=0):
    return start_attempt(learner=learner, topics=None if slugs is None else topics(*slugs),
                         length=length, kinds=kinds, rng=random.Random(seed))


def test_a_quiz_of_the_chosen_kinds_and_length_needs_no_notice(quiz_course, learner):
    attempt = build(learner, length=8, kinds=[CHOICE])
    questions = list(attempt.questions.all())
    assert [q.position for q in questions] == list(range(1, 9))
    assert {q.kind for q in questions} == {CHOICE}
    assert attempt.notice == "" and attempt.all_topics
    # Spread over the topics: beta's two questions are both in before alpha fills the rest.
    assert Counter(q.topic.slug for q in questions) == {"alpha": 6, "beta": 2}


def test_topics_take_turns(quiz_course, learner):
    attempt = build(learner, length=5, kinds=[CHOICE, TERM])
    by_topic = Counter(q.topic.slug for q in attempt.questions.all())
    assert by_topic["beta"] >= 2 and by_topic["alpha"] >= 2


def test_too_few_of_the_chosen_kinds_are_topped_up_with_others_and_it_says_so(quiz_course, learner):
    attempt = build(learner, slugs=["alpha"], length=8, kinds=[CHOICE])
    kinds = Counter(q.kind for q in attempt.questions.all())
    assert kinds == {CHOICE: 6, TERM: 2}
    assert attempt.notice == ("The chosen topics have only 6 multiple-choice questions, so "
                              "2 term-recall questions were added to make 8.")
    assert {q.topic.slug for q in attempt.questions.all()} == {"alpha"}


def test_when_even_the_top_up_falls_short_the_quiz_is_shorter_and_says_so(quiz_course, learner):
    attempt = build(learner, slugs=["alpha"], length=20, kinds=[TERM])
    assert attempt.questions.count() == 9  # 3 terms + 6 questions
    assert attempt.notice == ("The chosen topics have only 3 term-recall questions, so 6 "
                              "multiple-choice questions were added; with nothing more to add, "
                              "this quiz has 9 questions instead of 20.")
    attempt = build(learner, slugs=["beta"], length=10, kinds=[CHOICE, TERM])
    assert attempt.questions.count() == 4
    assert attempt.notice == "These topics have only 4 questions in all, so this quiz has 4 instead of 10."


def test_a_card_not_marked_as_a_term_is_never_asked(quiz_course, learner):
    attempt = build(learner, length=50, kinds=[TERM])
    slugs = {q.source_slug for q in attempt.questions.filter(kind=TERM)}
    assert slugs == {"alpha-update-gate", "alpha-gru", "alpha-bptt", "beta-cell-state", "beta-mse"}


@pytest.mark.parametrize("kwargs, message", [
    ({"length": 4}, "5 to 50"), ({"length": 51}, "5 to 50"),
    ({"kinds": []}, "at least one kind"), ({"kinds": ["essay"]}, "Unknown kind"),
    ({"slugs": []}, "at least one topic"),
])
def test_bad_requests_are_value_errors(quiz_course, learner, kwargs, message):
    with pytest.raises(ValueError, match=message):
        build(learner, **kwargs)


def test_topics_without_questions_are_a_value_error(db, tmp_path, learner):
    from tests.coursefiles import write_course
    write_course(tmp_path, {"010-empty.toml": 'slug = "empty"\ntitle = "E"\norder = 1\nsummary = "S."\n'})
    load_course(tmp_path)
    with pytest.raises(ValueError, match="no questions"):
        build(learner, slugs=["empty"])


def test_options_are_shuffled_per_attempt_and_the_snapshot_keeps_them(quiz_course, learner):
    course_question = Question.objects.get(slug="alpha-q1")
    texts = [o.text for o in course_question.options.all()]
    orders, correct_positions = set(), set()
    for seed in range(12):
        attempt = build(learner, slugs=["alpha"], length=6, kinds=[CHOICE], seed=seed)
        question = attempt.questions.get(source_slug="alpha-q1")
        shown = [o["text"] for o in question.options]
        assert sorted(shown) == sorted(texts)
        assert shown[question.correct_option - 1] == course_question.correct_option.text
        assert question.explanation == course_question.explanation
        orders.add(tuple(shown))
        correct_positions.add(question.correct_option)
    assert len(orders) > 3 and len(correct_positions) > 1


def test_a_term_question_shows_the_definition_and_accepts_the_term(quiz_course, learner):
    attempt = build(learner, slugs=["alpha"], length=9, kinds=[TERM])
    question = attempt.questions.get(source_slug="alpha-update-gate")
    assert question.stem == "Decides how much of the old state to keep."
    assert question.accepted == ["Update gate"] and question.answer_text == "Update gate ($z_t$)"
    assert record_answer(question=question, response="update gate").answer.outcome == Outcome.RIGHT


def test_a_course_reload_after_an_attempt_leaves_it_intact(quiz_course, learner):
    attempt = build(learner, slugs=["alpha"], length=6, kinds=[CHOICE])
    question = attempt.questions.get(source_slug="alpha-q1")
    record_answer(question=question, response=str(question.correct_option))
    before = [(q.stem, q.options, q.correct_option, q.explanation) for q in attempt.questions.all()]
    score = attempt_results(attempt).tally

    # The course changes under it: options reworded and renumbered, then items retired.
    alpha = (quiz_course / "course" / "010-alpha.toml")
    text = alpha.read_text().replace("alpha-q1 option 2", "a reworded right option")
    text = text.replace('  correct = true\n', '', 1).replace(
        '  text = "alpha-q1 option 4"\n', '  text = "alpha-q1 option 4"\n  correct = true\n', 1)
    alpha.write_text(text.replace("Because alpha-q1 says so.", "A new explanation."))
    load_course(quiz_course)
    assert Question.objects.get(slug="alpha-q1").correct_option.text == "alpha-q1 option 4"
    quiz_course_files(quiz_course, alpha_questions=0)  # every alpha question retired
    load_course(quiz_course)

    after = [(q.stem, q.options, q.correct_option, q.explanation) for q in attempt.questions.all()]
    assert after == before
    assert attempt_results(attempt).tally == score
    assert attempts.record_answer(question=question, response=str(question.correct_option)).replay


def test_the_identical_answer_again_is_the_recorded_one_a_different_one_conflicts(quiz_course, learner):
    attempt = build(learner, slugs=["alpha"], length=6, kinds=[CHOICE])
    question = attempt.questions.first()
    wrong = str(question.correct_option % 4 + 1)
    first = record_answer(question=question, response=wrong)
    assert not first.replay and first.answer.outcome == Outcome.WRONG
    again = record_answer(question=question, response=wrong)
    assert again.replay and again.answer.pk == first.answer.pk
    with pytest.raises(AnswerConflict) as conflict:
        record_answer(question=question, response=str(question.correct_option))
    assert conflict.value.answer.pk == first.answer.pk
    assert Answer.objects.filter(question=question).count() == 1
    assert Answer.objects.get(question=question).outcome == Outcome.WRONG


def test_resuming_goes_to_the_first_open_question_and_the_last_answer_finishes(quiz_course, learner):
    attempt = build(learner, length=5, kinds=[CHOICE])
    questions = list(attempt.questions.all())
    for question in (questions[0], questions[1], questions[3]):
        record_answer(question=question, response="1")
    assert attempts.resume_position(attempt) == 3
    assert attempts.next_position(attempt, after=3) == 5
    assert attempts.next_position(attempt, after=5) == 3
    attempt.refresh_from_db()
    assert attempt.finished is None
    record_answer(question=questions[2], response="1")
    record_answer(question=questions[4], response="")
    attempt.refresh_from_db()
    assert attempt.finished is not None
    assert attempts.resume_position(attempt) is None


def test_what_was_not_asked_or_answered_wrong_comes_first_next_time(quiz_course):
    from studyapp.accounts.models import Learner
    for seed in range(5):
        learner = Learner.objects.create(guest_session_key=f"priority-{seed}")
        first = build(learner, slugs=["alpha"], length=5, kinds=[CHOICE], seed=seed)  # 5 of 6
        asked = list(first.questions.all())
        for question in asked[1:]:
            record_answer(question=question, response=str(question.correct_option))
        record_answer(question=asked[0], response=str(asked[0].correct_option % 4 + 1))
        unasked = {f"alpha-q{n}" for n in range(1, 7)} - {q.source_slug for q in asked}
        second = build(learner, slugs=["alpha"], length=5, kinds=[CHOICE], seed=seed + 100)
        slugs = {q.source_slug for q in second.questions.all()}
        assert unasked <= slugs and asked[0].source_slug in slugs


def test_the_export_holds_every_attempt_with_its_snapshot_and_answers(quiz_course, learner):
    attempt = build(learner, slugs=["beta"], length=5)
    question = attempt.questions.first()
    record_answer(question=question, response="x")
    [row] = export_attempts(learner)
    assert row["topics"] == ["beta"] and len(row["questions"]) == 4
    exported = row["questions"][0]
    assert exported["stem"] == question.stem and exported["answer"]["response"] == "x"
    assert row["questions"][1]["answer"] is None


def test_a_definition_that_names_its_term_has_it_blanked_outside_math():
    from studyapp.quiz.attempts import masked
    assert masked("A GRU is a leaky unit; leaky units leak $leaky unit$ and `leaky unit`.",
                  ["Leaky unit"]) == ("A GRU is a \\_\\_\\_\\_; \\_\\_\\_\\_ leak $leaky unit$ "
                                      "and `leaky unit`.")
    assert masked("An LSTM-like unit", ["LSTM"]) == "An LSTM-like unit"
    assert masked("Uses z", ["z"]) == "Uses z"
