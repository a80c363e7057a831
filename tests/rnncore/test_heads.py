"""The Linear output head, alone and on top of a recurrent layer (many-to-many, many-to-one)."""

import numpy as np
import pytest
from tests.rnncore.gradcheck_helpers import assert_gradient

from rnncore import GRU, LSTM, Linear

T, B, I, H, O = 3, 2, 3, 4, 2


@pytest.mark.parametrize("shape", [(T, B, H), (B, H)], ids=["sequence", "single"])
def test_linear_gradients(shape):
    head = Linear(H, O, dtype=np.float64, seed=0)
    rng = np.random.default_rng(1)
    h = rng.normal(size=shape)
    ds = rng.normal(size=shape[:-1] + (O,))

    def loss():
        return np.sum(head.forward(h) * ds)

    head.forward(h)
    dh, grads = head.backward(ds)
    assert list(grads) == ["weight", "bias"]
    assert_gradient("h", dh, loss, h)
    for name, value in head.parameters().items():
        assert_gradient(name, grads[name], loss, value)


def test_linear_computes_the_scores_W_y_h_plus_b_y():
    head = Linear(2, 1, dtype=np.float64, seed=0)
    head.load_state_dict({"weight": np.array([[2.0, -1.0]]), "bias": np.array([0.5])})
    np.testing.assert_array_equal(head.forward(np.array([[3.0, 4.0]])), [[2.5]])


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_many_to_many(bidirectional):
    D = 2 if bidirectional else 1
    layer = LSTM(I, H, bidirectional=bidirectional, dtype=np.float64, seed=2)
    head = Linear(D * H, O, dtype=np.float64, seed=3)
    rng = np.random.default_rng(4)
    x, ds = rng.normal(size=(T, B, I)), rng.normal(size=(T, B, O))

    def loss():
        outputs, _ = layer.forward(x)
        return np.sum(head.forward(outputs) * ds)

    loss()
    d_outputs, head_grads = head.backward(ds)
    dx, _, grads = layer.backward(d_outputs)
    assert_gradient("x", dx, loss, x)
    for name, value in layer.parameters().items():
        assert_gradient(name, grads[name], loss, value)
    for name, value in head.parameters().items():
        assert_gradient(name, head_grads[name], loss, value)


def test_many_to_one_from_final_state():
    """s = W_y h_T + b_y on the top layer's final state; its gradient enters as d_final_state."""
    layer = GRU(I, H, num_layers=2, dtype=np.float64, seed=5)
    head = Linear(H, O, dtype=np.float64, seed=6)
    rng = np.random.default_rng(7)
    x, ds = rng.normal(size=(T, B, I)), rng.normal(size=(B, O))

    def loss():
        _, h_n = layer.forward(x)
        return np.sum(head.forward(h_n[-1]) * ds)

    loss()
    dh_last, head_grads = head.backward(ds)
    d_final = np.zeros((2, B, H))
    d_final[-1] = dh_last
    dx, _, grads = layer.backward(None, d_final)
    assert_gradient("x", dx, loss, x)
    for name, value in layer.parameters().items():
        assert_gradient(name, grads[name], loss, value)
    for name, value in head.parameters().items():
        assert_gradient(name, head_grads[name], loss, value)


def test_many_to_one_from_last_output():
    """The same through outputs[-1]: its gradient is the last row of d_outputs."""
    layer = LSTM(I, H, dtype=np.float64, seed=8)
    head = Linear(H, O, dtype=np.float64, seed=9)
    rng = np.random.default_rng(10)
    x, ds = rng.normal(size=(T, B, I)), rng.normal(size=(B, O))

    def loss():
        outputs, _ = layer.forward(x)
        return np.sum(head.forward(outputs[-1]) * ds)

    loss()
    d_outputs = np.zeros((T, B, H))
    d_outputs[-1], _ = head.backward(ds)
    dx, (dh0, dc0), grads = layer.backward(d_outputs)
    assert_gradient("x", dx, loss, x)
    for name, value in layer.parameters().items():
        assert_gradient(name, grads[name], loss, value)


def test_linear_state_dict_round_trip():
    a, b = Linear(H, O, seed=1), Linear(H, O, seed=2)
    b.load_state_dict(a.state_dict())
    for name, value in a.parameters().items():
        np.testing.assert_array_equal(b.parameters()[name], value)
    assert np.abs(a.parameters()["weight"]).max() <= 1 / np.sqrt(H)
