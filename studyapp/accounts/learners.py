"""Who is studying: the learner of a request, created on the first action that stores anything.

A guest's learner id lives in the session data, which survives the key change at log-in; the
row also records the current session key, so that a guest whose session has expired can be
removed (`manage.py clear_guest_learners`). Creation is race-safe: two first requests of one
session, or of one user, at once give one learner (a unique key and get-or-create).
"""

from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import Learner

SESSION_KEY = "learner_id"


def current_learner(request: HttpRequest, *, create: bool = False) -> Learner | None:
    """The requesting learner, or None when they have stored nothing yet and `create` is False."""
    if request.user.is_authenticated:
        learner = Learner.objects.filter(user=request.user).first()
        if learner is None and create:
            learner = _get_or_create(user=request.user)
        return learner
    session = request.session
    learner_id = session.get(SESSION_KEY)
    learner = None
    if learner_id is not None:
        learner = Learner.objects.filter(pk=learner_id, user__isnull=True).first()
    if learner is None and create:
        if session.session_key is None:
            session.save()  # a key now, so that concurrent first requests share one learner
        learner = _get_or_create(guest_session_key=session.session_key)
    if learner is not None:
        if session.get(SESSION_KEY) != learner.pk:
            session[SESSION_KEY] = learner.pk
        if session.session_key and learner.guest_session_key != session.session_key:
            # The key changed (cycle_key); keep the row tied to the live session.
            Learner.objects.filter(pk=learner.pk).update(guest_session_key=session.session_key)
            learner.guest_session_key = session.session_key
    return learner


def _get_or_create(**identity) -> Learner:
    try:
        with transaction.atomic():
            return Learner.objects.get_or_create(**identity)[0]
    except IntegrityError:  # a concurrent request created it first
        return Learner.objects.get(**identity)


def clear_expired_guests(*, now=None) -> int:
    """Delete guest learners (with all their data) whose session no longer exists or has expired."""
    now = now or timezone.now()
    live = Session.objects.filter(expire_date__gt=now).values("session_key")
    doomed = Learner.objects.filter(user__isnull=True).exclude(guest_session_key__in=live)
    count = doomed.count()
    doomed.delete()
    return count
