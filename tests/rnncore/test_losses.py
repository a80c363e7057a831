"""Losses: known values, gradients against five-point central differences (float64, per-entry
relative error < 1e-6), CTC against a brute-force sum over alignments written here (independent
of rnncore), and every ValueError path."""

import itertools
import math

import numpy as np
import pytest

from tests.rnncore.gradcheck_helpers import assert_gradient as check_gradient
from rnncore import limits
from rnncore.losses import (
    ctc_alignments, ctc_best_path, ctc_collapse, ctc_loss, cross_entropy,
    log_softmax, log_softmax_backward, mse_loss, sequence_cross_entropy,
)
from rnncore.activations import softmax


def assert_gradient(loss_fn, x, analytic):
    """loss_fn(x) -> loss (array for reduction='none': the gradient is that of its sum)."""
    x = np.array(x, dtype=np.float64)
    assert analytic.dtype == np.float64
    check_gradient("loss", analytic, lambda: float(np.sum(loss_fn(x))), x)


# ---------------------------------------------------------------- the reference, independent
def collapse(path, blank=0):
    """B: merge repeats, then drop blanks."""
    merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
    return [k for k in merged if k != blank]


def ctc_brute_force_nll(log_probs, target, blank=0):
    """-log sum over all C^T paths that collapse to target of prod_t p_t(path_t)."""
    T, C = log_probs.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        if collapse(list(path), blank) == list(target):
            total += math.exp(sum(log_probs[t, k] for t, k in enumerate(path)))
    return -math.log(total) if total > 0 else math.inf


rng = np.random.default_rng(1234)


# ---------------------------------------------------------------- MSE
def test_mse_known_value():
    loss, grad = mse_loss(np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 1.0]))
    assert loss == pytest.approx((0 + 4 + 9) / 3)
    np.testing.assert_allclose(grad, [0.0, 2 * 2 / 3, 2 * 3 / 3])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_gradient(reduction):
    x, y = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 3, 2))
    _, grad = mse_loss(x, y, reduction)
    assert_gradient(lambda v: mse_loss(v, y, reduction)[0], x, grad)


def test_mse_shape_mismatch():
    with pytest.raises(ValueError, match="shape"):
        mse_loss(np.zeros(3), np.zeros(4))


# ---------------------------------------------------------------- cross-entropy
def test_cross_entropy_uniform_logits_is_log_c():
    loss, grad = cross_entropy(np.zeros((2, 5)), np.array([0, 3]))
    assert loss == pytest.approx(math.log(5))
    # (p - onehot) / N with p = 1/5
    np.testing.assert_allclose(grad[0], np.array([0.2 - 1, 0.2, 0.2, 0.2, 0.2]) / 2)


def test_cross_entropy_hand_value():
    # logits (1, 2, 3), target 2: -log(e^3 / (e + e^2 + e^3))
    loss, _ = cross_entropy(np.array([[1.0, 2.0, 3.0]]), np.array([2]))
    assert loss == pytest.approx(-math.log(math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3))))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_gradient_indices(reduction, weighted, smoothing):
    logits = rng.normal(size=(6, 4))
    target = np.array([0, 3, -100, 1, 2, 3])            # one ignored item
    weight = np.array([0.5, 1.0, 2.0, 1.5]) if weighted else None
    kwargs = dict(weight=weight, reduction=reduction, label_smoothing=smoothing)
    _, grad = cross_entropy(logits, target, **kwargs)
    assert np.all(grad[2] == 0)
    assert_gradient(lambda v: cross_entropy(v, target, **kwargs)[0], logits, grad)


def test_cross_entropy_gradient_probability_targets_and_spatial():
    logits = rng.normal(size=(3, 4, 5))                   # (N, C, d1): classes on axis 1
    probs = softmax(rng.normal(size=(3, 4, 5)), axis=1)
    _, grad = cross_entropy(logits, probs, label_smoothing=0.1)
    assert_gradient(lambda v: cross_entropy(v, probs, label_smoothing=0.1)[0], logits, grad)
    target = rng.integers(0, 4, size=(3, 5))
    _, grad = cross_entropy(logits, target)
    assert_gradient(lambda v: cross_entropy(v, target)[0], logits, grad)


def test_cross_entropy_unbatched_matches_batched():
    logits = rng.normal(size=4)
    loss, grad = cross_entropy(logits, np.array(2))
    loss_b, grad_b = cross_entropy(logits[None], np.array([2]))
    assert loss == pytest.approx(loss_b)
    np.testing.assert_allclose(grad, grad_b[0])


def test_sequence_cross_entropy_is_course_formula_and_gradient():
    T, B, C = 5, 3, 4
    logits, targets = rng.normal(size=(T, B, C)), rng.integers(0, C, size=(T, B))
    lengths = np.array([5, 2, 4])
    loss, grad = sequence_cross_entropy(logits, targets, lengths)
    log_p = log_softmax(logits)
    expected = np.mean([-np.mean([log_p[t, b, targets[t, b]] for t in range(lengths[b])])
                        for b in range(B)])
    assert loss == pytest.approx(expected)
    assert_gradient(lambda v: sequence_cross_entropy(v, targets, lengths)[0], logits, grad)
    assert np.all(grad[2:, 1] == 0)                        # steps past sequence 1's length


def test_bad_reduction():
    with pytest.raises(ValueError, match="reduction"):
        cross_entropy(np.zeros((1, 2)), np.array([0]), reduction="avg")


# ---------------------------------------------------------------- CTC
def random_log_probs(T, N, C):
    return log_softmax(rng.normal(size=(T, N, C)))


def test_ctc_matches_brute_force_sum_over_alignments():
    T, C = 5, 3
    log_probs = random_log_probs(T, 1, C)[:, 0]
    for target in ([1], [1, 2], [1, 1], [2, 1, 2], [1, 1, 1]):
        loss, _ = ctc_loss(log_probs, np.array(target), T, len(target), reduction="sum")
        assert loss == pytest.approx(ctc_brute_force_nll(log_probs, target), rel=1e-12)


def test_ctc_alignment_list_is_exactly_the_collapsing_paths():
    T, C = 4, 3
    for target in ([1, 2], [1, 1], [2]):
        listed = ctc_alignments(target, T)
        brute = [p for p in itertools.product(range(C), repeat=T) if collapse(list(p)) == list(target)]
        assert sorted(listed) == sorted(brute)
    assert len(ctc_alignments([1, 2], 4)) == 15          # 'ab' in 4 steps: 15 alignments
    assert ctc_alignments([1, 1], 2) == []               # a repeat needs a blank between


def test_ctc_probability_is_sum_of_listed_alignment_probabilities():
    log_probs = random_log_probs(4, 1, 3)[:, 0]
    total = sum(math.exp(sum(log_probs[t, k] for t, k in enumerate(path)))
                for path in ctc_alignments([1, 2], 4))
    loss, _ = ctc_loss(log_probs, np.array([1, 2]), 4, 2, reduction="sum")
    assert loss == pytest.approx(-math.log(total))


def test_ctc_best_path():
    probs = np.array([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1],
                      [0.1, 0.1, 0.8]])
    path, labels = ctc_best_path(np.log(probs))
    assert path == [1, 1, 0, 1, 2]
    assert labels == [1, 1, 2]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_ctc_gradient_batched_padded(reduction):
    T, N, C = 6, 4, 4
    log_probs = random_log_probs(T, N, C)
    targets = np.array([[1, 2, 2], [3, 0, 0], [1, 1, 0], [2, 3, 1]])
    target_lengths = np.array([3, 1, 2, 3])
    input_lengths = np.array([6, 3, 5, 6])
    loss, grad = ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction=reduction)
    per_sequence = [ctc_brute_force_nll(log_probs[:input_lengths[n], n],
                                        targets[n, :target_lengths[n]]) for n in range(N)]
    expected = {"none": per_sequence, "sum": sum(per_sequence),
                "mean": np.mean(np.array(per_sequence) / target_lengths)}[reduction]
    np.testing.assert_allclose(loss, expected, rtol=1e-10)
    assert np.all(grad[3:, 1] == 0)                       # past sequence 1's input length
    assert_gradient(lambda v: ctc_loss(v, targets, input_lengths, target_lengths,
                                       reduction=reduction)[0], log_probs, grad)


def test_ctc_concatenated_targets_equal_padded():
    log_probs = random_log_probs(5, 2, 3)
    a = ctc_loss(log_probs, np.array([[1, 2], [2, 0]]), [5, 5], [2, 1])
    b = ctc_loss(log_probs, np.array([1, 2, 2]), [5, 5], [2, 1])
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])


def test_ctc_logit_gradient_through_log_softmax():
    logits = rng.normal(size=(5, 2, 3))
    targets, il, tl = np.array([[1, 2], [1, 1]]), [5, 4], [2, 2]

    def loss_of_logits(z):
        return ctc_loss(log_softmax(z), targets, il, tl)[0]

    log_probs = log_softmax(logits)
    _, d_log_probs = ctc_loss(log_probs, targets, il, tl)
    assert_gradient(loss_of_logits, logits, log_softmax_backward(d_log_probs, log_probs))


def test_ctc_infeasible_target():
    log_probs = random_log_probs(2, 1, 3)
    loss, grad = ctc_loss(log_probs, np.array([[1, 1]]), [2], [2], reduction="sum")
    assert loss == math.inf and np.all(grad == 0)
    loss, _ = ctc_loss(log_probs, np.array([[1, 1]]), [2], [2], reduction="sum", zero_infinity=True)
    assert loss == 0.0


def test_ctc_rejects_blank_in_target():
    with pytest.raises(ValueError, match="blank"):
        ctc_loss(random_log_probs(3, 1, 3), np.array([[0, 1]]), [3], [2])


def test_ctc_gradient_concatenated_targets_and_float32_dtype():
    T, N, C = 5, 3, 4
    log_probs = random_log_probs(T, N, C)
    targets, tl, il = np.array([1, 2, 3, 3, 2]), np.array([2, 0, 3]), np.array([5, 2, 5])
    loss, grad = ctc_loss(log_probs, targets, il, tl, reduction="sum")
    expected = (ctc_brute_force_nll(log_probs[:5, 0], [1, 2])
                + ctc_brute_force_nll(log_probs[:2, 1], [])
                + ctc_brute_force_nll(log_probs[:5, 2], [3, 3, 2]))
    assert loss == pytest.approx(expected, rel=1e-12)
    assert_gradient(lambda v: ctc_loss(v, targets, il, tl, reduction="sum")[0], log_probs, grad)
    _, grad32 = ctc_loss(log_probs.astype(np.float32), targets, il, tl)
    assert grad32.dtype == np.float32


GOOD = dict(targets=np.array([[1, 2], [2, 0]]), input_lengths=np.array([4, 4]),
            target_lengths=np.array([2, 1]))


@pytest.mark.parametrize("change, message", [
    # targets and lengths that disagree (silently wrong before)
    ({"target_lengths": np.array([3, 1])}, r"target_lengths must be in \[0, 2\]"),
    ({"target_lengths": np.array([-1, 1])}, "target_lengths must be >= 0"),
    ({"targets": np.array([1, 2]), "target_lengths": np.array([2, 1])},
     "target_lengths must sum to len"),
    # floats silently truncated before
    ({"targets": np.array([[1.0, 2.0], [2.0, 0.0]])}, "targets must be an integer array"),
    ({"input_lengths": np.array([4.0, 4.0])}, "input_lengths must be an integer array"),
    ({"input_lengths": [3.5, 4]}, "input_lengths must be an integer array"),
    ({"target_lengths": np.array([2.0, 1.0])}, "target_lengths must be an integer array"),
    ({"blank": 0.0}, r"blank must be an integer in \[0, 2\]"),
    ({"blank": True}, "blank must be an integer"),
    ({"blank": 3}, r"blank must be in \[0, 2\]"),
    ({"input_lengths": np.array([4, 4, 4])}, r"input_lengths must be shape \(2,\)"),
    ({"input_lengths": np.array([0, 4])}, r"input_lengths must be in \[1, 4\]"),
    ({"input_lengths": np.array([5, 4])}, r"input_lengths must be in \[1, 4\]"),
    ({"target_lengths": np.array([2])}, r"target_lengths must be shape \(2,\)"),
    ({"targets": np.array([[1, 3], [2, 0]])}, "targets must be classes in"),
    ({"targets": np.array([[1, 0], [2, 0]])}, "other than blank"),
    ({"targets": np.array([[[1]]])}, "targets must be"),
    ({"targets": np.array([[1, 2]])}, "targets .padded. must have 2 rows"),
    ({"reduction": "avg"}, "reduction must be one of"),
    ({"zero_infinity": 1}, "zero_infinity must be true or false"),
])
def test_ctc_validation(change, message):
    args = {**GOOD, **change}
    with pytest.raises(ValueError, match=message):
        ctc_loss(random_log_probs(4, 2, 3), **args)


def test_ctc_padding_past_target_length_is_ignored():
    log_probs = random_log_probs(4, 2, 3)
    a = ctc_loss(log_probs, np.array([[1, 2], [2, 0]]), [4, 4], [2, 1])
    b = ctc_loss(log_probs, np.array([[1, 2], [2, 7]]), [4, 4], [2, 1])   # padding: anything
    assert a[0] == b[0]


@pytest.mark.parametrize("bad, message", [
    (np.full((4, 2, 3), np.nan), "log_probs must be finite"),
    (np.full((4, 2, 3), -np.inf), "log_probs must be finite"),
    (np.zeros((4, 2, 3), dtype=np.int64), "log_probs must be a floating-point array"),
    (np.zeros((4, 2, 3), dtype=bool), "log_probs must be a floating-point array"),
    (np.zeros((4, 2, 3, 1)), "log_probs must have 2 to 3 dimensions"),
    (np.zeros((0, 2, 3)), "log_probs must not be empty"),
    ("abc", "log_probs must be a floating-point array"),
])
def test_ctc_rejects_non_finite_and_non_floating_log_probs(bad, message):
    with pytest.raises(ValueError, match=message):
        ctc_loss(bad, **GOOD, zero_infinity=True)


def test_ctc_size_bound_is_a_value_error(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CTC_LATTICE", 100)
    with pytest.raises(ValueError, match="at most 100"):
        ctc_loss(random_log_probs(10, 2, 3), np.ones((2, 5), dtype=int), [10, 10], [5, 5])
    # the real bound: a huge target length is refused before any lattice is allocated
    monkeypatch.undo()
    with pytest.raises(ValueError, match=f"at most {limits.MAX_CTC_LATTICE}"):
        ctc_loss(random_log_probs(400, 1, 3), np.ones((1, 3000), dtype=int), [400], [3000])


def test_ctc_unbatched_lengths_and_targets():
    log_probs = random_log_probs(4, 1, 3)[:, 0]
    loss, grad = ctc_loss(log_probs, np.array([1, 2]), 4, 2, reduction="sum")
    assert grad.shape == (4, 3)
    assert loss == pytest.approx(ctc_brute_force_nll(log_probs, [1, 2]), rel=1e-12)
    with pytest.raises(ValueError, match="input_lengths must be a single integer"):
        ctc_loss(log_probs, np.array([1, 2]), [4, 4], 2)
    with pytest.raises(ValueError, match="targets must be 1-D"):
        ctc_loss(log_probs, np.array([[1, 2]]), 4, 2)


def test_ctc_alignments_validation_and_large_t_without_recursion():
    with pytest.raises(ValueError, match="other than blank"):
        ctc_alignments([0, 1], 4)
    with pytest.raises(ValueError, match=r"target must hold classes in \[0, 2\]"):
        ctc_alignments([1, 3], 4, n_classes=3)
    with pytest.raises(ValueError, match=r"blank must be in \[0, 2\]"):
        ctc_alignments([1], 4, n_classes=3, blank=3)
    with pytest.raises(ValueError, match="n_steps must be in"):
        ctc_alignments([1], limits.MAX_ALIGNMENT_STEPS + 1)
    with pytest.raises(ValueError, match="n_steps must be an integer"):
        ctc_alignments([1], 4.0)
    with pytest.raises(ValueError, match="more than max_alignments = 10"):
        ctc_alignments([1, 2], 6, max_alignments=10)
    # T = 1000 (as deep as Python's default recursion limit, which the recursive walk hit):
    # 999 alternating labels in 1000 steps: one blank in one of 1000 gaps, or one label doubled
    target = [1, 2] * 499 + [1]
    many = ctc_alignments(target, 1000, n_classes=3)
    assert len(many) == 1999 and len(set(many)) == 1999
    assert all(collapse(list(path)) == target for path in many)
    assert ctc_alignments([1, 2, 3], 2) == []        # too short: no alignment


def test_ctc_alignments_use_n_classes_and_order():
    listed = ctc_alignments([2], 2, n_classes=3, blank=1)
    # lexicographic in the path through l' = (1, 2, 1): (0, 1), (1, 1), (1, 2)
    assert listed == [(1, 2), (2, 2), (2, 1)]


def test_ctc_best_path_and_collapse_validation():
    with pytest.raises(ValueError, match="log_probs must have 2 to 2 dimensions"):
        ctc_best_path(np.log(np.array([0.5, 0.5])))
    with pytest.raises(ValueError, match=r"blank must be in \[0, 1\]"):
        ctc_best_path(np.log(np.full((3, 2), 0.5)), blank=2)
    with pytest.raises(ValueError, match="path must be an integer array"):
        ctc_collapse([0.5, 1.0])
    assert ctc_collapse([1, 1, 0, 1, 2, 2]) == [1, 1, 2]


def test_log_softmax_family_validation():
    with pytest.raises(ValueError, match="logits must be a floating-point array"):
        log_softmax(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="axis must be in"):
        softmax(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="shape"):
        log_softmax_backward(np.zeros((2, 3)), np.zeros((3, 2)))


# ---------------------------------------------------------------- MSE / CE validation
@pytest.mark.parametrize("args, message", [
    ((np.array([1, 2]), np.array([1.0, 2.0])), "input must be a floating-point array"),
    ((np.array([np.nan, 2.0]), np.array([1.0, 2.0])), "input must be finite"),
    ((np.array([1.0, 2.0]), np.array([np.inf, 2.0])), "target must be finite"),
    ((np.zeros(0), np.zeros(0)), "input must not be empty"),
    ((np.zeros(2), np.array(["a", "b"])), "target must be a real-valued array"),
])
def test_mse_validation(args, message):
    with pytest.raises(ValueError, match=message):
        mse_loss(*args)


def test_mse_integer_target_is_fine_and_gradient_keeps_dtype():
    loss, grad = mse_loss(np.array([1.0, 3.0], dtype=np.float32), np.array([1, 1]))
    assert loss == pytest.approx(2.0) and grad.dtype == np.float32


@pytest.mark.parametrize("kwargs, message", [
    ({"input": np.zeros((2, 3), dtype=np.int64)}, "input must be a floating-point array"),
    ({"input": np.full((2, 3), np.nan)}, "input must be finite"),
    ({"label_smoothing": "0.1"}, "label_smoothing must be a number"),
    ({"label_smoothing": None}, "label_smoothing must be a number"),
    ({"label_smoothing": 1.5}, r"label_smoothing must be in \[0.0, 1.0\]"),
    ({"weight": np.ones(4)}, r"weight must have shape \(3,\)"),
    ({"weight": np.array([1.0, np.nan, 1.0])}, "weight must be finite"),
    ({"target": np.array([0, 3])}, r"target classes must be in \[0, 2\]"),
    ({"target": np.array([-1, 0])}, r"target classes must be in \[0, 2\]"),
    ({"target": np.array([0, 1, 2])}, "target shape"),
    ({"target": np.zeros((2, 4))}, "probability target shape"),
    ({"target": np.array([[0.5, 0.5, np.nan]] * 2)}, "target must be finite"),
    ({"target": np.array([True, False])}, "class indices .integers. or probabilities"),
    ({"target": np.array([-100, -100])}, "at least one target"),
    ({"ignore_index": 0.5}, "ignore_index must be an integer"),
    ({"reduction": None}, "reduction must be one of"),
])
def test_cross_entropy_validation(kwargs, message):
    args = {"input": rng.normal(size=(2, 3)), "target": np.array([0, 2]), **kwargs}
    with pytest.raises(ValueError, match=message):
        cross_entropy(**args)


def test_cross_entropy_all_ignored_sum_is_zero():
    loss, grad = cross_entropy(rng.normal(size=(2, 3)), np.array([-100, -100]), reduction="sum")
    assert loss == 0.0 and np.all(grad == 0)


@pytest.mark.parametrize("args, message", [
    ((np.zeros((4, 3)), np.zeros((4,), dtype=int)), "logits must have 3 to 3 dimensions"),
    ((np.zeros((4, 2, 3), dtype=int), np.zeros((4, 2), dtype=int)),
     "logits must be a floating-point array"),
    ((np.zeros((4, 2, 3)), np.zeros((4, 2))), "targets must be an integer array"),
    ((np.zeros((4, 2, 3)), np.zeros((4, 3), dtype=int)), r"targets must have shape \(4, 2\)"),
    ((np.zeros((4, 2, 3)), np.zeros((4, 2), dtype=int), [0, 3]), r"lengths must be in \[1, 4\]"),
    ((np.zeros((4, 2, 3)), np.zeros((4, 2), dtype=int), [5, 3]), r"lengths must be in \[1, 4\]"),
    ((np.zeros((4, 2, 3)), np.zeros((4, 2), dtype=int), [2.0, 3.0]),
     "lengths must be an integer array"),
    ((np.zeros((4, 2, 3)), np.zeros((4, 2), dtype=int), [2]), r"lengths must have shape \(2,\)"),
    ((np.zeros((4, 2, 3)), np.full((4, 2), 3), [2, 2]), r"targets must be classes in \[0, 2\]"),
])
def test_sequence_cross_entropy_validation(args, message):
    with pytest.raises(ValueError, match=message):
        sequence_cross_entropy(*args)


def test_sequence_cross_entropy_padding_targets_are_ignored():
    logits = rng.normal(size=(4, 2, 3))
    targets = np.array([[0, 1], [2, 1], [1, -100], [0, 99]])      # column 1 padded after 2 steps
    loss, grad = sequence_cross_entropy(logits, targets, [4, 2])
    log_p = log_softmax(logits)
    expected = 0.5 * (-np.mean([log_p[t, 0, targets[t, 0]] for t in range(4)])
                      - np.mean([log_p[t, 1, targets[t, 1]] for t in range(2)]))
    assert loss == pytest.approx(expected, rel=1e-12)
    assert np.all(grad[2:, 1] == 0)
