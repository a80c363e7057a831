"""Every page loads with htmx's eval off and no console error; errors for htmx stay small."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_pages_load_with_eval_off_and_no_console_error(page, live_server, course, console_errors):
    for path in ("/", "/topics/hidden-state/", "/topics/gru/"):
        page.goto(live_server.url + path)
        assert page.evaluate("htmx.config.allowEval") is False
        assert page.evaluate("htmx.config.includeIndicatorStyles") is False
        # htmx injected no <style> of its own; the page has no inline script.
        assert page.evaluate("document.querySelectorAll('style').length") == 0
        assert page.evaluate("[...document.scripts].filter(s => !s.src).length") == 0
    assert console_errors == []


def test_a_card_gone_since_the_page_loaded_gives_a_message_not_a_second_page(page, live_server, course):
    page.goto(live_server.url + "/topics/hidden-state/")
    link = page.locator(".flashcard").first.get_by_role("link", name="Show answer")
    # The card is retired after the page was rendered (a course reload): its URL is now a 404.
    from studyapp.course.models import Flashcard
    Flashcard.objects.filter(topic__slug="hidden-state").update(retired=True)
    link.click()
    message = page.locator("#messages .message")
    expect(message).to_contain_text("no longer exists")
    assert page.locator("main").count() == 1
    assert page.locator(".site-header").count() == 1
