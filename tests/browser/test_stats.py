"""A learner with some history opens their statistics: every plot is drawn under the strict
CSP with no console error; then a card's history and forgetting curve, from its topic page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from studyapp.accounts.models import Learner
from studyapp.course.models import Flashcard
from studyapp.review import scheduling

from .test_csp import VIOLATIONS

pytestmark = pytest.mark.browser


def test_statistics_and_a_cards_curve_are_drawn(page, live_server, course, console_errors):
    page.add_init_script(VIOLATIONS)
    page.goto(live_server.url + "/review/")
    for rating, new_left in (("3", "19"), ("1", "18")):
        page.keyboard.press("Space")
        expect(page.locator(".review-back")).to_be_visible()
        page.keyboard.press(rating)
        expect(page.locator('#review-area [data-count="new"] strong')).to_have_text(new_left)
    learner = Learner.objects.get()
    # Earlier days of the same learner, written through the scheduler.
    start = timezone.now() - timedelta(days=12)
    cards = list(Flashcard.objects.live().filter(topic__slug="gru")[:4])
    for day in range(0, 12, 2):
        for card in cards:
            state = learner.card_states.filter(flashcard=card).first()
            scheduling.rate_card(learner=learner, flashcard=card, version=state.version if state else 0,
                                 rating=3, now=start + timedelta(days=day), shown_at=start + timedelta(days=day, seconds=-6))

    page.get_by_role("link", name="Statistics", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Your statistics")
    areas = page.locator(".plot-area")
    assert areas.count() == 8
    for i in range(areas.count()):
        expect(areas.nth(i).locator(".main-svg").first).to_be_attached()
    assert page.locator("#plot-calendar .heatmaplayer").count() == 1
    assert page.locator("#plot-forecast .trace.bars").count() == 3
    # plots.js gave each figure the site's template (sent once, in plots.js's data-template).
    assert page.evaluate("document.getElementById('plot-forecast').layout.template.layout.font.color") == "#2a3f5f"
    expect(page.locator('[data-stat="today"]')).to_have_text("2")
    assert page.evaluate("window.__cspViolations") == []

    # A topic's statistics, then one card's page from the topic page.
    page.get_by_role("link", name="Gated recurrent units (GRU)").click()
    expect(page.locator("h1")).to_contain_text("Statistics: Gated recurrent units")
    assert page.locator(".plot-area").count() == 7
    expect(page.locator("#plot-states .main-svg").first).to_be_attached()
    page.goto(live_server.url + "/topics/gru/")
    page.locator(f"#card-{cards[0].slug} .card-history-link").click()
    expect(page.locator("h1")).to_have_text("Card history")
    expect(page.locator("#plot-curve .scatterlayer .trace").first).to_be_attached()
    assert page.locator('[data-table="history"] tbody tr').count() == 6
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []
