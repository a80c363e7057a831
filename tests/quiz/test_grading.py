"""Grading of every kind: multiple choice, and typed terms with rapidfuzz near misses."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from rapidfuzz.distance import DamerauLevenshtein

from studyapp.course.content import read_course, term_answers
from studyapp.quiz.grading import allowed_edits, grade, grade_term
from studyapp.quiz.models import Kind, Outcome

RIGHT, NEAR, WRONG = Outcome.RIGHT, Outcome.NEAR, Outcome.WRONG


def choice(correct):
    return SimpleNamespace(kind=Kind.CHOICE, options=[{"text": str(n)} for n in range(4)],
                           correct_option=correct, accepted=[])


def term(front):
    return SimpleNamespace(kind=Kind.TERM, options=[], correct_option=None, accepted=term_answers(front))


def test_multiple_choice_is_right_only_for_the_correct_position():
    question = choice(3)
    assert grade(question, "3") == RIGHT
    assert [grade(question, str(n)) for n in (1, 2, 4)] == [WRONG] * 3


def test_dont_know_is_wrong_for_every_kind():
    assert grade(choice(1), "") == WRONG
    assert grade(term("Update gate ($z_t$)"), "") == WRONG


def test_the_expected_term_drops_math_and_parentheses():
    assert term_answers("Update gate ($z_t$)") == ["Update gate"]
    assert term_answers("Candidate cell content ($g_t$, also written $\\tilde{c}_t$)") == ["Candidate cell content"]
    assert term_answers("Gradient clipping (by norm)") == ["Gradient clipping"]
    # A one-word aside is an alias (an abbreviation, or another name).
    assert term_answers("Gated Recurrent Unit (GRU)") == ["Gated Recurrent Unit", "GRU"]
    assert term_answers("Unfolding (unrolling) an RNN") == ["Unfolding an RNN", "unrolling"]
    assert term_answers("Weight matrices ($W_x$, $W_h$)") == ["Weight matrices"]
    assert term_answers("Hyperbolic tangent (tanh)") == ["Hyperbolic tangent", "tanh"]
    assert term_answers("Backpropagation through time (BPTT)") == ["Backpropagation through time", "BPTT"]
    # Any other aside is a qualifier, not an answer.
    assert term_answers("Peephole connections (LSTM)") == ["Peephole connections"]
    assert term_answers("ReLU (rectified linear unit)") == ["ReLU"]
    with pytest.raises(ValueError, match="no plain term"):
        term_answers("$h_t$")
    with pytest.raises(ValueError, match="not a short term"):
        term_answers("What is the main disadvantage of a bidirectional RNN?")


@pytest.mark.parametrize("typed, outcome", [
    ("Update gate", RIGHT),
    ("update gate", RIGHT),            # ordinary words: any case
    ("  update   gate ", RIGHT),       # surrounding and repeated spaces do not count
    ("UPDATE GATE", RIGHT),
    ("updategate", NEAR),              # spacing
    ("update-gate", NEAR),             # punctuation
    ("the update gate", NEAR),         # a leading article
    ("updte gate", NEAR),              # one letter missing
    ("upadte gate", NEAR),             # two letters swapped: one edit
    ("update gates", NEAR),
    ("reset gate", WRONG),
    ("output gate", WRONG),
    ("gate", WRONG),
    ("z_t", WRONG),
])
def test_term_recall_right_near_wrong(typed, outcome):
    assert grade(term("Update gate ($z_t$)"), " ".join(typed.split())) == outcome


@pytest.mark.parametrize("typed, outcome", [
    ("GRU", RIGHT), ("gru", NEAR), ("Gated Recurrent Unit", RIGHT), ("gated recurrent unit", RIGHT),
    ("gated recurent unit", NEAR), ("GRV", WRONG), ("LSTM", WRONG), ("RNN", WRONG),
])
def test_an_abbreviation_keeps_its_case_and_an_alias_counts(typed, outcome):
    assert grade(term("Gated Recurrent Unit (GRU)"), typed) == outcome


def test_an_abbreviation_takes_no_typo_but_its_plural_is_near():
    rnns = term("Recurrent Neural Networks (RNNs)")
    assert [grade(rnns, t) for t in ("RNNs", "rnns", "RNN", "RNN-T", "RNNz")] == [RIGHT, NEAR, NEAR, WRONG, WRONG]
    assert grade(term("RNN transducer (RNN-T)"), "RNNT") == NEAR
    assert grade(term("LSTM"), "LSMT") == WRONG


def test_near_miss_boundary_by_length():
    # The allowance grows with the term: none up to 3 letters, one up to 7, then two.
    assert [allowed_edits(n) for n in (1, 3, 4, 7, 8, 30)] == [0, 0, 1, 1, 2, 2]
    # 4-7 letters: one edit is near, two are wrong.
    assert grade_term("perplxity", ["Perplexity"]) == NEAR      # 10 letters, 1 edit
    assert grade_term("perplxty", ["Perplexity"]) == NEAR       # 2 edits
    assert grade_term("prplxty", ["Perplexity"]) == WRONG       # 3 edits
    assert grade_term("Sigmod", ["Sigma"]) == WRONG             # 2 edits on 5 letters
    assert grade_term("Sigmx", ["Sigma"]) == NEAR               # 1 edit on 5 letters
    assert grade_term("MSF", ["MSE"]) == WRONG                  # 3 letters: exact letters only
    assert grade_term("mse", ["MSE"]) == NEAR


def test_the_boundary_is_rapidfuzz_damerau_levenshtein():
    for typed, target in [("perplxty", "perplexity"), ("prplxty", "perplexity"), ("upadtegate", "updategate")]:
        distance = DamerauLevenshtein.distance(typed, target)
        expected = RIGHT if distance == 0 else NEAR if distance <= allowed_edits(len(target)) else WRONG
        assert grade_term(typed, [target]) == expected


COURSE_TERMS = [(card.slug, term_answers(card.front))
                for topic in read_course(settings.COURSE_DIR).topics for card in topic.cards if card.term]


def test_the_course_marks_short_terms():
    assert len(COURSE_TERMS) >= 40
    slugs = dict(COURSE_TERMS)
    assert slugs["gru-update-gate"] == ["Update gate"]
    assert slugs["lstm-forget-gate"] == ["Forget gate"]


def test_no_course_term_is_accepted_for_another_one():
    """Every term card's own answers are right; no other card's term is even near."""
    for slug, answers in COURSE_TERMS:
        for answer in answers:
            assert grade_term(answer, answers) == RIGHT, (slug, answer)
        for other_slug, other in COURSE_TERMS:
            if other[0].casefold() == answers[0].casefold():
                continue  # the same term on two cards (hidden state in two topics)
            for answer in other:
                assert grade_term(answer, answers) == WRONG, (slug, other_slug, answer)
