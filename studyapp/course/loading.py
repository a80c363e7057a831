"""Write a validated Course (content.py) to the database, idempotently, by slug.

Existing rows are updated in place (their primary keys never change); rows whose slug is no
longer in the files are retired; a retired item that comes back is revived.
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

    def count(self, bucket, kind):
        table = getattr(self, bucket)
        table[kind] = table.get(kind, 0) + 1

    def summary(self):
        parts = []
        for bucket in ("created", "updated", "retired"):
            table = getattr(self, bucket)
            if table:
                parts.append(bucket + " " + ", ".join(f"{n} {kind}" for kind, n in table.items()))
        return "; ".join(parts) or "no changes"


def _upsert(model, lookup, values, report, kind):
    """update_or_create that reports only real changes."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.count("created", kind)
        return obj
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.count("updated", kind)
    return obj


def _differs(obj, name, value):
    """Compare foreign keys by id, so a reload does not fetch every item's topic and source."""
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) != value.pk
    return getattr(obj, name) != value


@transaction.atomic
def load_course(directory):
    """Load the course in `directory` (fixtures/). Returns a LoadReport."""
    course = read_course(directory)
    report = LoadReport()
    sources = {
        key: _upsert(Source, {"key": key}, {"title": s.title, "filename": s.filename}, report, "sources")
        for key, s in course.sources.items()
    }
    kept = {Topic: set(), Note: set(), Flashcard: set(), Question: set()}
    for topic_data in course.topics:
        topic = _upsert(
            Topic,
            {"slug": topic_data.slug},
            {"title": topic_data.title, "summary": topic_data.summary, "order": topic_data.order,
             "source_path": topic_data.path.split("fixtures/")[-1], "retired": False},
            report, "topics",
        )
        kept[Topic].add(topic.pk)
        for position, note in enumerate(topic_data.notes, 1):
            obj = _upsert(Note, {"slug": note.slug}, {
                "topic": topic, "position": position, "source": sources[note.source],
                "title": note.title, "body": note.body, "retired": False,
            }, report, "notes")
            kept[Note].add(obj.pk)
        for position, card in enumerate(topic_data.cards, 1):
            obj = _upsert(Flashcard, {"slug": card.slug}, {
                "topic": topic, "position": position, "source": sources[card.source],
                "source_ref": card.source_ref, "front": card.front, "back": card.back,
                "retired": False,
            }, report, "cards")
            kept[Flashcard].add(obj.pk)
        for position, question_data in enumerate(topic_data.questions, 1):
            question = _upsert(Question, {"slug": question_data.slug}, {
                "topic": topic, "position": position, "source": sources[question_data.source],
                "source_ref": question_data.source_ref, "text": question_data.text,
                "explanation": question_data.explanation, "retired": False,
            }, report, "questions")
            kept[Question].add(question.pk)
            for k, option in enumerate(question_data.options, 1):
                _upsert(Option, {"question": question, "position": k},
                        {"text": option.text, "correct": option.correct}, report, "options")
            question.options.filter(position__gt=len(question_data.options)).delete()
    for model, pks in kept.items():
        for obj in model.objects.filter(retired=False).exclude(pk__in=pks):
            obj.retired = True
            obj.save(update_fields=["retired"])
            report.count("retired", model._meta.verbose_name_plural)
    return report
