"""Grading: right, near or wrong, for each kind of question, from its snapshot alone.

A multiple-choice answer is right or wrong. A typed term is right when it is the term as the
card writes it (spaces around it and runs of spaces aside; the case of ordinary words is free,
the case of abbreviations such as LSTM or ReLU is not); it is near, and still scores, when it
differs only in case, spacing, hyphens, punctuation or a leading article, or by a small typo.
How small a typo may be grows with the term's length (NEAR_EDITS), counted by rapidfuzz's
Damerau-Levenshtein distance (a swap of two neighbouring letters is one edit); anything further
is wrong. An abbreviation (GRU, RNN-T) takes no typos: a letter off is another abbreviation.

The graders see the snapshot (kind, options, correct_option, accepted) and the response as the
form read it; one more kind of question is one more entry of GRADERS.
"""

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from rapidfuzz.distance import DamerauLevenshtein

from . import generation
from .models import Kind, Outcome
from .numeric import parse_numbers

# (longest term, in letters and digits, allowed that many edits): 1-3 none, 4-7 one, 8+ two.
NEAR_EDITS = ((3, 0), (7, 1))
MAX_EDITS = 2
_ARTICLE = re.compile(r"^(?:the|an|a)\s+", re.I)
_NOT_ALNUM = re.compile(r"[\W_]+")


class Snapshot(Protocol):
    kind: str
    options: list
    correct_option: int | None
    accepted: list
    params: dict


def allowed_edits(length: int) -> int:
    """How many edits a typed term of `length` letters may be away and still be near."""
    for longest, edits in NEAR_EDITS:
        if length <= longest:
            return edits
    return MAX_EDITS


def _words(text: str) -> list[str]:
    return text.split()


def _is_abbreviation(word: str) -> bool:
    """LSTM, ReLU, RNNs, RNN-T: one word with capitals after its first letter."""
    return len(word.split()) == 1 and any(char.isupper() for char in word[1:])


def _same_word(typed: str, expected: str) -> bool:
    """An ordinary word (gate, Update) matches in any case; an abbreviation only as written."""
    if _is_abbreviation(expected):
        return typed == expected
    return typed.casefold() == expected.casefold()


def _is_exact(typed: str, expected: str) -> bool:
    typed_words, expected_words = _words(typed), _words(expected)
    return len(typed_words) == len(expected_words) and all(
        _same_word(t, e) for t, e in zip(typed_words, expected_words))


def _squashed(text: str) -> str:
    """Letters and digits only, case folded, without a leading article: the form near misses
    are compared in."""
    return _NOT_ALNUM.sub("", _ARTICLE.sub("", text.strip()).casefold())


def grade_term(typed: str, accepted: Sequence[str]) -> Outcome:
    """Right, near or wrong for a typed term against the accepted answers."""
    if any(_is_exact(typed, answer) for answer in accepted):
        return Outcome.RIGHT
    squashed = _squashed(typed)
    if not squashed:
        return Outcome.WRONG
    for answer in accepted:
        target = _squashed(answer)
        if _is_abbreviation(answer):
            # A letter more or less makes another abbreviation (RNN-T, RNNs): no typos, but the
            # case, the punctuation and a plural s are free.
            if squashed.removesuffix("s") == target.removesuffix("s"):
                return Outcome.NEAR
            continue
        edits = allowed_edits(len(target))
        if DamerauLevenshtein.distance(squashed, target, score_cutoff=edits) <= edits:
            return Outcome.NEAR
    return Outcome.WRONG


def _grade_choice(question: Snapshot, response: str) -> Outcome:
    return Outcome.RIGHT if response == str(question.correct_option) else Outcome.WRONG


def _grade_term(question: Snapshot, response: str) -> Outcome:
    return grade_term(response, question.accepted)


def _grade_numeric(question: Snapshot, response: str) -> Outcome:
    """A typed calculation: right when every number is within the stated tolerance of the
    computed answer (the snapshot's params hold the generated question)."""
    generated = generation.GeneratedQuestion.from_dict(question.params)
    try:
        numbers = parse_numbers(response)
    except ValueError:
        return Outcome.WRONG
    return Outcome.RIGHT if generated.is_right(numbers) else Outcome.WRONG


def typed_mistake(question: Snapshot, response: str) -> str:
    """For a wrong typed calculation, the named mistake it matches as Markdown ("" if none)."""
    if question.kind != Kind.NUMERIC_TYPED or not response:
        return ""
    generated = generation.GeneratedQuestion.from_dict(question.params)
    try:
        numbers = parse_numbers(response)
    except ValueError:
        return ""
    if generated.is_right(numbers):
        return ""
    option = generation.matching_mistake(generated, numbers)
    return generation.mistake_markdown(option) if option else ""


GRADERS: dict[str, Callable[[Snapshot, str], Outcome]] = {
    Kind.CHOICE: _grade_choice,
    Kind.TERM: _grade_term,
    Kind.NUMERIC_CHOICE: _grade_choice,
    Kind.NUMERIC_TYPED: _grade_numeric,
}


def grade(question: Snapshot, response: str) -> Outcome:
    """The outcome of `response` (as AnswerForm read it; "" is "I don't know") to `question`."""
    if response == "":
        return Outcome.WRONG
    return GRADERS[question.kind](question, response)
