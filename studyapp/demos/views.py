"""The demo pages: the catalogue, and one demo recomputed from its URL.

A demo's state is its query string. The form parses it, the demo's module computes, the page
renders; for htmx only the part the request targets comes back (`results` while the learner
types, `demo` with the controls when a size changes or "Resample" draws a new seed). An invalid
value is a 400 with the message beside its field, never a 500.
"""

from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe
from django_htmx.http import push_url

from studyapp.course.models import Topic
from studyapp.web import HtmxHttpRequest, render_page

from . import catalogue
from .errors import InputError

DEMO_TARGET = "demo"          # the id of the element holding controls and results


@require_safe
def demo_list(request: HtmxHttpRequest):
    topics = {t.slug: t for t in Topic.objects.live().filter(slug__in=catalogue.topic_slugs())}
    groups = [(topics.get(slug), slug, catalogue.for_topic(slug)) for slug in catalogue.topic_slugs()]
    groups.sort(key=lambda group: (group[0] is None, group[0].order if group[0] else 0))
    return render_page(request, "demos/demo_list.html", {"groups": groups,
                                                         "demos": catalogue.DEMOS})


@require_safe
def demo_detail(request: HtmxHttpRequest, demo_slug: str):
    demo = catalogue.get(demo_slug)
    if demo is None:
        raise Http404("No such demo")
    query, new_url = request.GET, None
    if "resample" in query:
        query = demo.form_class.resampled(query)
        new_url = f"{demo.get_absolute_url()}?{query.urlencode()}"
        if not request.htmx:
            return redirect(new_url)
    form = demo.form_class.from_query(query)
    result, status = None, 200
    if form.is_valid():
        try:
            result = demo.compute(form.cleaned_data)
        except InputError as error:
            form.add_error(error.field, str(error))
    if result is None:
        status = 400
    whole = new_url is not None or (request.htmx and request.htmx.target == DEMO_TARGET)
    # Back to a page htmx has no snapshot of asks for it with htmx headers: the whole page.
    page = not request.htmx or request.htmx.history_restore_request
    topic = Topic.objects.live().filter(slug=demo.topics[0]).first() if page else None
    response = render_page(request, "demos/demo_detail.html", {
        "demo": demo, "form": form, "result": result, "topic": topic,
        "out_of_band": not page and not whole,
    }, partial=None if page else (DEMO_TARGET if whole else "results"), status=status)
    patch_vary_headers(response, ("HX-Request",))      # the same URL is a page or a fragment
    # Resample is a step of its own in the history; typing replaces the current entry.
    return push_url(response, new_url) if new_url else response
