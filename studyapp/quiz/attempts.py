"""Building, answering and resuming quizzes: every write of the quiz app goes through here.

A quiz is built from the live course: the chosen kinds of question from the chosen topics,
chosen by the adaptive rule (`RULE`, stated on the quiz form too): topics the learner got wrong
this week get more of the questions, and within a topic the questions not answered yet come
first, then those got wrong last time; no question twice in an attempt. "My weakest topics"
(`weakest_topics`) chooses the topics by the same weights and says why. When those cannot fill the length, other kinds from the same topics top it up; when
even that falls short the quiz is shorter; the attempt's `notice` says which. Each question is
copied into the attempt as a snapshot (models.py), so the attempt never depends on the course
rows again.

An answer is graded (grading.py) and recorded once. The identical answer again returns the
recorded one; a different answer to an answered question raises AnswerConflict; neither
changes anything. Answers to one attempt are serialised by a row lock on the attempt, so the
attempt is marked finished exactly when its last question is answered.

A backup's attempts, checked by backup.py, are stored as they were by `restore_attempts`.
"""

import random
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from studyapp.accounts.models import Learner
from studyapp.course.content import term_answers
from studyapp.course.models import Flashcard, Question, Topic

from . import generation, misses
from .grading import grade
from .models import Answer, Attempt, AttemptQuestion, Kind, Outcome

# Product bounds of a quiz (the builder's form takes them from here).
MIN_LENGTH, MAX_LENGTH, DEFAULT_LENGTH = 5, 50, 10
# How the notices name a number of questions of one kind.
KIND_NOUNS = {Kind.CHOICE: ("multiple-choice question", "multiple-choice questions"),
              Kind.TERM: ("term-recall question", "term-recall questions"),
              Kind.NUMERIC_CHOICE: ("multiple-choice calculation", "multiple-choice calculations"),
              Kind.NUMERIC_TYPED: ("typed calculation", "typed calculations")}


@dataclass(frozen=True)
class Candidate:
    """A question a quiz could ask: its kind, topic and origin, and how to snapshot it."""

    kind: str
    topic: Topic
    source_slug: str
    snapshot: Callable[[random.Random], dict]


def _choice_candidates(topics: Sequence[Topic]) -> list[Candidate]:
    questions = (Question.objects.live().filter(topic__in=topics)
                 .select_related("topic").prefetch_related("options"))
    return [Candidate(Kind.CHOICE, q.topic, q.slug, lambda rng, q=q: _choice_snapshot(q, rng))
            for q in questions]


def _choice_snapshot(question: Question, rng: random.Random) -> dict:
    options = list(question.options.all())
    rng.shuffle(options)
    return {
        "stem": question.text,
        "options": [{"text": option.text, "explanation": ""} for option in options],
        "correct_option": next(n for n, option in enumerate(options, 1) if option.correct),
        "explanation": question.explanation,
    }


def _term_candidates(topics: Sequence[Topic]) -> list[Candidate]:
    cards = Flashcard.objects.live().filter(topic__in=topics, term=True).select_related("topic")
    return [Candidate(Kind.TERM, card.topic, card.slug, lambda rng, card=card: _term_snapshot(card))
            for card in cards]


def _term_snapshot(card: Flashcard) -> dict:
    accepted = term_answers(card.front)
    return {"stem": masked(card.back, accepted), "accepted": accepted, "answer_text": card.front}


_MATH = re.compile(r"(\$\$.*?\$\$|\$.*?\$|`[^`]*`)", re.S)
BLANK = r"\_\_\_\_"  # Markdown for ____


def masked(definition: str, terms: Sequence[str]) -> str:
    """The definition with the term (and its aliases, and their plurals) blanked out where it
    is written in words, so that the question does not give its answer away; math and code are
    left alone."""
    words = sorted((t for t in terms if len(t) >= 3), key=len, reverse=True)
    if not words:
        return definition
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?:s|es)?(?![\w-])",
                         re.I)
    parts = _MATH.split(definition)
    return "".join(part if n % 2 else pattern.sub(BLANK, part) for n, part in enumerate(parts))


def _numeric_candidates(kind: str, topics: Sequence[Topic]) -> list[Candidate]:
    """One calculation per generator of the chosen topics, its numbers drawn when the quiz is
    built (generation.py)."""
    by_slug = {topic.slug: topic for topic in topics}
    return [Candidate(kind, by_slug[g.topic], g.slug,
                      lambda rng, g=g: _numeric_snapshot(g.slug, kind, rng))
            for g in generation.generators_for(by_slug)]


def _numeric_snapshot(slug: str, kind: str, rng: random.Random) -> dict:
    """A generated question with a fresh seed, kept whole (numbers, seed, options with their
    mistakes, solution) in `params`, so the attempt shows the same numbers when resumed."""
    question = generation.generate(slug, rng.randint(0, generation.MAX_SEED))
    choice = kind == Kind.NUMERIC_CHOICE
    return {
        "stem": question.stem,
        "options": [{"text": option.text, "explanation": generation.mistake_markdown(option)}
                    for option in question.options] if choice else [],
        "correct_option": question.correct_option if choice else None,
        "answer_text": question.answer_text,
        "solution": generation.solution_markdown(question),
        "params": question.as_dict(),
    }


# One entry per kind offered by the builder, in the order offered.
CANDIDATES: dict[str, Callable[[Sequence[Topic]], list[Candidate]]] = {
    Kind.CHOICE: _choice_candidates,
    Kind.TERM: _term_candidates,
    Kind.NUMERIC_CHOICE: lambda topics: _numeric_candidates(Kind.NUMERIC_CHOICE, topics),
    Kind.NUMERIC_TYPED: lambda topics: _numeric_candidates(Kind.NUMERIC_TYPED, topics),
}
# Ticked on the builder at first: the course's own items and calculations with fresh numbers
# (as multiple choice); typed answers are one tick away.
DEFAULT_KINDS = (Kind.CHOICE, Kind.TERM, Kind.NUMERIC_CHOICE)


def available_by_topic() -> dict[int, dict[str, int]]:
    """For each live topic's id, how many questions of each kind it holds (three queries)."""
    counts = defaultdict(lambda: dict.fromkeys(CANDIDATES, 0))
    for kind, items in ((Kind.CHOICE, Question.objects.live()),
                        (Kind.TERM, Flashcard.objects.live().filter(term=True))):
        for row in items.order_by().values("topic").annotate(n=Count("pk")):
            counts[row["topic"]][kind] = row["n"]
    for pk, slug in Topic.objects.live().values_list("pk", "slug"):
        if n := len(generation.generators_for([slug])):
            counts[pk][Kind.NUMERIC_CHOICE] = counts[pk][Kind.NUMERIC_TYPED] = n
    return counts


def _last_outcomes(learner: Learner) -> dict[tuple[str, str], str | None]:
    """(kind, source_slug) -> the outcome of the learner's latest answer to it (None: asked, not
    answered)."""
    asked = (AttemptQuestion.objects.filter(attempt__learner=learner)
             .order_by("attempt__created", "attempt_id", "position")
             .values_list("kind", "source_slug", "answer__outcome"))
    return {(kind, slug): outcome for kind, slug, outcome in asked}


# The adaptive rule. "Recent" is the last RECENT_DAYS days ("this week").
RECENT_DAYS = 7
WEAKEST_COUNT = 3  # how many topics "My weakest topics" chooses
RULE = ("Each topic's share of the questions is its weight, 1 + 3 × its share of wrong answers "
        f"in the last {RECENT_DAYS} days (counting one extra right and one extra wrong answer, so a topic "
        "not tried weighs 2.5, one with 2 of 6 right 2.875, one with 6 of 6 right 1.375). Within a topic, "
        "questions you have not answered come first, then those you got wrong last time, then near, "
        "then right ones. No question comes twice in a quiz.")
WEAKEST_RULE = (f"The {WEAKEST_COUNT} topics with the most wrong answers for their weight this week "
                "(the weight above); when fewer have wrong answers, topics you have not tried this week "
                "fill in, in course order.")


@dataclass(frozen=True)
class TopicRecord:
    """A learner's answers in one topic over the recent window (near counts as right)."""

    answered: int = 0
    right: int = 0

    @property
    def wrong(self) -> int:
        return self.answered - self.right

    @property
    def weight(self) -> float:
        """1 + 3 × the smoothed share of wrong answers: (wrong + 1) / (answered + 2)."""
        return 1 + 3 * (self.wrong + 1) / (self.answered + 2)

    def reason(self) -> str:
        if not self.answered:
            return "not tried this week"
        return f"{self.right} of {self.answered} right this week"


def topic_records(*, learner: Learner, now: datetime) -> dict[int, TopicRecord]:
    """{topic id: TopicRecord} of the learner's answers of the last RECENT_DAYS days (one query)."""
    rows = (Answer.objects.filter(question__attempt__learner=learner,
                                  answered__gte=now - timedelta(days=RECENT_DAYS))
            .order_by().values("question__topic")
            .annotate(answered=Count("pk"), right=Count("pk", filter=~Q(outcome=Outcome.WRONG))))
    return {row["question__topic"]: TopicRecord(row["answered"], row["right"]) for row in rows}


@dataclass(frozen=True)
class WeakTopic:
    topic: Topic
    record: TopicRecord

    def __str__(self) -> str:
        return f"{self.topic.title}: {self.record.reason()}"


def weakest_topics(*, learner: Learner | None, now: datetime,
                   count: int = WEAKEST_COUNT) -> list[WeakTopic]:
    """The learner's weakest topics by WEAKEST_RULE, each with its record, weakest first: topics
    with a wrong answer this week by weight (ties: more answers, then course order), then topics
    not tried this week in course order, then the rest by weight. Only topics with questions."""
    records = topic_records(learner=learner, now=now) if learner is not None else {}
    available = available_by_topic()
    topics = [t for t in Topic.objects.live() if sum(available[t.pk].values())]
    rank = []
    for position, topic in enumerate(topics):
        record = records.get(topic.pk, TopicRecord())
        group = 0 if record.wrong else 1 if not record.answered else 2
        rank.append(((group, -record.weight if group != 1 else 0, -record.answered, position),
                     WeakTopic(topic, record)))
    rank.sort(key=lambda pair: pair[0])
    return [weak for _, weak in rank[:count]]


def _priority(candidate: Candidate, last: dict) -> int:
    """0: never answered (or left unanswered), 1: answered wrong last time, 2: near, 3: right."""
    key = (candidate.kind, candidate.source_slug)
    if key not in last or last[key] is None:
        return 0
    return {Outcome.WRONG: 1, Outcome.NEAR: 2}.get(last[key], 3)


def pick(candidates: list[Candidate], count: int, rng: random.Random, last: dict,
         weights: dict[int, float]) -> list[Candidate]:
    """Up to `count` distinct candidates by RULE. Within a topic: by `_priority`, random within a
    level. Across topics: stride scheduling, so each topic's share follows its weight
    (`weights[topic id]`, 1 when missing): every topic starts at a random pass in [0, 1/weight),
    the next question comes from the topic with the lowest pass among those with questions left,
    and that topic's pass grows by 1/weight. Equal weights make the topics take turns."""
    by_topic = defaultdict(list)
    for candidate in candidates:
        by_topic[candidate.topic.pk].append(candidate)
    queues = list(by_topic.items())
    rng.shuffle(queues)
    passes = {}
    for topic_id, queue in queues:
        rng.shuffle(queue)
        queue.sort(key=lambda candidate: _priority(candidate, last))  # stable: random within a level
        passes[topic_id] = rng.random() / weights.get(topic_id, 1.0)
    picked = []
    while len(picked) < count:
        open_topics = [(passes[topic_id], n, topic_id, queue) for n, (topic_id, queue) in enumerate(queues)
                       if queue]
        if not open_topics:
            break
        _, _, topic_id, queue = min(open_topics)
        picked.append(queue.pop(0))
        passes[topic_id] += 1 / weights.get(topic_id, 1.0)
    return picked


def _count(n: int, kind: str | None = None) -> str:
    singular, plural = KIND_NOUNS[kind] if kind else ("question", "questions")
    return f"{n} {singular if n == 1 else plural}"


def _kinds_phrase(counts: dict[str, int]) -> str:
    parts = [_count(n, kind) for kind, n in counts.items() if n]
    return " and ".join(parts) if parts else "no questions"


def _notice(*, length: int, main: dict[str, int], extra: dict[str, int], all_kinds: bool) -> str:
    """What the quiz says when it could not be made of the chosen kinds at the chosen length."""
    have, added = sum(main.values()), sum(extra.values())
    total = have + added
    if have >= length:
        return ""
    if all_kinds:
        return (f"These topics have only {_count(have)} in all, so this quiz has {total} "
                f"instead of {length}.")
    text = f"The chosen topics have only {_kinds_phrase(main)}"
    if added:
        text += f", so {_kinds_phrase(extra)} {'was' if added == 1 else 'were'} added"
        if total == length:
            return text + f" to make {length}."
        return text + f"; with nothing more to add, this quiz has {total} questions instead of {length}."
    return text + f", and no other kinds, so this quiz has {total} questions instead of {length}."


@transaction.atomic
def start_attempt(*, learner: Learner, topics: Sequence[Topic] | None, length: int,
                  kinds: Collection[str], rng: random.Random | None = None, weakest: bool = False,
                  now: datetime | None = None) -> Attempt:
    """A new attempt of up to `length` questions of `kinds` from `topics` (None: all topics), or,
    with `weakest`, from the learner's weakest topics (the notice names them and why).

    Raises ValueError for a length outside MIN_LENGTH..MAX_LENGTH, an unknown or empty set of
    kinds, no topics, or topics with no questions at all."""
    rng = rng or random.Random()
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"A quiz has {MIN_LENGTH} to {MAX_LENGTH} questions.")
    requested = set(kinds)
    unknown = requested - set(CANDIDATES)
    if unknown:
        raise ValueError(f"Unknown kind of question: {', '.join(sorted(unknown))}.")
    kinds = [kind for kind in CANDIDATES if kind in requested]
    if not kinds:
        raise ValueError("Choose at least one kind of question.")
    now = now or timezone.now()
    weak = weakest_topics(learner=learner, now=now) if weakest else []
    all_topics = topics is None and not weakest
    if weakest:
        chosen = [w.topic for w in weak]
    else:
        chosen = list(Topic.objects.live()) if all_topics else [t for t in topics if not t.retired]
    if not chosen:
        raise ValueError("Choose at least one topic, or all topics.")

    last = _last_outcomes(learner)
    weights = {topic_id: record.weight for topic_id, record in topic_records(learner=learner, now=now).items()}
    weights = {topic.pk: weights.get(topic.pk, TopicRecord().weight) for topic in chosen}
    pools = {kind: CANDIDATES[kind](chosen) for kind in CANDIDATES}
    main_pool = [c for kind in kinds for c in pools[kind]]
    main = pick(main_pool, length, rng, last, weights)
    extra = []
    if len(main) < length:
        other_pool = [c for kind in CANDIDATES if kind not in kinds for c in pools[kind]]
        extra = pick(other_pool, length - len(main), rng, last, weights)
    picked = main + extra
    if not picked:
        raise ValueError("The chosen topics have no questions yet: choose other topics.")

    def by_kind(candidates):
        return {kind: sum(c.kind == kind for c in candidates) for kind in CANDIDATES}

    notice = _notice(length=length, main=by_kind(main), extra=by_kind(extra),
                     all_kinds=all(kind in kinds or not pools[kind] for kind in CANDIDATES))
    if weakest:
        notice = " ".join(filter(None, [weakest_notice(weak), notice]))
    attempt = Attempt.objects.create(
        learner=learner, all_topics=all_topics, kinds=kinds, requested_length=length, notice=notice,
    )
    attempt.topics.set(chosen)
    rng.shuffle(picked)
    AttemptQuestion.objects.bulk_create([
        AttemptQuestion(attempt=attempt, position=position, kind=candidate.kind,
                        topic=candidate.topic, topic_title=candidate.topic.title,
                        source_slug=candidate.source_slug, **candidate.snapshot(rng))
        for position, candidate in enumerate(picked, 1)
    ])
    return attempt


def weakest_notice(weak: Sequence[WeakTopic]) -> str:
    """What a "My weakest topics" quiz says about its topics: "Your weakest topics: GRU: 2 of 6
    right this week; LSTM: ..."."""
    if not any(w.record.answered for w in weak):
        return ("You have not answered any questions this week, so your weakest topics cannot be told "
                "yet; these are topics you have not tried: " + "; ".join(str(w) for w in weak) + ".")
    return "Your weakest topics: " + "; ".join(str(w) for w in weak) + "."


class AnswerConflict(Exception):
    """A different answer to a question already answered; `answer` is the recorded one."""

    def __init__(self, answer: Answer):
        super().__init__("This question has already been answered.")
        self.answer = answer


@dataclass(frozen=True)
class Recorded:
    answer: Answer
    replay: bool  # True when this was the identical answer again
    brought_back: tuple = ()  # the flashcards a miss made due now (misses.py)


@transaction.atomic
def record_answer(*, question: AttemptQuestion, response: str) -> Recorded:
    """Grade and store the answer `response` ("" for "I don't know") to `question`, once."""
    Attempt.objects.select_for_update().filter(pk=question.attempt_id).first()
    existing = Answer.objects.filter(question=question).first()
    if existing is None:
        try:
            with transaction.atomic():
                answer = Answer.objects.create(question=question, response=response,
                                               outcome=grade(question, response))
        except IntegrityError:  # answered at the same moment elsewhere (no row lock on SQLite)
            existing = Answer.objects.get(question=question)
        else:
            if not AttemptQuestion.objects.filter(attempt_id=question.attempt_id,
                                                  answer__isnull=True).exists():
                Attempt.objects.filter(pk=question.attempt_id, finished__isnull=True).update(
                    finished=timezone.now())
            question.answer = answer
            return Recorded(answer=answer, replay=False,
                            brought_back=misses.bring_back(question=question, answer=answer))
    if existing.response != response:
        raise AnswerConflict(existing)
    return Recorded(answer=existing, replay=True)


def attempts_of(learner: Learner | None) -> QuerySet[Attempt]:
    """The learner's attempts (none for a visitor who has stored nothing), newest first, with
    their question, answer and score counts."""
    if learner is None:
        return Attempt.objects.none()
    return Attempt.objects.filter(learner=learner).annotate(
        n_questions=Count("questions", distinct=True),
        n_answered=Count("questions__answer", distinct=True),
        n_correct=Count("questions__answer",
                        filter=~Q(questions__answer__outcome=Outcome.WRONG), distinct=True),
    ).prefetch_related("topics")


def unanswered_positions(attempt: Attempt) -> list[int]:
    return list(attempt.questions.filter(answer__isnull=True).values_list("position", flat=True))


def resume_position(attempt: Attempt) -> int | None:
    """Where to carry on: the first unanswered question (None when all are answered)."""
    positions = unanswered_positions(attempt)
    return positions[0] if positions else None


def next_position(attempt: Attempt, *, after: int) -> int | None:
    """The next unanswered question after `after`, else the first unanswered one, else None."""
    positions = unanswered_positions(attempt)
    later = [p for p in positions if p > after]
    return (later or positions or [None])[0]


@dataclass(frozen=True)
class RestoredAttempt:
    """An attempt from a backup, checked (backup.py) and not yet stored: unsaved rows."""

    key: int  # the attempt's key in the backup (its id where it was exported)
    attempt: Attempt
    topics: list[Topic]
    questions: list[tuple[AttemptQuestion, Answer | None]]


@transaction.atomic
def restore_attempts(*, learner: Learner, attempts: Sequence[RestoredAttempt]) -> dict[int, int]:
    """Store checked attempts for `learner` as they were, their times too; {backup key: new id}.
    Inserted in the backup's order, so their ids keep the order the originals had."""
    rows = [restored.attempt for restored in attempts]
    created = [row.created for row in rows]
    for row in rows:
        row.learner = learner
    Attempt.objects.bulk_create(rows, batch_size=500)
    for row, moment in zip(rows, created):
        row.created = moment  # bulk_create set auto_now_add's now
    Attempt.objects.bulk_update(rows, ["created"], batch_size=500)
    Chosen = Attempt.topics.through
    Chosen.objects.bulk_create([Chosen(attempt_id=restored.attempt.pk, topic_id=topic.pk)
                                for restored in attempts for topic in restored.topics], batch_size=500)
    questions, answers = [], []
    for restored in attempts:
        for question, answer in restored.questions:
            question.attempt = restored.attempt
            questions.append(question)
            if answer is not None:
                answer.question = question
                answers.append(answer)
    AttemptQuestion.objects.bulk_create(questions, batch_size=500)
    answered = [answer.answered for answer in answers]
    Answer.objects.bulk_create(answers, batch_size=500)
    for answer, moment in zip(answers, answered):
        answer.answered = moment
    Answer.objects.bulk_update(answers, ["answered"], batch_size=500)
    return {restored.key: restored.attempt.pk for restored in attempts}
