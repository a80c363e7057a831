"""Every ValueError path: each names the parameter and, for sizes, the allowed range."""

import numpy as np
import pytest

from rnncore import (GRU, LSTM, RNN, Linear, gru_step_trace, limits, lstm_step_trace,
                     rnn_step_trace)
from rnncore.bptt import gru_backward, gru_forward, lstm_backward, lstm_forward, rnn_backward, rnn_forward
from rnncore.cells import (gru_step_backward, gru_step_forward, lstm_step_backward,
                           lstm_step_forward, rnn_step_backward, rnn_step_forward)

F32 = np.float32


def test_limits_are_sensible_for_a_web_demo():
    assert limits.MAX_HIDDEN_SIZE == 512 and limits.MAX_LAYERS == 4
    assert limits.MAX_SEQ_LEN == 1000 and limits.MAX_BATCH == 256
    assert limits.MAX_INPUT_SIZE >= 64 and limits.MAX_OUTPUT_SIZE >= 64


# ---- constructors --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"input_size": 0}, r"input_size must be in \[1, 1024\], got 0"),
    ({"input_size": limits.MAX_INPUT_SIZE + 1}, r"input_size must be in \[1, 1024\]"),
    ({"input_size": 2.5}, r"input_size must be an integer in \[1, 1024\], got 2.5"),
    ({"input_size": True}, r"input_size must be an integer"),
    ({"hidden_size": 0}, r"hidden_size must be in \[1, 512\], got 0"),
    ({"hidden_size": 513}, r"hidden_size must be in \[1, 512\], got 513"),
    ({"hidden_size": "8"}, r"hidden_size must be an integer in \[1, 512\], got '8'"),
    ({"num_layers": 0}, r"num_layers must be in \[1, 4\], got 0"),
    ({"num_layers": 5}, r"num_layers must be in \[1, 4\], got 5"),
    ({"bidirectional": "yes"}, r"bidirectional must be True or False"),
    ({"dtype": np.int32}, r"dtype must be one of float32, float64"),
    ({"dtype": "float16"}, r"dtype must be one of float32, float64"),
    ({"dtype": "nonsense"}, r"dtype must be one of float32, float64"),
    ({"seed": -1}, r"seed must be in \[0, 4294967295\], got -1"),
    ({"seed": 1.5}, r"seed must be an integer"),
    ({"seed": 1, "rng": np.random.default_rng(1)}, r"either seed or rng"),
    ({"rng": 42}, r"rng must be a numpy.random.Generator"),
])
@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_constructor_arguments(cls, kwargs, message):
    arguments = {"input_size": 3, "hidden_size": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        cls(**arguments)


def test_cell_specific_options():
    with pytest.raises(ValueError, match=r"nonlinearity must be one of 'tanh', 'relu', got 'sigmoid'"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"reset_after must be True or False"):
        GRU(3, 4, reset_after=1)


# ---- forward / backward --------------------------------------------------------------------

@pytest.mark.parametrize("x, message", [
    ([[[1.0, 2.0, 3.0]]], r"x must be a numpy array, got list"),
    (np.zeros((2, 3), F32), r"x must have shape \(seq_len, batch, 3\) \(time-major\)"),
    (np.zeros((0, 2, 3), F32), r"x seq_len \(dimension 0\) must be in \[1, 1000\], got 0"),
    (np.zeros((1001, 1, 3), F32), r"x seq_len \(dimension 0\) must be in \[1, 1000\], got 1001"),
    (np.zeros((2, 257, 3), F32), r"x batch \(dimension 1\) must be in \[1, 256\], got 257"),
    (np.zeros((2, 2, 4), F32), r"x must have shape \(\*, \*, 3\), got \(2, 2, 4\)"),
    (np.zeros((2, 2, 3), np.float64), r"x must have dtype float32, got float64"),
    (np.zeros((2, 2, 3), np.int64), r"x must have dtype float32, got int64"),
])
@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_forward_input(cls, x, message):
    with pytest.raises(ValueError, match=message):
        cls(3, 4, seed=0).forward(x)


def test_forward_state():
    x = np.zeros((2, 5, 3), F32)
    with pytest.raises(ValueError, match=r"state must have shape \(2, 5, 4\), got \(1, 5, 4\)"):
        GRU(3, 4, num_layers=2, seed=0).forward(x, np.zeros((1, 5, 4), F32))
    with pytest.raises(ValueError, match=r"state must have shape \(2, 5, 4\)"):
        RNN(3, 4, bidirectional=True, seed=0).forward(x, np.zeros((1, 5, 4), F32))
    with pytest.raises(ValueError, match=r"state must have dtype float32, got float64"):
        RNN(3, 4, seed=0).forward(x, np.zeros((1, 5, 4)))
    with pytest.raises(ValueError, match=r"state must be a numpy array, got tuple"):
        RNN(3, 4, seed=0).forward(x, (np.zeros((1, 5, 4), F32),))
    with pytest.raises(ValueError, match=r"state must be a pair \(h, c\) of arrays for an LSTM"):
        LSTM(3, 4, seed=0).forward(x, np.zeros((1, 5, 4), F32))
    with pytest.raises(ValueError, match=r"state\[1\] \(c\) must have shape \(1, 5, 4\)"):
        LSTM(3, 4, seed=0).forward(x, (np.zeros((1, 5, 4), F32), np.zeros((1, 5, 3), F32)))


def test_backward_arguments():
    layer = LSTM(3, 4, bidirectional=True, seed=0)
    with pytest.raises(ValueError, match=r"backward\(\) needs a forward\(\) first"):
        layer.backward(np.zeros((2, 5, 8), F32))
    layer.forward(np.zeros((2, 5, 3), F32))
    with pytest.raises(ValueError, match=r"d_outputs must have shape \(2, 5, 8\), got \(2, 5, 4\)"):
        layer.backward(np.zeros((2, 5, 4), F32))
    with pytest.raises(ValueError, match=r"d_outputs must have dtype float32"):
        layer.backward(np.zeros((2, 5, 8)))
    with pytest.raises(ValueError, match=r"d_final_state\[0\] \(h\) must have shape \(2, 5, 4\)"):
        layer.backward(None, (np.zeros((1, 5, 4), F32), np.zeros((2, 5, 4), F32)))
    with pytest.raises(ValueError, match=r"d_final_state must be a pair"):
        layer.backward(None, np.zeros((2, 5, 4), F32))


def test_initial_state_batch():
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, 256\], got 0"):
        RNN(3, 4, seed=0).initial_state(0)


# ---- state dicts ---------------------------------------------------------------------------

def test_load_state_dict():
    layer = RNN(3, 4, seed=0)
    good = layer.state_dict()
    with pytest.raises(ValueError, match=r"state must be a dict"):
        layer.load_state_dict([1, 2])
    with pytest.raises(ValueError, match=r"missing \['bias_hh_l0'\], unexpected \[\]"):
        layer.load_state_dict({k: v for k, v in good.items() if k != "bias_hh_l0"})
    with pytest.raises(ValueError, match=r"missing \[\], unexpected \['extra'\]"):
        layer.load_state_dict({**good, "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"state\['weight_hh_l0'\] must have shape \(4, 4\), got \(4, 3\)"):
        layer.load_state_dict({**good, "weight_hh_l0": np.zeros((4, 3))})
    with pytest.raises(ValueError, match=r"state\['bias_ih_l0'\] must contain only finite numbers"):
        layer.load_state_dict({**good, "bias_ih_l0": np.full(4, np.nan)})
    with pytest.raises(ValueError, match=r"state\['bias_ih_l0'\] must be an array of numbers"):
        layer.load_state_dict({**good, "bias_ih_l0": ["a", "b", "c", "d"]})
    before = layer.state_dict()
    with pytest.raises(ValueError):   # nothing is written when any entry is bad
        layer.load_state_dict({**good, "weight_ih_l0": np.ones((4, 3)), "bias_ih_l0": np.zeros(5)})
    np.testing.assert_array_equal(layer.parameters()["weight_ih_l0"], before["weight_ih_l0"])


# ---- the head ------------------------------------------------------------------------------

def test_linear_arguments():
    with pytest.raises(ValueError, match=r"in_features must be in \[1, 1024\], got 0"):
        Linear(0, 2)
    with pytest.raises(ValueError, match=r"out_features must be in \[1, 1024\], got 2000"):
        Linear(4, 2000)
    with pytest.raises(ValueError, match=r"dtype must be one of float32, float64"):
        Linear(4, 2, dtype=int)
    head = Linear(4, 2, seed=0)
    with pytest.raises(ValueError, match=r"backward\(\) needs a forward\(\) first"):
        head.backward(np.zeros((3, 2), F32))
    with pytest.raises(ValueError, match=r"h must be an array of shape \(T, B, 4\) or \(B, 4\), got \(4,\)"):
        head.forward(np.zeros(4, F32))
    with pytest.raises(ValueError, match=r"h must be an array of shape"):
        head.forward([[1.0, 2.0, 3.0, 4.0]])
    with pytest.raises(ValueError, match=r"h must have shape \(\*, 4\), got \(3, 5\)"):
        head.forward(np.zeros((3, 5), F32))
    with pytest.raises(ValueError, match=r"h must have dtype float32"):
        head.forward(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"h seq_len \(dimension 0\) must be in \[1, 1000\]"):
        head.forward(np.zeros((1001, 1, 4), F32))
    with pytest.raises(ValueError, match=r"h batch \(dimension -2\) must be in \[1, 256\]"):
        head.forward(np.zeros((300, 4), F32))
    head.forward(np.zeros((3, 4), F32))
    with pytest.raises(ValueError, match=r"dy must have shape \(3, 2\), got \(3, 3\)"):
        head.backward(np.zeros((3, 3), F32))
    with pytest.raises(ValueError, match=r"missing \['bias'\]"):
        head.load_state_dict({"weight": np.zeros((2, 4))})


# ---- traces --------------------------------------------------------------------------------

W2 = [[0.1, 0.2], [0.3, 0.4]]


@pytest.mark.parametrize("kwargs, message", [
    ({"nonlinearity": "sigmoid"}, r"nonlinearity must be one of 'tanh', 'relu'"),
    ({"step": 0}, r"step must be in \[1, 1000\], got 0"),
    ({"x": [[1, 2], [3, 4]]}, r"x must be a vector, got shape \(2, 2\)"),
    ({"x": [1, float("nan")]}, r"x must contain only finite numbers"),
    ({"x": ["a", "b"]}, r"x must be numbers"),
    ({"x": []}, r"x size must be in \[1, 1024\], got 0"),
    ({"W_x": [[0.1, 0.2]]}, r"W_x must have shape \(2, 2\), got \(1, 2\)"),
    ({"W_h": [[0.1]]}, r"W_h must have shape \(2, 2\), got \(1, 1\)"),
    ({"b": [0.1]}, r"b must have 2 entries, got 1"),
    ({"h_prev": [0.0] * 513}, r"h_prev size must be in \[1, 512\], got 513"),
])
def test_rnn_trace_arguments(kwargs, message):
    arguments = {"W_x": W2, "x": [1, 2], "W_h": W2, "h_prev": [0, 0], "b": [0.1, 0.1], **kwargs}
    with pytest.raises(ValueError, match=message):
        rnn_step_trace(**arguments)


def test_lstm_and_gru_trace_arguments():
    W4, W3 = [[0.1]] * 4, [[0.1]] * 3
    with pytest.raises(ValueError, match=r"c_prev must have 1 entries, got 2"):
        lstm_step_trace(W4, [1.0], W4, [0.0], [0.0, 0.0], [0.0] * 4)
    with pytest.raises(ValueError, match=r"W_x must have shape \(4, 1\), got \(3, 1\)"):
        lstm_step_trace(W3, [1.0], W4, [0.0], [0.0], [0.0] * 4)
    with pytest.raises(ValueError, match=r"b must have 4 entries, got 3"):
        lstm_step_trace(W4, [1.0], W4, [0.0], [0.0], [0.0] * 3)
    with pytest.raises(ValueError, match=r"W_h must have shape \(3, 1\)"):
        gru_step_trace(W3, [1.0], W4, [0.0], [0.0] * 3)
    with pytest.raises(ValueError, match=r"b_h must have 3 entries, got 2"):
        gru_step_trace(W3, [1.0], W3, [0.0], [0.0] * 3, b_h=[0.0, 0.0])
    with pytest.raises(ValueError, match=r"reset_after must be True or False"):
        gru_step_trace(W3, [1.0], W3, [0.0], [0.0] * 3, reset_after="no")
    trace = gru_step_trace(W3, [1.0], W3, [0.0], [0.0] * 3)
    with pytest.raises(ValueError, match=r"decimals must be in \[0, 17\], got -1"):
        trace.as_dict(decimals=-1)
    with pytest.raises(KeyError):
        trace["no such entry"]


# ---- step functions and sequence kernels ---------------------------------------------------

def _params(gates, I=3, H=4, dtype=np.float64):
    return [np.zeros(s, dtype) for s in [(gates * H, I), (gates * H, H), (gates * H,), (gates * H,)]]


def test_step_function_arguments():
    x, h = np.zeros((2, 3)), np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"weight_ih must have shape \(4, 3\), got \(4, 4\)"):
        rnn_step_forward(x, h, np.zeros((4, 4)), *_params(1)[1:])
    with pytest.raises(ValueError, match=r"h_prev must have shape \(2, 4\), got \(3, 4\)"):
        rnn_step_forward(x, np.zeros((3, 4)), *_params(1))
    with pytest.raises(ValueError, match=r"nonlinearity must be one of"):
        rnn_step_forward(x, h, *_params(1), nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"weight_hh must have shape \(16, 4\), got \(12, 4\)"):
        lstm_step_forward(x, h, h, *_params(3))
    with pytest.raises(ValueError, match=r"c_prev must have dtype float64, got float32"):
        lstm_step_forward(x, h, h.astype(F32), *_params(4))
    with pytest.raises(ValueError, match=r"bias_hh must have shape \(12,\)"):
        gru_step_forward(x, h, *_params(3)[:3], np.zeros(11))
    with pytest.raises(ValueError, match=r"x must have dtype float64, got float32"):
        gru_step_forward(x.astype(F32), h, *_params(3))
    with pytest.raises(ValueError, match=r"weight_hh dtype must be one of float32, float64"):
        gru_step_forward(x, h, *_params(3, dtype=np.int64))
    with pytest.raises(ValueError, match=r"x must be an array of shape \(B, I\)"):
        gru_step_forward(np.zeros(3), h, *_params(3))
    _, cache = rnn_step_forward(x, h, *_params(1))
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 4\)"):
        rnn_step_backward(np.zeros((2, 5)), cache)
    _, _, cache = lstm_step_forward(x, h, h, *_params(4))
    with pytest.raises(ValueError, match=r"dc must have shape \(2, 4\)"):
        lstm_step_backward(h, np.zeros((1, 4)), cache)
    _, cache = gru_step_forward(x, h, *_params(3))
    with pytest.raises(ValueError, match=r"dh must have dtype float64"):
        gru_step_backward(h.astype(F32), cache)


def test_sequence_kernel_arguments():
    x, h = np.zeros((5, 2, 3)), np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"x seq_len \(dimension 0\) must be in \[1, 1000\]"):
        rnn_forward(np.zeros((0, 2, 3)), h, *_params(1))
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 4\)"):
        gru_forward(x, np.zeros((4,)), *_params(3))
    with pytest.raises(ValueError, match=r"c0 must have shape \(2, 4\)"):
        lstm_forward(x, h, np.zeros((2, 3)), *_params(4))
    *_, cache = rnn_forward(x, h, *_params(1))
    with pytest.raises(ValueError, match=r"d_outputs must have shape \(5, 2, 4\)"):
        rnn_backward(np.zeros((4, 2, 4)), None, cache)
    *_, cache = lstm_forward(x, h, h, *_params(4))
    with pytest.raises(ValueError, match=r"d_cT must have shape \(2, 4\)"):
        lstm_backward(None, None, np.zeros((2, 5)), cache)
    *_, cache = gru_forward(x, h, *_params(3))
    with pytest.raises(ValueError, match=r"d_hT must have dtype float64"):
        gru_backward(None, h.astype(F32), cache)
