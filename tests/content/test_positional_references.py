"""No question refers to an option by its position: quizzes shuffle the options.

"The fourth option", "option 3", "(b)", "the last two options" or "all of the above" mean
nothing once the options are shuffled; an explanation names the option by what it says.
"""

import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

TOPIC_FILES = sorted(Path(settings.COURSE_DIR, "course").glob("*.toml"))

_ORDINAL = r"(?:first|second|third|fourth|fifth|sixth|last|final|1st|2nd|3rd|4th|5th|6th)"
_OPTION = r"(?:options?|answers?|choices?|alternatives?|distractors?)"
POSITIONAL = [
    # "the fourth option", "the last two options", "the second answer"
    re.compile(rf"\b{_ORDINAL}(?:\s+(?:two|three|four))?\s+{_OPTION}\b", re.I),
    # an ordinal standing for an option: "The third also swaps them", "the fourth lists ..."
    re.compile(
        rf"\bthe\s+{_ORDINAL}(?:\s+(?:two|three))?\s*(?:[,;:]|\s(?:also|is|are|lists|says|states|"
        r"gives|describes|confuses|reverses|swaps|mixes|claims|uses|assumes|forgets|adds|"
        r"multiplies|one|ones)\b)",
        re.I,
    ),
    # "option 3", "option #2", "option (b)", "answer C", "options 2 and 3"
    re.compile(rf"\b{_OPTION}\s*(?:#\s*)?\(?(?:\d|[a-f]\b|[A-F]\b)", re.I),
    # "(a)", "(b)", "(iii)" as option labels, or "a)" at the start of a line
    re.compile(r"\((?:[a-fA-F]|i{1,3}|iv|v|vi)\)"),
    re.compile(r"(?m)^\s*[a-fA-F]\)"),
    # "all of the above", "none of the above", "both of the above", "the one below"
    re.compile(r"\b(?:all|none|both|either|neither|each|any|one)\s+of\s+the\s+(?:above|below)\b", re.I),
    re.compile(r"\b(?:the\s+)?(?:options?|answers?|choices?|ones?)\s+(?:above|below)\b", re.I),
]

_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)
_CODE = re.compile(r"`[^`]*`")


def prose(text):
    """The text without its math and code, where (a) or f(a) are not labels."""
    return _CODE.sub(" ", _MATH.sub(" ", text))


def positional_references(text):
    text = prose(text)
    return [match.group() for pattern in POSITIONAL for match in pattern.finditer(text)]


def question_fields(path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for question in data.get("questions", []):
        yield question["slug"], "text", question["text"]
        yield question["slug"], "explanation", question["explanation"]
        for k, option in enumerate(question.get("options", []), 1):
            yield question["slug"], f"option {k}", option["text"]


@pytest.mark.parametrize("path", TOPIC_FILES, ids=lambda p: p.name)
def test_no_question_refers_to_an_option_by_its_position(path):
    found = [
        f"{slug} ({field}): {hits}"
        for slug, field, text in question_fields(path)
        if (hits := positional_references(text))
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("text", [
    "The fourth option lists applications.",
    "The first option reverses the roles.",
    "The third also swaps them.",
    "The fourth lists applications (NLP, speech, video).",
    "so the last two options describe LSTM components.",
    "Option 3 forgets the bias.",
    "Answer C adds the bias twice.",
    "(b) multiplies by the bias.",
    "b) multiplies by the bias.",
    "All of the above.",
    "The second answer forgets the bias.",
])
def test_positional_phrasings_are_caught(text):
    assert positional_references(text), text


@pytest.mark.parametrize("text", [
    "Each of the other options transposes at least one of the two matrices.",
    "Conditioning on the first element only is not the Markov property.",
    "So at the first time step, with $h_0 = 0$, the recurrent term contributes nothing.",
    "$\\begin{bmatrix} 0.5 \\\\ 0.7 \\end{bmatrix}$ is the first column of $W_h$.",
    "Dropping the first term ignores the loss at step $t$ itself.",
    "A single binary cross-entropy on the last frame could only score one decision.",
    "The paths give $P(a) = 0.6$ and $P(-) = 0.4$ at frame 1.",
    "The backward RNN starts from the last input frame.",
    "The output is produced by a third matrix, $W_y$.",
])
def test_ordinary_prose_is_not_flagged(text):
    assert not positional_references(text), positional_references(text)
