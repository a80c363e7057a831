"""Topics 080-140 use the notation decided in fixtures/README.md ("Notation"): retired symbols are gone.

Each check names a symbol the course used before the notation was decided, and every item of the
seven topics (note, card, question with its options and explanation, and the topic summary) is
searched for it. Math is the text between $...$ or $$...$$; some checks look only there.
"""

import re

import pytest
from django.conf import settings

from studyapp.course.content import read_course

COURSE = read_course(settings.COURSE_DIR)
LATE = [t for t in COURSE.topics if 80 <= t.order <= 140]
BY_SLUG = {t.slug: t for t in LATE}


def items(topic):
    """(label, text) for every piece of learner-visible text in the topic."""
    yield f"{topic.slug} summary", topic.summary
    for note in topic.notes:
        yield f"note {note.slug}", f"{note.title}\n{note.body}"
    for card in topic.cards:
        yield f"card {card.slug}", f"{card.front}\n{card.back}"
    for question in topic.questions:
        options = "\n".join(option.text for option in question.options)
        yield f"question {question.slug}", f"{question.text}\n{options}\n{question.explanation}"


ALL = [(topic.slug, label, text) for topic in LATE for label, text in items(topic)]
MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)


def math(text):
    return " ".join(a or b for a, b in MATH.findall(text))


def bare(letter):
    """`letter` as a symbol of its own: not part of a command or a word, and without a subscript."""
    return re.compile(rf"(?<![\\A-Za-z_]){letter}(?![_A-Za-z])")


def offenders(pattern, where=lambda text: text, topics=None):
    pattern = re.compile(pattern) if isinstance(pattern, str) else pattern
    return [
        (label, match.group(0))
        for slug, label, text in ALL
        if topics is None or slug in topics
        for match in [pattern.search(where(text))]
        if match
    ]


def test_the_late_topics_are_all_checked():
    assert sorted(BY_SLUG) == sorted([
        "vanishing-exploding-gradients", "lstm", "gru", "bidirectional-rnns", "deep-rnns",
        "applications", "rnns-and-transformers",
    ])


def test_no_s_max_for_the_largest_singular_value():
    # s is reserved for the output scores; the largest singular value is ||W_h||_2.
    assert offenders(r"s_\{\\max\}|s_\\max|s_\{max\}|s_max") == []
    (jacobian,) = [n for n in BY_SLUG["vanishing-exploding-gradients"].notes if n.slug == "vanishing-jacobian-product"]
    assert r"\lVert W_h \rVert_2" in jacobian.body


def test_the_scalar_rnn_is_written_with_w_h_and_w_x():
    assert offenders(r"u x_t|u\\, x_t") == []
    # no bare w (or u) weight: the scalar weights are w_h and w_x
    assert offenders(bare("w"), math) == []
    assert offenders(bare("u"), math) == []
    assert offenders(r"h_t = w_h h_\{t-1\} \+ w_x x_t", topics={"vanishing-exploding-gradients"}) != []


def test_elementwise_squares_are_written_with_odot():
    assert offenders(r"h_(\{[^}]*\}|\w)\^\{?2", math) == []


def test_the_output_scores_are_s_t_and_never_y_o_or_z():
    # the output layer is always written s = W_y h + b_y (possibly inside a sigmoid or softmax)
    assert offenders(r"(?<![\\A-Za-z])[yoz]_\{?[tT0-9]\}? = W_y", math) == []
    lone = re.compile(r"(?<!= )(?<!\\sigma\()(?<!softmax\()W_y h")
    assert offenders(lone, math) == []
    # the target y is never computed from the model
    assert offenders(r"(?<![\\A-Za-z])y_\{?[tT0-9]\}? = ", math) == []
    assert offenders(r"(?:prediction|output|outputs) \$y_") == []
    assert offenders(r"y_t = C_t|= C_t h_t") == []


def test_no_c_as_an_output_bias_or_a_scalar():
    # c is the LSTM cell only (c_t, c_{t-1}, and the candidate's other name \tilde{c}_t)
    assert offenders(bare("c"), lambda text: math(text).replace(r"\tilde{c}", "")) == []


def test_lstm_items_have_no_single_recurrent_matrix_w_h():
    lone_w_h = re.compile(r"W_h(?![\w{^])")
    lstm = [(label, text) for slug, label, text in ALL if slug == "lstm"]
    for label, text in lstm:
        if lone_w_h.search(text):  # only where a vanilla RNN is being contrasted
            assert "vanilla" in text.lower(), label
        assert not re.search(r"multipl\w* by \$W_h\$", text), label
    for slug, label, text in ALL:
        if "LSTM" in text and re.search(r"multipl\w* by \$W_h\$", text):
            assert r"W_{h\cdot}" in text, label


def test_the_loss_is_calligraphic_l():
    # L alone is the number of layers; the loss is \mathcal{L} (total) and \mathcal{L}_t (per step)
    assert offenders(r"\\partial L\b|(?<![\\A-Za-z{])L_\{?[tT0-9]|(?<![\\A-Za-z{])L\(", math) == []
    assert offenders(r"[Ll]oss \$L\$") == []


def test_the_rnn_state_size_is_h_and_the_transformer_width_d_model():
    assert offenders(bare("d"), math) == []
    transformers = BY_SLUG["rnns-and-transformers"]
    assert any(r"d_{\text{model}}" in note.body for note in transformers.notes)


def test_truncation_length_is_tau_not_k():
    sentences = lambda text: " ".join(s for s in re.split(r"(?<=[.;])\s", text) if "runcat" in s)
    assert offenders(r"\$k\$|\$K\$", sentences) == []
    (remedies,) = [n for n in BY_SLUG["vanishing-exploding-gradients"].notes if n.slug == "vanishing-solutions"]
    assert r"$\tau$" in remedies.body


def test_no_reserved_letter_as_a_count_or_a_gradient():
    # n is the GRU's candidate gate (so no W_h^n, no a^n b^n); g is the LSTM candidate, not a gradient
    assert offenders(r"\^n\b|\^\{n\}", math) == []
    assert offenders(bare("g"), math) == []


def test_gate_letters_appear_only_with_their_gates():
    for slug, label, text in ALL:
        symbols = math(text)
        if re.search(r"(?<![\\A-Za-z])o_t", symbols):
            assert "LSTM" in text or "output gate" in text.lower(), label
        if re.search(r"(?<![\\A-Za-z])[rz]_t", symbols):
            assert "GRU" in text or "gate" in text.lower(), label


@pytest.mark.parametrize("slug, label, text", ALL, ids=[label for _, label, _ in ALL])
def test_a_batch_size_n_is_defined_where_it_is_used(slug, label, text):
    if re.search(r"(?<![A-Za-z\\])N(?![A-Za-z])", math(text) + " ".join(re.findall(r"`([^`]*)`", text))):
        assert "batch" in text, label
