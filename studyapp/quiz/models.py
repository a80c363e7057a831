"""A learner's quizzes: attempts, the questions as they were shown, and the answers given.

An attempt question is a snapshot: the stem, the option texts in the order they were shown,
which one is correct, the accepted answers and the explanations are copied into the row when the
quiz is built. Nothing here points at a course option, so a course reload (which edits, reorders
or retires items) never changes or breaks a past attempt or its score. `source_slug` only
remembers which course item (or, for a generated question, which generator) it came from.

A kind of question is one value of `Kind`, one grader in grading.py and one builder in
attempts.py; its snapshot uses the fields below (a generated question fills `params`, its
computed `options` or `accepted` answers, and its worked `solution`).
"""

from django.db import models
from django.db.models import Q



class Kind(models.TextChoices):
    CHOICE = "choice", "Multiple choice"
    TERM = "term", "Term recall"
    NUMERIC_CHOICE = "numeric", "Calculation, multiple choice"
    NUMERIC_TYPED = "numeric_typed", "Calculation, typed answer"


class Outcome(models.TextChoices):
    RIGHT = "right", "Right"
    NEAR = "near", "Near"
    WRONG = "wrong", "Wrong"


class Attempt(models.Model):
    learner = models.ForeignKey("accounts.Learner", on_delete=models.CASCADE,
                                related_name="quiz_attempts")
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True,
                                    help_text="When the last question was answered.")
    all_topics = models.BooleanField(default=False)
    topics = models.ManyToManyField("course.Topic", related_name="+", blank=True,
                                    help_text="The topics chosen (all of them when all_topics).")
    kinds = models.JSONField(default=list, help_text="The kinds of question chosen.")
    requested_length = models.PositiveSmallIntegerField()
    notice = models.TextField(blank=True,
                              help_text="What the quiz says about a top-up or a shorter length.")

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["learner", "-created"])]

    def __str__(self):
        return f"attempt {self.pk} of {self.learner}"


class AttemptQuestion(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(help_text="1, 2, ... in the order asked.")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Where it came from: the topic row (topics are retired, never deleted) and its title then.
    topic = models.ForeignKey("course.Topic", on_delete=models.PROTECT, related_name="+")
    topic_title = models.CharField(max_length=200)
    source_slug = models.CharField(max_length=120, blank=True)
    # What was shown and what counts as right, as it was when the quiz was built.
    stem = models.TextField(help_text="Markdown with $LaTeX$.")
    options = models.JSONField(default=list, blank=True, help_text=(
        'Shown order: [{"text": ..., "explanation": ...}, ...]; empty for typed answers.'))
    correct_option = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1-based position in options of the right one.")
    accepted = models.JSONField(default=list, blank=True, help_text=(
        "Typed answers that count as right, the first the one shown."))
    answer_text = models.TextField(blank=True, help_text="The right answer as shown after answering.")
    explanation = models.TextField(blank=True)
    solution = models.TextField(blank=True, help_text="A worked solution (generated questions).")
    params = models.JSONField(default=dict, blank=True, help_text="A generator's inputs.")

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="unique_attempt_position"),
            models.CheckConstraint(
                condition=Q(correct_option__isnull=True) | Q(correct_option__gte=1),
                name="correct_option_is_a_position",
            ),
        ]

    def __str__(self):
        return f"{self.attempt} question {self.position}"

    @property
    def option_list(self):
        """The options as (position, text, explanation), in the order shown."""
        return [(n, option["text"], option.get("explanation", ""))
                for n, option in enumerate(self.options, 1)]


class Answer(models.Model):
    """The one answer to one attempt question (a second, different one is refused)."""

    question = models.OneToOneField(AttemptQuestion, on_delete=models.CASCADE,
                                    related_name="answer")
    response = models.TextField(blank=True, help_text=(
        "What the learner gave: an option's position, typed text, or empty for \"don't know\"."))
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    answered = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.question}: {self.outcome}"

    @property
    def counts(self):
        """Right and near answers score a point."""
        return self.outcome != Outcome.WRONG

    @property
    def option(self):
        """The chosen option's position, for a multiple-choice answer (None otherwise)."""
        return int(self.response) if self.response.isdigit() else None
