"""The language model's training text: one topic's notes as plain text.

Markdown markup is dropped (headings, emphasis, links keep their words), display math is left
out and inline math kept as plain text (`$h_t = \\tanh(W_h h_{t-1})$` -> `h_t = tanh(W_h h_t-1)`),
and the characters are folded to printable ASCII plus newlines, so the vocabulary stays small
(under rnncore's 128 characters) and every sampled character is one a learner can read.
"""

from __future__ import annotations

import re
import unicodedata

from studyapp.course.models import Note, Topic

from .bounds import MAX_TEXT_CHARS

BUILTIN_TEXT = "rnn-paragraph"     # rnncore's own paragraph about RNNs, instead of a topic

_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"\$([^$\n]+)\$")
_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.M)
_LIST_MARK = re.compile(r"^[ \t]*(?:[-*+]|\d+\.)[ \t]+", re.M)
_TABLE_RULE = re.compile(r"^[ \t]*\|?\s*:?-{3,}.*$", re.M)
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_FOLD = {"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'",
         "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u00d7": "x", "\u2192": "->",
         "\u00a0": " "}


_COMMANDS = {"mathbb": "", "mathbf": "", "mathrm": "", "mathcal": "", "text": "", "left": "",
             "right": "", "frac": "", "cdot": ".", "times": "x", "approx": "~", "odot": "o",
             "tilde": "~", "hat": "^", "leq": "<=", "geq": ">=", "neq": "!=", "to": "->",
             "partial": "d", "quad": " ", ",": " "}


def _plain_math(latex: str) -> str:
    text = _LATEX_COMMAND.sub(lambda m: _COMMANDS.get(m.group(1), m.group(1)), latex)
    return text.replace("{", "").replace("}", "").replace("\\", "")


def plain_text(markdown: str) -> str:
    """A note body (Markdown with LaTeX) as plain ASCII prose."""
    text = _DISPLAY_MATH.sub(" ", markdown)
    text = _INLINE_MATH.sub(lambda m: _plain_math(m.group(1)), text)
    text = _LINK.sub(r"\1", text)
    text = _HEADING.sub("", text)
    text = _TABLE_RULE.sub("", text)
    text = _LIST_MARK.sub("", text)
    text = _EMPHASIS.sub("", text).replace("|", " ")
    text = "".join(_FOLD.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if ch == "\n" or " " <= ch <= "~")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def topic_choices() -> list[tuple[str, str]]:
    """(slug, title) of the live topics that have notes, in course order."""
    with_notes = Note.objects.live().values("topic")
    return list(Topic.objects.live().filter(pk__in=with_notes).values_list("slug", "title"))


def topic_text(topic_slug: str) -> str:
    """A live topic's notes, in order, as one plain text (at most MAX_TEXT_CHARS characters).
    ValueError when the topic does not exist or has no notes."""
    bodies = Note.objects.live().filter(topic__slug=topic_slug).values_list("title", "body")
    if not bodies:
        raise ValueError(f"topic {topic_slug!r} has no notes to train on")
    text = "\n\n".join(f"{title}\n{plain_text(body)}" for title, body in bodies)
    return text[:MAX_TEXT_CHARS]
