"""The lab's pages: the settings form with the learner's runs, and a run training live.

Each view parses (a form), makes one call into `lab/training.py` and renders. For htmx, the
run's controls and polls answer with the live panel (`run_detail.html#run_live`); a poll that
leaves the run paused or done answers 286, which stops htmx's polling.
"""

import json
from functools import wraps

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseStopPolling

from studyapp.accounts.learners import current_learner
from studyapp.web import HtmxHttpRequest, render_error, render_page

from . import bounds, charts, training
from .forms import PollForm, RunSettingsForm, chosen_task, settings_query, settings_rows
from .models import Run

LIST_TEMPLATE = "lab/run_list.html"
DETAIL_TEMPLATE = "lab/run_detail.html"


def _list_context(request, form, **extra):
    return {"form": form, "runs": training.learner_runs(current_learner(request)),
            "bounds": bounds, **extra}


@require_safe
def lab_home(request: HtmxHttpRequest):
    """The ready default (or the settings a shared link carries) and the learner's runs."""
    task = request.GET.get("task", bounds.DEFAULT_TASK)
    status = 200
    if set(request.GET) - {"task"} or task not in bounds.TASK_ORDER:
        form = RunSettingsForm(request.GET)          # settings to check, shown as sent
        status = 200 if form.is_valid() else 400
    else:
        form = RunSettingsForm(task=chosen_task(request.GET))   # the task's ready defaults
    return render_page(request, LIST_TEMPLATE, _list_context(request, form), partial="run_form",
                       status=status)


@require_POST
def run_create(request: HtmxHttpRequest):
    """Start: create the run from the form and open its page, where it trains."""
    form = RunSettingsForm(request.POST)
    if not form.is_valid():
        return render_page(request, LIST_TEMPLATE, _list_context(request, form),
                           partial="run_form", status=400)
    learner = current_learner(request, create=True)
    try:
        run = training.create_run(learner=learner, settings=form.settings,
                                  token=form.cleaned_data["token"])
    except (training.RunLimitError, training.ReplayConflict) as refused:
        return render_page(request, LIST_TEMPLATE, _list_context(request, form, refused=refused),
                           partial="run_form", status=409)
    return redirect(run, permanent=False)


def _readable(view):
    """A stored run that no longer loads is a 409 with what to do, never a 500."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except training.RunUnreadable as error:
            return render_error(request, status=409, title="This run cannot be opened",
                                message=str(error), page_template="lab/run_error.html")
    return wrapper


def _own_run(request, run_id: int) -> Run:
    """The requesting learner's run, or 404 (another learner's run does not exist for them)."""
    learner = current_learner(request)
    if learner is None:
        raise Http404("No such run")
    return get_object_or_404(Run.objects.filter(learner=learner).select_related("learner"),
                             pk=run_id)


def _detail_context(state: training.RunState) -> dict:
    run = state.run
    return {"run": run, "state": state, "task_title": run.task_title,
            "points_json": json.dumps(charts.points(state, run.step)), "since": run.step,
            "share_query": settings_query(run.settings), "bounds": bounds,
            "baselines": _baselines(state.baseline),
            "settings_rows": settings_rows(run.settings),
            "chunk_steps": bounds.chunk_steps(run.max_steps)}


TEMPERATURE_MESSAGE = (f"The temperature must be a number from {bounds.TEMPERATURE[0]} to "
                       f"{bounds.TEMPERATURE[1]}.")


def _page(request, state: training.RunState, *, status: int = 200):
    context = _detail_context(state)
    context["figures"] = charts.figures(state)
    return render_page(request, DETAIL_TEMPLATE, context, status=status)


def _baselines(baseline: dict) -> list[tuple[str, str]]:
    """(label, value) of what a model without memory scores, for the live panel."""
    rows = []
    for key, value in baseline.items():
        name = charts.BASELINE_NAMES.get(key, key)
        if key.endswith("_accuracy"):
            rows.append((f"Baseline accuracy: {name}", f"{100 * value:.0f} %"))
        else:
            rows.append((f"Baseline loss: {name}", f"{value:.4f}"))
    return rows


@require_safe
@_readable
def run_detail(request: HtmxHttpRequest, run_id: int):
    run = _own_run(request, run_id)
    form = PollForm(request.GET)
    if not form.is_valid():
        state = training.state_of(run=run)
        state.notice = TEMPERATURE_MESSAGE
        return _page(request, state, status=400)
    return _page(request, training.state_of(run=run,
                                            temperature=form.cleaned_data["temperature"]))


def _live(request, state: training.RunState, *, since: int | None = None, status: int = 200):
    """The live panel (htmx) or, for a plain form post, the run page again."""
    if not request.htmx:
        return _page(request, state, status=status) if status != 200 else redirect(state.run)
    context = _detail_context(state)
    context["points_json"] = json.dumps(charts.points(state, since))
    context["oob_sample"] = True
    if status == 200 and not state.polling:
        response = HttpResponseStopPolling()
        response.content = render_page(request, DETAIL_TEMPLATE, context,
                                       partial="run_live").content
        response["Vary"] = "HX-Request"
        return response
    return render_page(request, DETAIL_TEMPLATE, context, partial="run_live", status=status)


def _poll_input(request) -> PollForm | None:
    form = PollForm(request.POST or request.GET)
    return form if form.is_valid() else None


def _bad_poll(request, run: Run, form_errors: str) -> HttpResponse:
    state = training.state_of(run=run)
    state.notice = form_errors
    return _live(request, state, since=None, status=400)


@require_POST
@_readable
def run_poll(request: HtmxHttpRequest, run_id: int):
    """One poll: advance a started run by a chunk; answer with the points the page lacks."""
    run = _own_run(request, run_id)
    form = _poll_input(request)
    if form is None:
        return _bad_poll(request, run, "The poll's step or temperature is out of range.")
    state = training.poll_run(run=run, temperature=form.cleaned_data["temperature"])
    return _live(request, state, since=form.cleaned_data["since"])


@require_POST
@_readable
def run_start(request: HtmxHttpRequest, run_id: int):
    if not request.htmx:
        # Without JavaScript nothing polls: a plain Start trains one chunk here and stays paused,
        # so the page it returns to shows the new steps and offers the next chunk.
        return _act_and_show(request, run_id, lambda run: training.step_run(
            run=run, steps=bounds.chunk_steps(run.max_steps)))
    run = _own_run(request, run_id)
    form = _poll_input(request)
    since = form.cleaned_data["since"] if form else None
    try:
        state = training.start_run(run=run)
    except training.RunLimitError as refused:
        state = training.state_of(run=run)
        state.notice = str(refused)
        return _live(request, state, since=since, status=409)
    return _live(request, state, since=since)


def _act_and_show(request: HtmxHttpRequest, run_id: int, action):
    """Apply `action` (a training function taking `run=`) and answer with the points since the poll's."""
    form = _poll_input(request)
    state = action(run=_own_run(request, run_id))
    return _live(request, state, since=form.cleaned_data["since"] if form else None)


@require_POST
@_readable
def run_pause(request: HtmxHttpRequest, run_id: int):
    return _act_and_show(request, run_id, training.pause_run)


@require_POST
@_readable
def run_step(request: HtmxHttpRequest, run_id: int):
    return _act_and_show(request, run_id, training.step_run)


@require_POST
@_readable
def run_reset(request: HtmxHttpRequest, run_id: int):
    state = training.reset_run(run=_own_run(request, run_id))
    return _live(request, state, since=None)


@require_POST
def run_delete(request: HtmxHttpRequest, run_id: int):
    training.delete_run(run=_own_run(request, run_id))
    return redirect("lab:home")


@require_safe
@_readable
def run_sample(request: HtmxHttpRequest, run_id: int):
    """The language model's sample at another temperature (the slider; htmx)."""
    run = _own_run(request, run_id)
    form = PollForm(request.GET)
    if not form.is_valid() or form.cleaned_data["temperature"] is None:
        if not request.htmx:
            state = training.state_of(run=run)
            state.notice = TEMPERATURE_MESSAGE
            return _page(request, state, status=400)
        return render(request, f"{DETAIL_TEMPLATE}#run_sample",
                      {"sample_error": TEMPERATURE_MESSAGE}, status=400)
    if not request.htmx:
        query = urlencode({"temperature": form.cleaned_data["temperature"]})
        return redirect(f"{run.get_absolute_url()}?{query}")
    state = training.state_of(run=run, temperature=form.cleaned_data["temperature"])
    return render(request, f"{DETAIL_TEMPLATE}#run_sample", {"state": state, "run": run})
