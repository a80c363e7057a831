"""The data page in a real browser: one learner downloads their review log as CSV, a second
imports it through the preview and confirmation and ends with the same counts."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from studyapp.review import imports
from studyapp.review.models import Review

from ..review.test_data import SLICE, cards_for, new_learner, states

pytestmark = pytest.mark.browser


def logged_in_context(browser, live_server, learner):
    client = Client()
    client.force_login(learner.user)
    context = browser.new_context(accept_downloads=True)
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    return context


def test_download_the_csv_and_import_it_into_a_second_account(browser, live_server, transactional_db, tmp_path):
    cards_for(SLICE)
    ada, bob = new_learner("ada"), new_learner("bob")
    parsed = imports.parse_log(data=SLICE.read_bytes(), now=imports.datetime.now(imports.UTC))
    imports.apply_log(learner=ada, parsed=parsed, digest=parsed.digest)

    errors = []
    first_context = logged_in_context(browser, live_server, ada)
    first = first_context.new_page()
    first.on("console", lambda m: m.type == "error" and errors.append(m.text))
    first.goto(f"{live_server.url}/review/data/")
    assert "1000 reviews in your log" in first.text_content("main")
    with first.expect_download() as download:
        first.click("[data-export-csv]")
    path = tmp_path / "log.csv"
    download.value.save_as(path)

    second_context = logged_in_context(browser, live_server, bob)
    second = second_context.new_page()
    second.on("console", lambda m: m.type == "error" and errors.append(m.text))
    second.goto(f"{live_server.url}/review/data/")
    assert "0 reviews in your log" in second.text_content("main")
    second.set_input_files("#import-file", str(path))
    second.click("#import-form button[type=submit]:not([name])")
    second.wait_for_selector("[data-preview-counts]")
    assert second.text_content("[data-preview-counts]").strip() == "1000 reviews of 126 known cards"
    assert not Review.objects.filter(learner=bob).exists()
    second.click("[data-confirm-import]")
    second.wait_for_selector("[data-imported]")
    assert "Imported 1000 reviews of 126 cards" in second.text_content("[data-imported]")
    assert "You now have 1000 reviews" in second.text_content("[data-imported]")
    assert Review.objects.filter(learner=bob).count() == 1000
    assert states(bob) == states(ada)
    second.reload()
    assert "1000 reviews in your log" in second.text_content("main")
    assert errors == []
    first_context.close()
    second_context.close()
