"""Parse the source documents (../shared/seeds/) into their numbered lists of items.

000: "Questions and Answers" (each question printed twice; the first three with their options,
"(correct)" marking the answer), "Flashcards" (each front printed twice, then its back or a
sign-up wall), then "Study Notes". 002: the encyclopedia page's questions (lines ending in "?").
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

SEEDS = Path(os.environ.get("SEEDS_DIR", Path(__file__).resolve().parents[3] / "shared" / "seeds"))
SIGNUP_WALL = "Signup and view all the flashcards"


@dataclass
class SourceQuestion:
    text: str
    options: list = field(default_factory=list)  # (text, correct) pairs, where the source gives them


@dataclass
class SourceCard:
    front: str
    back: str = ""  # empty where the source hid it behind its sign-up wall


def seed_file(prefix):
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


def _section(lines, start, end):
    return lines[lines.index(start) + 1 : lines.index(end)]


def _entries(block):
    """(heading, lines under it): each entry's heading is printed twice in a row."""
    entries = []
    i = 0
    while i < len(block):
        if i + 1 < len(block) and block[i] == block[i + 1]:
            entries.append((block[i], []))
            i += 2
        else:
            entries[-1][1].append(block[i])
            i += 1
    return entries


def parse_000():
    lines = [line.rstrip() for line in seed_file("000").read_text(encoding="utf-8").splitlines()]
    questions = []
    for text, rest in _entries(_section(lines, "Questions and Answers", "Flashcards")):
        question = SourceQuestion(text)
        for line in rest:
            if not line.startswith("- "):
                raise ValueError(f"unexpected line in 000's questions: {line!r}")
            option = line[2:]
            question.options.append((option.removesuffix(" (correct)"), option.endswith(" (correct)")))
        questions.append(question)
    cards = [
        SourceCard(front, back=" ".join(line for line in rest if line != SIGNUP_WALL))
        for front, rest in _entries(_section(lines, "Flashcards", "Study Notes"))
    ]
    return questions, cards


def parse_002():
    text = seed_file("002").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if re.match(r"^\s*(What|How)\b.*\?\s*$", line)]


def normalise(text):
    """Letters and digits only, lower case: compares texts across LaTeX repairs and clean-ups."""
    text = re.sub(r"\\(begin|end)\{[a-z]*matrix\}", "", text)
    text = re.sub(r"\\[a-zA-Z]+", "", text)  # LaTeX commands (\tilde, \begin ...)
    return re.sub(r"[^a-z0-9]", "", text.lower())
