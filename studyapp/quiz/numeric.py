"""Reading a typed numeric answer: one number, or a vector in the notations people write.

Accepted: "0.5", "-1.25", "[0.5, 1.1]", "0.5 1.1", "0.5, 1.1", "(0.5; 1.1)", "{0.5, 1.1}",
".5", "1e-3", with "−" (U+2212, the typographic minus) or "–" for a minus sign. A comma always
separates two numbers and is never a decimal point ("0,5" is the two numbers 0 and 5); commas,
semicolons and spaces all separate; one pair of brackets around the whole is allowed.

Anything else raises ValueError with a message for the learner (ask again, do not count):
text that is not numbers, an empty answer, or (when the length is given) the wrong count.
"""

from __future__ import annotations

import math
import re

MAX_ANSWER_CHARS = 500
MAX_NUMBERS = 64
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-", "\ufe63": "-",
                        "\uff0d": "-", "\u00a0": " ", "\u202f": " "})
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SEPARATORS = re.compile(r"[\s,;]+")
_BRACKETS = {"[": "]", "(": ")", "{": "}"}


def parse_numbers(text: str, *, length: int | None = None) -> list[float]:
    """The numbers in `text`, in order. With `length`, exactly that many are required.

    Raises ValueError (a message to show) for anything that is not a list of numbers."""
    if not isinstance(text, str):
        raise ValueError("Type a number.")
    if len(text) > MAX_ANSWER_CHARS:
        raise ValueError(f"That answer is too long (at most {MAX_ANSWER_CHARS} characters).")
    body = text.translate(_MINUS).strip()
    if body[:1] in _BRACKETS:
        if not body.endswith(_BRACKETS[body[0]]):
            raise ValueError(f"The bracket {body[0]} is not closed.")
        body = body[1:-1].strip()
    tokens = [token for token in _SEPARATORS.split(body) if token]
    if not tokens:
        raise ValueError("Type a number" + ("." if length in (None, 1) else
                                            f", or {length} numbers separated by commas."))
    if len(tokens) > MAX_NUMBERS:
        raise ValueError(f"That is more than {MAX_NUMBERS} numbers.")
    numbers = []
    for token in tokens:
        if not _NUMBER.fullmatch(token):
            raise ValueError(f"“{token}” is not a number: write numbers like 0.5 or -1.25, "
                             f"separated by commas or spaces (a comma is never a decimal point).")
        value = float(token)
        if not math.isfinite(value):
            raise ValueError(f"“{token}” is too large.")
        numbers.append(value)
    if length is not None and len(numbers) != length:
        wanted = "one number" if length == 1 else f"{length} numbers (the vector's entries, in order)"
        raise ValueError(f"This answer is {wanted}; you typed {len(numbers)}.")
    return numbers
