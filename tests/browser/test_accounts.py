"""A guest reviews a few cards, signs up and finds the same counts; logs out and in again and
finds them still; every account page loads under the CSP with no console error; the forms work
from the keyboard alone."""

import pytest
from playwright.sync_api import expect

from .test_csp import VIOLATIONS

pytestmark = pytest.mark.browser
PASSWORD = "a long study passphrase"


def count(page, kind):
    return int(page.locator(f'#review-area [data-count="{kind}"] strong').inner_text())


def counts(page):
    return {kind: count(page, kind) for kind in ("new", "learning", "review")}


def rate_with_keys(page, key):
    front = page.locator("#review-area .review-front").inner_text()
    expect(page.locator('#review-area [data-key="reveal"]')).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#review-area .review-back")).to_be_visible()
    expect(page.locator('#review-area [data-key="3"]')).to_be_focused()
    page.keyboard.press(key)
    expect(page.locator("#review-area .review-front")).not_to_have_text(front)


def test_a_guest_signs_up_keeps_the_counts_and_logs_in_again(page, live_server, course, console_errors):
    page.add_init_script(VIOLATIONS)
    page.goto(live_server.url + "/review/")
    for key in ("3", "3", "4"):  # nothing falls due again within the test
        rate_with_keys(page, key)
    guest_counts = counts(page)
    assert guest_counts["new"] == 17
    progress = page.locator("#review-area .progress-text").inner_text()

    # Sign up from the guest notice, with the keyboard: the counts are the same afterwards.
    page.locator("[data-guest-notice] a").click()
    expect(page.locator("h1")).to_have_text("Sign up")
    page.locator("#id_username").focus()
    page.keyboard.type("grace")
    page.keyboard.press("Tab")
    page.keyboard.type("grace@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type("a different passphrase")
    page.keyboard.press("Enter")
    expect(page.locator("#id_password2-errors")).to_contain_text("didn’t match")
    expect(page.locator("#id_password2")).to_have_attribute("aria-invalid", "true")
    # Bad input is a 400 (with the form): Chromium notes that status in the console, nothing else.
    assert console_errors and all("400" in message for message in console_errors), console_errors
    console_errors.clear()
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#id_password2").press("Enter")
    expect(page.locator(".site-account-name")).to_have_text("grace")
    expect(page.locator("#messages")).to_contain_text("Everything you studied as a guest is kept")
    assert page.locator("[data-guest-notice]").count() == 0
    assert counts(page) == guest_counts
    assert page.locator("#review-area .progress-text").inner_text() == progress

    # Log out (a POST button in the header's account menu), then log in again: the schedule is there.
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.goto(live_server.url + "/review/")
    assert counts(page)["new"] == 20  # a fresh guest
    page.get_by_role("link", name="Log in").click()
    page.locator("#id_username").fill("grace")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.locator(".site-account-name")).to_have_text("grace")
    assert page.url.startswith(live_server.url + "/review/")
    assert counts(page) == guest_counts

    # The account page, then the settings link, from the header's account menu.
    page.locator(".account-menu summary").click()
    page.get_by_role("link", name="Your account").click()
    expect(page.locator("h1")).to_have_text("Your account")
    expect(page.locator(".account-counts")).to_contain_text("3 reviews")
    page.locator(".account-menu summary").click()
    page.get_by_role("link", name="Settings", exact=True).click()
    expect(page.locator("h1")).to_have_text("Review settings")
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []


def test_a_guest_logging_in_chooses_merge(page, live_server, course, console_errors, django_user_model):
    django_user_model.objects.create_user("ada", password=PASSWORD)
    page.goto(live_server.url + "/review/")
    rate_with_keys(page, "3")
    page.get_by_role("link", name="Log in").click()
    page.locator("#id_username").fill("ada")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Keep what you studied as a guest?")
    expect(page.locator("[data-guest-summary]")).to_contain_text("1 card")
    page.get_by_role("button", name="Keep and merge").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("Your guest progress is in your account: 1 card, 1 review")
    assert page.url.startswith(live_server.url + "/review/")
    assert count(page, "new") == 19
    assert console_errors == []
