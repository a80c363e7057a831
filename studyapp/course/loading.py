"""Write a validated Course (content.py) to the database, idempotently, by slug.

Existing rows are updated in place (their primary keys never change); rows whose slug is no
longer in the files are retired; a retired item that comes back is revived. Existing rows are
read once per model, so a reload that changes nothing costs a handful of queries.
"""

from dataclasses import dataclass, field

from django.db import transaction

from .content import read_course
from .models import Flashcard, Note, Option, Question, Source, Topic


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    retired: dict = field(default_factory=dict)

    def count(self, bucket, kind, n=1):
        table = getattr(self, bucket)
        table[kind] = table.get(kind, 0) + n

    def summary(self):
        parts = []
        for bucket in ("created", "updated", "retired"):
            table = getattr(self, bucket)
            if table:
                parts.append(bucket + " " + ", ".join(f"{n} {kind}" for kind, n in table.items()))
        return "; ".join(parts) or "no changes"


class _Rows:
    """The existing rows of one model keyed by their identity, and upserts that report only
    real changes."""

    def __init__(self, model, kind, key, report):
        self.model, self.kind, self.key, self.report = model, kind, key, report
        self.rows = {key(row): row for row in model.objects.all()}
        self.kept = set()

    def upsert(self, identity, values, key=None):
        """Create or update the row with `identity` (its key in self.rows defaults to the one
        identity value, e.g. the slug)."""
        row = self.rows.get(key if key is not None else next(iter(identity.values())))
        if row is None:
            row = self.model.objects.create(**identity, **values)
            self.report.count("created", self.kind)
        else:
            changed = [name for name, value in values.items() if _differs(row, name, value)]
            if changed:
                for name in changed:
                    setattr(row, name, values[name])
                row.save(update_fields=changed)
                self.report.count("updated", self.kind)
        self.kept.add(row.pk)
        return row

    def retire_the_rest(self):
        gone = self.model.objects.filter(retired=False).exclude(pk__in=self.kept)
        count = gone.update(retired=True)
        if count:
            self.report.count("retired", self.kind, count)


def _differs(row, name, value):
    """Compare foreign keys by id, so no related row is fetched."""
    field = row._meta.get_field(name)
    if field.is_relation:
        return getattr(row, field.attname) != value.pk
    return getattr(row, name) != value


def _by_slug(row):
    return row.slug


def _link_cards(course, questions_by_slug, report):
    """Each question's related flashcards (`cards`), set only where they changed (3 queries when
    nothing did). Done after every topic is loaded, since a question may name another topic's card."""
    card_ids = dict(Flashcard.objects.values_list("slug", "pk"))
    through = Question.cards.through
    current = {}
    for question_id, card_id in through.objects.values_list("question_id", "flashcard_id"):
        current.setdefault(question_id, set()).add(card_id)
    for data in (q for topic in course.topics for q in topic.questions):
        question = questions_by_slug[data.slug]
        wanted = {card_ids[slug] for slug in data.cards}
        if wanted != current.get(question.pk, set()):
            question.cards.set(wanted)
            report.count("updated", "question cards")


@transaction.atomic
def load_course(directory):
    """Load the course in `directory` (fixtures/). Returns a LoadReport."""
    course = read_course(directory)
    report = LoadReport()
    sources = _Rows(Source, "sources", lambda row: row.key, report)
    source = {key: sources.upsert({"key": key}, {"title": s.title, "filename": s.filename,
                                              "cites": "\n".join(s.cites)})
              for key, s in course.sources.items()}
    topics = _Rows(Topic, "topics", _by_slug, report)
    notes = _Rows(Note, "notes", _by_slug, report)
    cards = _Rows(Flashcard, "cards", _by_slug, report)
    questions = _Rows(Question, "questions", _by_slug, report)
    options = _Rows(Option, "options", lambda row: (row.question_id, row.position), report)
    question_rows = {}

    for data in course.topics:
        topic = topics.upsert({"slug": data.slug}, {
            "title": data.title, "summary": data.summary, "order": data.order,
            "source_path": data.path, "retired": False,
        })

        def item(position, content, **fields):
            """What every note, card and question stores besides its own text."""
            return {"topic": topic, "position": position, "source": source[content.source],
                    "retired": False, **fields}

        for position, note in enumerate(data.notes, 1):
            notes.upsert({"slug": note.slug},
                         item(position, note, title=note.title, body=note.body))
        for position, card in enumerate(data.cards, 1):
            cards.upsert({"slug": card.slug}, item(position, card, source_ref=card.source_ref,
                                                   front=card.front, back=card.back,
                                                   term=card.term))
        for position, question_data in enumerate(data.questions, 1):
            question = questions.upsert({"slug": question_data.slug}, item(
                position, question_data, source_ref=question_data.source_ref,
                text=question_data.text, explanation=question_data.explanation))
            question_rows[question_data.slug] = question
            for k, option in enumerate(question_data.options, 1):
                options.upsert({"question": question, "position": k},
                               {"text": option.text, "correct": option.correct},
                               key=(question.pk, k))

    _link_cards(course, question_rows, report)

    # Options have no life of their own (nothing points at them yet): extra ones are deleted.
    Option.objects.filter(question__in=questions.kept).exclude(pk__in=options.kept).delete()

    for rows in (topics, notes, cards, questions):
        rows.retire_the_rest()
    return report
