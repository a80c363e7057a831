"""Quiz pages over HTTP: building, answering by plain form and htmx, the repeated-submission
rule, ownership, unreadable answers, and no answer in any page before the learner answers."""

import json
import re

import plotly.graph_objects as go
import pytest
from django.test import Client
from django.urls import reverse

from studyapp.accounts.models import User
from studyapp.quiz.models import Answer, Attempt, AttemptQuestion, Kind

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def start(client, **data):
    data = {"all_topics": "on", "length": "5", "kinds": ["choice", "term"], **data}
    response = client.post(reverse("quiz:builder"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    attempt = Attempt.objects.latest("pk")
    assert response.url == reverse("quiz:question", args=[attempt.pk, 1])
    return attempt


def without_csrf(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def url(question):
    return reverse("quiz:question", args=[question.attempt_id, question.position])


def wrong_option(question):
    return str(question.correct_option % len(question.options) + 1)


def test_the_builder_offers_topics_kinds_and_length(client, quiz_course):
    html = client.get(reverse("quiz:builder")).content.decode()
    assert 'name="all_topics" id="id_all_topics" checked' in html
    assert 'value="alpha"' in html and 'value="beta"' in html
    assert "6 questions · 3 terms" in html and "2 questions · 2 terms" in html
    assert 'min="5" max="50"' in html


def test_a_quiz_me_link_preselects_its_topic(client, quiz_course):
    topic_page = client.get(reverse("course:topic", args=["beta"])).content.decode()
    assert 'href="/quiz/?topics=beta"' in topic_page
    html = client.get("/quiz/?topics=beta").content.decode()
    assert re.search(r'value="beta" checked', html) and not re.search(r'value="alpha" checked', html)
    assert 'id="id_all_topics" checked' not in html


@pytest.mark.parametrize("data, message", [
    ({"length": "4"}, "greater than or equal to 5"),
    ({"length": "51"}, "less than or equal to 50"),
    ({"length": "ten"}, "Enter a whole number"),
    ({"kinds": []}, "Choose at least one kind of question"),
    ({"kinds": ["essay"]}, "Select a valid choice"),
    ({"all_topics": "", "topics": []}, "Choose at least one topic, or All topics"),
    ({"all_topics": "", "topics": ["nope"]}, "nope is not a topic of the course"),
])
def test_a_bad_build_request_is_a_400_with_a_message(client, quiz_course, data, message):
    response = client.post(reverse("quiz:builder"), {"all_topics": "on", "length": "5",
                                                     "kinds": ["choice"], **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attempt.objects.exists()


def test_the_notice_is_shown_with_the_first_question_and_on_the_results(client, quiz_course):
    attempt = start(client, all_topics="", topics=["beta"], length="10")
    html = client.get(url(attempt.questions.first())).content.decode()
    assert "only 4 questions in all" in html
    assert "only 4 questions in all" in client.get(reverse("quiz:results", args=[attempt.pk])).content.decode()


def test_answering_by_plain_form_redirects_to_the_recorded_result(client, quiz_course):
    attempt = start(client, kinds=["choice"])
    question = attempt.questions.first()
    response = client.post(url(question), {"option": str(question.correct_option)})
    assert response.status_code == 302 and response.url == url(question)
    html = client.get(url(question)).content.decode()
    assert "Right." in html and question.explanation in html
    assert "Next question" in html and reverse("quiz:question", args=[attempt.pk, 2]) in html


def test_answering_by_htmx_swaps_in_the_feedback(client, quiz_course):
    attempt = start(client, kinds=["choice"])
    question = attempt.questions.first()
    response = client.post(url(question), {"option": wrong_option(question)}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section class="quiz-question is-answered is-wrong"')
    assert "Not quite." in html and question.explanation in html
    right_text = question.options[question.correct_option - 1]["text"]
    assert re.search(r"The right answer</h2><p>%d\. %s" % (question.correct_option, re.escape(right_text)), html)
    assert "1 of 5 answered" in html
    assert "HX-Request" in response.headers["Vary"]


def test_term_recall_right_near_and_wrong_by_htmx(client, quiz_course):
    attempt = start(client, all_topics="", topics=["alpha"], length="9", kinds=["term"])
    by_slug = {q.source_slug: q for q in attempt.questions.filter(kind=Kind.TERM)}
    cases = [("alpha-update-gate", "update gate", "Right."),
             ("alpha-gru", "gru", "Near enough: counted as right."),
             ("alpha-bptt", "forget gate", "Not quite.")]
    for slug, typed, verdict in cases:
        html = client.post(url(by_slug[slug]), {"answer": typed}, **HTMX).content.decode()
        assert verdict in html, slug
    html = client.get(url(by_slug["alpha-gru"])).content.decode()
    assert "Gated Recurrent Unit (GRU)" in html and "Also accepted: <q>GRU</q>" in html


def test_the_identical_answer_again_shows_the_recorded_result(client, quiz_course):
    attempt = start(client, kinds=["choice"])
    question = attempt.questions.first()
    first = client.post(url(question), {"option": wrong_option(question)}, **HTMX)
    again = client.post(url(question), {"option": wrong_option(question)}, **HTMX)
    assert again.status_code == 200
    assert without_csrf(again) == without_csrf(first)
    assert Answer.objects.filter(question=question).count() == 1


def test_a_different_answer_to_an_answered_question_is_a_409_and_changes_nothing(client, quiz_course):
    attempt = start(client, kinds=["term"], all_topics="", topics=["alpha"], length="5")
    question = attempt.questions.filter(kind=Kind.TERM).first()
    client.post(url(question), {"answer": "wrong guess"}, **HTMX)
    response = client.post(url(question), {"answer": question.accepted[0]}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 409
    assert "already answered" in html and "<html" not in html and "HX-Retarget" not in response.headers
    assert "wrong guess" in html  # the recorded answer is what is shown
    answer = Answer.objects.get(question=question)
    assert (answer.response, answer.outcome) == ("wrong guess", "wrong")
    plain = client.post(url(question), {"answer": question.accepted[0]})
    assert plain.status_code == 409 and "<main" in plain.content.decode()


@pytest.mark.parametrize("data, message", [
    ({}, "Choose one of the options"),
    ({"option": "9"}, "not one of this question"),
    ({"option": "two"}, "not one of this question"),
])
def test_an_unreadable_choice_asks_again_and_is_not_counted(client, quiz_course, data, message):
    attempt = start(client, kinds=["choice"])
    question = attempt.questions.first()
    response = client.post(url(question), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 400 and message in html
    assert html.lstrip().startswith('<section class="quiz-question"') and "Check" in html
    assert not Answer.objects.exists()
    assert question.explanation not in html


@pytest.mark.parametrize("typed, message", [("   ", "Type your answer"), ("x" * 201, "at most 200")])
def test_an_unreadable_typed_answer_asks_again(client, quiz_course, typed, message):
    attempt = start(client, kinds=["term"], all_topics="", topics=["beta"], length="5")
    question = attempt.questions.filter(kind=Kind.TERM).first()
    response = client.post(url(question), {"answer": typed}, **HTMX)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Answer.objects.exists()


def test_dont_know_counts_as_wrong_and_shows_the_answer(client, quiz_course):
    attempt = start(client, kinds=["choice"])
    question = attempt.questions.first()
    html = client.post(url(question), {"dont_know": "on"}, **HTMX).content.decode()
    assert "No answer given." in html and question.explanation in html
    assert Answer.objects.get(question=question).outcome == "wrong"


def test_another_learners_attempt_and_a_question_not_in_the_attempt_are_404(client, quiz_course):
    attempt = start(client, kinds=["choice"])
    question = attempt.questions.first()
    stranger = Client()
    for path in (url(question), reverse("quiz:attempt", args=[attempt.pk]),
                 reverse("quiz:results", args=[attempt.pk])):
        assert stranger.get(path).status_code == 404
    response = stranger.post(url(question), {"option": "1"}, **HTMX)
    assert response.status_code == 404 and response.headers["HX-Retarget"] == "#messages"
    assert not Answer.objects.exists()
    missing = reverse("quiz:question", args=[attempt.pk, 6])
    assert client.get(missing).status_code == 404
    assert client.post(missing, {"option": "1"}).status_code == 404
    assert client.get(reverse("quiz:question", args=[attempt.pk + 1, 1])).status_code == 404


def test_a_signed_in_learner_resumes_on_another_device(quiz_course):
    User.objects.create_user("ada", password="pw-for-tests-only")
    laptop, phone = Client(), Client()
    laptop.login(username="ada", password="pw-for-tests-only")
    phone.login(username="ada", password="pw-for-tests-only")
    attempt = start(laptop, kinds=["choice"])
    first, second = attempt.questions.all()[:2]
    laptop.post(url(first), {"option": "1"})
    laptop.post(url(second), {"option": "1"})
    assert "Resume" in phone.get(reverse("quiz:builder")).content.decode()
    response = phone.get(reverse("quiz:attempt", args=[attempt.pk]))
    assert response.status_code == 302 and response.url == reverse("quiz:question", args=[attempt.pk, 3])


def test_after_the_last_answer_the_results_and_history_show_the_score(client, quiz_course):
    attempt = start(client, kinds=["choice"])
    questions = list(attempt.questions.all())
    for n, question in enumerate(questions):
        response = wrong_option(question) if n < 2 else str(question.correct_option)
        client.post(url(question), {"option": response})
    last = client.get(url(questions[-1])).content.decode()
    assert "See results" in last and reverse("quiz:results", args=[attempt.pk]) in last
    assert client.get(reverse("quiz:attempt", args=[attempt.pk])).url == reverse("quiz:results", args=[attempt.pk])
    html = client.get(reverse("quiz:results", args=[attempt.pk])).content.decode()
    assert "60%" in html and "3 of 5 right" in html
    for question in questions:
        assert question.stem in html
        assert question.options[question.correct_option - 1]["text"] in html
    assert 'href="/topics/alpha/"' in html  # links to the topics to read again
    history = client.get(reverse("quiz:history")).content.decode()
    assert "vendor/plotly.min.js" in history and 'id="quiz-history-figure"' in history
    figure = re.search(r'id="quiz-history-figure" type="application/json">(.*?)</script>', history).group(1)
    assert '"y":[60]' in figure.replace(" ", "")
    go.Figure(json.loads(figure))                       # plotly validates every property


def test_plotly_is_loaded_only_on_the_history_page(client, quiz_course):
    attempt = start(client, kinds=["choice"])
    for path in (reverse("quiz:builder"), url(attempt.questions.first()),
                 reverse("quiz:results", args=[attempt.pk]), reverse("quiz:history")):
        assert "plotly" not in client.get(path).content.decode(), path  # nothing finished yet


def test_history_and_builder_have_empty_states(client, quiz_course):
    html = client.get(reverse("quiz:history")).content.decode()
    assert "You have not taken a quiz yet" in html and "Build one" in html


def _unanswered_pages(client, attempt, question):
    """Every page and partial that shows the question, or could, before it is answered (the
    site's header and footer aside)."""
    responses = [
        client.get(url(question)), client.get(url(question), **HTMX),
        client.get(reverse("quiz:results", args=[attempt.pk])), client.get(reverse("quiz:history")),
        client.get(reverse("quiz:builder")),
        client.post(url(question), {"option": "9", "answer": ""}, **HTMX),
    ]
    for response in responses:
        html = response.content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)  # a random token may spell "gru"
        yield html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_nothing_of_the_answer_is_in_any_page_before_answering(client, quiz_course):
    attempt = start(client, all_topics="", topics=["alpha"], length="9")
    for question in AttemptQuestion.objects.filter(attempt=attempt):
        for html in _unanswered_pages(client, attempt, question):
            assert question.explanation not in html if question.explanation else True
            assert "is-correct" not in html and "right answer" not in html and "The right answer" not in html
            if question.kind == Kind.TERM:
                for answer in question.accepted:
                    assert answer.casefold() not in html.casefold(), (question.source_slug, answer)
            else:
                # The options are shown, but nothing says which is right.
                assert "correct" not in html.replace("Incorrect", "")
    # Answer one: only that question's explanation appears.
    first, second = attempt.questions.filter(kind=Kind.CHOICE)[:2]
    client.post(url(first), {"option": "1"})
    html = client.get(reverse("quiz:results", args=[attempt.pk])).content.decode()
    assert first.explanation in html and second.explanation not in html


def test_htmx_restoring_history_gets_the_whole_page(client, quiz_course):
    attempt = start(client, kinds=["choice"])
    question = attempt.questions.first()
    partial = client.get(url(question), **HTMX)
    restore = client.get(url(question), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" not in partial.content.decode() and "<html" in restore.content.decode()
    assert "HX-Request" in restore.headers["Vary"]


def test_the_history_lists_every_attempt_with_its_state(client, quiz_course):
    finished, open_ = start(client, kinds=["choice"]), start(client, kinds=["choice"])
    for question in finished.questions.all():
        client.post(url(question), {"option": str(question.correct_option)})
    html = client.get(reverse("quiz:history")).content.decode()
    assert "5 of 5 right" in html and "0 answered, not finished" in html
    assert reverse("quiz:results", args=[finished.pk]) in html
    assert reverse("quiz:attempt", args=[open_.pk]) in html
    assert "1 finished quiz;" in html and "the latest scored 100%" in html


def test_quiz_pages_follow_the_front_end_rules(client, quiz_course):
    attempt = start(client)
    question = attempt.questions.first()
    client.post(url(question), {"dont_know": "on"})
    for question in attempt.questions.all():
        client.post(url(question), {"dont_know": "on"})
    pages = [reverse("quiz:builder"), url(question), reverse("quiz:results", args=[attempt.pk]),
             reverse("quiz:history")]
    for path in pages:
        html = client.get(path).content.decode()
        assert "<script>" not in html and "style=" not in html and "hx-on" not in html, path
        assert re.findall(r"<script(?![^>]*(?:src=|application/json))", html) == [], path
    assert "js/quiz.js" in client.get(url(question)).content.decode()


def test_results_survive_a_course_reload_that_retires_the_topic(client, quiz_course):
    from studyapp.course.loading import load_course
    from .conftest import quiz_course_files
    attempt = start(client, all_topics="", topics=["beta"], length="5", kinds=["choice"])
    for question in attempt.questions.all():
        client.post(url(question), {"option": wrong_option(question) if question.options else "x",
                                    "answer": "x"})
    before = client.get(reverse("quiz:results", args=[attempt.pk])).content.decode()
    assert 'href="/topics/beta/"' in before
    write = quiz_course_files(quiz_course)
    (write / "course" / "020-beta.toml").unlink()
    load_course(write)
    after = client.get(reverse("quiz:results", args=[attempt.pk]))
    html = after.content.decode()
    assert after.status_code == 200 and 'href="/topics/beta/"' not in html
    assert "0%" in html and "Topic beta" in html
    for question in attempt.questions.all():
        assert question.stem in html
