"""The site's user model, and the learner: whoever studies, a guest or a signed-in user.

A project-level user model from the start, as Django's documentation advises: once review, quiz
and lab rows point at users, swapping `auth.User` for a custom one is a painful migration.

Every learner-owned row (card states, reviews, settings, quiz attempts, lab runs) points at a
`Learner` with cascade delete, so one learner's data goes with it and no query needs to know
whether the learner is a guest.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class User(AbstractUser):
    pass


class Learner(models.Model):
    """A guest's learner is tied to their session (its key, kept current as the key changes);
    a signed-in learner to their user. Exactly one of the two is set."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.CASCADE, related_name="learner")
    guest_session_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=True, guest_session_key__isnull=False)
                | Q(user__isnull=False, guest_session_key__isnull=True),
                name="learner_is_a_guest_or_a_user",
            ),
        ]

    def __str__(self):
        return self.user.get_username() if self.user_id else f"guest {self.pk}"

    @property
    def is_guest(self):
        return self.user_id is None
