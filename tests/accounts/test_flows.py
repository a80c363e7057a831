"""The account pages through the test client: sign-up, log-in, log-out, password change and
reset, the account page, deletion; each invalid input answered beside its field with a 4xx."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from studyapp.accounts.learners import owned_models
from studyapp.accounts.models import Learner
from studyapp.review.models import CardState, Review, ReviewSettings

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


def field_error(html, field):
    """The error text shown beside a field (components.html#field_errors), or None."""
    found = re.search(rf'id="id_{field}-errors"[^>]*>(.*?)</p>', html, re.S)
    return unescape(found.group(1)).strip() if found else None


def signup(client, **fields):
    data = {"username": "grace", "email": "", "password1": PASSWORD, "password2": PASSWORD} | fields
    return client.post("/accounts/signup/", data)


def test_sign_up_creates_the_account_and_logs_in(client):
    page = client.get("/accounts/signup/?next=/review/")
    assert page.status_code == 200 and 'name="password2"' in page.content.decode()
    response = signup(client, next="/review/", email="grace@example.org")
    assert response.status_code == 303 and response["Location"] == "/review/"
    user = User.objects.get(username="grace")
    assert user.email == "grace@example.org" and user.check_password(PASSWORD)
    home = client.get("/").content.decode()
    assert "grace" in home and 'action="/accounts/logout/"' in home and 'href="/review/settings/"' in home
    assert "Welcome, grace" in home  # the message, once


def test_sign_up_never_redirects_off_site(client):
    response = signup(client, next="https://evil.example/")
    assert response.status_code == 303 and response["Location"] == "/"


@pytest.mark.parametrize("fields, field, message", [
    ({"username": "Ada"}, "username", "already exists"),  # taken, whatever the case
    ({"username": ""}, "username", "required"),
    ({"username": "has space"}, "username", "Enter a valid username"),
    ({"password2": "another long passphrase"}, "password2", "didn’t match"),
    ({"password1": "short", "password2": "short"}, "password2", "too short"),
    ({"password1": "password123", "password2": "password123"}, "password2", "too common"),
    ({"password1": "83920174655", "password2": "83920174655"}, "password2", "entirely numeric"),
    ({"username": "grace.hopper", "password1": "grace.hopper1", "password2": "grace.hopper1"},
     "password2", "too similar to the username"),
    ({"email": "not-an-address"}, "email", "valid email"),
])
def test_each_invalid_sign_up_is_a_400_with_the_error_beside_its_field(client, user, fields, field, message):
    response = signup(client, **fields)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in (field_error(html, field) or ""), html
    assert f'aria-describedby="id_{field}-errors' in html and 'aria-invalid="true"' in html
    assert User.objects.count() == 1 and "_auth_user_id" not in client.session


def test_log_in_and_log_out(client, user):
    page = client.get("/accounts/login/?next=/review/")
    assert page.status_code == 200
    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD, "next": "/review/"})
    assert response.status_code == 302 and response["Location"] == "/review/"
    assert client.get("/accounts/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # log-out is a POST
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/accounts/").status_code == 302  # to the log-in page
    home = client.get("/").content.decode()
    assert 'href="/accounts/login/?next=/"' in home and 'href="/accounts/signup/?next=/"' in home


def test_a_wrong_password_is_a_form_error(client, user):
    response = client.post("/accounts/login/", {"username": "ada", "password": "not it"})
    html = response.content.decode()
    assert response.status_code == 200 and "Please enter a correct username and password" in html
    assert 'role="alert"' in html and "_auth_user_id" not in client.session


def test_change_password(client, user):
    client.force_login(user)
    wrong = client.post("/accounts/password_change/", {
        "old_password": "nope", "new_password1": "a new long passphrase", "new_password2": "a new long passphrase"})
    assert wrong.status_code == 200 and "That is not your password" in field_error(wrong.content.decode(), "old_password")
    mismatch = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "a new long passphrase", "new_password2": "another"})
    assert "didn’t match" in field_error(mismatch.content.decode(), "new_password2")
    done = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "a new long passphrase", "new_password2": "a new long passphrase"})
    assert done.status_code == 302 and done["Location"] == "/accounts/password_change/done/"
    assert client.get("/accounts/").status_code == 200  # still logged in
    user.refresh_from_db()
    assert user.check_password("a new long passphrase")


def test_password_reset_by_email(client, user):
    assert client.get("/accounts/password_reset/").status_code == 200
    response = client.post("/accounts/password_reset/", {"email": "ada@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.org"]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "123", "new_password2": "123"})
    assert "too short" in field_error(weak.content.decode(), "new_password2")
    done = client.post(set_url, {"new_password1": "a fresh passphrase", "new_password2": "a fresh passphrase"})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    user.refresh_from_db()
    assert user.check_password("a fresh passphrase")
    used = client.get(link)  # a link works once
    assert used.status_code == 400 and "data-invalid-link" in used.content.decode()


def test_an_unknown_email_looks_the_same_and_sends_nothing(client, user):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


def test_a_forged_reset_token_is_refused(client, user):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    for url in (f"/accounts/reset/{uid}/forged-0123456789abcdef/", "/accounts/reset/xx/set-password/",
                f"/accounts/reset/{uid}/set-password/"):  # no token in the session either
        response = client.get(url)
        assert response.status_code == 400 and "data-invalid-link" in response.content.decode()
        assert client.post(url, {"new_password1": "x" * 20, "new_password2": "x" * 20}).status_code == 400
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_change_email_needs_the_password(client, user):
    client.force_login(user)
    wrong = client.post("/accounts/", {"email": "new@example.org", "password": "nope"})
    assert wrong.status_code == 400 and "That is not your password" in field_error(wrong.content.decode(), "password")
    ok = client.post("/accounts/", {"email": "new@example.org", "password": PASSWORD})
    assert ok.status_code == 303
    user.refresh_from_db()
    assert user.email == "new@example.org"


def test_account_pages_need_a_log_in(client):
    for url in ("/accounts/", "/accounts/delete/", "/accounts/password_change/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def owned_rows(learner_id):
    return {model._meta.label: model._default_manager.filter(**{field.attname: learner_id}).count()
            for model, field in owned_models()}


def test_deleting_the_account_leaves_no_row_of_its_learner(client, studied_user, deck):
    learner = Learner.objects.get(user=studied_user)
    ReviewSettings.objects.filter(learner=learner).update(new_per_day=7)
    from studyapp.quiz.models import Attempt
    Attempt.objects.create(learner=learner, requested_length=5, kinds=["choice"])
    from studyapp.lab.models import Run
    Run.objects.create(learner=learner, task="adding", settings={}, state=b"", max_steps=10)
    other = User.objects.create_user("bob", password=PASSWORD)
    other_learner = Learner.objects.create(user=other)
    from .conftest import NOW, rate
    rate(other_learner, deck[0], 3, NOW)
    before = owned_rows(learner.pk)
    # Every model with a foreign key to Learner: this test's learner must own rows of each, so an
    # app added later that forgets cascade (or its data here) fails this test.
    missing = [label for label, count in before.items() if count == 0]
    assert not missing, f"add rows of {missing} to this test's learner"
    assert {"review.CardState", "review.Review", "review.ReviewSettings"} <= set(before)
    others_before = owned_rows(other_learner.pk)

    client.force_login(studied_user)
    page = re.sub(r"<[^>]+>", "", client.get("/accounts/delete/").content.decode())
    assert "2 card states" in page and "3 reviews" in page and "1 review settings" in page
    wrong = client.post("/accounts/delete/", {"password": "not my password"})
    assert wrong.status_code == 400 and "That is not your password" in field_error(wrong.content.decode(), "password")
    empty = client.post("/accounts/delete/", {"password": ""})
    assert empty.status_code == 400 and "Enter your password" in field_error(empty.content.decode(), "password")
    assert owned_rows(learner.pk) == before and User.objects.filter(pk=studied_user.pk).exists()

    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 303 and response["Location"] == "/accounts/deleted/"
    assert "Account deleted" in client.get("/accounts/deleted/").content.decode()
    assert not User.objects.filter(pk=studied_user.pk).exists()
    assert not Learner.objects.filter(pk=learner.pk).exists()
    assert all(count == 0 for count in owned_rows(learner.pk).values())
    assert owned_rows(other_learner.pk) == others_before  # nobody else's rows
    assert "_auth_user_id" not in client.session  # logged out
    assert client.get("/accounts/").status_code == 302


def test_another_learners_data_is_a_404(client, studied_user, deck):
    ada = Learner.objects.get(user=studied_user)
    entry = Review.objects.filter(learner=ada).latest("pk")
    bob = User.objects.create_user("bob", password=PASSWORD)
    client.force_login(bob)
    response = client.post("/review/", {"action": "undo", "entry": entry.pk, "session": entry.session})
    assert response.status_code == 404
    response = client.post("/review/topics/topic-0/", {"action": "unsuspend", "card": deck[0].pk, "version": 2,
                                                       "session": "sess000001"})
    assert response.status_code == 404
    account = client.get("/accounts/").content.decode()
    assert "Nothing stored yet" in account and "card state" not in account
    # No page takes a learner id: the merge page only knows the session's own pending guest.
    response = client.post("/review/guest-progress/", {"choice": "merge"})
    assert response.status_code == 303
    assert CardState.objects.filter(learner=ada).count() == 2 and not Learner.objects.filter(user=bob).exists()


def test_the_pages_render_in_the_site_style(client, user):
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password_reset/",
                "/accounts/password_reset/done/", "/accounts/reset/done/"):
        html = client.get(url).content.decode()
        assert "css/accounts.css" in html and 'class="site-header"' in html and " style=" not in html, url
    client.force_login(user)
    for url in ("/accounts/", "/accounts/delete/", "/accounts/password_change/", "/accounts/password_change/done/"):
        html = client.get(url).content.decode()
        assert "css/accounts.css" in html and " style=" not in html, url
