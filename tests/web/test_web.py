"""Site-wide plumbing (studyapp/web.py, studyapp/views.py): HEAD, Vary, htmx-sized errors."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_head_is_allowed_on_pages(client, small_course):
    for url in ("/", "/topics/hidden-state/", reverse("course:card", args=["hidden-state", "hs-card"]),
                reverse("course:question", args=["hidden-state", "hs-question"])):
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.content == b""


def test_a_fragment_url_varies_on_hx_request(client, small_course):
    url = reverse("course:card", args=["hidden-state", "hs-card"]) + "?side=back"
    for headers in ({}, HTMX):
        response = client.get(url, **headers)
        assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in client.get(url, **HTMX).content.decode()


def test_htmx_get_for_a_missing_card_is_a_small_retargeted_partial(client, small_course):
    url = reverse("course:card", args=["hidden-state", "no-such-card"]) + "?side=back"
    response = client.get(url, **HTMX)
    assert response.status_code == 404
    html = response.content.decode()
    assert "<main" not in html and "site-header" not in html and "<html" not in html
    assert 'role="alert"' in html and "no longer exists" in html
    assert response.headers["HX-Retarget"] == "#messages"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "HX-Request" in response.headers["Vary"]


def test_plain_get_for_a_missing_card_is_the_full_page(client, small_course):
    response = client.get(reverse("course:card", args=["hidden-state", "no-such-card"]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "<main" in html and "Page not found" in html
    assert "HX-Retarget" not in response.headers


def test_htmx_post_with_an_expired_csrf_token_is_a_small_partial(small_course):
    client = Client(enforce_csrf_checks=True)
    url = reverse("course:question", args=["hidden-state", "hs-question"])
    client.get(url)  # sets a CSRF cookie; the form's token is then not sent
    response = client.post(url, {"option": "1"}, HTTP_X_CSRFTOKEN="expired" * 4, **HTMX)
    assert response.status_code == 403
    html = response.content.decode()
    assert "<main" not in html and "<html" not in html
    assert "Reload the page" in html
    assert response.headers["HX-Retarget"] == "#messages"


def test_plain_post_with_an_expired_csrf_token_is_the_full_page(small_course):
    client = Client(enforce_csrf_checks=True)
    url = reverse("course:question", args=["hidden-state", "hs-question"])
    response = client.post(url, {"option": "1"})
    assert response.status_code == 403
    assert "<main" in response.content.decode() and "This page has expired" in response.content.decode()


def test_a_form_error_for_htmx_is_the_form_itself_not_retargeted(client, small_course):
    url = reverse("course:question", args=["hidden-state", "hs-question"])
    response = client.post(url, {"option": "99"}, **HTMX)
    assert response.status_code == 400
    assert "HX-Retarget" not in response.headers
    assert response.content.decode().lstrip().startswith("<form")


def test_base_page_has_the_front_end_rules(client, small_course):
    html = client.get("/").content.decode()
    assert '"allowEval":false' in html and '"includeIndicatorStyles":false' in html
    assert "<script>" not in html and "hx-on" not in html  # no inline code
    assert 'id="messages"' in html
