"""A learner's quiz attempts in their JSON backup: the export, and the check of a restore.

Each attempt is exported whole, oldest first: its own `key` (its id, which the review log's
quiz-miss entries name), times, topics by slug, kinds, requested length and notice, and every
question's snapshot with its answer. A restore checks every field of every attempt before
anything is stored (`check_attempts`, RestoreError naming the attempt and question), then
`attempts.restore_attempts` recreates the rows exactly, and the keys map to the new ids.

Topics are looked up by slug among all the course's topics, retired ones too (a topic is retired,
never deleted, and a past attempt keeps its topic as the snapshot says). A slug this site's
course has never had cannot be an attempt's topic: the restore names the attempt and stops.
Outcomes are restored as recorded, not graded again: grading may change, a past answer does not.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from django.template.defaultfilters import pluralize

from studyapp.accounts.exports import Keys, RestoreError, time_of, whole_number
from studyapp.accounts.models import Learner
from studyapp.course.models import Topic

from . import attempts, generation
from .models import Answer, Attempt, AttemptQuestion, Kind, Outcome

KEY_KIND = "quiz_attempt"  # the kind of key (accounts.exports) review's quiz-miss entries name
CHOICE_KINDS = (Kind.CHOICE, Kind.NUMERIC_CHOICE)
TEXTS = ("stem", "answer_text", "explanation", "solution")


def export_attempts(learner: Learner) -> Iterator[dict]:
    """The learner's attempts, oldest first, one at a time (the export streams them)."""
    rows = (Attempt.objects.filter(learner=learner).order_by("created", "pk")
            .prefetch_related("topics", "questions__answer", "questions__topic"))
    for attempt in rows.iterator(chunk_size=200):
        yield {
            "key": attempt.pk,
            "created": attempt.created.isoformat(),
            "finished": attempt.finished.isoformat() if attempt.finished else None,
            "all_topics": attempt.all_topics,
            "topics": sorted(t.slug for t in attempt.topics.all()),
            "kinds": attempt.kinds,
            "requested_length": attempt.requested_length,
            "notice": attempt.notice,
            "questions": [_export_question(q) for q in attempt.questions.all()],
        }


def _export_question(question: AttemptQuestion) -> dict:
    answer = getattr(question, "answer", None)
    return {
        "position": question.position, "kind": question.kind, "topic": question.topic.slug,
        "topic_title": question.topic_title, "source": question.source_slug, "stem": question.stem,
        "options": question.options, "correct_option": question.correct_option,
        "accepted": question.accepted, "answer_text": question.answer_text,
        "explanation": question.explanation, "solution": question.solution, "params": question.params,
        "answer": None if answer is None else {
            "response": answer.response, "outcome": answer.outcome,
            "answered": answer.answered.isoformat()},
    }


# --- restore ----------------------------------------------------------------------------

def check_attempts(data, keys: Keys) -> list[attempts.RestoredAttempt]:
    """The quiz part checked whole, nothing stored: the attempts as unsaved rows; each one's key
    is declared in `keys` for the review log's quiz misses."""
    if not isinstance(data, list):
        raise RestoreError("The backup's quiz part is not a list of attempts.")
    slugs = set()
    for item in data:
        if isinstance(item, dict):
            slugs.update(s for s in _list(item.get("topics")) if isinstance(s, str))
            slugs.update(q.get("topic") for q in _list(item.get("questions"))
                         if isinstance(q, dict) and isinstance(q.get("topic"), str))
    topics = {topic.slug: topic for topic in Topic.objects.filter(slug__in=slugs)}
    checked, seen = [], {}
    for index, item in enumerate(data):
        where = f"quiz attempt {index + 1}"
        restored = _check_attempt(item, where, topics)
        if restored.key in seen:
            raise RestoreError(f"{where}: its key {restored.key} is also that of quiz attempt {seen[restored.key]}")
        seen[restored.key] = index + 1
        checked.append(restored)
    keys[KEY_KIND] = dict.fromkeys(seen)
    return checked


def apply_attempts(learner: Learner, plan: list[attempts.RestoredAttempt], keys: Keys) -> str:
    keys[KEY_KIND] = attempts.restore_attempts(learner=learner, attempts=plan)
    questions = sum(len(attempt.questions) for attempt in plan)
    return f"{len(plan)} quiz attempt{pluralize(len(plan))} ({questions} question{pluralize(questions)})"


def holds_attempts(learner: Learner) -> bool:
    return Attempt.objects.filter(learner=learner).exists()


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _field(item: dict, name: str, where: str):
    if name not in item:
        raise RestoreError(f"{where}: “{name}” is missing")
    return item[name]


def _text(item: dict, name: str, where: str, max_length: int | None = None) -> str:
    value = _field(item, name, where)
    if not isinstance(value, str) or (max_length is not None and len(value) > max_length):
        raise RestoreError(f"{where}: {name} is a text{f' of at most {max_length} characters' if max_length else ''}")
    return value


def _topic(slug, where: str, topics: dict[str, Topic]) -> Topic:
    if not isinstance(slug, str) or slug not in topics:
        raise RestoreError(f"{where}: no topic “{str(slug)[:80]}” in this course (a backup names its topics "
                           "by slug, and this site's course has never had this one)")
    return topics[slug]


def _check_attempt(item, where: str, topics: dict[str, Topic]) -> attempts.RestoredAttempt:
    if not isinstance(item, dict):
        raise RestoreError(f"{where}: not an object")
    key = _field(item, "key", where)
    if not whole_number(key, 1, 2**63 - 1):
        raise RestoreError(f"{where}: its key is a whole number from 1")
    created = time_of(_field(item, "created", where), f"{where}, created")
    if created is None:
        raise RestoreError(f"{where}: created is missing")
    finished = time_of(_field(item, "finished", where), f"{where}, finished")
    if finished is not None and finished < created:
        raise RestoreError(f"{where}: it finished before it was created")
    all_topics = _field(item, "all_topics", where)
    if not isinstance(all_topics, bool):
        raise RestoreError(f"{where}: all_topics is true or false")
    slugs = _field(item, "topics", where)
    if not isinstance(slugs, list) or not slugs or len(set(map(str, slugs))) != len(slugs):
        raise RestoreError(f"{where}: topics is a list of topics, each once")
    chosen = [_topic(slug, f"{where}, topics", topics) for slug in slugs]
    kinds = _field(item, "kinds", where)
    if (not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) and k in Kind.values for k in kinds)
            or len(set(kinds)) != len(kinds)):
        raise RestoreError(f"{where}: kinds is a list of kinds of question ({', '.join(Kind.values)}), each once")
    length = _field(item, "requested_length", where)
    if not whole_number(length, attempts.MIN_LENGTH, attempts.MAX_LENGTH):
        raise RestoreError(f"{where}: requested_length is a whole number from {attempts.MIN_LENGTH} to "
                           f"{attempts.MAX_LENGTH}")
    notice = _text(item, "notice", where)
    questions = _field(item, "questions", where)
    if not isinstance(questions, list) or not 1 <= len(questions) <= attempts.MAX_LENGTH:
        raise RestoreError(f"{where}: questions is a list of 1 to {attempts.MAX_LENGTH} questions")
    checked = [_check_question(q, f"{where}, question {n}", topics, created) for n, q in enumerate(questions, 1)]
    positions = [question.position for question, _ in checked]
    if len(set(positions)) != len(positions):
        raise RestoreError(f"{where}: two questions have the same position")
    if (finished is not None) != all(answer is not None for _, answer in checked):
        raise RestoreError(f"{where}: an attempt is finished exactly when every question is answered")
    attempt = Attempt(created=created, finished=finished, all_topics=all_topics, kinds=kinds,
                      requested_length=length, notice=notice)
    return attempts.RestoredAttempt(key=key, attempt=attempt, topics=chosen, questions=checked)


def _check_question(item, where: str, topics: dict[str, Topic], created) -> tuple[AttemptQuestion, Answer | None]:
    if not isinstance(item, dict):
        raise RestoreError(f"{where}: not an object")
    position = _field(item, "position", where)
    if not whole_number(position, 1, attempts.MAX_LENGTH):
        raise RestoreError(f"{where}: position is a whole number from 1 to {attempts.MAX_LENGTH}")
    kind = _field(item, "kind", where)
    if not isinstance(kind, str) or kind not in Kind.values:
        raise RestoreError(f"{where}: “{str(kind)[:20]}” is not a kind of question ({', '.join(Kind.values)})")
    topic = _topic(_field(item, "topic", where), where, topics)
    texts = {name: _text(item, name, where) for name in TEXTS}
    if not texts["stem"]:
        raise RestoreError(f"{where}: its stem is empty")
    options = _options(_field(item, "options", where), kind, where)
    correct = _field(item, "correct_option", where)
    if kind in CHOICE_KINDS and not whole_number(correct, 1, len(options)):
        raise RestoreError(f"{where}: correct_option is the position of one of its {len(options)} options")
    if kind not in CHOICE_KINDS and correct is not None:
        raise RestoreError(f"{where}: a typed question has no correct_option")
    accepted = _field(item, "accepted", where)
    if not isinstance(accepted, list) or not all(isinstance(a, str) for a in accepted) or (
            kind == Kind.TERM and not accepted):
        raise RestoreError(f"{where}: accepted is a list of answers (at least one for a term)")
    params = _params(_field(item, "params", where), kind, where)
    question = AttemptQuestion(
        position=position, kind=kind, topic=topic, topic_title=_text(item, "topic_title", where, 200),
        source_slug=_text(item, "source", where, 120), options=options, correct_option=correct,
        accepted=accepted, params=params, **texts)
    return question, _answer(_field(item, "answer", where), question, where, created)


def _options(options, kind: str, where: str) -> list[dict]:
    if kind not in CHOICE_KINDS:
        if options != []:
            raise RestoreError(f"{where}: a typed question has no options")
        return options
    if not isinstance(options, list) or not 2 <= len(options) <= 20 or not all(
            isinstance(o, dict) and isinstance(o.get("text"), str) and isinstance(o.get("explanation", ""), str)
            and set(o) <= {"text", "explanation"} for o in options):
        raise RestoreError(f"{where}: options is a list of 2 to 20 options, each a text and an explanation")
    return options


def _params(params, kind: str, where: str) -> dict:
    """A calculation's params hold its generated question whole (grading reads them); the course's
    own questions have none."""
    if not isinstance(params, dict):
        raise RestoreError(f"{where}: params is an object")
    if kind not in (Kind.NUMERIC_CHOICE, Kind.NUMERIC_TYPED):
        if params:
            raise RestoreError(f"{where}: only a calculation has params")
        return params
    try:
        generated = generation.GeneratedQuestion.from_dict(params)
    except (TypeError, KeyError, ValueError, AttributeError):
        generated = None
    if generated is None or not (
            isinstance(generated.answer, list) and generated.answer
            and all(_finite(v) for v in generated.answer) and _finite(generated.tolerance)
            and generated.tolerance >= 0 and (generated.typed_length is None
                                               or whole_number(generated.typed_length, 1, 1000))):
        raise RestoreError(f"{where}: its params are not a generated question this site can grade")
    return params


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _answer(item, question: AttemptQuestion, where: str, created) -> Answer | None:
    if item is None:
        return None
    where = f"{where}, answer"
    if not isinstance(item, dict):
        raise RestoreError(f"{where}: not an object or null")
    response = _text(item, "response", where)
    if question.kind in CHOICE_KINDS and response and not (
            response.isascii() and response.isdigit() and len(response) <= 2 and 1 <= int(response) <= len(question.options)):
        raise RestoreError(f"{where}: the response to a multiple-choice question is an option's position, or empty")
    outcome = _field(item, "outcome", where)
    if not isinstance(outcome, str) or outcome not in Outcome.values:
        raise RestoreError(f"{where}: the outcome is one of {', '.join(Outcome.values)}")
    answered = time_of(_field(item, "answered", where), f"{where}, answered")
    if answered is None or answered < created:
        raise RestoreError(f"{where}: it was answered before its attempt was created, or at no time")
    return Answer(response=response, outcome=outcome, answered=answered)

