"""A learner takes a whole quiz with the keyboard alone: right and wrong answers, the feedback
and explanations after each, the results at the end; no console error on the way."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def focused(page):
    return page.evaluate("document.activeElement && (document.activeElement.name || document.activeElement.className)")


def test_a_whole_quiz_by_keyboard(page, live_server, course, console_errors):
    from studyapp.quiz.models import Attempt

    page.goto(live_server.url + "/topics/gru/")
    page.get_by_role("link", name="Quiz me on this topic").click()
    expect(page.locator("h1")).to_have_text("Quiz yourself")
    expect(page.locator('input[value="gru"]')).to_be_checked()

    # Tab to the length, type 6, Enter starts the quiz.
    for _ in range(60):
        page.keyboard.press("Tab")
        if focused(page) == "length":
            break
    assert focused(page) == "length"
    page.keyboard.press("Control+a")
    page.keyboard.type("6")
    page.keyboard.press("Enter")
    expect(page.locator("#quiz-question")).to_be_visible()
    page.wait_for_load_state("load")  # quiz.js (deferred) is listening
    attempt = Attempt.objects.get()
    questions = {q.position: q for q in attempt.questions.all()}
    # The builder ticks the course's questions, term recall and calculations (multiple choice);
    # which of them six questions draw is the quiz's choice.
    assert set(attempt.kinds) == {"choice", "term", "numeric"}
    assert len(questions) == 6 and {q.kind for q in questions.values()} <= set(attempt.kinds)

    plan = {}
    for position in range(1, 7):
        question = questions[position]
        expect(page.locator(".quiz-count")).to_contain_text(f"Question {position}")
        right = position % 2 == 1
        plan[position] = right
        card = page.locator("#quiz-question")
        expect(card.locator(".quiz-feedback")).to_have_count(0)
        if question.kind in ("choice", "numeric"):
            key = question.correct_option if right else question.correct_option % len(question.options) + 1
            page.keyboard.press(str(key))
            expect(card.locator(f'input[name="option"][value="{key}"]')).to_be_checked()
        else:
            expect(card.locator('input[name="answer"]')).to_be_focused()
            page.keyboard.type(question.accepted[0].lower() if right else "not the term")
        page.keyboard.press("Enter")

        feedback = page.locator("#quiz-question .quiz-feedback")
        expect(feedback).to_be_visible()
        verdict = feedback.locator(".verdict")
        expect(verdict).to_have_text("Right." if right else "Not quite.")
        if question.kind in ("choice", "numeric"):
            right_text = page.locator("#quiz-question li.quiz-option.is-correct")
            expect(right_text).to_have_count(1)
            # A course question explains why; a calculation works its solution out.
            why = ".explanation .prose" if question.kind == "choice" else ".solution .prose"
            expect(feedback.locator(why)).not_to_be_empty()
            if not right:
                expect(page.locator("#quiz-question li.quiz-option.is-wrong")).to_have_count(1)
                expect(feedback.locator(".feedback-part.is-pick")).to_be_visible()
        else:
            expect(feedback.locator(".term-answer")).to_be_visible()
        expect(page.locator(".quiz-next")).to_be_focused()
        page.keyboard.press("Enter")  # on to the next question, or the results

        if position < 6:
            expect(page.locator(".quiz-count")).to_contain_text(f"Question {position + 1}")
            assert page.url.endswith(f"/quiz/{attempt.pk}/{position + 1}/")

    expect(page.locator("h1")).to_have_text("Quiz results")
    assert page.url.endswith(f"/quiz/{attempt.pk}/results/")
    expect(page.locator(".score-number")).to_have_text("50%")
    expect(page.locator(".score-words")).to_contain_text("3 of 6 right")
    items = page.locator(".result-item")
    expect(items).to_have_count(6)
    for position, right in plan.items():
        expect(items.nth(position - 1)).to_have_class(re.compile("is-right" if right else "is-wrong"))
    expect(page.get_by_role("link", name="Gated recurrent units (GRU)").first).to_be_visible()

    # The history page draws the score with plotly.
    page.get_by_role("link", name="Your quiz history").click()
    page.wait_for_load_state("load")
    expect(page.locator("#quiz-history-plot .main-svg").first).to_be_attached(timeout=20_000)
    assert console_errors == []


def test_the_mouse_works_too_and_a_refresh_keeps_the_answer(page, live_server, course, console_errors):
    from studyapp.quiz.models import Attempt

    page.goto(live_server.url + "/quiz/?topics=gru")
    page.get_by_label("Number of questions").fill("5")
    page.get_by_label("Term recall").uncheck()
    page.get_by_role("button", name="Start quiz").click()
    page.wait_for_load_state("load")
    question = Attempt.objects.get().questions.get(position=1)
    page.locator(".quiz-option label").nth(question.correct_option - 1).click()
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".verdict")).to_have_text("Right.")
    page.reload()
    expect(page.locator(".verdict")).to_have_text("Right.")
    page.get_by_role("link", name="Next question").click()
    expect(page.locator(".quiz-count")).to_contain_text("Question 2")
    page.get_by_role("button", name="I don't know").click()
    expect(page.locator(".verdict")).to_have_text("No answer given.")
    assert console_errors == []
