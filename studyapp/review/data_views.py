"""The learner's data page, /review/data/: export, import, restore, a personal FSRS model, Anki.

Uploads are limited here, before Django reads the body (Django's settings do not limit file
uploads): a request larger than the import limit is refused unread, and the CSRF check runs
after that (the views are csrf_exempt only so the size is checked first; `_csrf` checks it).
"""

import json

from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyapp.accounts.exports import NotEmpty, RestoreError, and_join, parts, restorers
from studyapp.accounts.learners import current_learner
from studyapp.course.models import Topic
from studyapp.web import HtmxHttpRequest, render_page

from . import anki, exports, imports, optimizer, scheduling
from .data_forms import ImportForm, ParametersForm, UploadForm
from .models import Review
from .restore import restore_backup

PAGE = "review/data_detail.html"
_SLACK = 64 * 1024  # the multipart envelope around a file of MAX_BYTES


def _now():
    return timezone.now()


def _context(learner, **extra):
    reviews = Review.objects.filter(learner=learner, kind=Review.RATING, undone=False).count() if learner else 0
    settings = scheduling.settings_for(learner=learner)
    custom = tuple(float(p) for p in settings.parameters) != scheduling.DEFAULT_PARAMETERS
    return {"reviews": reviews, "status": optimizer.status(learner=learner), "custom_parameters": custom,
            "topics": Topic.objects.live().order_by("order"), "parts": [name for name, _ in parts()],
            "restores": [r.contents for _, r in restorers()],
            "restore_into": and_join([r.noun for _, r in restorers()], "or"), "max_mb": imports.MAX_BYTES // 1024 // 1024,
            "max_lines": imports.MAX_LINES, "max_backup_mb": imports.MAX_BACKUP_BYTES // 1024 // 1024, "min_items": optimizer.MIN_ITEMS, **extra}


@require_http_methods(["GET", "HEAD"])
def data_page(request: HtmxHttpRequest):
    learner = current_learner(request)
    return render_page(request, PAGE, _context(learner, import_form=ImportForm()))


@require_GET
def export_csv(request: HtmxHttpRequest):
    learner = current_learner(request)
    response = StreamingHttpResponse(exports.csv_lines(learner=learner), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="review-log-{_now():%Y-%m-%d}.csv"'
    return response


@require_GET
def export_json(request: HtmxHttpRequest):
    learner = current_learner(request)
    response = StreamingHttpResponse(exports.json_pieces(learner=learner, now=_now()),
                                     content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="rnn-study-backup-{_now():%Y-%m-%d}.json"'
    return response


@require_GET
def anki_deck(request: HtmxHttpRequest):
    slug = request.GET.get("topic", "")
    topic = get_object_or_404(Topic.objects.live(), slug=slug) if slug else None
    data = anki.build_apkg(topic=topic)
    response = HttpResponse(data, content_type="application/octet-stream")
    name = f"rnn-study-{topic.slug}" if topic else "rnn-study"
    response["Content-Disposition"] = f'attachment; filename="{name}.apkg"'
    return response


def _refuse(request, partial, message, status, **extra):
    learner = current_learner(request)
    return render_page(request, PAGE, _context(learner, import_form=ImportForm(), **{f"{partial}_error": message},
                                               **extra), partial=f"{partial}-result", status=status)


def _upload(request, partial):
    """The uploaded file's bytes, or a response refusing it (too large, CSRF, no file)."""
    limit = imports.MAX_BYTES if partial == "import" else imports.MAX_BACKUP_BYTES
    mb = limit // 1024 // 1024
    what = "an import" if partial == "import" else "a restore"
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + _SLACK:
        return None, _refuse(request, partial, f"The file is larger than {mb} MB, the most {what} takes"
                             f"{': split it and import the parts' if partial == 'import' else ''}.",
                             413 if not request.htmx else 400)
    rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
    if rejected is not None:
        return None, rejected
    form = (ImportForm if partial == "import" else UploadForm)(request.POST, request.FILES)
    if not form.is_valid():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        return None, _refuse(request, partial, message, 400)
    upload = form.cleaned_data["file"]
    if upload.size > limit:
        return None, _refuse(request, partial, f"The file is {upload.size / 1024 / 1024:.1f} MB; {what} takes at most "
                             f"{mb} MB.", 400)
    return (upload.read(), form.cleaned_data.get("confirm", "")), None


@csrf_exempt
@require_POST
def import_log(request: HtmxHttpRequest):
    """A CSV review log: a preview first; with `confirm` (the previewed file's digest) applied."""
    got, refused = _upload(request, "import")
    if refused is not None:
        return refused
    data, confirm = got
    now = _now()
    try:
        parsed = imports.parse_log(data=data, now=now)
    except imports.LogError as error:
        return _refuse(request, "import", "Nothing was imported.", 400, import_problems=error.problems,
                       import_more=error.more)
    if not confirm:
        learner = current_learner(request)
        plan = imports.plan_log(learner=learner, parsed=parsed)
        return _respond(request, "import", learner, plan=plan, unknown_shown=plan.unknown[:50])
    if confirm != parsed.digest:
        return _refuse(request, "import", "This is not the file that was previewed, so nothing was imported: "
                       "preview it again, then confirm.", 409)
    learner = current_learner(request, create=True)
    applied = imports.apply_log(learner=learner, parsed=parsed, digest=confirm)
    return _respond(request, "import", learner, applied=applied)


def _respond(request, partial, learner, **extra):
    return render_page(request, PAGE, _context(learner, import_form=ImportForm(), **extra), partial=f"{partial}-result")


@csrf_exempt
@require_POST
def restore(request: HtmxHttpRequest):
    got, refused = _upload(request, "restore")
    if refused is not None:
        return refused
    data, _ = got
    learner = current_learner(request, create=True)
    try:
        restored = restore_backup(learner=learner, data=data)
    except NotEmpty as error:
        return _refuse(request, "restore", str(error), 409)
    except imports.LogError as error:
        return _refuse(request, "restore", str(error), 400)
    except RestoreError as error:
        # The checks name what is wrong, some as a sentence, some as a phrase: one full stop.
        return _refuse(request, "restore", f"{str(error).rstrip('.')}. Nothing was restored.", 400)
    return _respond(request, "restore", learner, restored=restored)


@require_POST
def optimise(request: HtmxHttpRequest):
    learner = current_learner(request)
    if learner is None:
        return _refuse(request, "optimiser", f"Review some cards first: the optimiser needs {optimizer.MIN_ITEMS} "
                       "reviews of cards seen on an earlier day.", 400)
    try:
        fit = optimizer.fit(learner=learner)
    except optimizer.NotEnoughData as error:
        return _refuse(request, "optimiser", str(error), 400)
    return _respond(request, "optimiser", learner, fit=fit, fit_json=json.dumps(list(fit.parameters)))


@require_POST
def apply_parameters(request: HtmxHttpRequest):
    form = ParametersForm(request.POST)
    if not form.is_valid():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        return _refuse(request, "optimiser", message, 400)
    learner = current_learner(request, create=True)
    try:
        applied = optimizer.apply_parameters(learner=learner, parameters=form.cleaned_data["values"],
                                             reschedule=form.cleaned_data["reschedule"] == "yes", now=_now())
    except ValueError as error:
        return _refuse(request, "optimiser", str(error), 400)
    if not request.htmx:
        return HttpResponseRedirect(reverse("review:data") + "?applied=1", status=303)
    return _respond(request, "optimiser", learner, applied_parameters=applied,
                    defaults=form.cleaned_data["choice"] == "defaults")

