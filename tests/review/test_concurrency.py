"""The repeated-submission rule under real concurrency (PostgreSQL): 50 submissions of one
rating at once give one review and one state change; conflicting ones give one change and 409s;
the first rating of a new card makes one card state, of a new guest one learner; no error
reaches anyone."""

import re
import threading
from html import unescape

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client

from studyapp.accounts.models import Learner
from studyapp.review.models import CardState, Review

from .conftest import make_deck

pytestmark = pytest.mark.django_db(transaction=True)
SESSION = "sessionCONC1"
URL = f"/review/?session={SESSION}"


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL; run by make test-postgres)")


def rating_form(client):
    page = client.get(URL).content.decode()
    reveal = unescape(re.search(r'class="button reveal" href="([^"]+)"', page).group(1))
    back = client.get(reveal).content.decode()
    form = re.search(r'<form[^>]*>(?:(?!</form>).)*name="action" value="rate"(?:(?!</form>).)*</form>', back, re.S).group(0)
    return {n: unescape(v) for n, v in re.findall(r'name="(\w+)" value="([^"]*)"', form) if n != "rating"}


def at_once(count, submit):
    """Run submit(i) in `count` threads released together; the statuses, and any exception."""
    barrier, statuses, errors = threading.Barrier(count), [None] * count, []

    def run(index):
        try:
            barrier.wait()
            statuses[index] = submit(index)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, errors


def session_client(key):
    client = Client(raise_request_exception=True)
    client.cookies["sessionid"] = key
    return client


def guest_with_session():
    session = SessionStore()
    session.save()
    return session.session_key


def test_fifty_identical_ratings_at_once_make_one_review():
    make_deck()
    key = guest_with_session()
    client = session_client(key)
    fields = rating_form(client) | {"rating": "3"}
    # The guest's first rating is among the fifty: one learner, one card state, one review.
    statuses, errors = at_once(50, lambda i: session_client(key).post(URL, fields).status_code)
    assert errors == [] and statuses == [303] * 50
    assert Learner.objects.count() == 1
    assert CardState.objects.count() == 1 and CardState.objects.get().version == 1
    assert Review.objects.count() == 1


def test_conflicting_ratings_at_once_make_one_change_and_409s():
    make_deck()
    key = guest_with_session()
    fields = rating_form(session_client(key))
    statuses, errors = at_once(50, lambda i: session_client(key).post(
        URL, fields | {"rating": str(1 + i % 4)}).status_code)
    assert errors == []
    entry = Review.objects.get()
    winners = [i for i, status in enumerate(statuses) if status == 303]
    assert {1 + i % 4 for i in winners} == {entry.rating}  # only replays of the winner succeed
    assert all(status == 409 for i, status in enumerate(statuses) if i not in winners)
    assert CardState.objects.get().version == 1


def test_first_ratings_of_new_guests_and_new_cards_race_safely():
    """Eight first requests of one new guest, each rating a different new card: one learner,
    one state per card."""
    cards = make_deck((8,))
    key = guest_with_session()
    base = rating_form(session_client(key))
    from studyapp.review.forms import shown_token
    from django.utils import timezone

    def submit(i):
        token = shown_token(card_id=cards[i].pk, version=0, shown_at=timezone.now())
        return session_client(key).post(URL, base | {"card": cards[i].pk, "shown": token, "rating": "3"}).status_code

    statuses, errors = at_once(8, submit)
    assert errors == [] and statuses == [303] * 8
    assert Learner.objects.count() == 1
    assert CardState.objects.count() == 8 and Review.objects.count() == 8
