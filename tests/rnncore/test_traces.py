"""Worked-example traces: the course's own example, and LSTM and GRU steps computed by hand."""

import math

import numpy as np
import pytest

from rnncore import gru_step_trace, lstm_step_trace, output_step_trace, rnn_step_trace
from rnncore.cells import gru_step_forward, lstm_step_forward


def course_example():
    return rnn_step_trace(W_x=[[0.1, 0.2], [0.3, 0.4]], x=[1, 2], W_h=[[0.5, 0.6], [0.7, 0.8]],
                          h_prev=[0, 0], b=[0.1, 0.1])


def test_course_example_comes_out_exactly():
    trace = course_example()
    assert trace.keys() == ["Wx_x", "Wh_h", "a", "h"]
    np.testing.assert_allclose(trace["Wx_x"], [0.5, 1.1], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(trace["Wh_h"], [0.0, 0.0])
    np.testing.assert_allclose(trace["a"], [0.6, 1.2], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(np.round(trace["h"], 5), [0.53705, 0.83365])
    assert trace["h"][0] == pytest.approx(math.tanh(0.6), rel=1e-15)
    assert trace["h"][1] == pytest.approx(math.tanh(1.2), rel=1e-15)


def test_trace_symbols_use_the_course_notation_and_step():
    trace = course_example()
    assert [e.symbol for e in trace.entries] == [
        "W_x x_{1}", "W_h h_{0}", "a_{1} = W_x x_{1} + W_h h_{0} + b", r"h_{1} = \tanh(a_{1})"]
    later = rnn_step_trace([[1.0]], [1.0], [[1.0]], [0.5], [0.0], step=7)
    assert later.entries[0].symbol == "W_x x_{7}"
    assert later["h"][0] == pytest.approx(math.tanh(1.5), rel=1e-15)


def test_trace_as_dict_is_plain_data():
    data = course_example().as_dict()
    assert data["cell"] == "rnn" and data["step"] == 1
    assert data["inputs"]["x"] == [1.0, 2.0]
    assert data["entries"][0] == {"key": "Wx_x", "symbol": "W_x x_{1}", "note": "input term",
                                  "value": [0.5, 1.1]}
    assert course_example().as_dict(decimals=5)["entries"][-1]["value"] == [0.53705, 0.83365]


def test_relu_trace():
    trace = rnn_step_trace([[1.0], [-1.0]], [2.0], [[0.0, 0.0], [0.0, 0.0]], [0, 0], [0, 0],
                           nonlinearity="relu")
    np.testing.assert_array_equal(trace["h"], [2.0, 0.0])


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def test_lstm_trace_by_hand():
    # one hidden unit, one input: every gate is a scalar; b stacks b_i, b_f, b_g, b_o
    W_x, W_h, b = [[0.5], [0.4], [0.3], [0.2]], [[0.1], [0.2], [-0.3], [0.4]], [0.0, 1.0, 0.0, -0.5]
    x, h_prev, c_prev = [2.0], [0.5], [-1.0]
    i = _sigmoid(0.5 * 2 + 0.1 * 0.5)           # 1.05
    f = _sigmoid(0.4 * 2 + 0.2 * 0.5 + 1.0)     # 1.9
    g = math.tanh(0.3 * 2 - 0.3 * 0.5)          # 0.45
    o = _sigmoid(0.2 * 2 + 0.4 * 0.5 - 0.5)     # 0.1
    c = f * -1.0 + i * g
    h = o * math.tanh(c)
    trace = lstm_step_trace(W_x, x, W_h, h_prev, c_prev, b)
    assert trace.keys() == ["Wx_x", "Wh_h", "a", "i", "f", "g", "o", "f_c", "i_g", "c",
                            "tanh_c", "h"]
    np.testing.assert_allclose(trace["a"], [1.05, 1.9, 0.45, 0.1], rtol=0, atol=1e-15)
    for key, value in {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}.items():
        assert trace[key][0] == pytest.approx(value, abs=1e-15), key
    # and the step function that the layers are built from agrees
    h_step, c_step, _ = lstm_step_forward(np.array([x]), np.array([h_prev]), np.array([c_prev]),
                                          np.array(W_x), np.array(W_h), np.array(b), np.zeros(4))
    assert h_step[0, 0] == pytest.approx(h, abs=1e-15)
    assert c_step[0, 0] == pytest.approx(c, abs=1e-15)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_trace_by_hand(reset_after):
    W_x, W_h = [[0.5], [0.4], [0.3]], [[0.1], [0.2], [-0.6]]
    b_x, b_h = [0.0, 0.1, 0.2], [0.3, 0.0, 0.5]
    x, h_prev = [2.0], [0.5]
    r = _sigmoid(0.5 * 2 + 0.0 + 0.1 * 0.5 + 0.3)
    z = _sigmoid(0.4 * 2 + 0.1 + 0.2 * 0.5 + 0.0)
    if reset_after:
        n = math.tanh(0.3 * 2 + 0.2 + r * (-0.6 * 0.5 + 0.5))
    else:
        n = math.tanh(0.3 * 2 + 0.2 + -0.6 * (r * 0.5) + 0.5)
    h = (1 - z) * n + z * 0.5
    trace = gru_step_trace(W_x, x, W_h, h_prev, b_x, b_h, reset_after=reset_after)
    for key, value in {"r": r, "z": z, "n": n, "h": h}.items():
        assert trace[key][0] == pytest.approx(value, abs=1e-15), key
    h_step, _ = gru_step_forward(np.array([x]), np.array([h_prev]), np.array(W_x), np.array(W_h),
                                 np.array(b_x), np.array(b_h), reset_after=reset_after)
    assert h_step[0, 0] == pytest.approx(h, abs=1e-15)


def test_gru_trace_bias_defaults_to_zero():
    with_zero = gru_step_trace([[0.5], [0.4], [0.3]], [1.0], [[0.1], [0.2], [0.3]], [0.2], [0, 0, 0],
                               b_h=[0, 0, 0])
    default = gru_step_trace([[0.5], [0.4], [0.3]], [1.0], [[0.1], [0.2], [0.3]], [0.2], [0, 0, 0])
    np.testing.assert_array_equal(with_zero["h"], default["h"])


def test_column_vectors_are_accepted():
    trace = rnn_step_trace([[0.1, 0.2], [0.3, 0.4]], [[1], [2]], [[0.5, 0.6], [0.7, 0.8]],
                           [[0], [0]], [[0.1], [0.1]])
    np.testing.assert_array_equal(trace["h"], course_example()["h"])


def test_lstm_and_gru_traces_literal_numbers():
    """The worked examples against literals (mpmath, 50 digits; see test_cells.py), not formulas."""
    from tests.rnncore.test_cells import (C_PREV, GRU_B_H, GRU_B_X, GRU_LITERALS, GRU_W_H, GRU_W_X, H_PREV,
                            LSTM_B, LSTM_LITERALS, LSTM_PRE_ACTIVATIONS, LSTM_W_H, LSTM_W_X, X)
    trace = lstm_step_trace(LSTM_W_X, X, LSTM_W_H, H_PREV, C_PREV, LSTM_B)
    np.testing.assert_allclose(trace["a"], LSTM_PRE_ACTIVATIONS, rtol=0, atol=1e-15)
    for key, expected in LSTM_LITERALS.items():
        np.testing.assert_allclose(trace[key], expected, rtol=0, atol=1e-14, err_msg=key)
    for reset_after, literals in GRU_LITERALS.items():
        trace = gru_step_trace(GRU_W_X, X, GRU_W_H, H_PREV, GRU_B_X, GRU_B_H,
                               reset_after=reset_after)
        for key, expected in literals.items():
            np.testing.assert_allclose(trace[key], expected, rtol=0, atol=1e-14, err_msg=key)


def test_symbols_follow_the_course_notation():
    """fixtures/README.md's notation: the LSTM's candidate is g_t (no \\tilde{c}), the GRU's
    \\tilde{h}_t; an LSTM or GRU has no single W_h; the gates' biases are one per gate."""
    lstm = lstm_step_trace([[0.5], [0.4], [0.3], [0.2]], [2.0], [[0.1], [0.2], [-0.3], [0.4]],
                           [0.5], [-1.0], [0.0, 1.0, 0.0, -0.5])
    symbols = {e.key: e.symbol for e in lstm.entries}
    assert symbols["g"].startswith("g_{1} = ")
    assert symbols["c"] == r"c_{1} = f_{1} \odot c_{0} + i_{1} \odot g_{1}"
    assert symbols["Wh_h"] == r"W_{h\cdot} h_{0}"
    gru = gru_step_trace([[0.5], [0.4], [0.3]], [2.0], [[0.1], [0.2], [-0.6]], [0.5],
                         [0.0, 0.1, 0.2], [0.3, 0.0, 0.5])
    gru_symbols = {e.key: e.symbol for e in gru.entries}
    assert gru_symbols["n"].startswith(r"\tilde{h}_{1} = ")
    assert gru_symbols["r"] == r"r_{1} = \sigma(W_{xr} x_{1} + W_{hr} h_{0} + b_r)"
    for trace in (lstm, gru, course_example()):
        for entry in trace.entries:
            assert r"\tilde{c}" not in entry.symbol and "y_" not in entry.symbol
            if trace.cell != "rnn":
                assert "W_h " not in entry.symbol


def test_output_trace_classification():
    W_y, h, b_y = [[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], [0.5, -0.5], [0.0, 0.5, -1.0]
    trace = output_step_trace(W_y, h, b_y, y=1, step=3)
    assert trace.keys() == ["s", "y_hat", "loss"]
    np.testing.assert_allclose(trace["s"], [0.5, -0.5, -1.0], rtol=0, atol=1e-15)
    e = [math.exp(v) for v in (0.5, -0.5, -1.0)]
    np.testing.assert_allclose(trace["y_hat"], [v / sum(e) for v in e], rtol=1e-15)
    assert float(trace["loss"]) == pytest.approx(-math.log(e[1] / sum(e)), rel=1e-14)
    assert [entry.symbol for entry in trace.entries] == [
        "s_{3} = W_y h_{3} + b_y", r"\hat{y}_{3} = \operatorname{softmax}(s_{3})",
        r"\mathcal{L}_{3} = -\log \hat{y}_{3, y_{3}}"]
    assert output_step_trace(W_y, h, b_y).keys() == ["s", "y_hat"]
    # a score far below the others: the loss stays finite (computed as a log-sum-exp)
    far = output_step_trace([[1.0]] * 2, [1.0], [800.0, -800.0], y=1)
    assert float(far["loss"]) == pytest.approx(1600.0)


def test_output_trace_regression_and_validation():
    trace = output_step_trace([[2.0, 0.0]], [1.0, 3.0], [0.5], y=[2.0], kind="regression")
    assert trace.keys() == ["s", "y_hat", "loss"]
    assert trace["y_hat"].tolist() == [2.5] and float(trace["loss"]) == pytest.approx(0.25)
    assert trace.entries[-1].symbol == r"\mathcal{L}_{1} = \lVert \hat{y}_{1} - y_{1} \rVert^2"
    with pytest.raises(ValueError, match=r"y must be in \[0, 2\]"):
        output_step_trace([[1.0]] * 3, [1.0], [0.0] * 3, y=3)
    with pytest.raises(ValueError, match=r"W_y must have shape \(3, 1\)"):
        output_step_trace([[1.0, 2.0]] * 3, [1.0], [0.0] * 3)
    with pytest.raises(ValueError, match="kind must be one of"):
        output_step_trace([[1.0]], [1.0], [0.0], kind="ranking")
