"""The course's flashcards as an Anki deck (.apkg, built with genanki).

One deck "RNN study" with a subdeck per topic ("RNN study::GRU", Anki's `::`); a note per live
flashcard with the fields Front, Back and Topic, as HTML rendered from the course's Markdown with
its formulas left as LaTeX in Anki's MathJax delimiters, \\( .. \\) inline and \\[ .. \\] for
display (Anki typesets those itself; the site's MathML would not survive Anki's editor). Note guids
come from the card slugs (`genanki.guid_for`), and the model and deck ids are fixed constants, so
importing a newer deck into Anki updates the notes instead of doubling them.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from html import escape

import genanki
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from studyapp.course.models import Flashcard, Topic

MODEL_ID = 1_734_582_011  # fixed: Anki recognises the note type across versions of the deck
DECK_NAME = "RNN study"
MODEL = genanki.Model(
    MODEL_ID, "RNN study card",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Topic"}],
    templates=[{"name": "Card 1", "qfmt": '<div class="front">{{Front}}</div>',
                "afmt": '{{FrontSide}}<hr id="answer"><div class="back">{{Back}}</div>'
                        '<div class="topic">{{Topic}}</div>'}],
    css=".card { font-family: system-ui, sans-serif; font-size: 20px; text-align: left; color: #1d2330; "
        "background: #fff; max-width: 40em; margin: 0 auto; }\n.topic { margin-top: 1.5em; font-size: 14px; color: #667; }",
)


def _math(content: str, options) -> str:
    latex = escape(content.strip(), quote=False)
    return f"\\[{latex}\\]" if options.get("display_mode") else f"\\({latex}\\)"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True, renderer=_math)
    return md


_MD = _parser()


def to_html(text: str) -> str:
    """Markdown to HTML for Anki: formulas as \\( \\) and \\[ \\] (a single paragraph unwrapped)."""
    html = _MD.render(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def deck_id(slug: str) -> int:
    """A fixed deck id per topic (and for the course deck): from the slug, never random."""
    return 1_000_000_000 + zlib.crc32(f"rnn-study:{slug}".encode()) % 1_000_000_000


def build_package(*, topic: Topic | None = None) -> genanki.Package:
    """The deck of the whole course, or of one topic, as a genanki package."""
    topics = [topic] if topic is not None else list(Topic.objects.live().order_by("order"))
    cards = (Flashcard.objects.live().filter(topic__in=topics).select_related("topic")
             .order_by("topic__order", "position"))
    decks = {t.pk: genanki.Deck(deck_id(t.slug), f"{DECK_NAME}::{t.title}") for t in topics}
    for card in cards:
        decks[card.topic_id].add_note(genanki.Note(
            model=MODEL, fields=[to_html(card.front), to_html(card.back), escape(card.topic.title)],
            guid=genanki.guid_for(card.slug), tags=[card.topic.slug]))
    return genanki.Package([deck for deck in decks.values() if deck.notes])


def build_apkg(*, topic: Topic | None = None) -> bytes:
    """The .apkg file's bytes (a zip holding collection.anki2 and media)."""
    package = build_package(topic=topic)
    handle, path = tempfile.mkstemp(suffix=".apkg")
    os.close(handle)
    try:
        package.write_to_file(path)
        with open(path, "rb") as written:
            return written.read()
    finally:
        os.unlink(path)
