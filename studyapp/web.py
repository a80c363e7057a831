"""Web plumbing every app shares: page-or-partial rendering, htmx-aware error responses.

A view renders `app/page.html` for a normal request and `app/page.html#part` (a template
partial) for an htmx one, from the same template and context. Every response that can be a
fragment says `Vary: HX-Request`, so a cache never serves a fragment where a page was asked for.

For htmx, only the 4xx statuses the site sends on purpose are swapped into the page (base.html's
htmx config: 400, 403, 404, 409, 422). A 400/409/422 carries its own partial (the form with its
errors, a conflict message); a 403 or 404 is the small error partial below, retargeted to the
page's message area, never a second site page inside a card.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails
from django_htmx.http import reswap, retarget

# The status codes an htmx request may swap (kept in step with base.html's responseHandling).
SWAPPED_ERROR_STATUSES = (400, 403, 404, 409, 422)
MESSAGE_AREA = "#messages"


class HtmxHttpRequest(HttpRequest):
    """The type of `request` in views: django-htmx's middleware adds `request.htmx`."""

    htmx: HtmxDetails


def render_page(request: HtmxHttpRequest, template: str, context: dict | None = None, *,
                partial: str | None = None, status: int = 200) -> HttpResponse:
    """The whole page for a normal request; for an htmx one, only its `partial` when it has one."""
    if partial is None:
        return render(request, template, context, status=status)
    name = f"{template}#{partial}" if request.htmx else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def render_error(request: HtmxHttpRequest, *, status: int, title: str, message: str,
                 page_template: str) -> HttpResponse:
    """An error as a full site page, or for htmx as a small message swapped into #messages."""
    context = {"error_title": title, "error_message": message, "status": status}
    if getattr(request, "htmx", False) and status in SWAPPED_ERROR_STATUSES:
        response = render(request, "components.html#error_message", context, status=status)
        response = reswap(retarget(response, MESSAGE_AREA), "innerHTML")
    else:
        response = render(request, page_template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
