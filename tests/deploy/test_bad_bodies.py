"""A request body the site cannot read is a 400 in the site's words, never a 500."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LATIN_1_FORM = "application/x-www-form-urlencoded; charset=latin-1"


def post_in_latin_1(path="/", **headers):
    # Any CSRF cookie and a matching Origin: the CSRF check reads the body, which cannot be decoded.
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "a" * 32
    return client.post(path, data="x=1", content_type=LATIN_1_FORM,
                       HTTP_ORIGIN="http://testserver", **headers)


def test_a_form_body_in_another_charset_is_a_400_page(small_course):
    response = post_in_latin_1()
    assert response.status_code == 400
    html = response.content.decode()
    assert "<main" in html and "could not be understood" in html
    assert "HX-Retarget" not in response.headers


def test_for_htmx_it_is_the_small_message_in_the_message_area(small_course):
    response = post_in_latin_1("/topics/hidden-state/", **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<main" not in html and "<html" not in html
    assert 'role="alert"' in html and "malformed" in html
    assert response.headers["HX-Retarget"] == "#messages"
    assert "HX-Request" in response.headers["Vary"]


def test_a_multipart_body_in_another_charset_is_a_400_too(small_course):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "a" * 32
    response = client.post("/", data=b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x",
                           content_type="multipart/form-data", HTTP_ORIGIN="http://testserver")
    assert response.status_code == 400


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response["Cache-Control"]
    assert client.post("/favicon.ico").status_code == 405
