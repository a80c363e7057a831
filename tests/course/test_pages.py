"""The topic list, a topic page, and revealing answers (htmx partials and plain requests)."""

import pytest
from django.urls import reverse

from studyapp.course.loading import load_course
from studyapp.course.models import Flashcard, Question

from tests.coursefiles import HIDDEN_STATE, write_course

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def course(small_course):
    return small_course


def test_topic_list_in_course_order_with_counts(client, course):
    page = client.get("/")
    assert page.status_code == 200
    topics = list(page.context["topics"])
    assert [t.slug for t in topics] == ["hidden-state", "gru"]
    assert [(t.card_count, t.question_count) for t in topics] == [(1, 1), (1, 0)]
    html = page.content.decode()
    assert html.index("Hidden state") < html.index("GRU")
    assert "1 card" in html and "1 question" in html and "0 questions" in html


def test_retired_items_are_not_counted_or_shown(client, course, tmp_path):
    write_course(tmp_path, {"030-hidden-state.toml": HIDDEN_STATE})
    load_course(tmp_path)
    assert [t.slug for t in client.get("/").context["topics"]] == ["hidden-state"]
    assert client.get("/topics/gru/").status_code == 404


def test_topic_page_renders_notes_with_mathml(client, course):
    page = client.get(reverse("course:topic", args=["hidden-state"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in html
    assert "<mtable>" in html  # the W_x matrix
    assert "$" not in html.split("<main")[1]  # no raw LaTeX left
    assert "latinmodern-math" not in html  # the font comes through the stylesheet
    # Answers are hidden until asked.
    assert "The network's memory" not in html
    assert "It combines the current input" not in html
    assert 'hx-get="/topics/hidden-state/cards/hs-card/?side=back"' in html


def test_unknown_topic_is_404(client, course):
    assert client.get("/topics/no-such-topic/").status_code == 404
    assert client.get("/topics/hidden-state/cards/no-such-card/").status_code == 404
    assert client.get("/topics/gru/questions/hs-question/").status_code == 404  # wrong topic


def test_card_back_as_htmx_partial_and_as_page(client, course):
    url = reverse("course:card", args=["hidden-state", "hs-card"]) + "?side=back"
    partial = client.get(url, **HTMX)
    assert partial.status_code == 200
    body = partial.content.decode()
    assert body.lstrip().startswith('<div class="flashcard is-revealed" id="card-hs-card">')
    assert "The network's memory of the sequence so far." in body
    assert "<html" not in body
    page = client.get(url)
    assert "<html" in page.content.decode() and "The network's memory" in page.content.decode()
    front_only = client.get(url.split("?")[0], **HTMX).content.decode()
    assert "The network's memory" not in front_only and "Show answer" in front_only


def answer(client, data, **headers):
    url = reverse("course:question", args=["hidden-state", "hs-question"])
    return client.post(url, data, **headers)


def test_correct_answer(client, course):
    response = answer(client, {"option": "2"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Correct." in body and "It combines the current input" in body
    assert "<html" not in body


def test_wrong_answer_shows_the_right_one_and_can_be_retried(client, course):
    body = answer(client, {"option": "4"}, **HTMX).content.decode()
    assert "Not quite: the answer is B." in body
    assert 'class="option is-wrong"' in body and 'class="option is-correct"' in body
    url = reverse("course:question", args=["hidden-state", "hs-question"])
    assert f'hx-get="{url}"' in body
    again = client.get(url, **HTMX).content.decode()
    assert "Check answer" in again and "is-wrong" not in again and "<html" not in again


def test_reveal_without_answering(client, course):
    body = answer(client, {"reveal": "on"}, **HTMX).content.decode()
    assert "The answer is B." in body and "It combines the current input" in body


@pytest.mark.parametrize("data, message", [
    ({}, "Choose one of the options, or ask to see the answer."),
    ({"option": "9"}, "That is not one of this question&#x27;s options."),
    ({"option": "two"}, "That is not one of this question&#x27;s options."),
])
def test_bad_answer_is_a_400_with_a_message(client, course, data, message):
    response = answer(client, data, **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "It combines the current input" not in body


def test_question_works_without_javascript(client, course):
    page = client.get(reverse("course:question", args=["hidden-state", "hs-question"]))
    assert page.status_code == 200 and "Check answer" in page.content.decode()
    response = answer(client, {"option": "2"})
    assert "<html" in response.content.decode() and "Correct." in response.content.decode()


def test_methods_not_allowed(client, course):
    assert client.post("/").status_code == 405
    assert client.delete(reverse("course:question", args=["hidden-state", "hs-question"])).status_code == 405


def test_admin_lists_content_read_only(admin_client, course):
    listing = admin_client.get("/admin/course/question/")
    assert listing.status_code == 200
    assert "What is the primary function of the hidden state" in listing.content.decode()
    question = Question.objects.get(slug="hs-question")
    detail = admin_client.get(f"/admin/course/question/{question.pk}/change/")
    assert detail.status_code == 200 and "To normalize input data." in detail.content.decode()
    assert admin_client.get("/admin/course/flashcard/add/").status_code == 403
    card = Flashcard.objects.get(slug="hs-card")
    admin_client.post(f"/admin/course/flashcard/{card.pk}/change/", {"front": "changed"})
    card.refresh_from_db()
    assert card.front == "Hidden state ($h_t$)"


def test_not_found_page_in_the_site_style(client, course):
    page = client.get("/topics/nope/")
    assert page.status_code == 404
    assert "Page not found" in page.content.decode() and "Browse the topics" in page.content.decode()


def test_expired_csrf_token_is_a_403_with_an_explanation(course):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("course:question", args=["hidden-state", "hs-question"]), {"option": "2"})
    assert response.status_code == 403
    assert "This page has expired" in response.content.decode()


def test_pages_make_a_bounded_number_of_queries(client, course, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get("/")
    with django_assert_max_num_queries(8):  # independent of the number of items on the page
        client.get(reverse("course:topic", args=["hidden-state"]))
    with django_assert_max_num_queries(3):
        answer(client, {"option": "2"}, **HTMX)
