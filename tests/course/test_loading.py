"""load_course: idempotent upserts by slug, retirement, and validation naming file and item."""

import pytest
from django.core.management import CommandError, call_command

from studyapp.course.content import ContentError, read_course
from studyapp.course.loading import load_course
from studyapp.course.models import Flashcard, Note, Option, Question, Source, Topic

from tests.coursefiles import GRU, HIDDEN_STATE, SOURCES, write_course

pytestmark = pytest.mark.django_db


def all_pks():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Topic, Note, Flashcard, Question, Option)
    }


def test_load_creates_everything(tmp_path):
    report = load_course(write_course(tmp_path))
    assert Topic.objects.count() == 2
    assert report.created == {"sources": 1, "topics": 2, "notes": 1, "cards": 2, "questions": 1, "options": 4}
    question = Question.objects.get(slug="hs-question")
    assert question.topic.slug == "hidden-state"
    assert question.source_ref == "Q3"
    assert [o.correct for o in question.options.all()] == [False, True, False, False]
    assert question.correct_option.letter == "B"


def test_reload_is_idempotent_and_keeps_primary_keys(tmp_path):
    write_course(tmp_path)
    load_course(tmp_path)
    before = all_pks()
    report = load_course(tmp_path)
    assert report.summary() == "no changes"
    assert all_pks() == before


def test_edit_updates_in_place(tmp_path):
    write_course(tmp_path)
    load_course(tmp_path)
    card_pk = Flashcard.objects.get(slug="hs-card").pk
    edited = HIDDEN_STATE.replace("The network's memory", "The RNN's memory")
    write_course(tmp_path, {"030-hidden-state.toml": edited, "100-gru.toml": GRU})
    report = load_course(tmp_path)
    card = Flashcard.objects.get(slug="hs-card")
    assert card.pk == card_pk
    assert card.back.startswith("The RNN's memory")
    assert report.updated == {"cards": 1}


def test_removed_items_are_retired_not_deleted_and_come_back(tmp_path):
    write_course(tmp_path)
    load_course(tmp_path)
    gru_pk = Topic.objects.get(slug="gru").pk
    card_pk = Flashcard.objects.get(slug="gru-card").pk

    write_course(tmp_path, {"030-hidden-state.toml": HIDDEN_STATE})
    report = load_course(tmp_path)
    assert report.retired == {"topics": 1, "cards": 1}
    assert Topic.objects.get(pk=gru_pk).retired
    assert Flashcard.objects.get(pk=card_pk).retired
    assert list(Topic.objects.live().values_list("slug", flat=True)) == ["hidden-state"]

    write_course(tmp_path)
    load_course(tmp_path)
    assert not Topic.objects.get(pk=gru_pk).retired
    assert not Flashcard.objects.get(pk=card_pk).retired


def test_moving_a_card_to_another_topic_keeps_it(tmp_path):
    write_course(tmp_path)
    load_course(tmp_path)
    card_pk = Flashcard.objects.get(slug="gru-card").pk
    moved_card = GRU[GRU.index("[[cards]]"):]
    write_course(tmp_path, {
        "030-hidden-state.toml": HIDDEN_STATE + moved_card,
        "100-gru.toml": GRU[: GRU.index("[[cards]]")],
    })
    load_course(tmp_path)
    card = Flashcard.objects.get(pk=card_pk)
    assert card.topic.slug == "hidden-state" and not card.retired


def broken(old, new, source=HIDDEN_STATE):
    assert old in source, old
    return source.replace(old, new, 1)


INVALID = {
    "no correct option": (
        broken('  correct = true\n', ''), "questions #1 'hs-question'", "no correct option"),
    "two correct options": (
        broken('  text = "To manage gradients."', '  text = "To manage gradients."\n  correct = true'),
        "questions #1 'hs-question'", "2 correct options"),
    "latex that does not convert": (
        broken(r"+ b)", r"+ b)^"), "notes #1 'hs-recurrence'", "LaTeX does not convert"),
    "latex with unbalanced braces": (
        broken(r"h_{t-1}", r"h_{t-1"), "notes #1 'hs-recurrence'", "LaTeX has unbalanced braces"),
    "garbled matrix rows": (
        broken(r"0.2 \\ 0.3", r"0.2 \ 0.3"), "notes #1 'hs-recurrence'", "matrix rows separated by"),
    "unknown latex command": (
        broken(r"\tanh(W_x", r"\tanhh(W_x"), "notes #1 'hs-recurrence'", "unknown LaTeX command"),
    "unparsed dollar": (broken('back = "The network', 'back = "$x The network'), "cards #1 'hs-card'", "'$' was left as text"),
    "bad slug": (broken('slug = "hs-card"', 'slug = "HS card"'), "cards #1", "slug"),
    "unknown key": (broken('source_ref = "F8"', 'source_ref = "F8"\nhint = "x"'), "cards #1 'hs-card'", "unknown key"),
    "missing key": (broken('back = "The network', 'bak = "The network'), "cards #1 'hs-card'", "missing key(s): back"),
    "unknown source": (broken('source = "000"\nsource_ref = "F8"', 'source = "009"'), "cards #1 'hs-card'", "not in sources.toml"),
    "a card that does not exist": (broken('cards = ["hs-card"]', 'cards = ["hs-nope"]'),
                                   "questions 'hs-question'", "not a flashcard of the course"),
    "too many cards": (broken('cards = ["hs-card"]', 'cards = ["a", "b", "c", "d"]'),
                       "questions #1 'hs-question'", "at most 3"),
    "a card named twice": (broken('cards = ["hs-card"]', 'cards = ["hs-card", "hs-card"]'),
                           "questions #1 'hs-question'", "same card twice"),
    "cards not a list": (broken('cards = ["hs-card"]', 'cards = "hs-card"'),
                         "questions #1 'hs-question'", "list of flashcard slugs"),
    "not toml": (broken('order = 30', 'order = = 30'), "", "not valid TOML"),
}


@pytest.mark.parametrize("case", INVALID, ids=list(INVALID))
def test_invalid_content_names_file_and_item(tmp_path, case):
    text, item, message = INVALID[case]
    write_course(tmp_path, {"030-hidden-state.toml": text})
    with pytest.raises(ContentError) as raised:
        read_course(tmp_path)
    error = raised.value
    assert error.path.name == "030-hidden-state.toml"
    assert item in (error.item or "")
    assert message in str(error)


def test_duplicate_slug_across_files(tmp_path):
    duplicate = GRU.replace('slug = "gru-card"', 'slug = "hs-card"')
    write_course(tmp_path, {"030-hidden-state.toml": HIDDEN_STATE, "100-gru.toml": duplicate})
    with pytest.raises(ContentError, match=r"100-gru.toml \[cards 'hs-card'\]: duplicate slug \(also in .*030-hidden-state.toml\)"):
        read_course(tmp_path)


def test_duplicate_source_ref(tmp_path):
    duplicate = GRU.replace('source = "000"\n', 'source = "000"\nsource_ref = "F8"\n')
    write_course(tmp_path, {"030-hidden-state.toml": HIDDEN_STATE, "100-gru.toml": duplicate})
    with pytest.raises(ContentError, match="source_ref 000 F8 is used twice"):
        read_course(tmp_path)


def test_invalid_content_writes_nothing(tmp_path):
    write_course(tmp_path)
    load_course(tmp_path)
    before = all_pks()
    write_course(tmp_path, {"030-hidden-state.toml": INVALID["no correct option"][0], "100-gru.toml": GRU})
    with pytest.raises(CommandError, match="030-hidden-state.toml"):
        call_command("load_course", "--dir", str(tmp_path))
    assert all_pks() == before
    assert not Topic.objects.filter(retired=True).exists()


def test_command_check_and_load(tmp_path, capsys):
    write_course(tmp_path)
    call_command("load_course", "--dir", str(tmp_path), "--check")
    assert "valid: 2 topics, 4 items" in capsys.readouterr().out
    assert not Topic.objects.exists()
    call_command("load_course", "--dir", str(tmp_path))
    assert "created" in capsys.readouterr().out
    assert Topic.objects.count() == 2


def test_a_question_can_lose_an_option(tmp_path):
    write_course(tmp_path)
    load_course(tmp_path)
    three = HIDDEN_STATE.replace('''  [[questions.options]]
  text = "To be the final output."
''', "")
    write_course(tmp_path, {"030-hidden-state.toml": three, "100-gru.toml": GRU})
    load_course(tmp_path)
    question = Question.objects.get(slug="hs-question")
    assert [o.text for o in question.options.all()] == [
        "To normalize input data.",
        "To capture information from the current input and the previous hidden state.",
        "To manage gradients.",
    ]


def test_reload_without_changes_is_a_few_queries(tmp_path, django_assert_max_num_queries):
    write_course(tmp_path)
    load_course(tmp_path)
    with django_assert_max_num_queries(15):
        assert load_course(tmp_path).summary() == "no changes"


def test_topic_source_path_is_relative_to_the_course_folder(tmp_path):
    load_course(write_course(tmp_path))
    assert Topic.objects.get(slug="gru").source_path == "course/100-gru.toml"


REFERENCES = SOURCES + """
[ref]
title = "Standard references"
cites = ["Goodfellow et al., Deep Learning, ch. 10", "PyTorch documentation: torch.nn.RNN"]
"""


def test_a_reference_source_is_loaded_with_what_it_cites(tmp_path):
    card = GRU.replace('source = "000"', 'source = "ref"')
    write_course(tmp_path, {"030-hidden-state.toml": HIDDEN_STATE, "100-gru.toml": card}, sources=REFERENCES)
    course = read_course(tmp_path)
    assert course.sources["ref"].is_reference and not course.sources["000"].is_reference
    load_course(tmp_path)
    source = Source.objects.get(key="ref")
    assert source.filename == ""
    assert source.cites == "Goodfellow et al., Deep Learning, ch. 10\nPyTorch documentation: torch.nn.RNN"
    assert Flashcard.objects.get(slug="gru-card").source == source
    assert load_course(tmp_path).summary() == "no changes"


@pytest.mark.parametrize("sources, message", [
    ('[ref]\ntitle = "R"\nfile = "r.txt"\ncites = ["A"]\n', "either 'file'"),
    ('[ref]\ntitle = "R"\n', "either 'file'"),
    ('[ref]\ntitle = "R"\ncites = []\n', "non-empty list"),
    ('[ref]\ntitle = "R"\ncites = "A"\n', "non-empty list"),
    ('[ref]\ntitle = "R"\ncites = ["A", " "]\n', "non-empty list"),
])
def test_a_bad_source_entry_is_an_error(tmp_path, sources, message):
    write_course(tmp_path, sources=SOURCES + sources)
    with pytest.raises(ContentError, match=message) as raised:
        read_course(tmp_path)
    assert raised.value.path.name == "sources.toml" and "source 'ref'" in raised.value.item


def test_an_item_from_the_references_has_no_source_ref(tmp_path):
    card = GRU.replace('source = "000"', 'source = "ref"\nsource_ref = "F3"')
    write_course(tmp_path, {"030-hidden-state.toml": HIDDEN_STATE, "100-gru.toml": card}, sources=REFERENCES)
    with pytest.raises(ContentError, match="is a list of references, not a numbered list"):
        read_course(tmp_path)


def test_a_question_names_its_cards_across_topics_and_a_reload_keeps_or_changes_them(tmp_path):
    write_course(tmp_path)
    load_course(tmp_path)
    question = Question.objects.get(slug="hs-question")
    assert [c.slug for c in question.cards.all()] == ["hs-card"]
    assert load_course(tmp_path).summary() == "no changes"
    text = HIDDEN_STATE.replace('cards = ["hs-card"]', 'cards = ["gru-card", "hs-card"]')
    write_course(tmp_path, {"030-hidden-state.toml": text, "100-gru.toml": GRU})
    report = load_course(tmp_path)
    assert report.updated == {"question cards": 1}
    assert sorted(c.slug for c in question.cards.all()) == ["gru-card", "hs-card"]
    write_course(tmp_path, {"030-hidden-state.toml": text.replace('cards = ["gru-card", "hs-card"]\n', ""),
                            "100-gru.toml": GRU})
    load_course(tmp_path)
    assert not question.cards.exists()
