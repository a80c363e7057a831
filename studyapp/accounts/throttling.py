"""Failed log-ins throttled with django-axes: per (username, address) pair and per address.

Limits (settings): `AXES_FAILURE_LIMIT` failures of one username from one address, or
`ACCOUNTS_ADDRESS_FAILURE_LIMIT` failures of any usernames from one address, within
`AXES_COOLOFF_TIME`, lock that pair (or address) out until the cool-off has passed since its last
counted failure. Never a lock on a username alone: nobody can lock a learner out of their account
from somewhere else. The site's log-in, the admin's, and the password checks of the account pages
(`authenticate`) all count.

The client's address: behind the reverse proxy every request comes from the proxy, so the
address is the proxy's `X-Real-IP` header (nginx overwrites whatever the client sent), believed
only when the request comes from one of `TRUSTED_PROXY_ADDRESSES` (a setting; a unix-socket peer,
which has no address, is written "unix"). From anywhere else the header is ignored.
"""

import ipaddress
import math

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address: X-Real-IP from a trusted proxy, REMOTE_ADDR otherwise."""
    peer = request.META.get("REMOTE_ADDR", "") or "unix"
    if peer in settings.TRUSTED_PROXY_ADDRESSES:
        forwarded = _valid_address(request.META.get("HTTP_X_REAL_IP", ""))
        if forwarded:
            return forwarded
    return None if peer == "unix" else peer


class ThrottleBackend(AxesStandaloneBackend):
    """axes's backend (first in AUTHENTICATION_BACKENDS), for web log-ins: an `authenticate` call
    without a request (the test client's `login`, a script) is no web log-in and is not checked,
    where axes itself would refuse it. Every log-in form passes its request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def address_limit() -> int:
    return settings.ACCOUNTS_ADDRESS_FAILURE_LIMIT


class PairAndAddressHandler(AxesDatabaseHandler):
    """axes's database handler with a limit of its own for each lockout parameter: the pair
    (username, address) at AXES_FAILURE_LIMIT, the address alone at ACCOUNTS_ADDRESS_FAILURE_LIMIT.

    axes compares one number with AXES_FAILURE_LIMIT; this returns the pair's failures, or that
    limit when the address is over its own."""

    def get_failures(self, request, credentials=None) -> int:
        pair, address = (attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
                         for attempts in self.get_user_attempts(request, credentials))
        if address >= address_limit():
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair


def seconds_left(request: HttpRequest) -> int:
    """Seconds until the request's address may try again (its latest counted failure + cool-off)."""
    cool_off = get_cool_off(request)
    threshold = timezone.now() - cool_off
    latest = (AccessAttempt.objects.filter(ip_address=getattr(request, "axes_ip_address", None),
                                           attempt_time__gte=threshold)
              .aggregate(latest=Max("attempt_time"))["latest"])
    if latest is None:
        return 0
    return max(0, math.ceil((latest + cool_off - timezone.now()).total_seconds()))


def locked_out(request: HttpRequest, original_response=None, credentials=None):
    """axes's lock-out response: the site's page saying why and for how long (429)."""
    seconds = seconds_left(request)
    minutes = max(1, math.ceil(seconds / 60))
    response = render(request, "accounts/login_locked.html", {
        "minutes": minutes, "seconds": seconds,
        "cool_off_minutes": round(get_cool_off(request).total_seconds() / 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }, status=429)
    response["Retry-After"] = str(max(seconds, 1))
    return response
