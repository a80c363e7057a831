"""Every numeric answer in the course, recomputed here with NumPy from the question's own data."""

import itertools
import re

import numpy as np
import pytest
from django.conf import settings

import rnncore
from studyapp.course.content import read_course

QUESTIONS = {q.slug: q for t in read_course(settings.COURSE_DIR).topics for q in t.questions}

W_x = np.array([[0.1, 0.2], [0.3, 0.4]])
W_h = np.array([[0.5, 0.6], [0.7, 0.8]])
x_1 = np.array([1.0, 2.0])
h_0 = np.zeros(2)
b = np.array([0.1, 0.1])


def ctc_probability(frames, target, blank="-"):
    """P(target | x): sum over every frame labelling that collapses to `target` (brute force)."""
    symbols = list(frames[0])
    total = 0.0
    for path in itertools.product(symbols, repeat=len(frames)):
        collapsed = [s for i, s in enumerate(path) if s != blank and (i == 0 or s != path[i - 1])]
        if "".join(collapsed) == target:
            total += np.prod([frame[s] for frame, s in zip(frames, path)])
    return total


def parameter_count(layer):
    return sum(p.size for p in layer.parameters().values())


EXPECTED = {
    "hs-wx-times-x1": lambda: W_x @ x_1,
    "hs-wh-times-h0": lambda: W_h @ h_0,
    "hs-pre-activation-sum": lambda: W_x @ x_1 + W_h @ h_0 + b,
    "hs-next-step-h1": lambda: np.tanh(W_x @ x_1 + W_h @ h_0 + b),
    # W_x (20x10) + W_h (20x20) + b (20); the length of the sequence does not matter.
    "hs-parameter-count": lambda: [20 * 10 + 20 * 20 + 20],
    "bptt-scalar-jacobian": lambda: [0.8 * (1 - 0.6**2)],
    "activation-softmax-numeric": lambda: np.exp(np.log([1, 2, 5])) / np.exp(np.log([1, 2, 5])).sum(),
    "loss-cross-entropy-numeric": lambda: [-np.mean(np.log([0.5, 0.25]))],
    # Masked padding: the mean per-token loss divides by the real tokens, 3 + 5 + 8.
    "loss-masked-padding": lambda: [3 + 5 + 8],
    "loss-ctc-numeric": lambda: [-np.log(ctc_probability([{"a": 0.6, "-": 0.4}, {"a": 0.5, "-": 0.5}], "a"))],
    "vanishing-scalar-product-numeric": lambda: [0.5**10],
    "vanishing-gradient-clipping-effect": lambda: [5 / 10, 5],
    "lstm-one-step-numeric": lambda: [0.5 * 2 + 0.8 * 0.5, 0.9 * np.tanh(0.5 * 2 + 0.8 * 0.5)],
    "gru-one-step-numeric": lambda: [(1 - 0.8) * -0.2 + 0.8 * 0.5],
    # Three gates, each W_ih (20x10), W_hh (20x20), b_ih and b_hh (20): counted, then checked on the engine.
    "gru-parameter-count-numeric": lambda: [3 * (20 * 10 + 20 * 20 + 20 + 20)],
    "birnn-output-size": lambda: [2 * 128],
    # topics 080-140, items from the references
    "vanishing-norm-bound-sigmoid": lambda: [0.25 * 3],  # gamma (sigmoid) times ||W_h||_2
    # Four gates, each W_ih (20x10), W_hh (20x20), b_ih and b_hh (20): counted, then checked on the engine.
    "lstm-parameter-count-numeric": lambda: [4 * (20 * 10 + 20 * 20 + 20 + 20)],
    # Layer 2 of a bidirectional GRU reads both directions of layer 1: 3 blocks of 128 rows, 2 * 128 columns.
    "birnn-stacked-weight-shape": lambda: [3 * 128, 2 * 128],
    # Layer 1: 20x10 + 20x20 + 2 * 20; layer 2 reads h^(1), so 20x20 + 20x20 + 2 * 20.
    "deep-rnn-parameter-count-numeric": lambda: [(20 * 10 + 20 * 20 + 40) + (20 * 20 + 20 * 20 + 40)],
}

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def numbers_in(text):
    return [(float(m), len(m.split(".")[1]) if "." in m else 0) for m in NUMBER.findall(text)]


def shows(text, value):
    """`value` appears in `text`, written to however many decimals the text uses
    (a value that is not a whole number must be written with decimals)."""
    whole = float(value).is_integer()
    return any(
        abs(number - value) <= 0.5 * 10.0**-decimals + 1e-12
        for number, decimals in numbers_in(text)
        if whole or decimals > 0
    )


@pytest.mark.parametrize("slug", EXPECTED)
def test_numeric_answer(slug):
    question = QUESTIONS[slug]
    expected = np.atleast_1d(np.asarray(EXPECTED[slug](), dtype=float))
    (correct,) = [o.text for o in question.options if o.correct]
    for value in expected:
        assert shows(correct, value), f"{slug}: {value} not in the correct option {correct!r}"
    for option in question.options:
        if not option.correct:
            assert not all(shows(option.text, v) for v in expected), f"{slug}: distractor {option.text!r} is also right"


def test_every_numeric_question_is_checked():
    numeric = {
        slug for slug, q in QUESTIONS.items()
        if re.search(r"\d\.\d|\b\d{2,}\b", next(o.text for o in q.options if o.correct))
    }
    assert numeric <= set(EXPECTED), numeric - set(EXPECTED)


def test_parameter_counts_match_the_engine():
    assert parameter_count(rnncore.GRU(10, 20)) == EXPECTED["gru-parameter-count-numeric"]()[0]
    rnn = rnncore.RNN(10, 20)
    # PyTorch (and rnncore) keep two bias vectors; the course's single b is their sum.
    assert parameter_count(rnn) == EXPECTED["hs-parameter-count"]()[0] + 20
    assert parameter_count(rnncore.LSTM(10, 20)) == EXPECTED["lstm-parameter-count-numeric"]()[0]
    assert parameter_count(rnncore.RNN(10, 20, num_layers=2)) == EXPECTED["deep-rnn-parameter-count-numeric"]()[0]
    bigru = rnncore.GRU(50, 128, num_layers=2, bidirectional=True).parameters()
    expected_shape = tuple(EXPECTED["birnn-stacked-weight-shape"]())
    assert bigru["weight_ih_l1"].shape == bigru["weight_ih_l1_reverse"].shape == expected_shape


def test_worked_example_in_the_notes_is_what_the_engine_computes():
    """The hidden-state note works the source's example by hand; rnncore's trace agrees."""
    (note,) = [n for t in read_course(settings.COURSE_DIR).topics for n in t.notes
               if t.slug == "hidden-state" and "0.53705" in n.body]
    trace = rnncore.rnn_step_trace(W_x, x_1, W_h, h_0, b).as_dict(decimals=5)
    values = {entry["key"]: entry["value"] for entry in trace["entries"]}
    assert values["h"] == pytest.approx(np.round(np.tanh(W_x @ x_1 + b), 5).tolist())
    for key in ("Wx_x", "a", "h"):
        for value in values[key]:
            assert shows(note.body, value), (key, value)
    assert shows(next(o.text for o in QUESTIONS["hs-next-step-h1"].options if o.correct), values["h"][0])
