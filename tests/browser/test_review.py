"""A guest reviews with the keyboard alone: reveal, rate, undo, bury; counts and interval labels
change; no console error."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def count(page, kind):
    return int(page.locator(f'#review-area [data-count="{kind}"] strong').inner_text())


def test_a_guest_reviews_with_the_keyboard_alone(page, live_server, course, console_errors):
    page.goto(live_server.url + "/review/")
    expect(page.locator("[data-guest-notice]")).to_contain_text("lasts as long as this browser session")
    area = page.locator("#review-area")
    first_front = area.locator(".review-front").inner_text()
    first_card = area.locator(".review-card").get_attribute("data-card")
    new_before = count(page, "new")
    assert new_before == 20 and count(page, "learning") == 0
    # Focus is on "Show answer"; Space reveals the back with the four interval labels.
    expect(area.locator('[data-key="reveal"]')).to_be_focused()
    page.keyboard.press("Space")
    expect(area.locator(".review-back")).to_be_visible()
    labels = [area.locator(f'[data-interval="{r}"]').inner_text() for r in (1, 2, 3, 4)]
    assert labels[:3] == ["1m", "6m", "10m"] and labels[3].endswith("d")
    expect(area.locator('[data-key="3"]')).to_be_focused()

    # 1 (Again): the card goes to learning, the next new card comes.
    page.keyboard.press("1")
    expect(area.locator('[data-count="new"] strong')).to_have_text(str(new_before - 1))
    expect(area.locator(".review-front")).not_to_have_text(first_front)
    expect(area.locator(".progress-text")).to_contain_text("1 of")
    second_front = area.locator(".review-front").inner_text()

    # u undoes: the first card is back, new, and the counts with it.
    page.keyboard.press("u")
    expect(area.locator(".review-front")).to_have_text(first_front)
    expect(area.locator('[data-count="new"] strong')).to_have_text(str(new_before))
    expect(area.locator('[data-key="reveal"]')).to_be_focused()

    # Enter reveals this time; 3 (Good) moves it to its 10-minute step.
    page.keyboard.press("Enter")
    expect(area.locator(".review-back")).to_be_visible()
    page.keyboard.press("3")
    expect(area.locator(".review-front")).to_have_text(second_front)
    expect(area.locator('[data-count="new"] strong')).to_have_text(str(new_before - 1))

    # - buries the second card until tomorrow; Ctrl+Z brings it back.
    page.keyboard.press("-")
    expect(area.locator(".review-front")).not_to_have_text(second_front)
    expect(area.locator('[data-count="new"] strong')).to_have_text(str(new_before - 1))  # the next new card fills in
    page.keyboard.press("Control+z")
    expect(area.locator(".review-front")).to_have_text(second_front)

    # Space and 4 (Easy) on the second card.
    page.keyboard.press("Space")
    expect(area.locator(".review-back")).to_be_visible()
    page.keyboard.press("4")
    expect(area.locator('[data-count="new"] strong')).to_have_text(str(new_before - 2))

    # The first card, now at its 10-minute learning step, offers other intervals than a new card.
    page.goto(page.url.split("&")[0] + f"&card={first_card}")
    expect(area.locator(".review-front")).to_have_text(first_front)
    expect(area.locator(".review-kind")).to_contain_text("learning")
    page.keyboard.press("Space")
    expect(area.locator(".review-back")).to_be_visible()
    learning_labels = [area.locator(f'[data-interval="{r}"]').inner_text() for r in (1, 2, 3, 4)]
    assert learning_labels != labels and learning_labels[2].endswith("d")

    page.goto(live_server.url + "/")
    expect(page.locator(".review-due-link").first).to_contain_text("new")
    assert console_errors == []


def test_every_step_works_without_javascript(browser, live_server, course):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/review/")
    area = page.locator("#review-area")
    first_front = area.locator(".review-front").inner_text()
    page.get_by_role("link", name="Show answer").click()
    expect(area.locator(".review-back")).to_be_visible()
    page.get_by_role("button", name="Good").click()
    expect(area.locator('[data-count="new"] strong')).to_have_text("19")
    page.get_by_role("button", name="Undo Good").click()
    expect(area.locator(".review-front")).to_have_text(first_front)
    page.get_by_role("button", name="Bury until tomorrow").click()
    expect(area.locator(".review-front")).not_to_have_text(first_front)
    page.get_by_role("button", name="Suspend").click()
    page.goto(live_server.url + "/review/topics/sequences/")
    expect(page.locator(".suspended-list li")).to_have_count(1)
    page.get_by_role("button", name="Unsuspend").click()
    expect(page.locator(".suspended-list li")).to_have_count(0)
    context.close()


def test_a_second_tab_rating_the_same_card_differently_gets_a_message(page, live_server, course):
    page.goto(live_server.url + "/review/")
    page.keyboard.press("Space")
    expect(page.locator(".review-back")).to_be_visible()
    other = page.context.new_page()
    other.goto(page.url)  # the same session, the same card, in a second tab
    other.keyboard.press("Space")
    expect(other.locator(".review-back")).to_be_visible()
    page.keyboard.press("3")
    expect(page.locator('#review-area [data-count="new"] strong')).to_have_text("19")
    other.keyboard.press("1")
    message = other.locator("[data-review-message]")
    expect(message).to_contain_text("already changed from that state (Good")
    expect(other.locator('#review-area [data-count="new"] strong')).to_have_text("19")
    expect(other.locator('[data-key="reveal"]')).to_be_focused()
