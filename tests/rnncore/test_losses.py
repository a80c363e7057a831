"""Losses: known values, gradients against central differences (float64), CTC against brute force."""

import itertools
import math

import numpy as np
import pytest

from rnncore.losses import (
    ctc_alignments, ctc_best_path, ctc_brute_force_nll, ctc_collapse, ctc_loss, cross_entropy,
    log_softmax, log_softmax_backward, mse_loss, sequence_cross_entropy, softmax,
)


def numerical_gradient(f, x, h=1e-6):
    """Central differences (f(x + h) - f(x - h)) / 2h, one entry at a time."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = f(x)
        x[index] = old - h
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def assert_gradient(loss_fn, x, analytic, tol=1e-7):
    def scalar(v):
        loss = loss_fn(v)
        return float(np.sum(loss))                      # reduction='none': gradient of the sum
    numeric = numerical_gradient(scalar, x.copy())
    assert np.max(np.abs(numeric - analytic)) < tol * max(1.0, np.max(np.abs(numeric)))


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
    expected = np.mean([-np.mean([log_p[t, b, targets[t, b]] for t in range(lengths[b])]) for b in range(B)])
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
        brute = [p for p in itertools.product(range(C), repeat=T) if ctc_collapse(p) == list(target)]
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
    probs = np.array([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
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
    per_sequence = [ctc_brute_force_nll(log_probs[:input_lengths[n], n], targets[n, :target_lengths[n]])
                    for n in range(N)]
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
