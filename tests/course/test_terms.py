"""The `term = true` key on flashcards: validated by the loader, stored on Flashcard."""

import pytest

from studyapp.course.content import ContentError
from studyapp.course.loading import load_course
from studyapp.course.models import Flashcard

from tests.coursefiles import GRU, HIDDEN_STATE, write_course

pytestmark = pytest.mark.django_db


def with_term(value, front=None, source=GRU):
    text = source.replace('source = "000"\n', f'source = "000"\nterm = {value}\n', 1)
    if front:
        text = text.replace('front = "Update gate ($z_t$)"', f'front = "{front}"')
    return text


def test_a_term_card_is_loaded_as_a_term(tmp_path):
    write_course(tmp_path, {"030-hidden-state.toml": HIDDEN_STATE, "100-gru.toml": with_term("true")})
    load_course(tmp_path)
    assert Flashcard.objects.get(slug="gru-card").term is True
    assert Flashcard.objects.get(slug="hs-card").term is False
    # Unmarking it later updates the row in place.
    write_course(tmp_path)
    load_course(tmp_path)
    assert Flashcard.objects.get(slug="gru-card").term is False


@pytest.mark.parametrize("value, front, message", [
    ('"yes"', None, "'term' must be true or false"),
    ("1", None, "'term' must be true or false"),
    ("true", "$z_t$", "leaves no plain term"),
    ("true", "How much of the previous state does the update gate keep at each step?", "not a short term"),
])
def test_invalid_terms_name_the_file_and_card(tmp_path, value, front, message):
    write_course(tmp_path, {"100-gru.toml": with_term(value, front)})
    with pytest.raises(ContentError) as raised:
        load_course(tmp_path)
    assert raised.value.item == "cards #1 'gru-card'"
    assert str(raised.value.path).endswith("100-gru.toml")
    assert message in raised.value.message
