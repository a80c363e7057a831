"""The step functions: gradient checks of every cell, and hand-computed LSTM and GRU steps."""

import math

import numpy as np
import pytest
from gradcheck_helpers import assert_gradient

from rnncore.cells import (gru_step_backward, gru_step_forward, lstm_step_backward,
                           lstm_step_forward, rnn_step_backward, rnn_step_forward)

B, I, H = 2, 3, 4


def make_params(rng, gates):
    return {
        "weight_ih": rng.normal(size=(gates * H, I)),
        "weight_hh": rng.normal(size=(gates * H, H)),
        "bias_ih": rng.normal(size=gates * H),
        "bias_hh": rng.normal(size=gates * H),
    }


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_step_gradients(nonlinearity):
    rng = np.random.default_rng(1)
    x, h_prev, params = rng.normal(size=(B, I)), rng.normal(size=(B, H)), make_params(rng, 1)
    dh = rng.normal(size=(B, H))

    def loss():
        h, _ = rnn_step_forward(x, h_prev, **params, nonlinearity=nonlinearity)
        return np.sum(h * dh)

    _, cache = rnn_step_forward(x, h_prev, **params, nonlinearity=nonlinearity)
    dx, dh_prev, grads = rnn_step_backward(dh, cache)
    assert_gradient("x", dx, loss, x)
    assert_gradient("h_prev", dh_prev, loss, h_prev)
    for name, value in params.items():
        assert_gradient(name, grads[name], loss, value)


def test_lstm_step_gradients():
    rng = np.random.default_rng(2)
    x, h_prev, c_prev = rng.normal(size=(B, I)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    params = make_params(rng, 4)
    dh, dc = rng.normal(size=(B, H)), rng.normal(size=(B, H))

    def loss():
        h, c, _ = lstm_step_forward(x, h_prev, c_prev, **params)
        return np.sum(h * dh) + np.sum(c * dc)

    _, _, cache = lstm_step_forward(x, h_prev, c_prev, **params)
    dx, dh_prev, dc_prev, grads = lstm_step_backward(dh, dc, cache)
    assert_gradient("x", dx, loss, x)
    assert_gradient("h_prev", dh_prev, loss, h_prev)
    assert_gradient("c_prev", dc_prev, loss, c_prev)
    for name, value in params.items():
        assert_gradient(name, grads[name], loss, value)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_step_gradients(reset_after):
    rng = np.random.default_rng(3)
    x, h_prev, params = rng.normal(size=(B, I)), rng.normal(size=(B, H)), make_params(rng, 3)
    dh = rng.normal(size=(B, H))

    def loss():
        h, _ = gru_step_forward(x, h_prev, **params, reset_after=reset_after)
        return np.sum(h * dh)

    _, cache = gru_step_forward(x, h_prev, **params, reset_after=reset_after)
    dx, dh_prev, grads = gru_step_backward(dh, cache)
    assert_gradient("x", dx, loss, x)
    assert_gradient("h_prev", dh_prev, loss, h_prev)
    for name, value in params.items():
        assert_gradient(name, grads[name], loss, value)


# ---- hand-computed steps: scalar arithmetic with the math module, unit by unit -------------

def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def _dot(row, vector):
    return sum(w * v for w, v in zip(row, vector))


X = [0.5, -1.0]
H_PREV = [0.1, -0.2]
C_PREV = [0.3, 0.6]
# gate rows for 2 hidden units, written out so each weight is visible
LSTM_W_X = [[0.1, 0.2], [0.3, -0.1],      # i
            [0.5, 0.4], [-0.2, 0.1],      # f
            [0.7, -0.3], [0.2, 0.6],      # g
            [-0.4, 0.2], [0.1, 0.1]]      # o
LSTM_W_H = [[0.2, -0.1], [0.0, 0.3],
            [0.1, 0.1], [0.4, -0.2],
            [-0.3, 0.5], [0.2, 0.2],
            [0.6, 0.0], [-0.1, 0.4]]
LSTM_B = [0.1, -0.1, 1.0, 1.0, 0.0, 0.2, -0.3, 0.05]


def test_lstm_step_by_hand():
    expected_h, expected_c = [], []
    for unit in range(2):
        pre = [_dot(LSTM_W_X[g * 2 + unit], X) + _dot(LSTM_W_H[g * 2 + unit], H_PREV)
               + LSTM_B[g * 2 + unit] for g in range(4)]
        i, f, g, o = _sigmoid(pre[0]), _sigmoid(pre[1]), math.tanh(pre[2]), _sigmoid(pre[3])
        c = f * C_PREV[unit] + i * g
        expected_c.append(c)
        expected_h.append(o * math.tanh(c))
    bias = np.array(LSTM_B)
    h, c, _ = lstm_step_forward(np.array([X]), np.array([H_PREV]), np.array([C_PREV]),
                                np.array(LSTM_W_X), np.array(LSTM_W_H), bias / 2, bias / 2)
    np.testing.assert_allclose(h[0], expected_h, rtol=0, atol=1e-15)
    np.testing.assert_allclose(c[0], expected_c, rtol=0, atol=1e-15)


GRU_W_X = [[0.1, 0.2], [0.3, -0.1],       # r
           [0.5, 0.4], [-0.2, 0.1],       # z
           [0.7, -0.3], [0.2, 0.6]]       # n
GRU_W_H = [[0.2, -0.1], [0.0, 0.3],
           [0.1, 0.1], [0.4, -0.2],
           [-0.3, 0.5], [0.2, 0.2]]
GRU_B_X = [0.1, -0.1, 0.2, 0.0, -0.3, 0.1]
GRU_B_H = [0.05, 0.0, -0.1, 0.2, 0.4, -0.2]


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_step_by_hand(reset_after):
    r, z = [], []
    for unit in range(2):
        r.append(_sigmoid(_dot(GRU_W_X[unit], X) + GRU_B_X[unit]
                          + _dot(GRU_W_H[unit], H_PREV) + GRU_B_H[unit]))
        z.append(_sigmoid(_dot(GRU_W_X[2 + unit], X) + GRU_B_X[2 + unit]
                          + _dot(GRU_W_H[2 + unit], H_PREV) + GRU_B_H[2 + unit]))
    expected = []
    for unit in range(2):
        x_term = _dot(GRU_W_X[4 + unit], X) + GRU_B_X[4 + unit]
        if reset_after:   # r ⊙ (W_hn h + b_hn)
            h_term = r[unit] * (_dot(GRU_W_H[4 + unit], H_PREV) + GRU_B_H[4 + unit])
        else:             # W_hn (r ⊙ h) + b_hn
            reset_h = [r[k] * H_PREV[k] for k in range(2)]
            h_term = _dot(GRU_W_H[4 + unit], reset_h) + GRU_B_H[4 + unit]
        n = math.tanh(x_term + h_term)
        expected.append((1 - z[unit]) * n + z[unit] * H_PREV[unit])
    h, _ = gru_step_forward(np.array([X]), np.array([H_PREV]), np.array(GRU_W_X),
                            np.array(GRU_W_H), np.array(GRU_B_X), np.array(GRU_B_H),
                            reset_after=reset_after)
    np.testing.assert_allclose(h[0], expected, rtol=0, atol=1e-15)


def test_gru_forms_differ():
    args = (np.array([X]), np.array([H_PREV]), np.array(GRU_W_X), np.array(GRU_W_H),
            np.array(GRU_B_X), np.array(GRU_B_H))
    assert not np.allclose(gru_step_forward(*args, reset_after=True)[0],
                           gru_step_forward(*args, reset_after=False)[0])
