"""Learners: a guest's is created on the first stored action and tied to the session."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from studyapp.accounts.learners import SESSION_KEY, clear_expired_guests, current_learner
from studyapp.accounts.models import Learner


def guest_request(session=None):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = session if session is not None else SessionStore()
    return request


@pytest.mark.django_db
def test_a_guest_has_no_learner_until_they_store_something():
    request = guest_request()
    assert current_learner(request) is None
    assert Learner.objects.count() == 0
    learner = current_learner(request, create=True)
    assert learner.is_guest and request.session[SESSION_KEY] == learner.pk
    assert current_learner(request) == learner
    assert Learner.objects.count() == 1


@pytest.mark.django_db
def test_the_learner_survives_a_session_key_change():
    request = guest_request()
    learner = current_learner(request, create=True)
    request.session.cycle_key()  # as at log-in
    assert current_learner(request) == learner
    assert Learner.objects.get().guest_session_key == request.session.session_key


@pytest.mark.django_db
def test_a_forged_learner_id_in_the_session_is_not_someone_elses_learner():
    user = get_user_model().objects.create_user("ada", password="x" * 12)
    users_learner = Learner.objects.create(user=user)
    request = guest_request()
    request.session[SESSION_KEY] = users_learner.pk
    assert current_learner(request) is None
    mine = current_learner(request, create=True)
    assert mine != users_learner and mine.is_guest


@pytest.mark.django_db
def test_a_signed_in_user_has_one_learner():
    user = get_user_model().objects.create_user("ada", password="x" * 12)
    request = RequestFactory().get("/")
    request.user, request.session = user, SessionStore()
    assert current_learner(request) is None
    learner = current_learner(request, create=True)
    assert learner.user == user and not learner.is_guest
    assert current_learner(request, create=True) == learner


@pytest.mark.django_db
def test_expired_guests_are_cleared_with_their_data_and_live_ones_kept():
    live = guest_request()
    live_learner = current_learner(live, create=True)
    live.session.save()
    expired = guest_request()
    current_learner(expired, create=True)
    expired.session.save()
    Session.objects.filter(session_key=expired.session.session_key).update(
        expire_date=timezone.now() - timedelta(days=1))
    user = get_user_model().objects.create_user("ada", password="x" * 12)
    Learner.objects.create(user=user)
    assert clear_expired_guests() == 1
    assert set(Learner.objects.all()) == {live_learner, user.learner}


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_actions_of_one_guest_make_one_learner():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL; run by make test-postgres)")
    session = SessionStore()
    session.save()
    key = session.session_key
    barrier, errors, found = threading.Barrier(8), [], []

    def first_action():
        try:
            barrier.wait()
            found.append(current_learner(guest_request(SessionStore(session_key=key)), create=True).pk)
        except Exception as error:  # noqa: BLE001 - any error fails the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_action) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(found)) == 1 and Learner.objects.count() == 1
