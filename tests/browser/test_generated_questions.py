"""A learner answers generated calculations in a real browser: by choice and by typing, wrong
and right, sees the named mistake and the worked solution (MathML), and a bad typed answer is
asked again without counting."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def start(page, live_server, topics, kind):
    page.goto(live_server.url + "/quiz/?" + "&".join(f"topics={t}" for t in topics))
    page.get_by_label("Number of questions").fill("5")
    for value in ("choice", "term", "numeric", "numeric_typed"):
        box = page.locator(f'input[name="kinds"][value="{value}"]')
        box.check() if value == kind else box.uncheck()
    page.get_by_role("button", name="Start quiz").click()
    expect(page.locator("#quiz-question")).to_be_visible()


def plain_word(name):
    """The longest word of a mistake's name outside its math ("$W_x$ transposed": transposed)."""
    return max(re.sub(r"\$[^$]*\$", " ", name).split(), key=len)


def test_calculations_by_choice_wrong_then_right(page, live_server, course, console_errors):
    from studyapp.quiz.models import Attempt

    start(page, live_server, ["hidden-state", "lstm"], "numeric")
    attempt = Attempt.objects.get()
    assert {q.kind for q in attempt.questions.all()} == {"numeric"}
    first = attempt.questions.get(position=1)
    card = page.locator("#quiz-question")
    expect(card.locator(".quiz-stem math").first).to_be_visible()
    expect(card.locator(".quiz-options li")).to_have_count(len(first.options))
    expect(card.locator(".solution")).to_have_count(0)

    wrong = next(n for n in range(1, len(first.options) + 1) if n != first.correct_option)
    mistake = first.params["options"][wrong - 1]["mistake"]
    page.keyboard.press(str(wrong))
    page.keyboard.press("Enter")
    feedback = page.locator("#quiz-question .quiz-feedback")
    expect(feedback.locator(".verdict")).to_have_text("Not quite.")
    pick = feedback.locator(".feedback-part.is-pick")
    expect(pick.locator("strong")).to_contain_text(plain_word(mistake))
    solution = feedback.locator(".feedback-part.solution")
    expect(solution.locator("h2")).to_have_text("Worked solution")
    expect(solution.locator("li")).to_have_count(len(first.params["solution"]))
    expect(solution.locator("math").first).to_be_visible()

    page.keyboard.press("Enter")                               # next question
    expect(page.locator(".quiz-count")).to_contain_text("Question 2")
    second = attempt.questions.get(position=2)
    page.locator(".quiz-option label").nth(second.correct_option - 1).click()
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".verdict")).to_have_text("Right.")
    expect(page.locator(".feedback-part.solution math").first).to_be_visible()
    page.reload()                                              # the same numbers, answered
    expect(page.locator(".verdict")).to_have_text("Right.")
    assert console_errors == []


def test_calculations_by_typing_bad_wrong_and_right(page, live_server, course, console_errors):
    from studyapp.quiz.models import Attempt
    from studyapp.quiz.generation import GeneratedQuestion

    start(page, live_server, ["loss-functions", "gru", "lstm"], "numeric_typed")
    attempt = Attempt.objects.get()
    questions = {q.position: q for q in attempt.questions.all()}
    assert {q.kind for q in questions.values()} == {"numeric_typed"}
    first = questions[1]
    generated = GeneratedQuestion.from_dict(first.params)
    field = page.locator('#quiz-question input[name="answer"]')
    expect(field).to_be_focused()
    expect(page.locator(".quiz-keys")).to_contain_text("a comma is never a decimal point")

    field.fill("about a half")                                 # not numbers: asked again
    page.keyboard.press("Enter")
    expect(page.locator("#quiz-errors")).to_contain_text("is not a number")
    assert not first.__class__.objects.filter(pk=first.pk, answer__isnull=False).exists()

    mistake = next(o for o in generated.options if o.mistake)
    page.locator('#quiz-question input[name="answer"]').fill(
        ", ".join(f"{v:.{generated.decimals}f}" for v in mistake.value))
    page.keyboard.press("Enter")
    feedback = page.locator("#quiz-question .quiz-feedback")
    expect(feedback.locator(".verdict")).to_have_text("Not quite.")
    expect(feedback.locator(".feedback-part.is-mistake")).to_contain_text("A typical mistake")
    expect(feedback.locator(".feedback-part.is-right h2")).to_have_text("The right answer")
    expect(feedback.locator(".feedback-part.solution math").first).to_be_visible()

    page.keyboard.press("Enter")
    expect(page.locator(".quiz-count")).to_contain_text("Question 2")
    second = GeneratedQuestion.from_dict(questions[2].params)
    typed = " ".join(f"{v:.{second.decimals}f}".replace("-", "−") for v in second.answer)
    page.locator('#quiz-question input[name="answer"]').fill(typed)
    page.keyboard.press("Enter")
    expect(page.locator(".verdict")).to_have_text("Right.")
    expect(page.locator(".feedback-part.solution h2")).to_have_text("Worked solution")
    # The unreadable answer was a 400 (asked again), which the browser logs; nothing else.
    assert [e for e in console_errors if "status of 400" not in e] == []
