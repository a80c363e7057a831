"""The course as loaded from fixtures/: topics and their notes, flashcards and questions.

Rows are identified by their slug and keep their primary key across reloads; an item removed
from the files is retired (hidden), never deleted, so whatever points at it survives.
"""

from functools import cached_property

from django.db import models
from django.urls import reverse


class LiveQuerySet(models.QuerySet):
    def live(self):
        return self.filter(retired=False)


class TopicItemQuerySet(LiveQuerySet):
    def live(self):
        """Items shown to learners: neither the item nor its topic retired."""
        return self.filter(retired=False, topic__retired=False)


class Source(models.Model):
    """A source document the course was written from (shared/seeds/), or the list of standard
    references that items beyond the seeds rest on (`cites`, one reference a line)."""

    key = models.CharField(max_length=16, unique=True)
    title = models.CharField(max_length=200)
    filename = models.CharField(max_length=200, blank=True, help_text="The seed file; empty for references.")
    cites = models.TextField(blank=True, help_text="The references, one a line; empty for a seed.")

    def __str__(self):
        return f"{self.key}: {self.title}"


class Topic(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    order = models.IntegerField()
    source_path = models.CharField(max_length=300, help_text="The fixture file it is loaded from.")
    retired = models.BooleanField(default=False)

    objects = LiveQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("course:topic", args=[self.slug])


class TopicItem(models.Model):
    """What notes, flashcards and questions share: identity, place in the topic, provenance."""

    slug = models.SlugField(max_length=120, unique=True)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="%(class)ss")
    position = models.PositiveIntegerField()
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+")
    source_ref = models.CharField(
        max_length=16, blank=True, help_text="Position in the source's own list, e.g. Q24 or F7."
    )
    retired = models.BooleanField(default=False)

    objects = TopicItemQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["topic__order", "position"]


class Note(TopicItem):
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown with $LaTeX$.")

    def __str__(self):
        return self.title


class Flashcard(TopicItem):
    front = models.TextField()
    back = models.TextField()
    term = models.BooleanField(
        default=False, help_text="The front is a short term: quizzes ask for it from the back."
    )

    def __str__(self):
        return self.front


class Question(TopicItem):
    text = models.TextField()
    explanation = models.TextField()
    cards = models.ManyToManyField(
        Flashcard, related_name="questions", blank=True,
        help_text="Up to three related flashcards (the fixture's `cards`): a quiz miss brings them back.",
    )

    def __str__(self):
        return self.text

    @cached_property
    def correct_option(self):
        """The one correct option (the loader guarantees exactly one); uses prefetched options."""
        return next(option for option in self.options.all() if option.correct)


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField()
    text = models.TextField()
    correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="unique_option_position")
        ]

    def __str__(self):
        return self.text

    @property
    def letter(self):
        return chr(ord("A") + self.position - 1)
