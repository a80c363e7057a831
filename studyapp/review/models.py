"""A learner's flashcard schedule: settings, one card state per flashcard, the review log.

All writes go through `review/scheduling.py`. The log is append-only: a rating, a bury, a
suspend, an unsuspend, a due-date change without a rating and a quiz miss each append an
entry holding the card's state before and after and the scheduler settings it was made under; an
undo marks its entry `undone` and restores the state before. Nothing is deleted, so the log of the
entries not undone replays through the scheduler to the stored state (`scheduling.replay_card`).

Kinds of entry (`Review.kind`): only `rating` entries are reviews. `quiz_miss` ("brought forward
by a quiz miss", `Review.QUIZ_MISS`) records that a missed quiz question made the card due now; it
names the attempt (`quiz_attempt`), is shown in the card's history, is replayed as a due-date
change, and is NOT a review: exports of reviews (the CSV) and review statistics leave it out, as
they do bury/suspend/unsuspend/reschedule (`Review.objects.ratings()` gives the reviews only).
"""

from django.db import models
from django.db.models import Q

# Anki's defaults (FSRS-6 parameters are fsrs's own, filled in by scheduling.default_settings()).
DEFAULT_LEARNING_STEPS = [60, 600]  # seconds: 1m 10m
DEFAULT_RELEARNING_STEPS = [600]  # 10m


def default_learning_steps():
    return list(DEFAULT_LEARNING_STEPS)


def default_relearning_steps():
    return list(DEFAULT_RELEARNING_STEPS)


def default_parameters():
    from .scheduling import DEFAULT_PARAMETERS  # the only importer of fsrs

    return list(DEFAULT_PARAMETERS)


class ReviewSettings(models.Model):
    """One learner's scheduling settings; a learner without a row has the defaults."""

    learner = models.OneToOneField("accounts.Learner", on_delete=models.CASCADE,
                                   related_name="review_settings")
    desired_retention = models.FloatField(default=0.9)
    new_per_day = models.PositiveIntegerField(default=20)
    reviews_per_day = models.PositiveIntegerField(default=200)
    learning_steps = models.JSONField(default=default_learning_steps, help_text="Seconds.")
    relearning_steps = models.JSONField(default=default_relearning_steps, help_text="Seconds.")
    maximum_interval = models.PositiveIntegerField(default=36500, help_text="Days.")
    day_start_hour = models.PositiveSmallIntegerField(default=4)
    time_zone = models.CharField(max_length=64, blank=True, default="",
                                 help_text="An IANA zone; blank until the browser or the learner sets it (UTC meanwhile).")
    parameters = models.JSONField(default=default_parameters, help_text="FSRS-6's 21 weights.")
    quiz_misses = models.BooleanField(
        default=True, help_text="A missed quiz question makes its related flashcards due now.")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "review settings"

    def __str__(self):
        return f"settings of {self.learner_id}"


class CardState(models.Model):
    """One learner's schedule for one flashcard: fsrs's fields, plus bury/suspend and a version.

    `version` grows by one with every change (a rating, an undo, a bury...), and every shown card
    carries the version it was shown with: that is how a repeated submission is recognised.
    A card never rated (or whose ratings were all undone) is NEW and has no due date.
    """

    NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3  # 1-3 are fsrs.State's values
    STATES = [(NEW, "new"), (LEARNING, "learning"), (REVIEW, "review"), (RELEARNING, "relearning")]

    learner = models.ForeignKey("accounts.Learner", on_delete=models.CASCADE,
                                related_name="card_states")
    # Course items are retired, never deleted: a state outlives its card leaving the course.
    flashcard = models.ForeignKey("course.Flashcard", on_delete=models.PROTECT, related_name="+")
    state = models.PositiveSmallIntegerField(choices=STATES, default=NEW)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField(null=True, blank=True)
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0, help_text="Ratings not undone.")
    lapses = models.PositiveIntegerField(default=0, help_text="Again on a review card.")
    buried_until = models.DateTimeField(null=True, blank=True)
    suspended = models.BooleanField(default=False)
    brought_forward_at = models.DateTimeField(
        null=True, blank=True, help_text="When a quiz miss made it due now; cleared by its next rating.")
    version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "flashcard"], name="one_state_per_learner_card"),
        ]
        indexes = [
            # The queue and the counts: a learner's states by state and due date.
            models.Index(fields=["learner", "state", "due"], name="review_state_due"),
        ]

    def __str__(self):
        return f"{self.learner_id}/{self.flashcard_id} ({self.get_state_display()})"


class ReviewQuerySet(models.QuerySet):
    def ratings(self):
        """The reviews proper (what a CSV of reviews holds): ratings, without quiz misses, buries..."""
        return self.filter(kind=Review.RATING)


class Review(models.Model):
    """One entry of the review log (append-only; an undo only sets `undone`)."""

    RATING, BURY, SUSPEND, UNSUSPEND, RESCHEDULE = "rating", "bury", "suspend", "unsuspend", "reschedule"
    QUIZ_MISS = "quiz_miss"  # not a rating: left out of the CSV export (see the module docstring)
    KINDS = [(RATING, "rating"), (BURY, "bury"), (SUSPEND, "suspend"), (UNSUSPEND, "unsuspend"),
             (RESCHEDULE, "due date changed"), (QUIZ_MISS, "brought forward by a quiz miss")]
    AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
    RATINGS = [(AGAIN, "Again"), (HARD, "Hard"), (GOOD, "Good"), (EASY, "Easy")]

    learner = models.ForeignKey("accounts.Learner", on_delete=models.CASCADE, related_name="reviews")
    card_state = models.ForeignKey(CardState, on_delete=models.CASCADE, related_name="log")
    flashcard = models.ForeignKey("course.Flashcard", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=KINDS)
    rating = models.PositiveSmallIntegerField(choices=RATINGS, null=True, blank=True)
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True,
                                              help_text="Measured by the server, capped at 60 s.")
    before_state = models.PositiveSmallIntegerField(choices=CardState.STATES,
                                                    help_text="The card's state before (for the day's limits).")
    state_before = models.JSONField()
    state_after = models.JSONField()
    settings = models.JSONField(help_text="The scheduler settings the entry was made under.")
    reason = models.CharField(max_length=40, blank=True, help_text="Why a due date changed.")
    quiz_attempt = models.PositiveIntegerField(
        null=True, blank=True, help_text="The quiz attempt (its id) whose miss brought the card forward.")
    version_before = models.PositiveIntegerField()
    version_after = models.PositiveIntegerField()
    session = models.CharField(max_length=16, blank=True)
    undone = models.BooleanField(default=False)
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["reviewed_at", "pk"]
        constraints = [
            # At most one change per shown version of a card: the repeated-submission rule's backstop.
            models.UniqueConstraint(fields=["card_state", "version_before"], name="one_change_per_version"),
            models.CheckConstraint(
                condition=(Q(kind="rating") & Q(rating__gte=1, rating__lte=4))
                | (~Q(kind="rating") & Q(rating__isnull=True)),
                name="rating_only_on_ratings",
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "reviewed_at"], name="review_learner_time"),
            models.Index(fields=["learner", "session", "reviewed_at"], name="review_learner_session"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.flashcard_id} at {self.reviewed_at:%Y-%m-%d %H:%M}"
