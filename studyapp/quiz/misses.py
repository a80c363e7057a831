"""Misses come back: a question answered wrong makes its related flashcards due now in the
learner's review queue, through `studyapp.review.scheduling` (quiz's one door into review).

Which cards: a course question's own `cards` (named in the fixtures); a term question's card is
the card it was made from; where none is named (a question without `cards`, a generated one),
the topic's cards with the lowest retrievability for this learner stand in
(`scheduling.weakest_cards`, STAND_INS of them). Near answers are not misses; "I don't know" is.
The review app records each as a `quiz_miss` log entry naming the attempt, and does nothing when
the learner turned `quiz_misses` off in the review settings.
"""

from datetime import datetime

from django.utils import timezone

from studyapp.course.models import Flashcard, Question
from studyapp.review import scheduling

from .models import Answer, Attempt, AttemptQuestion, Kind, Outcome

STAND_INS = 3


def related_cards(*, question: AttemptQuestion, now: datetime) -> list[Flashcard]:
    """The flashcards a miss of `question` brings back (live ones, in course order)."""
    learner = question.attempt.learner
    if question.kind == Kind.TERM:
        cards = list(Flashcard.objects.live().filter(slug=question.source_slug))
    elif question.kind == Kind.CHOICE:
        source = Question.objects.filter(slug=question.source_slug).first()
        cards = list(source.cards.live().order_by("topic__order", "position")) if source else []
    else:
        cards = []
    if cards:
        return cards
    return scheduling.weakest_cards(learner=learner, topic=question.topic, now=now, count=STAND_INS)


def bring_back(*, question: AttemptQuestion, answer: Answer, now: datetime | None = None) -> tuple:
    """After a new answer: a miss makes its related cards due now. The cards brought forward."""
    if answer.outcome != Outcome.WRONG:
        return ()
    now = now or timezone.now()
    learner = question.attempt.learner
    if not scheduling.settings_for(learner=learner).quiz_misses:
        return ()
    outcomes = scheduling.bring_forward(learner=learner, flashcards=related_cards(question=question, now=now),
                                        attempt_id=question.attempt_id, now=now)
    return tuple(outcome.entry.flashcard for outcome in outcomes)


def brought_back(*, attempt: Attempt, question: AttemptQuestion | None = None) -> list[Flashcard]:
    """The cards this attempt's misses (or, given `question`, that question's miss) brought
    forward, entries not undone, in course order."""
    cards = scheduling.cards_brought_forward_by(learner=attempt.learner, attempt_id=attempt.pk)
    if question is None:
        return cards
    related = set(related_cards(question=question, now=timezone.now()))
    return [card for card in cards if card in related]


