"""The step functions: gradient checks of every cell, and hand-computed LSTM and GRU steps."""

import math

import numpy as np
import pytest
from tests.rnncore.gradcheck_helpers import assert_gradient

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


# ---- the same steps against literal numbers --------------------------------------------------
# The tests above re-derive the expected values with the formulas; these pin them as literals, so a
# formula shared by a mistake between the code and the test cannot hide. The literals were
# computed once, independently of rnncore, with mpmath at 50 significant digits (exact decimal
# inputs, 1/(1+exp(-v)) and tanh) and rounded to 17 digits; PyTorch's float64 nn.LSTMCell and
# nn.GRUCell (reset_after form) agree with them to 1e-16. Inputs: X, H_PREV, C_PREV and the
# weights above (hidden 2, input 2, batch 1).

LSTM_LITERALS = {
    "i": [0.497500020833125, 0.52248482479180012],
    "f": [0.69846521600253878, 0.70682222109356758],
    "g": [0.47770001216849799, -0.30950692121263846],
    "o": [0.34524653939368077, 0.47751517520819988],
    "c": [0.44719533080657345, 0.26238066315450566],
    "h": [0.14486228497178569, 0.12249262053942547],
}
# pre-activations W_x x + W_h h + b, gate by gate (i, f, g, o), exact in decimal:
LSTM_PRE_ACTIVATIONS = [-0.01, 0.09, 0.84, 0.88, 0.52, -0.32, -0.64, -0.09]

GRU_LITERALS = {
    True: {"r": [0.50999866687996547, 0.52248482479180012],
           "z": [0.48500449838058993, 0.51998934015558179],
           "n": [0.45238875946506017, -0.47379042746283927],
           "h": [0.2814786259457503, -0.3314223237455228]},
    False: {"r": [0.50999866687996547, 0.52248482479180012],
            "z": [0.48500449838058993, 0.51998934015558179],
            "n": [0.59311085371956347, -0.54461925094321846],
            "h": [0.35394987146528213, -0.36542091404034344]},
}
LITERAL_TOLERANCE = 1e-14


def test_lstm_step_literal_numbers():
    bias = np.array(LSTM_B)
    h, c, cache = lstm_step_forward(np.array([X]), np.array([H_PREV]), np.array([C_PREV]),
                                    np.array(LSTM_W_X), np.array(LSTM_W_H), bias / 2, bias / 2)
    computed = {"i": cache.i, "f": cache.f, "g": cache.g, "o": cache.o, "c": c, "h": h}
    for name, expected in LSTM_LITERALS.items():
        np.testing.assert_allclose(computed[name][0], expected, rtol=0, atol=LITERAL_TOLERANCE,
                                   err_msg=name)
    # the gates are the activations of the decimal pre-activations
    sig = [1 / (1 + math.exp(-v)) for v in LSTM_PRE_ACTIVATIONS]
    np.testing.assert_allclose(LSTM_LITERALS["i"] + LSTM_LITERALS["f"], sig[:4], rtol=0,
                               atol=1e-16)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_step_literal_numbers(reset_after):
    h, cache = gru_step_forward(np.array([X]), np.array([H_PREV]), np.array(GRU_W_X),
                                np.array(GRU_W_H), np.array(GRU_B_X), np.array(GRU_B_H),
                                reset_after=reset_after)
    computed = {"r": cache.r, "z": cache.z, "n": cache.n, "h": h}
    for name, expected in GRU_LITERALS[reset_after].items():
        np.testing.assert_allclose(computed[name][0], expected, rtol=0, atol=LITERAL_TOLERANCE,
                                   err_msg=name)


def test_rnn_step_literal_numbers():
    """The course's example, h_1 = tanh([0.6, 1.2]), to 17 digits (mpmath)."""
    h, _ = rnn_step_forward(np.array([[1.0, 2.0]]), np.zeros((1, 2)),
                            np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([[0.5, 0.6], [0.7, 0.8]]),
                            np.array([0.1, 0.1]), np.zeros(2))
    np.testing.assert_allclose(h[0], [0.53704956699803529, 0.83365460701215526], rtol=0,
                               atol=LITERAL_TOLERANCE)
