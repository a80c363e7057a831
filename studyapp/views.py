"""Site-wide views."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A rejected form (expired page, blocked cookies) explained in the site's own words."""
    return render(request, "403_csrf.html", status=403)
