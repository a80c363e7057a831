"""A learner misses a quiz question and finds its flashcard first in the review queue, marked as
brought back by the miss, and the miss in the card's history; no console error on the way."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_missed_question_brings_its_card_first_into_the_review_queue(page, live_server, course,
                                                                        console_errors):
    from studyapp.course.models import Question
    from studyapp.quiz.models import Attempt

    page.goto(live_server.url + "/quiz/?topics=gru")
    expect(page.locator("[data-weakest]")).to_contain_text("not tried this week")
    page.get_by_label("Number of questions").fill("5")
    page.get_by_label("Term recall").uncheck()
    page.get_by_label("Calculation, multiple choice").uncheck()   # only the course's questions name cards
    page.get_by_role("button", name="Start quiz").click()
    page.wait_for_load_state("load")
    question = Attempt.objects.get().questions.get(position=1)
    named = list(Question.objects.get(slug=question.source_slug).cards.order_by("topic__order", "position"))
    wrong = question.correct_option % len(question.options) + 1
    page.locator(".quiz-option label").nth(wrong - 1).click()
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".verdict")).to_have_text("Not quite.")
    back = page.locator("[data-brought-back]")
    expect(back).to_contain_text("Back in your reviews")
    expect(back.locator("li")).to_have_count(len(named))

    back.get_by_role("link", name="your review queue").click()
    page.wait_for_load_state("load")
    expect(page.locator("[data-count=forward]")).to_contain_text(str(len(named)))
    expect(page.locator("[data-forward-note]")).to_contain_text("beyond today's new-card limit")
    expect(page.locator("[data-forward-card]")).to_have_text("from a quiz miss")
    front = page.locator("#review-front")
    expect(front).to_contain_text(named[0].front.split("$")[0].strip()[:20])

    page.get_by_role("link", name="History").click()
    page.wait_for_load_state("load")
    row = page.locator("tr[data-entry-kind=quiz_miss]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Brought forward by a quiz miss")
    assert console_errors == []
