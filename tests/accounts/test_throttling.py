"""Failed log-ins throttled by django-axes: per username and address, per address; a clear 429
page; release after the cool-off; the admin's log-in and the account pages' password checks too;
the client address from X-Real-IP only when the request comes from the proxy."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory, override_settings

from studyapp.accounts.throttling import client_address

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()
LIMIT = settings.AXES_FAILURE_LIMIT


def attempt(client, username="ada", password="wrong password", url="/accounts/login/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def cool_off_passes():
    """Move every recorded failure back past the cool-off, as if that time had gone by."""
    for row in AccessAttempt.objects.all():
        row.attempt_time -= settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
        row.save()


def test_repeated_failures_pause_that_username_from_that_address_then_release(client, user):
    for _ in range(LIMIT - 1):
        assert attempt(client).status_code == 200  # the form again, with its error
    locked = attempt(client)
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    html = locked.content.decode()
    assert "Too many failed log-ins" in html and "data-locked" in html and "15 minutes" in html
    # Even the right password waits now; the pause is not extended by it.
    assert attempt(client, password=PASSWORD).status_code == 429
    # Another address may log in as ada meanwhile: nobody can lock ada out from elsewhere.
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert attempt(elsewhere, password=PASSWORD).status_code == 302
    # After the cool-off the right password works from the first address again.
    cool_off_passes()
    assert attempt(client, password=PASSWORD).status_code == 302


def test_another_username_from_the_paused_address_is_not_paused_below_the_address_limit(client, user):
    User.objects.create_user("bob", password=PASSWORD)
    for _ in range(LIMIT):
        attempt(client)
    assert attempt(client, password=PASSWORD).status_code == 429
    assert attempt(client, username="bob", password=PASSWORD).status_code == 302


def test_many_usernames_from_one_address_pause_the_address(client, user):
    for number in range(settings.ACCOUNTS_ADDRESS_FAILURE_LIMIT):
        response = attempt(client, username=f"guess{number}")
        assert response.status_code == (429 if number == settings.ACCOUNTS_ADDRESS_FAILURE_LIMIT - 1 else 200)
    assert attempt(client, username="ada", password=PASSWORD).status_code == 429
    assert attempt(Client(REMOTE_ADDR="198.51.100.21"), password=PASSWORD).status_code == 302
    cool_off_passes()
    assert attempt(client, password=PASSWORD).status_code == 302


def test_a_success_clears_the_count(client, user):
    for _ in range(LIMIT - 1):
        attempt(client)
    assert attempt(client, password=PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(LIMIT - 1):
        assert attempt(client).status_code == 200


def test_the_admin_log_in_is_throttled_too(client):
    User.objects.create_superuser("root", password=PASSWORD)
    for _ in range(LIMIT - 1):
        assert attempt(client, username="root", url="/admin/login/").status_code == 200
    response = attempt(client, username="root", url="/admin/login/")
    assert response.status_code == 429 and "Too many failed log-ins" in response.content.decode()
    assert attempt(client, username="root", password=PASSWORD, url="/admin/login/").status_code == 429


def test_wrong_passwords_on_the_account_pages_count(client, user):
    client.force_login(user)
    for _ in range(LIMIT - 1):
        assert client.post("/accounts/delete/", {"password": "guess"}).status_code == 400
    assert client.post("/accounts/delete/", {"password": "guess"}).status_code == 429
    assert client.post("/accounts/delete/", {"password": PASSWORD}).status_code == 429
    assert User.objects.filter(pk=user.pk).exists()


def test_behind_the_proxy_the_address_is_x_real_ip(client, user):
    proxied = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.7"}
    for _ in range(LIMIT):
        attempt(client, **proxied)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert attempt(client, password=PASSWORD, **proxied).status_code == 429
    # Another client through the same proxy is another address.
    assert attempt(Client(), password=PASSWORD, REMOTE_ADDR="127.0.0.1",
                   HTTP_X_REAL_IP="203.0.113.8").status_code == 302


def test_the_header_is_ignored_from_anywhere_but_the_proxy():
    factory = RequestFactory()
    assert client_address(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")) == "203.0.113.7"
    assert client_address(factory.get("/", REMOTE_ADDR="::1", HTTP_X_REAL_IP="2001:db8::5")) == "2001:db8::5"
    forged = factory.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_REAL_IP="203.0.113.7")
    assert client_address(forged) == "198.51.100.9"
    assert client_address(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="not an address")) == "127.0.0.1"
    assert client_address(factory.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
    assert client_address(factory.get("/", REMOTE_ADDR="", HTTP_X_REAL_IP="203.0.113.7")) == "203.0.113.7"  # unix socket
    with override_settings(TRUSTED_PROXY_ADDRESSES=["10.0.0.2"]):
        assert client_address(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")) == "127.0.0.1"
        assert client_address(factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.7")) == "203.0.113.7"


def test_deleting_the_account_removes_its_failed_attempts(client, user):
    attempt(client)
    client.force_login(user)
    client.post("/accounts/delete/", {"password": PASSWORD})
    assert not AccessAttempt.objects.filter(username="ada").exists()


def test_a_log_in_without_a_request_is_not_a_web_log_in(user):
    """The test client's login() calls authenticate without a request: it is not throttled."""
    for _ in range(LIMIT + 1):
        assert not Client().login(username="ada", password="wrong")
    assert Client().login(username="ada", password=PASSWORD)
