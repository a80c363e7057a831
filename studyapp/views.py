"""The site's error views: in its own style, and for htmx a small message, not a second page.

These are not wrapped in `requires_csrf_token`: a page that could not be read (a body in an
unreadable charset) must not have its CSRF check run again while the error is rendered.
"""

from django.conf import settings
from django.http import FileResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from .web import render_error


def bad_request(request, exception=None):
    return render_error(request, status=400, page_template="400.html", title="Bad request",
                        message="Something in that request was malformed. Go back and try again.")


def permission_denied(request, exception=None):
    return render_error(request, status=403, page_template="403.html", title="Not allowed",
                        message="You are not allowed to do that.")


def page_not_found(request, exception=None):
    return render_error(request, status=404, page_template="404.html", title="Not found",
                        message="That item no longer exists. It may have been renamed or "
                                "retired from the course: reload the page.")


def server_error(request):
    # A static page: rendering the site's templates may be what failed.
    return render_error(request, status=500, page_template="500.html", title="Server error",
                        message="Something went wrong on our side.")


def csrf_failure(request, reason=""):
    """A rejected form (expired page, blocked cookies) explained in the site's own words."""
    return render_error(request, status=403, page_template="403_csrf.html", title="Page expired",
                        message="Your answer was not sent because the page was open too long or "
                                "cookies are blocked. Reload the page and try again.")


@require_safe
def favicon(request):
    """/favicon.ico, which browsers and feed readers ask for whatever the page's <link> says."""
    response = FileResponse(open(settings.BASE_DIR / "static" / "favicon.ico", "rb"),
                            content_type="image/x-icon")
    patch_cache_control(response, public=True, max_age=86400)
    return response
