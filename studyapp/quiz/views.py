"""Quiz pages: the builder, one question at a time (answered via htmx or a plain form), the
results of an attempt and the learner's history. Views parse, call attempts/results, render."""

from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_safe

from studyapp.accounts.learners import current_learner
from studyapp.course.models import Topic
from studyapp.web import HtmxHttpRequest, render_page

from . import attempts, grading, misses, results
from .forms import AnswerForm, BuildForm
from .models import Attempt


HISTORY_ROWS = 100  # the latest attempts listed by the history page (the plot shows them all)


def _attempt(request: HtmxHttpRequest, attempt_id: int) -> Attempt:
    """The requesting learner's attempt, or a 404 (another learner's is not found either)."""
    return get_object_or_404(attempts.attempts_of(current_learner(request)), pk=attempt_id)


def _question_url(attempt: Attempt, position: int | None) -> str:
    if position is None:
        return reverse("quiz:results", args=[attempt.pk])
    return reverse("quiz:question", args=[attempt.pk, position])


@require_http_methods(["GET", "HEAD", "POST"])
def builder(request: HtmxHttpRequest):
    """Choose topics, length and kinds; POST starts the attempt at its first question."""
    status = 200
    if request.method == "POST":
        form = BuildForm(request.POST)
        if form.is_valid():
            try:
                attempt = attempts.start_attempt(
                    learner=current_learner(request, create=True), topics=form.chosen_topics(),
                    length=form.cleaned_data["length"], kinds=form.cleaned_data["kinds"],
                    weakest=form.cleaned_data["weakest"])
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(_question_url(attempt, 1), permanent=False)
        status = 400
    else:
        form = BuildForm(initial=BuildForm.initial_from(request.GET))
    learner = current_learner(request)
    learner_attempts = attempts.attempts_of(learner)
    counts = attempts.available_by_topic()
    return render_page(request, "quiz/attempt_new.html", {
        "form": form, "rule": attempts.RULE, "weakest_rule": attempts.WEAKEST_RULE,
        "weakest": attempts.weakest_topics(learner=learner, now=timezone.now()),
        "topics": [(topic, counts[topic.pk]) for topic in Topic.objects.live()],
        "unfinished": [a for a in learner_attempts.filter(finished__isnull=True)[:5]
                       if a.n_questions],
        "finished_count": learner_attempts.filter(finished__isnull=False).count(),
    }, status=status)


@require_safe
def attempt_detail(request: HtmxHttpRequest, attempt_id: int):
    """Resume: the first unanswered question, or the results when all are answered."""
    attempt = _attempt(request, attempt_id)
    return redirect(_question_url(attempt, attempts.resume_position(attempt)))


@require_http_methods(["GET", "HEAD", "POST"])
def question_detail(request: HtmxHttpRequest, attempt_id: int, position: int):
    """One question of an attempt; POST answers it (htmx swaps in the feedback)."""
    attempt = _attempt(request, attempt_id)
    question = get_object_or_404(attempt.questions.select_related("answer", "topic"),
                                 position=position)
    context = {"attempt": attempt, "question": question, "conflict": None, "brought_back": None}
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST, question=question)
        if form.is_valid():
            try:
                recorded = attempts.record_answer(question=question, response=form.cleaned_data["response"])
            except attempts.AnswerConflict as conflict:
                question.answer = conflict.answer
                context["conflict"] = ("This question was already answered; an answer cannot "
                                       "be changed. Your first answer is shown.")
                status = 409
            else:
                if not request.htmx:
                    return redirect(_question_url(attempt, position))
                if not recorded.replay:
                    context["brought_back"] = recorded.brought_back
        else:
            status = 400
    else:
        form = AnswerForm(question=question)
    answer = getattr(question, "answer", None)
    if answer is not None and answer.outcome == "wrong" and context["brought_back"] is None:
        context["brought_back"] = misses.brought_back(attempt=attempt, question=question)
    context.update(
        form=form, answer=answer, progress=results.progress(attempt),
        typed_mistake=grading.typed_mistake(question, answer.response) if answer else "",
        results_url=_question_url(attempt, None),
        next_url=_question_url(attempt, attempts.next_position(attempt, after=position))
        if answer else None,
    )
    # htmx restoring history it had no copy of asks for the whole page.
    if request.htmx.history_restore_request:
        response = render_page(request, "quiz/question_detail.html", context, status=status)
        patch_vary_headers(response, ("HX-Request",))
        return response
    return render_page(request, "quiz/question_detail.html", context, partial="quiz_question",
                       status=status)


@require_safe
def attempt_results(request: HtmxHttpRequest, attempt_id: int):
    attempt = _attempt(request, attempt_id)
    return render_page(request, "quiz/attempt_results.html", {
        "attempt": attempt, "results": results.attempt_results(attempt),
        "brought_back": misses.brought_back(attempt=attempt),
        "resume_url": _question_url(attempt, attempts.resume_position(attempt)),
    })


@require_safe
def attempt_list(request: HtmxHttpRequest):
    """The learner's history: every attempt, and their scores over time."""
    learner = current_learner(request)
    rows = results.score_history(learner=learner)
    every = attempts.attempts_of(learner)
    return render_page(request, "quiz/attempt_list.html", {
        "attempts": every[:HISTORY_ROWS],
        "attempt_count": every.count(),
        "history": rows,
        "figure": results.history_figure(rows) if rows else None,
    })
