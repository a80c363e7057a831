"""The typed-answer parser: accepted and rejected notations."""

import pytest

from studyapp.quiz.numeric import parse_numbers


@pytest.mark.parametrize("text,numbers", [
    ("0.5", [0.5]),
    ("  -1.25 ", [-1.25]),
    ("−0.5", [-0.5]),                    # U+2212
    ("–0.5", [-0.5]),                    # en dash
    ("+2", [2.0]),
    (".5", [0.5]),
    ("5.", [5.0]),
    ("1e-3", [0.001]),
    ("[0.5, 1.1]", [0.5, 1.1]),
    ("0.5 1.1", [0.5, 1.1]),
    ("0.5, 1.1", [0.5, 1.1]),
    ("0.5,1.1", [0.5, 1.1]),
    ("(0.5; 1.1)", [0.5, 1.1]),
    ("{0.5, −1.1}", [0.5, -1.1]),
    ("[ 0.5 ,  1.1 ]", [0.5, 1.1]),
    ("0,5", [0.0, 5.0]),                 # a comma always separates
    ("(7, 4, 32)", [7.0, 4.0, 32.0]),
    ("0.5\t1.1\n2", [0.5, 1.1, 2.0]),
])
def test_accepted(text, numbers):
    assert parse_numbers(text) == pytest.approx(numbers)


@pytest.mark.parametrize("text,message", [
    ("", "Type a number"),
    ("   ", "Type a number"),
    ("[]", "Type a number"),
    ("abc", "not a number"),
    ("0.5 x", "not a number"),
    ("1/2", "not a number"),
    ("0..5", "not a number"),
    ("[0.5, 1.1", "not closed"),
    ("1e999", "too large"),
    ("nan", "not a number"),
    ("inf", "not a number"),
    ("0x10", "not a number"),
    ("1" * 600, "too long"),
])
def test_rejected(text, message):
    with pytest.raises(ValueError, match=message):
        parse_numbers(text)


def test_length_is_checked_when_given():
    assert parse_numbers("0.5, 1.1", length=2) == [0.5, 1.1]
    with pytest.raises(ValueError, match="2 numbers"):
        parse_numbers("0.5", length=2)
    with pytest.raises(ValueError, match="one number"):
        parse_numbers("0.5 1", length=1)
    with pytest.raises(ValueError, match="2 numbers separated"):
        parse_numbers("", length=2)
