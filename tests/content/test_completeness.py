"""Every source item is in the course, once, with its text kept (parsed from the seeds themselves)."""

import difflib
from pathlib import Path

import pytest
from django.conf import settings

from studyapp.course.content import read_course

from .seeds import SEEDS, SIGNUP_WALL, normalise, parse_000, parse_002

COURSE = read_course(settings.COURSE_DIR)
QUESTIONS = [(t, q) for t in COURSE.topics for q in t.questions]
CARDS = [(t, c) for t in COURSE.topics for c in t.cards]
SOURCE_QUESTIONS, SOURCE_CARDS = parse_000()
ENCYCLOPEDIA_QUESTIONS = parse_002()

REQUIRED_TOPICS = [
    "sequences", "feedforward-vs-recurrent", "hidden-state", "rnn-architectures", "bptt",
    "activation-functions", "loss-functions", "vanishing-exploding-gradients", "lstm", "gru",
    "bidirectional-rnns", "deep-rnns", "applications", "rnns-and-transformers",
]


def same_text(ours, source):
    a, b = normalise(ours), normalise(source)
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.9


def by_ref(items, source, ref):
    found = [(topic, item) for topic, item in items if item.source == source and item.source_ref == ref]
    assert len(found) == 1, f"{source} {ref}: found {len(found)} items"
    return found[0]


def test_seed_lists_have_their_known_sizes():
    assert (len(SOURCE_QUESTIONS), len(SOURCE_CARDS), len(ENCYCLOPEDIA_QUESTIONS)) == (45, 44, 20)


def test_course_has_the_topics_in_order():
    slugs = [topic.slug for topic in COURSE.topics]
    assert slugs == REQUIRED_TOPICS


@pytest.mark.parametrize("number", range(1, 46))
def test_every_source_question_is_present_with_its_text(number):
    source = SOURCE_QUESTIONS[number - 1]
    _, question = by_ref(QUESTIONS, "000", f"Q{number}")
    assert same_text(question.text, source.text), (question.text, source.text)
    assert len(question.options) == 4
    assert sum(option.correct for option in question.options) == 1


@pytest.mark.parametrize("number", [1, 2, 3])
def test_the_source_answers_are_kept(number):
    source = SOURCE_QUESTIONS[number - 1]
    _, question = by_ref(QUESTIONS, "000", f"Q{number}")
    assert [(o.text, o.correct) for o in question.options] == source.options


@pytest.mark.parametrize("number", range(1, 45))
def test_every_source_flashcard_is_present(number):
    source = SOURCE_CARDS[number - 1]
    _, card = by_ref(CARDS, "000", f"F{number}")
    assert same_text(card.front, source.front), (card.front, source.front)
    if source.back:  # the three backs the source shows are kept
        assert normalise(source.back) in normalise(card.back)


@pytest.mark.parametrize("number", range(1, 21))
def test_every_encyclopedia_question_is_a_card(number):
    source = ENCYCLOPEDIA_QUESTIONS[number - 1]
    _, card = by_ref(CARDS, "002", f"Q{number}")
    assert same_text(card.front, source), (card.front, source)


def test_the_false_premise_is_corrected():
    _, card = by_ref(CARDS, "002", "Q13")  # "the forget gate in a GRU"
    back = card.back.lower()
    assert "no forget gate" in back or "no separate forget gate" in back or "does not have a forget gate" in back
    assert "z_t" in card.back


@pytest.mark.parametrize("topic", ["rnn-architectures", "bidirectional-rnns", "deep-rnns"])
def test_the_notes_of_003_are_cards(topic):
    cards = [c for t, c in CARDS if t.slug == topic and c.source == "003"]
    assert len(cards) >= 2


def test_architectures_are_all_covered():
    text = " ".join(normalise(c.front + c.back) for t, c in CARDS if t.slug == "rnn-architectures")
    for name in ["onetoone", "onetomany", "manytoone", "manytomany"]:
        assert name in text


@pytest.mark.parametrize("topic", COURSE.topics, ids=lambda t: t.slug)
def test_every_topic_has_notes_cards_and_questions(topic):
    assert len(topic.notes) >= 2 and len(topic.cards) >= 4 and len(topic.questions) >= 3


def test_no_scraping_debris_anywhere():
    for path in Path(settings.COURSE_DIR).rglob("*.toml"):
        text = path.read_text(encoding="utf-8")
        for debris in (SIGNUP_WALL, "Signup", "â‹", "Ã", "ðŸ", "Studying That Suits You"):
            assert debris not in text, f"{path.name}: {debris!r}"


def test_correct_answers_are_spread_over_positions():
    positions = [next(i for i, o in enumerate(q.options) if o.correct) for _, q in QUESTIONS]
    counts = [positions.count(i) for i in range(4)]
    assert min(counts) >= len(positions) // 8, counts


def test_every_seed_source_has_its_file():
    seeds = [source for source in COURSE.sources.values() if not source.is_reference]
    assert {source.key for source in seeds} == {"000", "001", "002", "003"}
    for source in seeds:
        assert (SEEDS / source.filename).is_file(), source.filename


def test_the_references_say_what_they_cite():
    references = COURSE.sources["ref"]
    assert references.is_reference and not references.filename
    assert all(":" in cite for cite in references.cites), "each reference says what it is cited for"


def cited_names():
    """The first name of each cited work: 'Goodfellow', 'Williams', ..., 'PyTorch'."""
    return {part.strip().split()[0].rstrip(",") for cite in COURSE.sources["ref"].cites for part in cite.split(";")}


ITEMS = [(t, kind, item) for t in COURSE.topics for kind in ("notes", "cards", "questions") for item in getattr(t, kind)]


def item_text(item):
    fields = ("title", "body", "front", "back", "text", "explanation")
    text = " ".join(getattr(item, name, "") for name in fields)
    return text + " ".join(option.text for option in getattr(item, "options", ()))


@pytest.mark.parametrize("topic, kind, item", [i for i in ITEMS if i[2].source == "ref"],
                         ids=lambda value: getattr(value, "slug", value) if not isinstance(value, str) else value)
def test_an_item_from_the_references_names_its_reference(topic, kind, item):
    assert not getattr(item, "source_ref", "")
    assert any(name in item_text(item) for name in cited_names()), (item.slug, sorted(cited_names()))


# Coverage beyond the seeds (issue 10): (topic, what must be covered, in which kinds of item).
COVERAGE = [
    ("rnn-architectures", ["teacher forcing", "exposure bias"], ("notes", "cards", "questions")),
    ("rnn-architectures", ["bottleneck", "attention", "bahdanau"], ("notes", "cards")),
    ("loss-functions", ["mask", "ignore_index", "pack_padded_sequence"], ("notes", "cards")),
    ("loss-functions", ["mask", "real tokens"], ("questions",)),
    ("hidden-state", ["h_n", "output", "batch_first", "nn.lstm"], ("notes", "cards", "questions")),
    ("bptt", ["checkpoint", "williams and peng", r"\tau_1", r"\tau_2"], ("notes",)),
]


@pytest.mark.parametrize("topic_slug, terms, kinds", COVERAGE, ids=[f"{c[0]}:{c[1][0]}" for c in COVERAGE])
def test_coverage_beyond_the_seeds(topic_slug, terms, kinds):
    (topic,) = [t for t in COURSE.topics if t.slug == topic_slug]
    for kind in kinds:
        assert any(all(term in item_text(item).lower() for term in terms) for item in getattr(topic, kind)), (kind, terms)


def test_every_question_names_one_to_three_related_cards_mostly_of_its_topic():
    """A quiz miss brings the question's cards back (issue 17): every question names some."""
    for topic in COURSE.topics:
        own = {card.slug for card in topic.cards}
        for question in topic.questions:
            assert 1 <= len(question.cards) <= 3, question.slug
            assert set(question.cards) & own, question.slug
