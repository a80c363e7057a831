"""The statistics pages and a card's page: what a learner sees, the empty states, plotly only
where something is plotted, another learner's data never shown (a 404 for a card only they
have), bad URLs and methods, and queries that do not grow with the history."""

import json
import re
from datetime import timedelta

import plotly.graph_objects as go
import pytest
from django.test import Client

from studyapp.course.models import Flashcard
from studyapp.review import scheduling as s
from studyapp.review import views
from studyapp.review.models import ReviewSettings

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(views, "_now", lambda: NOW)


def client_for(learner):
    client = Client()
    client.force_login(learner.user)
    return client


def rate_many(learner, cards, days, start=NOW - timedelta(days=60)):
    """Each card rated Good once a day on `days` days (a history of len(cards) * days ratings)."""
    for day in range(days):
        # A minute apart by position, not by primary key (PostgreSQL's ids keep growing across tests).
        for minute, card in enumerate(cards, 1):
            state = learner.card_states.filter(flashcard=card).first()
            s.rate_card(learner=learner, flashcard=card, version=state.version if state else 0,
                        rating=3 if day % 5 else 1, now=start + timedelta(days=day, minutes=minute),
                        shown_at=start + timedelta(days=day, minutes=minute, seconds=-9))


def figures(html):
    return {m.group(1): json.loads(m.group(2)) for m in
            re.finditer(r'<script id="figure-(\w+)" type="application/json">(.*?)</script>', html, re.S)}


def test_the_statistics_page_shows_every_figure_with_its_numbers(learner, deck, clock):
    ReviewSettings.objects.create(learner=learner, time_zone="Europe/Berlin")
    rate_many(learner, deck[:3], 3, start=NOW - timedelta(days=2, hours=3))
    response = client_for(learner).get("/review/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert set(figures(html)) == {"calendar", "forecast", "retention", "states", "retrievability", "buttons",
                                  "time", "topics"}
    for name, figure in figures(html).items():
        assert f'data-figure="figure-{name}"' in html
        go.Figure(figure)                               # plotly validates every property
    assert "vendor/plotly.min.js" in html and 'nonce="' in html
    assert re.search(r'data-stat="streak">3 days<', html)
    assert re.search(r'data-stat="today">3<', html)
    assert re.search(r'data-stat="days">3 of 3 \(100%\)<', html)
    assert '<tr data-state="new"><th scope="row">New</th><td>2</td>' in html
    assert "Europe/Berlin" in html
    assert 'href="/review/stats/topics/topic-0/"' in html
    # The heatmap's numbers are the page's numbers.
    z = figures(html)["calendar"]["data"][0]["z"]
    assert sum(v for row in z for v in row if v) == 9
    assert '<a href="/review/stats/" aria-current="page">Statistics</a>' in html


def test_empty_states_say_what_to_do_and_load_no_plotly(learner, deck, clock):
    for client in (Client(), client_for(learner)):
        html = client.get("/review/stats/").content.decode()
        assert "data-stats-empty" in html and "Review your first cards" in html
        assert "The course has 5 flashcards waiting for you" in html
        assert "plotly" not in html and "<script id=\"figure-" not in html
    html = Client().get("/review/stats/topics/topic-1/").content.decode()
    assert "No reviews in this topic yet" in html and "This topic has 2 flashcards" in html
    assert 'href="/review/topics/topic-1/"' in html
    html = Client().get(f"/review/cards/{deck[0].slug}/").content.decode()
    assert "Not reviewed yet" in html and "Front 0.0" in html and "Back 0.0" in html and "plotly" not in html


def test_a_cards_page_shows_its_history_and_curve(learner, deck, clock):
    ReviewSettings.objects.create(learner=learner, time_zone="Asia/Kolkata")
    rate_many(learner, deck[:1], 4, start=NOW - timedelta(days=20))
    state = learner.card_states.get()
    undone = s.rate_card(learner=learner, flashcard=deck[0], version=state.version, rating=1, now=NOW)
    s.undo_entry(learner=learner, entry_id=undone.entry.pk, now=NOW)
    html = client_for(learner).get(f"/review/cards/{deck[0].slug}/").content.decode()
    assert "Front 0.0" in html and "Back 0.0" in html and "Forgetting curve" in html
    assert html.count('data-entry="') == 5 and html.count('class="is-undone"') == 1 and "undone</span>" in html
    assert "Date (Asia/Kolkata)" in html
    figure = figures(html)["curve"]
    go.Figure(figure)
    names = [trace.get("name") for trace in figure["data"]]
    assert names[0] == "Forgetting curve" and "Today" in names and "Good" in names and "Again" in names
    today = s.retrievability_at(stability=state.stability, last_review=state.last_review, at=NOW,
                             settings=s.SchedulerSettings.of(s.settings_for(learner=learner)))
    assert f'data-stat="recall-today">{today * 100:.1f}%<' in html
    # Linked from the card on its topic page.
    topic_page = Client().get("/topics/topic-0/").content.decode()
    assert f'href="/review/cards/{deck[0].slug}/"' in topic_page


def test_another_learners_data_is_never_shown(learner, other_learner, deck, clock):
    rate_many(learner, deck[:2], 2, start=NOW - timedelta(days=1))
    other = client_for(other_learner)
    assert "data-stats-empty" in other.get("/review/stats/").content.decode()
    assert "Not reviewed yet" in other.get(f"/review/cards/{deck[0].slug}/").content.decode()
    # A card retired from the course: its page is there for the learner who has its history, a 404 for others.
    Flashcard.objects.filter(pk=deck[0].pk).update(retired=True)
    assert client_for(learner).get(f"/review/cards/{deck[0].slug}/").status_code == 200
    assert other.get(f"/review/cards/{deck[0].slug}/").status_code == 404
    assert Client().get(f"/review/cards/{deck[0].slug}/").status_code == 404


def test_bad_urls_and_methods(deck, clock):
    client = Client()
    assert client.get("/review/cards/no-such-card/").status_code == 404
    assert client.get("/review/stats/topics/no-such-topic/").status_code == 404
    assert client.post("/review/stats/").status_code == 405
    assert client.post(f"/review/cards/{deck[0].slug}/").status_code == 405
    assert client.head("/review/stats/").status_code == 200


@pytest.mark.parametrize("url", ["/review/stats/", "/review/stats/topics/topic-0/", "/review/cards/card-0-0/"])
def test_queries_do_not_grow_with_the_history(learner, deck, clock, django_assert_max_num_queries, url):
    client = client_for(learner)
    rate_many(learner, deck[:1], 1, start=NOW - timedelta(days=30))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    rate_many(learner, deck, 12, start=NOW - timedelta(days=20))
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200
    assert len(small) <= 10
