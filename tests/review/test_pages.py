"""The review pages: guest flow, reveal and rate, htmx partials, bad input, another learner's
data, settings, the course pages' due counts, and queries that do not grow with the data."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client

from studyapp.accounts.learners import SESSION_KEY
from studyapp.accounts.models import Learner
from studyapp.review import scheduling as s
from studyapp.review import views
from studyapp.review.forms import shown_token
from studyapp.review.models import CardState, Review, ReviewSettings

from .conftest import NOW, make_deck

pytestmark = pytest.mark.django_db
SESSION = "sessionXYZ12"
URL = f"/review/?session={SESSION}"


@pytest.fixture
def clock(monkeypatch):
    """The views' clock, set by the test."""
    state = {"now": NOW}
    monkeypatch.setattr(views, "_now", lambda: state["now"])
    return state


def reveal_link(html):
    return unescape(re.search(r'class="button reveal" href="([^"]+)"', html).group(1))


def form_fields(html, action):
    form = re.search(r'<form[^>]*>(?:(?!</form>).)*name="action" value="%s"(?:(?!</form>).)*</form>' % action,
                     html, re.S).group(0)
    return {name: unescape(value) for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', form)
            if name not in ("rating",)}


def counts(html):
    return {kind: int(n) for kind, n in re.findall(r'data-count="(\w+)"><strong>(\d+)</strong>', html)}


def test_a_guest_reviews_without_an_account(deck, clock):
    client = Client()
    response = client.get("/review/")
    assert response.status_code == 302 and re.fullmatch(r"/review/\?session=[\w-]{12}", response["Location"])
    page = client.get(URL).content.decode()
    assert "your progress lasts as long as this browser session, unless you <a href=\"/accounts/signup/?next=" in page
    assert counts(page) == {"new": 5, "learning": 0, "review": 0}
    assert Learner.objects.count() == 0  # nothing stored yet
    back = client.get(reveal_link(page)).content.decode()
    assert "Back 0.0" in back and "<math" in back
    labels = dict(re.findall(r'data-interval="(\d)">([^<]+)<', back))
    shown = s.preview_intervals(card_state=None, flashcard=deck[0], settings=ReviewSettings(), now=NOW)
    assert labels == {str(r): s.interval_label(i) for r, i in shown.items()} 
    assert (labels["1"], labels["2"], labels["3"]) == ("1m", "6m", "10m") and labels["4"].endswith("d")
    fields = form_fields(back, "rate")
    clock["now"] = NOW + timedelta(seconds=7)
    response = client.post(URL, fields | {"rating": "3", "browser_time_zone": "Europe/Paris"})
    assert response.status_code == 303 and response["Location"] == URL
    learner = Learner.objects.get()
    assert learner.is_guest and client.session[SESSION_KEY] == learner.pk
    state = CardState.objects.get()
    assert state.due == NOW + timedelta(seconds=7) + shown[3]
    entry = Review.objects.get()
    assert (entry.rating, entry.duration_ms, entry.session) == (3, 7000, SESSION)
    assert ReviewSettings.objects.get().time_zone == "Europe/Paris"  # from the browser, first action
    page = client.get(URL).content.decode()
    assert counts(page) == {"new": 4, "learning": 0, "review": 0}
    assert 'value="1" max="5"' in page  # the session's progress
    assert "Undo Good" in page


def test_htmx_gets_the_review_area_and_the_duration_is_capped(deck, clock):
    client = Client()
    page = client.get(URL).content.decode()
    back = client.get(reveal_link(page), headers={"HX-Request": "true"})
    assert back["Vary"].count("HX-Request") == 1
    html = back.content.decode()
    assert html.lstrip().startswith('<section id="review-area"') and "<html" not in html
    clock["now"] = NOW + timedelta(minutes=5)
    response = client.post(URL, form_fields(html, "rate") | {"rating": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Push-Url"] == URL
    assert Review.objects.get().duration_ms == 60_000  # capped as in Anki
    assert counts(response.content.decode())["learning"] == 0  # due in 1 minute, not yet


def test_identical_replay_shows_the_recorded_result_and_a_conflict_is_409(deck, clock):
    client = Client()
    reveal = reveal_link(client.get(URL).content.decode())
    back = client.get(reveal).content.decode()
    fields = form_fields(back, "rate")
    assert client.post(URL, fields | {"rating": "3"}).status_code == 303
    replay = client.post(URL, fields | {"rating": "3"})
    assert replay.status_code == 303 and Review.objects.count() == 1
    conflict = client.post(URL, fields | {"rating": "1"}, headers={"HX-Request": "true"})
    assert conflict.status_code == 409
    assert "already changed from that state (Good" in conflict.content.decode()
    assert 'id="review-area"' in conflict.content.decode()
    assert Review.objects.count() == 1 and CardState.objects.get().version == 1
    stale_reveal = client.get(reveal)  # the answer of the card as it was before the rating
    assert stale_reveal.status_code == 409 and "changed since it was shown" in stale_reveal.content.decode()
    forged = client.get(reveal.replace("version=0", "version=1"))  # the token no longer matches
    assert forged.status_code == 400 and "does not match" in forged.content.decode()


def test_undo_bury_and_suspend_through_the_pages(deck, clock):
    client = Client()
    page = client.get(URL).content.decode()
    assert client.post(URL, form_fields(page, "bury")).status_code == 303
    page = client.get(URL).content.decode()
    assert f'data-card="{deck[1].pk}"' in page and "Undo bury" in page
    response = client.post(URL, form_fields(page, "undo"))
    assert response.status_code == 303 and response["Location"] == URL + f"&card={deck[0].pk}"
    page = client.get(response["Location"]).content.decode()
    assert f'data-card="{deck[0].pk}"' in page
    topic_url = f"/review/topics/{deck[0].topic.slug}/?session={SESSION}"
    page = client.get(topic_url).content.decode()
    assert client.post(topic_url, form_fields(page, "suspend")).status_code == 303
    page = client.get(topic_url).content.decode()
    assert "Suspended cards of this topic" in page and "Front 0.0" in page.split('id="suspended-heading"')[1]
    assert client.post(topic_url, form_fields(page, "unsuspend")).status_code == 303
    assert not CardState.objects.get(flashcard=deck[0]).suspended
    state = CardState.objects.get(flashcard=deck[0])
    assert s.replay_card(card_state=state) == s.snapshot(state)


@pytest.mark.parametrize("change, message", [
    ({"rating": "7"}, "Choose a rating"),
    ({"rating": ""}, "Choose a rating"),
    ({"version": "abc"}, "version must be a whole number"),
    ({"version": "-1"}, "from 0"),
    ({"card": ""}, "card id is missing"),
    ({"card": "x1"}, "card id must be a whole number"),
    ({"shown": "forged"}, "display record is not valid"),
    ({"session": "../../etc"}, "session id is malformed"),
    ({"action": "explode"}, "Unknown action"),
])
def test_bad_input_is_a_400_with_a_message(deck, clock, change, message):
    client = Client()
    back = client.get(reveal_link(client.get(URL).content.decode())).content.decode()
    fields = form_fields(back, "rate") | {"rating": "3"}
    for htmx in (False, True):
        response = client.post(URL, fields | change, headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code == 400
        assert message in unescape(response.content.decode())
    assert Review.objects.count() == 0


def test_a_forged_or_out_of_scope_card_is_a_404(deck, clock):
    client = Client()
    back = client.get(reveal_link(client.get(URL).content.decode())).content.decode()
    fields = form_fields(back, "rate") | {"rating": "3"}
    token = shown_token(card_id=999, version=0, shown_at=NOW)
    assert client.post(URL, fields | {"card": "999", "shown": token}).status_code == 404
    # The other topic's review page does not rate this topic's card; nor a retired card.
    other_topic = f"/review/topics/{deck[3].topic.slug}/?session={SESSION}"
    assert client.post(other_topic, fields).status_code == 404
    assert client.get(f"{URL}&card=999").status_code == 404
    assert client.get("/review/topics/no-such-topic/").status_code == 404
    assert Review.objects.count() == 0


def test_another_learners_rows_are_a_404_everywhere(deck, clock, learner):
    entry = s.rate_card(learner=learner, flashcard=deck[0], version=0, rating=3, now=NOW, session=SESSION).entry
    s.suspend_card(learner=learner, flashcard=deck[1], version=0, now=NOW, session=SESSION)
    intruder = Client()
    intruder.get(URL)
    # Undo someone else's step (as a guest without a learner, and as a learner of one's own).
    assert intruder.post(URL, {"action": "undo", "entry": entry.pk, "session": SESSION}).status_code == 404
    page = intruder.get(URL).content.decode()
    intruder.post(URL, form_fields(page, "bury"))
    assert intruder.post(URL, {"action": "undo", "entry": entry.pk, "session": SESSION}).status_code == 404
    # Their suspended card is not the intruder's to unsuspend, nor listed.
    topic_url = f"/review/topics/{deck[0].topic.slug}/?session={SESSION}"
    assert "Front 0.1" not in intruder.get(topic_url).content.decode().split('id="suspended-heading"')[1]
    assert intruder.post(topic_url, {"action": "unsuspend", "card": deck[1].pk, "version": 1,
                                     "session": SESSION}).status_code == 404
    assert CardState.objects.get(learner=learner, flashcard=deck[1]).suspended
    assert not Review.objects.get(pk=entry.pk).undone
    # Their session shows nothing of the owner's.
    assert "Undo Good" not in intruder.get(URL).content.decode()


def test_settings_page_validates_each_field_and_saves(deck, clock):
    client = Client()
    page = client.get("/review/settings/").content.decode()
    assert 'data-browser-default="zone-note"' in page and 'value="0.9"' in page
    good = {"desired_retention": "0.85", "new_per_day": "10", "reviews_per_day": "100",
            "learning_steps": "1m 10m 1h", "relearning_steps": "10m", "maximum_interval": "365",
            "day_start_hour": "5", "time_zone": "Europe/Berlin"}
    bad = good | {"desired_retention": "0.99", "new_per_day": "-1", "learning_steps": "10 parsecs",
                  "time_zone": "Mars/Olympus", "day_start_hour": "24"}
    for htmx in (False, True):
        response = client.post("/review/settings/", bad, headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code == 400
        html = unescape(response.content.decode())
        for field, message in (("desired_retention", "Between 0.7 and 0.97"), ("new_per_day", "Between 0 and 9999"),
                               ("learning_steps", "is not a step"), ("time_zone", "“Mars/Olympus” is not a time zone"),
                               ("day_start_hour", "Between 0 and 23")):
            assert re.search(rf'id="id_{field}-errors"[^>]*>[^<]*{re.escape(message)}', html), field
    assert Learner.objects.count() == 0
    response = client.post("/review/settings/", good)
    assert response.status_code == 303
    stored = ReviewSettings.objects.get()
    assert (stored.desired_retention, stored.learning_steps, stored.time_zone) == (0.85, [60, 600, 3600], "Europe/Berlin")
    page = client.get(response["Location"]).content.decode()
    assert "Settings saved" in page and 'value="1m 10m 1h"' in page
    assert "data-browser-default" not in page


def test_home_and_topic_pages_show_due_counts_per_topic(deck, clock, learner, client):
    client.force_login(learner.user)
    s.rate_card(learner=learner, flashcard=deck[3], version=0, rating=1, now=NOW - timedelta(minutes=5))
    home = client.get("/").content.decode()
    links = dict(re.findall(r'data-due-topic="([\w-]+)"[^>]*>\s*<span class="due-count" data-count="due">(\d+) due', home))
    assert links == {"topic-0": "0", "topic-1": "1"}
    assert 'href="/review/topics/topic-1/"' in home
    topic = client.get("/topics/topic-1/").content.decode()
    assert 'data-count="learning"><strong>1</strong>' in topic and 'href="/review/topics/topic-1/"' in topic


def test_queries_do_not_grow_with_the_data(db, clock, django_assert_max_num_queries):
    def run(cards_per_topic, reviews):
        from django.contrib.auth import get_user_model
        Review.objects.all().delete()
        CardState.objects.all().delete()
        cards = make_deck(cards_per_topic)
        learner = Learner.objects.create(user=get_user_model().objects.create_user(f"q{len(cards)}"))
        for i, card in enumerate(cards[:reviews]):
            s.rate_card(learner=learner, flashcard=card, version=0, rating=(i % 4) + 1,
                        now=NOW - timedelta(days=3), session=SESSION)
        client = Client()
        client.force_login(learner.user)
        # The same ceilings for a handful of cards and for a hundred: nothing per card or review.
        with django_assert_max_num_queries(12):
            page = client.get(URL).content.decode()
        with django_assert_max_num_queries(12):
            back = client.get(reveal_link(page)).content.decode()
        fields = form_fields(back, "rate")
        with django_assert_max_num_queries(14):
            assert client.post(URL, fields | {"rating": "3"}).status_code == 303
        with django_assert_max_num_queries(20):
            assert client.post(URL, fields | {"rating": "3"}, headers={"HX-Request": "true"}).status_code == 200
        with django_assert_max_num_queries(8):
            client.get("/")
        for model in (CardState, Review):
            model.objects.all().delete()
        from studyapp.course.models import Flashcard, Topic
        Flashcard.objects.all().delete()
        Topic.objects.all().delete()

    run((2, 1), 2)
    run((30, 30, 30), 60)
