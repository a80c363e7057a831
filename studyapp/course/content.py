"""Read and validate the course files in fixtures/ (TOML, one file per topic).

Pure Python, no database: `read_course(directory)` returns a `Course` or raises `ContentError`
naming the file and the item. The loader (loading.py) writes a valid Course to the database.
The format is described in fixtures/README.md.

    python -m studyapp.course.content fixtures     # validate, print a summary
"""

import re
import sys
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from .rendering import MathError, render_inline, render_markdown

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_QUESTION_CARDS = 3  # a question names up to three related flashcards (`cards = [...]`)
SOURCE_REF = re.compile(r"^[A-Z][0-9]+$")
MIN_OPTIONS, MAX_OPTIONS = 2, 6
_CODE = re.compile(r"<code>.*?</code>", re.S)


# A term card's front, read as the answer to type: its math and its parenthesised asides removed.
_MATH_SPAN = re.compile(r"\$\$.*?\$\$|\$.*?\$", re.S)
_ASIDE = re.compile(r"\(([^()]*)\)")
MAX_TERM_WORDS, MAX_TERM_CHARS = 6, 60


def _abbreviates(short, term):
    """Whether `short` is written with letters of `term` in their order (BPTT, GRU, MSE)."""
    letters = iter(term.casefold())
    return all(char in letters for char in short.casefold() if char.isalnum())


def term_answers(front):
    """The answers a term card accepts when its definition is shown: the front without its math
    or parentheses first ("Update gate ($z_t$)" -> "Update gate"), then a one-word aside that
    names the same thing: an abbreviation of the term ("Gated Recurrent Unit (GRU)" -> "GRU") or
    another name in lower case ("Hyperbolic tangent (tanh)" -> "tanh"). Any other aside is a
    qualifier ("Peephole connections (LSTM)"). Raises ValueError when no short term is left
    (the card is not a term card)."""
    plain = _MATH_SPAN.sub(" ", front).replace("*", "").replace("`", "")
    term = " ".join(_ASIDE.sub(" ", plain).split()).strip(" ,;:.")
    if not term or "$" in term or "(" in term or ")" in term:
        raise ValueError(f"its front {front!r} leaves no plain term once math and parentheses go")
    if len(term.split()) > MAX_TERM_WORDS or len(term) > MAX_TERM_CHARS:
        raise ValueError(f"{term!r} is not a short term (at most {MAX_TERM_WORDS} words, "
                         f"{MAX_TERM_CHARS} characters)")
    aliases = []
    for aside in (aside.strip() for aside in _ASIDE.findall(plain)):
        if (len(aside.split()) == 1 and re.search(r"\w", aside) and aside.casefold() != term.casefold()
                and (aside.islower() or _abbreviates(aside, term))):
            aliases.append(aside)
    return [term, *aliases]


class ContentError(ValueError):
    def __init__(self, path, item, message):
        self.path, self.item, self.message = path, item, message
        where = f"{path}" + (f" [{item}]" if item else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Source:
    """A seed document (`file`, a file in shared/seeds/) or a list of references (`cites`:
    the textbook chapters, papers and documentation that items beyond the seeds rest on)."""

    key: str
    title: str
    filename: str = ""
    cites: tuple = ()

    @property
    def is_reference(self):
        return bool(self.cites)


@dataclass(frozen=True)
class Note:
    slug: str
    title: str
    body: str
    source: str


@dataclass(frozen=True)
class Card:
    slug: str
    front: str
    back: str
    source: str
    source_ref: str = ""
    term: bool = False


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool


@dataclass(frozen=True)
class Question:
    slug: str
    text: str
    explanation: str
    source: str
    options: tuple
    source_ref: str = ""
    cards: tuple = ()  # slugs of the related flashcards a miss brings back (any topic's)


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    order: int
    summary: str
    path: str
    notes: tuple = ()
    cards: tuple = ()
    questions: tuple = ()


@dataclass
class Course:
    sources: dict = field(default_factory=dict)
    topics: list = field(default_factory=list)


# Keys each kind of table takes: required, then optional.
TOPIC_KEYS = ({"slug", "title", "order", "summary"}, {"notes", "cards", "questions"})
NOTE_KEYS = ({"slug", "title", "body", "source"}, set())
CARD_KEYS = ({"slug", "front", "back", "source"}, {"source_ref", "term"})
QUESTION_KEYS = ({"slug", "text", "explanation", "source", "options"}, {"source_ref", "cards"})
OPTION_KEYS = ({"text"}, {"correct"})
SOURCE_KEYS = ({"title"}, {"file", "cites"})


class _Reader:
    """Validates one file; every error names the file and the item."""

    def __init__(self, path, sources):
        self.path, self.sources = path, sources

    def fail(self, item, message):
        raise ContentError(self.path, item, message)

    def keys(self, table, allowed, item):
        required, optional = allowed
        if not isinstance(table, dict):
            self.fail(item, "expected a table")
        missing = sorted(required - table.keys())
        unknown = sorted(table.keys() - required - optional)
        if missing:
            self.fail(item, f"missing key(s): {', '.join(missing)}")
        if unknown:
            self.fail(item, f"unknown key(s): {', '.join(unknown)}")

    def text(self, table, key, item, inline=False):
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(item, f"'{key}' must be non-empty text")
        try:
            html = (render_inline if inline else render_markdown)(value)
        except MathError as exc:
            self.fail(item, f"'{key}': {exc}")
        if "$" in _CODE.sub("", html):
            self.fail(item, f"'{key}': a '$' was left as text (unclosed or unparsed math)")
        return value.strip()

    def slug(self, table, item):
        slug = table["slug"]
        if not isinstance(slug, str) or not SLUG.match(slug):
            self.fail(item, f"slug {slug!r} must be lowercase letters, digits and single hyphens")
        return slug

    def source(self, table, item):
        key = table["source"]
        if key not in self.sources:
            self.fail(item, f"source {key!r} is not in sources.toml ({', '.join(self.sources)})")
        ref = table.get("source_ref", "")
        if ref and not SOURCE_REF.match(ref):
            self.fail(item, f"source_ref {ref!r} must look like Q12 or F3")
        if ref and self.sources[key].is_reference:
            self.fail(item, f"source_ref {ref!r}: source {key!r} is a list of references, not a numbered list")
        return key, ref

    @staticmethod
    def label(kind, n, table):
        """How an error names an item: its kind, position and, when it has one, its slug."""
        slug = table.get("slug") if isinstance(table, dict) else None
        return f"{kind} #{n}" + (f" {slug!r}" if slug else "")

    def items(self, data, key, item):
        value = data.get(key, [])
        if not isinstance(value, list):
            self.fail(item, f"'{key}' must be an array of tables ([[{key}]])")
        return value

    def note(self, table, n):
        item = self.label("notes", n, table)
        self.keys(table, NOTE_KEYS, item)
        return Note(
            slug=self.slug(table, item),
            title=self.text(table, "title", item, inline=True),
            body=self.text(table, "body", item),
            source=self.source(table, item)[0],
        )

    def card(self, table, n):
        item = self.label("cards", n, table)
        self.keys(table, CARD_KEYS, item)
        source, ref = self.source(table, item)
        front = self.text(table, "front", item)
        term = table.get("term", False)
        if not isinstance(term, bool):
            self.fail(item, "'term' must be true or false")
        if term:
            try:
                term_answers(front)
            except ValueError as exc:
                self.fail(item, f"term = true, but {exc}")
        return Card(
            slug=self.slug(table, item),
            front=front,
            back=self.text(table, "back", item),
            source=source,
            source_ref=ref,
            term=term,
        )

    def question(self, table, n):
        item = self.label("questions", n, table)
        self.keys(table, QUESTION_KEYS, item)
        source, ref = self.source(table, item)
        raw_options = self.items(table, "options", item)
        if not MIN_OPTIONS <= len(raw_options) <= MAX_OPTIONS:
            self.fail(item, f"has {len(raw_options)} options; give {MIN_OPTIONS} to {MAX_OPTIONS}")
        options = []
        for k, raw in enumerate(raw_options, 1):
            self.keys(raw, OPTION_KEYS, f"{item} option {k}")
            correct = raw.get("correct", False)
            if not isinstance(correct, bool):
                self.fail(f"{item} option {k}", "'correct' must be true or false")
            text = self.text(raw, "text", f"{item} option {k}", inline=True)
            options.append(Option(text=text, correct=correct))
        n_correct = sum(option.correct for option in options)
        if n_correct != 1:
            what = "no correct option" if n_correct == 0 else f"{n_correct} correct options"
            self.fail(item, f"has {what}; exactly one option needs correct = true")
        texts = [option.text for option in options]
        if len(set(texts)) != len(texts):
            self.fail(item, "two options have the same text")
        cards = table.get("cards", [])
        if not isinstance(cards, list) or not all(isinstance(c, str) and SLUG.match(c) for c in cards):
            self.fail(item, "'cards' must be a list of flashcard slugs, e.g. cards = [\"gru-update-gate\"]")
        if len(cards) > MAX_QUESTION_CARDS:
            self.fail(item, f"names {len(cards)} cards; at most {MAX_QUESTION_CARDS}")
        if len(set(cards)) != len(cards):
            self.fail(item, "names the same card twice in 'cards'")
        return Question(
            slug=self.slug(table, item),
            text=self.text(table, "text", item),
            explanation=self.text(table, "explanation", item),
            source=source,
            source_ref=ref,
            options=tuple(options),
            cards=tuple(cards),
        )

    def topic(self, data):
        self.keys(data, TOPIC_KEYS, "topic")
        if not isinstance(data["order"], int):
            self.fail("topic", "'order' must be an integer")
        return Topic(
            slug=self.slug(data, "topic"),
            title=self.text(data, "title", "topic", inline=True),
            order=data["order"],
            summary=self.text(data, "summary", "topic", inline=True),
            path=str(self.path),
            notes=tuple(self.note(t, n) for n, t in enumerate(self.items(data, "notes", "topic"), 1)),
            cards=tuple(self.card(t, n) for n, t in enumerate(self.items(data, "cards", "topic"), 1)),
            questions=tuple(
                self.question(t, n) for n, t in enumerate(self.items(data, "questions", "topic"), 1)
            ),
        )


def _load_toml(path):
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, "", f"not valid TOML: {exc}") from exc


def read_sources(path):
    """sources.toml: each key is a seed (`file = "..."`) or a reference list (`cites = [...]`)."""
    reader = _Reader(path, {})
    sources = {}
    for key, table in _load_toml(path).items():
        item = f"source {key!r}"
        reader.keys(table, SOURCE_KEYS, item)
        if ("file" in table) == ("cites" in table):
            reader.fail(item, "give either 'file' (a seed document) or 'cites' (a list of references)")
        if not isinstance(table["title"], str) or not table["title"].strip():
            reader.fail(item, "'title' must be non-empty text")
        cites = table.get("cites", [])
        if "cites" in table and (
            not isinstance(cites, list) or not cites
            or not all(isinstance(c, str) and c.strip() for c in cites)
        ):
            reader.fail(item, "'cites' must be a non-empty list of non-empty texts")
        if "file" in table and (not isinstance(table["file"], str) or not table["file"].strip()):
            reader.fail(item, "'file' must be non-empty text")
        sources[key] = Source(key=key, title=table["title"], filename=table.get("file", ""),
                              cites=tuple(c.strip() for c in cites))
    return sources


def read_course(directory):
    """Read `directory`/sources.toml and every `directory`/course/*.toml into a Course."""
    directory = Path(directory)
    course = Course(sources=read_sources(directory / "sources.toml"))
    files = sorted((directory / "course").glob("*.toml"))
    if not files:
        raise ContentError(directory / "course", "", "no topic files (*.toml)")
    for path in files:
        topic = _Reader(path, course.sources).topic(_load_toml(path))
        # Stored with the topic: the file relative to the course folder, wherever that lives.
        course.topics.append(replace(topic, path=path.relative_to(directory).as_posix()))
    _check_unique(course, directory)
    _check_question_cards(course, directory)
    course.topics.sort(key=lambda topic: (topic.order, topic.slug))
    return course


def _items(topic):
    """(kind, item) for the topic itself and each of its notes, cards and questions."""
    yield "topic", topic
    for kind in ("notes", "cards", "questions"):
        for item in getattr(topic, kind):
            yield kind, item


def _check_unique(course, directory):
    """Slugs are unique per kind across the course; a source item appears once."""
    seen = {}
    for topic in course.topics:
        for kind, item in _items(topic):
            ref = getattr(item, "source_ref", "")
            claims = [((kind, item.slug), "duplicate slug")]
            if ref:
                claims.append(((item.source, ref), f"source_ref {item.source} {ref} is used twice"))
            for key, problem in claims:
                if key in seen:
                    raise ContentError(directory / topic.path, f"{kind} {item.slug!r}",
                                       f"{problem} (also in {seen[key]})")
                seen[key] = topic.path


def _check_question_cards(course, directory):
    """Every card a question names in `cards` is a flashcard of the course (of any topic)."""
    slugs = {card.slug for topic in course.topics for card in topic.cards}
    for topic in course.topics:
        for question in topic.questions:
            for slug in question.cards:
                if slug not in slugs:
                    raise ContentError(directory / topic.path, f"questions {question.slug!r}",
                                       f"'cards' names {slug!r}, which is not a flashcard of the course")


def main(argv):
    directory = argv[1] if len(argv) > 1 else "fixtures"
    if directory.rstrip("/").endswith("course"):
        directory = str(Path(directory).parent)
    try:
        course = read_course(directory)
    except ContentError as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 1
    for topic in course.topics:
        print(f"{topic.order:4d} {topic.slug:32s} notes {len(topic.notes):2d}  "
              f"cards {len(topic.cards):3d}  questions {len(topic.questions):3d}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
