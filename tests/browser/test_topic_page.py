"""A learner opens a topic, sees rendered matrices, reveals a card and answers a question."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_topic_page_math_and_answers(page, live_server, course, console_errors):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Hidden state and forward propagation").click()
    expect(page.locator("h1")).to_contain_text("Hidden state and forward propagation")
    assert page.evaluate("typeof window.htmx") == "object"

    # A matrix formula is real MathML, laid out as a two-row table taller than a line of text.
    matrix = page.locator(".note math[display=block] mtable").first
    expect(matrix).to_be_visible()
    rows = matrix.locator("mtr")
    assert rows.count() >= 2
    table_box = matrix.bounding_box()
    row_box = rows.first.bounding_box()
    assert table_box["height"] > 1.6 * row_box["height"] > 0
    font = page.evaluate("getComputedStyle(document.querySelector('math')).fontFamily")
    assert "Latin Modern Math" in font
    assert page.evaluate("document.fonts.check('16px \"Latin Modern Math\"')")

    # Reveal a flashcard's answer in place (htmx), from the keyboard.
    url = page.url
    card = page.locator(".flashcard").first
    expect(card.locator(".flashcard-back")).to_have_count(0)
    card.get_by_role("link", name="Show answer").focus()
    page.keyboard.press("Enter")
    expect(card.locator(".flashcard-back")).to_be_visible()
    assert page.url == url

    # Answer the first question, then see the correct answer and the explanation.
    question = page.locator("form.question").first
    question.locator("li.option input").first.check()
    question.get_by_role("button", name="Check answer").click()
    question = page.locator("form.question").first
    expect(question.locator(".feedback")).to_be_visible()
    expect(question.locator("li.option.is-correct")).to_have_count(1)
    expect(question.locator(".explanation")).not_to_be_empty()

    assert console_errors == []

    # Checking without choosing an option is a 400 whose message htmx swaps in; nothing breaks.
    second = page.locator("form.question").nth(1)
    second.get_by_role("button", name="Check answer").click()
    expect(page.locator("form.question").nth(1).locator(".form-error")).to_contain_text("Choose one of the options")
    assert page.url == url
    assert console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
