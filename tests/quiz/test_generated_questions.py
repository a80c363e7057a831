"""Generated calculations in a quiz: chosen on the builder, kept whole in the attempt's snapshot
with their seed (a resumed attempt shows the same numbers), asked as multiple choice and as
typed input, a wrong pick or a typed mistake named in the feedback, the worked solution as
MathML after answering, and nothing of the answer or the solution in the page before."""

import re

import pytest
from django.urls import reverse

from studyapp.course.rendering import render_inline, render_markdown
from studyapp.quiz import generation
from studyapp.quiz.models import Answer, Attempt, Kind

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TOPICS = ["hidden-state", "lstm"]     # 4 + 2 generators


@pytest.fixture
def real_course(db, settings):
    from studyapp.course.loading import load_course

    return load_course(settings.COURSE_DIR)


def start(client, kind, length=5, topics=TOPICS):
    response = client.post(reverse("quiz:builder"), {"topics": topics, "length": str(length),
                                                     "kinds": [kind]})
    assert response.status_code == 302, response.content.decode()[:3000]
    return Attempt.objects.latest("pk")


def url(question):
    return reverse("quiz:question", args=[question.attempt_id, question.position])


def page(client, question):
    html = client.get(url(question)).content.decode()
    return re.sub(r'[A-Za-z0-9]{64}|nonce="[^"]*"', "", html)     # CSRF tokens, CSP nonces


def test_the_builder_offers_calculations_with_counts(client, real_course):
    html = client.get(reverse("quiz:builder")).content.decode()
    assert 'value="numeric"' in html and 'value="numeric_typed"' in html
    assert "Calculation, multiple choice" in html and "Calculation, typed answer" in html
    n = len(generation.generators_for(["hidden-state"]))
    assert f"· {n} calculations" in html


def test_a_calculation_quiz_is_generated_and_kept_with_its_seed(client, real_course):
    attempt = start(client, Kind.NUMERIC_CHOICE)
    questions = list(attempt.questions.all())
    assert len(questions) == 5 and {q.kind for q in questions} == {Kind.NUMERIC_CHOICE}
    assert len({q.source_slug for q in questions}) == 5
    for question in questions:
        params = question.params
        assert params["generator"] == question.source_slug
        again = generation.generate(params["generator"], params["seed"])
        assert again.as_dict() == params                      # the seed gives the same question
        assert question.stem == again.stem
        assert [o["text"] for o in question.options] == [o.text for o in again.options]
        assert question.correct_option == again.correct_option
        assert question.topic.slug == again.topic


def test_a_resumed_attempt_shows_the_same_numbers(client, real_course):
    attempt = start(client, Kind.NUMERIC_CHOICE)
    first = attempt.questions.get(position=1)
    before = page(client, first)
    response = client.get(reverse("quiz:attempt", args=[attempt.pk]))
    assert response.url == url(first)
    assert page(client, first) == before
    for option in first.options:
        assert option["text"] in before.replace("&#x27;", "'") or "<math" in before


@pytest.mark.parametrize("kind", [Kind.NUMERIC_CHOICE, Kind.NUMERIC_TYPED])
def test_nothing_of_the_answer_or_solution_before_answering(client, real_course, kind):
    attempt = start(client, kind)
    for question in attempt.questions.all():
        html = page(client, question)
        generated = generation.GeneratedQuestion.from_dict(question.params)
        assert "Worked solution" not in html
        for step in generated.solution:
            assert step.note not in html or step.note in question.stem
        for option in generated.options:
            if option.mistake:
                assert option.mistake not in html and option.explanation[:30] not in html
        assert "is-correct" not in html and "right answer" not in html
        assert str(generated.seed) not in html
        assert "Answer:" not in html
        if kind == Kind.NUMERIC_TYPED:
            assert 'name="answer"' in html and 'name="option"' not in html
            # neither the exact answer nor any option value (the stem's own numbers aside), as a
            # whole number in the page's main part (a digit run elsewhere may contain it by chance)
            body = html.split("<main", 1)[1].split("</main>", 1)[0].replace(render_markdown(question.stem), "")
            exact = re.escape(repr(generated.answer[0]))
            assert not re.search(rf"(?<![\d.]){exact}(?![\d])", body)
            shown = render_inline(generated.answer_text)
            assert shown not in html or shown in render_markdown(question.stem)


def test_a_wrong_pick_names_its_mistake_and_shows_the_worked_solution(client, real_course):
    attempt = start(client, Kind.NUMERIC_CHOICE)
    question = attempt.questions.get(position=1)
    wrong = next(n for n, option in enumerate(question.options, 1) if n != question.correct_option)
    mistake = question.params["options"][wrong - 1]["mistake"]
    response = client.post(url(question), {"option": str(wrong)}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not quite." in html
    assert named(mistake) in html
    assert "Worked solution" in html and "<math" in html.split("Worked solution")[1]
    assert Answer.objects.get(question=question).outcome == "wrong"
    right = attempt.questions.get(position=2)
    html = client.post(url(right), {"option": str(right.correct_option)}, **HTMX).content.decode()
    assert "Right." in html and "Worked solution" in html
    results = client.get(reverse("quiz:results", args=[attempt.pk])).content.decode()
    assert named(mistake) in results                        # the results name it too
    assert results.count("result-why") == 2                 # solutions of the answered two only


def named(mistake):
    """A mistake's name as the feedback renders it: bold, math as MathML."""
    return render_inline(f"**{mistake}.**")


def typed_question(client):
    attempt = start(client, Kind.NUMERIC_TYPED, topics=["hidden-state", "loss-functions"])
    question = next(q for q in attempt.questions.all() if q.params["typed_length"] == 2) \
        if any(q.params["typed_length"] == 2 for q in attempt.questions.all()) \
        else attempt.questions.get(position=1)
    return attempt, question


def test_typed_wrong_length_or_text_asks_again_and_is_not_counted(client, real_course):
    attempt, question = typed_question(client)
    n = question.params["typed_length"]
    too_many = ", ".join(["0.5"] * (n + 1))
    for text, message in ((too_many, f"you typed {n + 1}"), ("zero point five", "is not a number"),
                          ("[0.5, 1", "not closed")):
        response = client.post(url(question), {"answer": text}, **HTMX)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Answer.objects.filter(question=question).exists()


def test_typed_right_within_tolerance_and_replay(client, real_course):
    attempt, question = typed_question(client)
    generated = generation.GeneratedQuestion.from_dict(question.params)
    typed = ", ".join(f"{v:.{generated.decimals}f}".replace("-", "−") for v in generated.answer)
    response = client.post(url(question), {"answer": f"[{typed}]"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Right." in html and "Worked solution" in html and "The right answer" in html
    assert client.post(url(question), {"answer": typed}, **HTMX).status_code == 200  # same numbers
    conflict = client.post(url(question), {"answer": ", ".join(["99"] * len(generated.answer))},
                           **HTMX)
    assert conflict.status_code == 409
    assert Answer.objects.get(question=question).outcome == "right"


def test_a_typed_mistake_is_named(client, real_course):
    attempt, question = typed_question(client)
    generated = generation.GeneratedQuestion.from_dict(question.params)
    mistake = next(o for o in generated.options if o.mistake)
    typed = " ".join(f"{v:.{generated.decimals}f}" for v in mistake.value)
    html = client.post(url(question), {"answer": typed}, **HTMX).content.decode()
    assert "Not quite." in html and "A typical mistake" in html
    assert named(mistake.mistake) in html
    assert "Worked solution" in html
    assert Answer.objects.get(question=question).outcome == "wrong"
    other = attempt.questions.exclude(pk=question.pk).first()
    html = client.post(url(other), {"answer": ", ".join(["123456"] * (other.params["typed_length"] or 1))},
                       **HTMX).content.decode()
    assert "Not quite." in html and "A typical mistake" not in html


def test_calculations_top_up_and_are_offered_only_where_generators_exist(client, real_course):
    attempt = start(client, Kind.NUMERIC_CHOICE, length=8, topics=["sequences"])
    assert Kind.NUMERIC_CHOICE not in {q.kind for q in attempt.questions.all()}
    assert "no other kinds" not in attempt.notice
