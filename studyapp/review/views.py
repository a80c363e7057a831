"""The review pages: the whole course (/review/), one topic (/review/topics/<slug>/), settings,
and one card's history (/review/cards/<slug>/).

A review page is one URL: GET shows the queue's head (`?card=..&side=back` reveals it), POST
makes one change (`action` = rate, bury, suspend, unsuspend or undo). htmx swaps the review area;
without JavaScript every POST redirects back (303) to the page. A review session is named by the
`session` query parameter (a fresh one when missing): its progress, undo steps and summary.
"""

import secrets

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import push_url

from studyapp.accounts.learners import (current_learner, discard_pending_guest, forget_pending_guest,
                                        owned_counts, pending_guest)
from studyapp.course.models import Flashcard, Topic
from studyapp.web import HtmxHttpRequest, render_page

from . import plotting, scheduling, statistics
from .forms import (SESSION_RE, CardActionForm, GuestProgressForm, RatingForm, SettingsForm,
                    ShownCardForm, UndoForm, shown_token)
from .models import Review

PAGE = "review/session_detail.html"
AREA = "review-area"


def _now():
    return timezone.now()


def duration_text(ms: int) -> str:
    """Milliseconds as "45 s", "3 min 20 s", "1 h 5 min"."""
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def new_session_id() -> str:
    return secrets.token_urlsafe(9)


@require_http_methods(["GET", "HEAD", "POST"])
def review_all(request: HtmxHttpRequest):
    return _review(request, topic=None)


@require_http_methods(["GET", "HEAD", "POST"])
def review_topic(request: HtmxHttpRequest, topic_slug: str):
    return _review(request, topic=get_object_or_404(Topic.objects.live(), slug=topic_slug))


def _page_url(topic, session, card=None) -> str:
    base = reverse("review:topic", args=[topic.slug]) if topic else reverse("review:all")
    query = {"session": session}
    if card is not None:
        query["card"] = card
    return f"{base}?{urlencode(query)}"


def _review(request, topic):
    if request.method == "POST":
        return _change(request, topic)
    session = request.GET.get("session", "")
    if not SESSION_RE.fullmatch(session):
        return HttpResponseRedirect(_page_url(topic, new_session_id()))
    learner = current_learner(request)
    now = _now()
    if "card" not in request.GET:
        return _render(request, topic=topic, learner=learner, session=session, now=now)
    if request.GET.get("side") == "back":
        form = ShownCardForm(request.GET)
        if not form.is_valid():
            return _render(request, topic=topic, learner=learner, session=session, now=now,
                           errors=form, status=400)
        card_id = form.cleaned_data["card"]
    else:
        try:
            card_id = int(request.GET["card"])
        except ValueError:
            raise Http404("no such card") from None
    flashcard, card_state = _card_or_404(learner, card_id, topic)
    if request.GET.get("side") != "back":
        return _render(request, topic=topic, learner=learner, session=session, now=now, card=flashcard,
                       card_state=card_state)
    version = card_state.version if card_state else 0
    if version != form.cleaned_data["version"]:
        return _render(request, topic=topic, learner=learner, session=session, now=now, status=409,
                       message="This card changed since it was shown (perhaps in another tab). "
                               "Here is the queue as it is now.")
    return _render(request, topic=topic, learner=learner, session=session, now=now, card=flashcard,
                   card_state=card_state, revealed=True, token=form.cleaned_data["shown"])


def _card_or_404(learner, card_id, topic):
    try:
        return scheduling.card_in_scope(learner=learner, flashcard_id=card_id, topic=topic)
    except Flashcard.DoesNotExist:
        raise Http404("no such card here") from None


ACTIONS = {"rate": RatingForm, "bury": CardActionForm, "suspend": CardActionForm,
           "unsuspend": CardActionForm, "undo": UndoForm}


def _change(request, topic):
    now = _now()
    action = request.POST.get("action", "")
    session = request.POST.get("session", "")
    session = session if SESSION_RE.fullmatch(session) else new_session_id()
    if action not in ACTIONS:
        return _render(request, topic=topic, learner=current_learner(request), session=session, now=now,
                       status=400, message="Unknown action: rate, bury, suspend, unsuspend or undo a card.")
    form = ACTIONS[action](request.POST)
    if not form.is_valid():
        return _render(request, topic=topic, learner=current_learner(request), session=session, now=now,
                       errors=form, status=400)
    data = form.cleaned_data
    show_card = None
    try:
        if action == "undo":
            learner = current_learner(request)
            if learner is None:
                raise Http404("nothing to undo")
            try:
                outcome = scheduling.undo_entry(learner=learner, entry_id=data["entry"], now=now)
            except Review.DoesNotExist:
                raise Http404("no such step") from None
            show_card = outcome.entry.flashcard_id
        else:
            learner = current_learner(request, create=action != "unsuspend")
            if learner is None:
                raise Http404("no such suspended card")
            flashcard, state = _card_or_404(learner, data["card"], topic)
            if action == "unsuspend" and state is None:
                raise Http404("no such suspended card")
            common = {"learner": learner, "flashcard": flashcard, "version": data["version"], "now": now,
                      "session": data["session"]}
            if action == "rate":
                scheduling.rate_card(**common, rating=data["rating"], shown_at=data["shown_at"],
                                     browser_time_zone=data["browser_time_zone"])
            elif action == "bury":
                scheduling.bury_card(**common, browser_time_zone=data["browser_time_zone"])
            elif action == "suspend":
                scheduling.suspend_card(**common, browser_time_zone=data["browser_time_zone"])
            else:
                scheduling.unsuspend_card(**common)
    except scheduling.Conflict as conflict:
        return _render(request, topic=topic, learner=learner, session=data["session"], now=now,
                       status=409, message=str(conflict))
    except ValueError as error:
        return _render(request, topic=topic, learner=learner, session=data["session"], now=now,
                       status=400, message=str(error))
    card = card_state = None
    if show_card is not None:  # after an undo, the card it restored is shown again, as in Anki
        try:
            card, card_state = scheduling.card_in_scope(learner=learner, flashcard_id=show_card, topic=topic)
        except Flashcard.DoesNotExist:  # retired meanwhile, or outside this page's scope
            show_card = None
    if not request.htmx:
        return HttpResponseRedirect(_page_url(topic, data["session"], show_card), status=303)
    return _render(request, topic=topic, learner=learner, session=data["session"], now=now, card=card,
                   card_state=card_state)


def _render(request, *, topic, learner, session, now, card=None, card_state=None, revealed=False,
            token=None, status=200, message=None, errors=None):
    queue = scheduling.build_queue(learner=learner, topic=topic, now=now)
    settings = queue.settings
    if card is None:
        card, card_state = queue.card, queue.card_state
    version = card_state.version if card_state else 0
    buttons = []
    if card is not None and revealed:
        intervals = scheduling.preview_intervals(card_state=card_state, flashcard=card, settings=settings, now=now)
        buttons = [{"rating": r, "name": scheduling.RATING_NAMES[r], "label": scheduling.interval_label(i)}
                   for r, i in intervals.items()]
    summary = scheduling.session_summary(learner=learner, session=session)
    if errors is not None:
        message = " ".join(e for field_errors in errors.errors.values() for e in field_errors)
    context = {
        "topic": topic, "session": session, "queue": queue, "counts": queue.counts, "card": card,
        "card_state": card_state, "version": version, "revealed": revealed, "buttons": buttons,
        "shown": token or (shown_token(card_id=card.pk, version=version, shown_at=now) if card else ""),
        "undo": scheduling.last_undoable(learner=learner, session=session),
        "summary": summary, "progress_max": summary.reviews + queue.counts.total,
        "pending_guest": not request.htmx and pending_guest(request) is not None,
        "needs_time_zone": not settings.time_zone,
        "page_url": _page_url(topic, session), "message": message, "status": status,
        "suspended": scheduling.suspended_cards(learner=learner, topic=topic) if topic else [],
        "now": now, "time_spent": duration_text(summary.duration_ms),
        "next_due_text": (queue.next_due.astimezone(scheduling.zone_of(settings)).strftime("%a %-d %b, %H:%M")
                          if queue.next_due else ""),
    }
    response = render_page(request, PAGE, context, partial=AREA, status=status)
    if request.htmx and status == 200:
        response = push_url(response, _page_url(topic, session))
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def settings_page(request: HtmxHttpRequest):
    learner = current_learner(request)
    stored = scheduling.settings_for(learner=learner)
    saved = request.GET.get("saved") == "1"
    status = 200
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            learner = current_learner(request, create=True)
            try:
                scheduling.save_settings(learner=learner, **form.cleaned_data)
            except ValueError as error:  # the form checks every bound first; this is a backstop
                form.add_error(None, str(error))
                status = 400
            else:
                if not request.htmx:
                    return HttpResponseRedirect(reverse("review:settings") + "?saved=1", status=303)
                saved, form = True, SettingsForm(initial=form.cleaned_data | {
                    "learning_steps": scheduling.format_steps(form.cleaned_data["learning_steps"]),
                    "relearning_steps": scheduling.format_steps(form.cleaned_data["relearning_steps"])})
        else:
            status = 400
    else:
        form = SettingsForm(initial=SettingsForm.initial_from(stored))
    return render_page(request, "review/settings_form.html", {
        "form": form, "saved": saved, "zone_unknown": not stored.time_zone,
    }, partial="settings-form", status=status)


# ---------------------------------------------------------------------------------------------
# A guest's progress at log-in: merge into the account or discard

def guest_progress_url(sender, *, request, guest, next_url, **kwargs) -> str:
    """The accounts app's `guest_progress_pending` receiver: this page, then `next_url`."""
    return f"{reverse('review:guest_progress')}?{urlencode({'next': next_url})}"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("review:all")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def guest_progress(request: HtmxHttpRequest):
    """Asks, after a log-in, what to do with the progress this browser made as a guest."""
    next_url = _next_url(request)
    guest = pending_guest(request)
    if request.method == "POST":
        form = GuestProgressForm(request.POST)
        if not form.is_valid():
            return render_page(request, "review/guest_progress.html", _guest_context(
                request, guest, next_url, form=form), status=400)
        if guest is None:  # decided already (another tab, a double click): nothing to do
            return HttpResponseRedirect(next_url, status=303)
        if form.cleaned_data["choice"] == "merge":
            outcome = scheduling.merge_learner(guest=guest, into=current_learner(request, create=True))
            forget_pending_guest(request)
            messages.success(request, f"Your guest progress is in your account: {outcome.moved_cards + outcome.merged_cards} "
                             f"card{'s' if outcome.moved_cards + outcome.merged_cards != 1 else ''}, "
                             f"{outcome.reviews} review{'s' if outcome.reviews != 1 else ''}.")
        else:
            discard_pending_guest(request)
            messages.success(request, "The guest progress was discarded; your account is as it was.")
        return HttpResponseRedirect(next_url, status=303)
    if guest is None:
        return HttpResponseRedirect(next_url)
    return render_page(request, "review/guest_progress.html", _guest_context(request, guest, next_url))


def _guest_context(request, guest, next_url, form=None):
    context = {"next": next_url, "form": form, "guest": guest}
    if guest is not None:
        learner = current_learner(request)
        context.update(scheduling.merge_preview(guest=guest, into=learner))
        context["others"] = owned_counts(learner=guest, exclude=scheduling.REVIEW_MODELS)
    return context


# ---------------------------------------------------------------------------------------------
# Statistics: /review/stats/, /review/stats/topics/<slug>/ and a card's history, /review/cards/<slug>/

@require_safe
def stats_page(request: HtmxHttpRequest):
    return _stats(request, topic=None)


@require_safe
def stats_topic(request: HtmxHttpRequest, topic_slug: str):
    return _stats(request, topic=get_object_or_404(Topic.objects.live(), slug=topic_slug))


def _stats(request, topic):
    learner = current_learner(request)
    stats = statistics.learner_statistics(learner=learner, topic=topic, now=_now())
    figures = plotting.statistics_figures(stats) if stats.has_reviews else {}
    return render_page(request, "review/stats_detail.html", {
        "stats": stats, "topic": topic, "figures": figures,
        "zone": stats.settings.time_zone or "UTC",
        "live_topics": [p.topic for p in stats.topics] if topic is None else [],
    })


@require_safe
def card_page(request: HtmxHttpRequest, card_slug: str):
    learner = current_learner(request)
    try:
        flashcard = statistics.card_for(learner=learner, slug=card_slug)
    except Flashcard.DoesNotExist:
        raise Http404("no such card") from None
    history = statistics.card_history(learner=learner, flashcard=flashcard, now=_now())
    return render_page(request, "review/card_detail.html", {
        "card": flashcard, "topic": flashcard.topic, "history": history,
        "figure": plotting.curve_figure(history) if history.has_curve else None,
        "zone": history.settings.time_zone or "UTC",
        "stats_url": reverse("review:stats") if flashcard.topic.retired else reverse(
            "review:stats_topic", args=[flashcard.topic.slug]),
        "due_local": (history.card_state.due.astimezone(scheduling.zone_of(history.settings))
                      if history.card_state and history.card_state.due else None),
    })
