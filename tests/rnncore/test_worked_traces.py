"""Worked-example traces beyond one cell step, each checked against an independent computation
(plain NumPy or by hand) and, where a gradient is traced, against central differences."""

import itertools
import math

import numpy as np
import pytest

from rnncore import GRU, LSTM, RNN, Linear
from rnncore.worked_traces import (ctc_probability_trace, gradient_product_trace, matvec_trace,
                                   mse_trace, output_layer_trace, output_shape_trace,
                                   parameter_count_trace, scalar_rnn_gradient_trace,
                                   softmax_cross_entropy_trace)


def central_difference(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up.flat[i] += eps
        down.flat[i] -= eps
        grad.flat[i] = (f(up) - f(down)) / (2 * eps)
    return grad


def test_matvec_by_hand():
    trace = matvec_trace([[.1, .2], [.3, .4]], [1, 2])
    assert trace.keys() == ["row1", "row2", "Wx"]
    np.testing.assert_allclose(trace["Wx"], [0.5, 1.1])
    assert trace.entries[0].note == r"$0.1 \cdot 1 + 0.2 \cdot 2$"


def test_output_layer_by_hand_and_against_linear():
    trace = output_layer_trace([[.5, -.2], [.1, .3]], [.4, .6], [.1, 0], step=2)
    np.testing.assert_allclose(trace["Wy_h"], [0.08, 0.22])
    np.testing.assert_allclose(trace["s"], [0.18, 0.22])
    assert trace.entries[-1].symbol == "s_{2} = W_y h_{2} + b_y"
    rng = np.random.default_rng(3)
    W, h, b = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    head = Linear(4, 3, dtype=np.float64, seed=0)
    head.load_state_dict({"weight": W, "bias": b})
    np.testing.assert_allclose(output_layer_trace(W, h, b)["s"], head.forward(h[None])[0])


def test_softmax_cross_entropy_by_hand():
    trace = softmax_cross_entropy_trace([1, 2, 0], 1)
    e = np.exp([1.0, 2.0, 0.0])
    np.testing.assert_allclose(trace["exp_s"], e)
    np.testing.assert_allclose(trace["sum_exp"], e.sum())
    np.testing.assert_allclose(trace["y_hat"], e / e.sum())
    np.testing.assert_allclose(trace["y_hat_y"], e[1] / e.sum())
    assert float(trace["loss"]) == pytest.approx(-math.log(e[1] / e.sum()))
    assert trace.entries[3].note == "the probability of the target class $y_1 = 2$"


@pytest.mark.parametrize("seed", range(10))
def test_softmax_cross_entropy_gradient_by_central_differences(seed):
    rng = np.random.default_rng(seed)
    s, y = rng.normal(size=4), int(rng.integers(4))

    def loss(scores):
        return -np.log(np.exp(scores[y]) / np.exp(scores).sum())

    trace = softmax_cross_entropy_trace(s, y)
    assert float(trace["loss"]) == pytest.approx(loss(s))
    np.testing.assert_allclose(trace["grad"], central_difference(loss, s), atol=1e-8)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_by_hand_and_gradient(reduction):
    y_hat, y = np.array([.5, .2, .1]), np.array([.4, .4, .4])
    trace = mse_trace(y_hat, y, reduction=reduction)
    np.testing.assert_allclose(trace["diff"], [.1, -.2, -.3])
    np.testing.assert_allclose(trace["sq"], [.01, .04, .09])
    np.testing.assert_allclose(trace["sum_sq"], .14)
    scale = 1 / 3 if reduction == "mean" else 1.0

    def loss(p):
        return scale * np.sum((p - y) ** 2)

    assert float(trace["loss"]) == pytest.approx(loss(y_hat))
    np.testing.assert_allclose(trace["grad"], central_difference(loss, y_hat), atol=1e-8)


def _collapse(path, blank=0):
    out = [k for k, _ in itertools.groupby(path)]
    return [k for k in out if k != blank]


def test_ctc_course_example():
    """The course's question loss-ctc-numeric: paths aa, a-, -a give 0.3 + 0.3 + 0.2 = 0.8."""
    trace = ctc_probability_trace([[.4, .6], [.5, .5]], [1])
    paths = sorted(entry.note.split(":")[0] for entry in trace.entries if entry.key.startswith("path"))
    assert paths == ["alignment -a", "alignment a-", "alignment aa"]
    assert float(trace["P"]) == pytest.approx(0.8)
    assert float(trace["loss"]) == pytest.approx(-math.log(0.8))


@pytest.mark.parametrize("seed", range(8))
def test_ctc_probability_by_brute_force(seed):
    rng = np.random.default_rng(seed)
    T, C = 4, 3
    probs = rng.dirichlet(np.ones(C), size=T)
    target = [[1], [1, 2], [2, 1], [1, 1]][seed % 4]
    total = sum(math.prod(probs[t, k] for t, k in enumerate(path))
                for path in itertools.product(range(C), repeat=T) if _collapse(path) == target)
    trace = ctc_probability_trace(probs, target)
    assert float(trace["P"]) == pytest.approx(total)
    listed = [entry for entry in trace.entries if entry.key.startswith("path")]
    assert float(sum(e.value for e in listed)) == pytest.approx(total)


def test_ctc_refuses_bad_rows():
    with pytest.raises(ValueError, match="sum to 1"):
        ctc_probability_trace([[.5, .6], [.5, .5]], [1])


def _layer_parameters(layer):
    return sum(value.size for value in layer.parameters().values())


@pytest.mark.parametrize("cell,layer_class", [("rnn", RNN), ("lstm", LSTM), ("gru", GRU)])
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, False), (1, True), (3, True)])
def test_parameter_counts_against_the_layers(cell, layer_class, num_layers, bidirectional):
    D, H = 5, 7
    layer = layer_class(D, H, num_layers=num_layers, bidirectional=bidirectional, seed=0)
    two = parameter_count_trace(cell, D, H, num_layers, bidirectional, biases="two")
    assert int(two["total"]) == _layer_parameters(layer)          # PyTorch's two biases
    one = parameter_count_trace(cell, D, H, num_layers, bidirectional, biases="one")
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    dirs = 2 if bidirectional else 1
    assert int(one["total"]) == _layer_parameters(layer) - num_layers * dirs * G * H


def test_parameter_count_course_example():
    """lstm-parameter-count-numeric: nn.LSTM(10, 20) has 2560 parameters, 2480 with one bias."""
    assert int(parameter_count_trace("lstm", 10, 20, biases="two")["total"]) == 2560
    assert int(parameter_count_trace("lstm", 10, 20, biases="one")["total"]) == 2480


@pytest.mark.parametrize("architecture,num_layers,bidirectional", [
    (architecture, num_layers, bidirectional)
    for architecture in ("many_to_many", "many_to_one", "one_to_many")
    for num_layers, bidirectional in ((1, False), (2, False), (1, True), (2, True))
    if not (architecture == "one_to_many" and bidirectional)])     # generation runs forward
def test_output_shapes_against_running_the_layers(architecture, num_layers, bidirectional):
    T, N, D, H, Q = 6, 3, 4, 5, 2
    trace = output_shape_trace(architecture, T, N, D, H, Q, num_layers, bidirectional)
    layer = LSTM(D, H, num_layers=num_layers, bidirectional=bidirectional, seed=0)
    width = H * (2 if bidirectional else 1)
    head = Linear(width, Q, seed=0)
    rng = np.random.default_rng(0)
    if architecture == "one_to_many":
        # x_1 given, then each step's scores mapped back to an input and fed in next.
        x1 = rng.normal(size=(N, D)).astype(np.float32)
        assert tuple(trace["x"]) == x1.shape
        state, outputs, scores, x = None, [], [], x1
        feedback = Linear(Q, D, seed=1)
        for _ in range(T):
            out, state = layer.forward(x[None], state)
            outputs.append(out[0])
            scores.append(head.forward(out[0]))
            x = feedback.forward(scores[-1])
        outputs, s, h_n = np.stack(outputs), np.stack(scores), state[0]
    else:
        x = rng.normal(size=(T, N, D)).astype(np.float32)
        assert tuple(trace["x"]) == x.shape
        outputs, (h_n, _) = layer.forward(x)
        s = head.forward(outputs if architecture == "many_to_many" else outputs[-1])
    assert tuple(trace["outputs"]) == outputs.shape
    assert tuple(trace["h_n"]) == h_n.shape
    assert tuple(trace["s"]) == s.shape


def test_gradient_product_by_hand():
    trace = gradient_product_trace([0.9] * 20)
    assert float(trace["product"]) == pytest.approx(0.9 ** 20)
    assert float(trace["log10"]) == pytest.approx(20 * math.log10(0.9))
    assert trace.entries[-1].symbol == r"\gamma^{T} = 0.9^{20}"
    assert float(gradient_product_trace([1.5, -2.0, 0.5])["product"]) == pytest.approx(-1.5)
    assert float(gradient_product_trace([1.5, 0.0])["product"]) == 0.0


@pytest.mark.parametrize("seed", range(6))
def test_scalar_rnn_gradient_by_central_differences(seed):
    rng = np.random.default_rng(seed)
    w_h, w_x = rng.uniform(-1.5, 1.5), rng.uniform(-1, 1)
    x, h0 = rng.normal(size=4), rng.uniform(-0.5, 0.5)

    def h_T(start):
        h = start[0]
        for value in x:
            h = np.tanh(w_h * h + w_x * value)
        return h

    trace = scalar_rnn_gradient_trace(w_h, w_x, x, h0)
    assert float(trace["product"]) == pytest.approx(central_difference(h_T, [h0])[0], rel=1e-5, abs=1e-9)
