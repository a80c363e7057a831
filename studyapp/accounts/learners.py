"""Who is studying: the learner of a request, created on the first action that stores anything;
what happens to a guest's learner when they sign up or log in; deleting an account.

A guest's learner id lives in the session data, which survives the key change at log-in; the
row also records the current session key, so that a guest whose session has expired can be
removed (`manage.py clear_guest_learners`). Creation is race-safe: two first requests of one
session, or of one user, at once give one learner (a unique key and get-or-create).

Guest to account. Signing up as a guest attaches the guest's learner, with everything it owns, to
the new user. Logging in to an existing account as a guest who has stored something keeps the
guest's learner aside ("pending", in the session) and asks first: the computer may be shared.
Deciding is another app's page (review's merges card logs through its scheduler); this module
offers the generic part: `move_owned_rows` moves every other learner-owned row, found through
`Learner._meta.related_objects`, so an app added later is moved without being named here.

Learner-owned models are the models with a foreign key to `Learner` (`owned_models()`); deleting
a learner deletes all their rows by cascade.
"""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from .models import Learner

SESSION_KEY = "learner_id"
PENDING_KEY = "pending_guest_learner_id"


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


# ---------------------------------------------------------------------------------------------
# Learner-owned rows

def owned_models() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Every (model, field) whose field is a foreign key (or one-to-one) to Learner."""
    return [(relation.related_model, relation.field) for relation in Learner._meta.related_objects
            if isinstance(relation.field, models.ForeignKey)]


@dataclass(frozen=True)
class OwnedCount:
    label: str  # the model's verbose name, plural when count != 1
    count: int
    model: type[models.Model]


def owned_counts(*, learner: Learner, exclude: tuple[type[models.Model], ...] = ()) -> list[OwnedCount]:
    """How many rows of each learner-owned model the learner has (models with none left out)."""
    out = []
    for model, field in owned_models():
        if model in exclude:
            continue
        count = model._default_manager.filter(**{field.name: learner}).count()
        if count:
            meta = model._meta
            out.append(OwnedCount(str(meta.verbose_name if count == 1 else meta.verbose_name_plural),
                                  count, model))
    return out


def has_data(learner: Learner) -> bool:
    return any(model._default_manager.filter(**{field.name: learner}).exists()
               for model, field in owned_models())


def _unique_sets(model: type[models.Model], field: models.ForeignKey) -> list[tuple[tuple[str, ...], Q]]:
    """The unique keys of `model` that include `field`, each with the condition under which it
    holds (unique_together and UniqueConstraint, conditional or not)."""
    sets = [(tuple(names), Q()) for names in model._meta.unique_together]
    sets += [(tuple(c.fields), c.condition or Q()) for c in model._meta.constraints
             if isinstance(c, models.UniqueConstraint) and c.fields]
    return [(names, condition) for names, condition in sets if field.name in names]


@transaction.atomic
def move_owned_rows(*, source: Learner, target: Learner,
                    exclude: tuple[type[models.Model], ...] = ()) -> dict[str, int]:
    """Give `target` every row `source` owns, model by model (those in `exclude` are the caller's).

    A row whose unique key `target` already holds (a one-to-one row, e.g. settings; a row unique
    per learner and item) stays with `source`: the account's own row wins. Returns
    {model label: rows moved}."""
    moved = {}
    for model, field in owned_models():
        if model in exclude:
            continue
        manager = model._default_manager
        rows = manager.filter(**{field.name: source})
        if field.unique:
            if manager.filter(**{field.name: target}).exists():
                continue
        for names, condition in _unique_sets(model, field):
            others = [name for name in names if name != field.name]
            taken = manager.filter(condition, **{field.name: target},
                                   **{name: OuterRef(name) for name in others})
            rows = rows.exclude(condition & Q(Exists(taken)))
        count = rows.update(**{field.name: target})
        if count:
            moved[model._meta.label] = count
    return moved


# ---------------------------------------------------------------------------------------------
# Sign-up, log-in, deletion

@transaction.atomic
def adopt_guest(*, request: HttpRequest, user: AbstractBaseUser) -> Learner | None:
    """Attach the session's guest learner, with all it owns, to `user` (who has no learner yet).

    One UPDATE sets the user and clears the session key together (the Learner check constraint
    holds before and after). None when the session has no guest learner."""
    learner_id = request.session.get(SESSION_KEY)
    if learner_id is None or Learner.objects.filter(user=user).exists():
        return None
    updated = Learner.objects.filter(pk=learner_id, user__isnull=True).update(user=user, guest_session_key=None)
    request.session.pop(SESSION_KEY, None)
    return Learner.objects.get(pk=learner_id) if updated else None


def keep_guest_aside(*, request: HttpRequest, user: AbstractBaseUser) -> Learner | None:
    """At log-in: the session's guest learner, if it has stored anything, is kept as pending (tied
    to the new session key so that it is not cleared as expired); an empty one is deleted."""
    learner_id = request.session.pop(SESSION_KEY, None)
    if learner_id is None:
        return None
    guest = Learner.objects.filter(pk=learner_id, user__isnull=True).first()
    if guest is None:
        return None
    if not has_data(guest):
        guest.delete()
        return None
    if request.session.session_key is None:
        request.session.save()
    Learner.objects.filter(pk=guest.pk).update(guest_session_key=request.session.session_key)
    guest.guest_session_key = request.session.session_key
    request.session[PENDING_KEY] = guest.pk
    return guest


def pending_guest(request: HttpRequest) -> Learner | None:
    """The guest learner kept aside at this session's log-in, waiting for merge or discard."""
    if not request.user.is_authenticated:
        return None
    learner_id = request.session.get(PENDING_KEY)
    if learner_id is None:
        return None
    guest = Learner.objects.filter(pk=learner_id, user__isnull=True).first()
    if guest is None:
        request.session.pop(PENDING_KEY, None)
    return guest


def forget_pending_guest(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


@transaction.atomic
def discard_pending_guest(request: HttpRequest) -> int:
    """Delete the pending guest learner and everything it owns; the account is untouched."""
    guest = pending_guest(request)
    forget_pending_guest(request)
    if guest is None:
        return 0
    return guest.delete()[0]


@transaction.atomic
def delete_account(*, user: AbstractBaseUser) -> int:
    """Delete the user, their learner and every row pointing at it (cascade), and their failed
    log-in records. Returns the number of rows deleted."""
    from axes.models import AccessAttempt
    from django.contrib.auth import get_user_model

    AccessAttempt.objects.filter(username=user.get_username()).delete()
    return get_user_model()._default_manager.filter(pk=user.pk).delete()[0]
