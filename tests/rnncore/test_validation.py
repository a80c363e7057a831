"""Every ValueError path: each names the parameter and, for sizes, the allowed range."""

import warnings

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
    with pytest.raises(ValueError, match=r"h must be an array of shape \(T, N, 4\) or \(N, 4\), got \(4,\)"):
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
    with pytest.raises(ValueError, match=r"ds must have shape \(3, 2\), got \(3, 3\)"):
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
    with pytest.raises(ValueError, match=r"x must be an array of shape \(N, D\)"):
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


# ---- NaN and inf at every numeric entry point ------------------------------------------------
# One np.isfinite pass in limits.check_array / check_sequence, so every caller rejects them.

from rnncore import (linear_backward, linear_forward, relu, relu_derivative, sigmoid,  # noqa: E402
                     sigmoid_derivative, softmax, softmax_backward, tanh, tanh_derivative)
from rnncore.activations import _sigmoid  # noqa: E402

BAD = [np.nan, np.inf, -np.inf]
BAD_IDS = ["nan", "inf", "-inf"]
FINITE = r"must contain only finite numbers \(no NaN or inf\)"


def _poisoned(array, value, index=None):
    out = array.copy()
    out[index if index is not None else (0,) * out.ndim] = value
    return out


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_check_array_and_sequence_reject_non_finite(bad):
    for dtype in (np.float32, np.float64):
        x = _poisoned(np.zeros((2, 3, 4), dtype), bad, (1, 2, 3))
        with pytest.raises(ValueError, match=r"x must contain only finite numbers .* index \(1, 2, 3\)"):
            limits.check_array("x", x, (2, 3, 4), dtype)
        with pytest.raises(ValueError, match=FINITE):
            limits.check_sequence("x", x, 4, dtype)
    ints = np.zeros((2, 3), np.int64)          # integers are finite by construction
    assert limits.check_array("n", ints, (2, 3), np.int64) is ints


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_layer_forward_rejects_non_finite(cls, bad):
    layer = cls(3, 4, num_layers=2, bidirectional=True, seed=0)
    x = np.zeros((2, 5, 3), F32)
    with pytest.raises(ValueError, match=r"^x " + FINITE):
        layer.forward(_poisoned(x, bad, (1, 4, 2)))
    h = np.zeros((4, 5, 4), F32)
    state = (_poisoned(h, bad), h) if cls is LSTM else _poisoned(h, bad)
    with pytest.raises(ValueError, match=r"^state(\[0\] \(h\))? " + FINITE):
        layer.forward(x, state)
    if cls is LSTM:
        with pytest.raises(ValueError, match=r"^state\[1\] \(c\) " + FINITE):
            layer.forward(x, (h, _poisoned(h, bad, (3, 4, 3))))


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_layer_backward_rejects_non_finite(cls, bad):
    layer = cls(3, 4, bidirectional=True, seed=0)
    layer.forward(np.zeros((2, 5, 3), F32))
    with pytest.raises(ValueError, match=r"^d_outputs " + FINITE):
        layer.backward(_poisoned(np.zeros((2, 5, 8), F32), bad))
    h = np.zeros((2, 5, 4), F32)
    d_final = (h, _poisoned(h, bad)) if cls is LSTM else _poisoned(h, bad)
    with pytest.raises(ValueError, match=r"^d_final_state(\[1\] \(c\))? " + FINITE):
        layer.backward(None, d_final)


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_linear_rejects_non_finite(bad):
    head = Linear(4, 2, seed=0)
    with pytest.raises(ValueError, match=r"^h " + FINITE):
        head.forward(_poisoned(np.zeros((3, 2, 4), F32), bad))
    head.forward(np.zeros((3, 4), F32))
    with pytest.raises(ValueError, match=r"^ds " + FINITE):
        head.backward(_poisoned(np.zeros((3, 2), F32), bad))
    w, b, h = np.zeros((2, 4)), np.zeros(2), np.zeros((3, 4))
    for name, args in {"weight": (h, _poisoned(w, bad), b), "bias": (h, w, _poisoned(b, bad)),
                       "h": (_poisoned(h, bad), w, b)}.items():
        with pytest.raises(ValueError, match=rf"^{name} " + FINITE):
            linear_forward(*args)
    _, cache = linear_forward(h, w, b)
    with pytest.raises(ValueError, match=r"^ds " + FINITE):
        linear_backward(_poisoned(np.zeros((3, 2)), bad), cache)


STEP_ARGUMENTS = {   # function, argument names, gate count
    "rnn": (rnn_step_forward, ["x", "h_prev"], 1),
    "lstm": (lstm_step_forward, ["x", "h_prev", "c_prev"], 4),
    "gru": (gru_step_forward, ["x", "h_prev"], 3),
}
PARAMETER_NAMES = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
@pytest.mark.parametrize("cell", list(STEP_ARGUMENTS))
def test_step_functions_reject_non_finite(cell, bad):
    function, names, gates = STEP_ARGUMENTS[cell]
    arrays = [np.zeros((2, 3))] + [np.zeros((2, 4))] * (len(names) - 1) + _params(gates)
    for position, name in enumerate(names + PARAMETER_NAMES):
        args = list(arrays)
        args[position] = _poisoned(args[position], bad)
        with pytest.raises(ValueError, match=rf"^{name} " + FINITE):
            function(*args)


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_step_backward_rejects_non_finite(bad):
    x, h = np.zeros((2, 3)), np.zeros((2, 4))
    _, cache = rnn_step_forward(x, h, *_params(1))
    with pytest.raises(ValueError, match=r"^dh " + FINITE):
        rnn_step_backward(_poisoned(h, bad), cache)
    _, _, cache = lstm_step_forward(x, h, h, *_params(4))
    with pytest.raises(ValueError, match=r"^dh " + FINITE):
        lstm_step_backward(_poisoned(h, bad), h, cache)
    with pytest.raises(ValueError, match=r"^dc " + FINITE):
        lstm_step_backward(h, _poisoned(h, bad), cache)
    _, cache = gru_step_forward(x, h, *_params(3))
    with pytest.raises(ValueError, match=r"^dh " + FINITE):
        gru_step_backward(_poisoned(h, bad), cache)


KERNEL_ARGUMENTS = {
    "rnn": (rnn_forward, ["x", "h0"], 1),
    "lstm": (lstm_forward, ["x", "h0", "c0"], 4),
    "gru": (gru_forward, ["x", "h0"], 3),
}


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
@pytest.mark.parametrize("cell", list(KERNEL_ARGUMENTS))
def test_sequence_kernels_reject_non_finite(cell, bad):
    function, names, gates = KERNEL_ARGUMENTS[cell]
    arrays = [np.zeros((5, 2, 3))] + [np.zeros((2, 4))] * (len(names) - 1) + _params(gates)
    for position, name in enumerate(names + PARAMETER_NAMES):
        args = list(arrays)
        args[position] = _poisoned(args[position], bad)
        with pytest.raises(ValueError, match=rf"^{name} " + FINITE):
            function(*args)
    *_, cache = function(*arrays)
    backward = {"rnn": rnn_backward, "lstm": lstm_backward, "gru": gru_backward}[cell]
    extra = [None] * (len(names) - 1)          # d_hT (, d_cT)
    with pytest.raises(ValueError, match=r"^d_outputs " + FINITE):
        backward(_poisoned(np.zeros((5, 2, 4)), bad), *extra, cache)
    for k, name in enumerate(["d_hT", "d_cT"][:len(extra)]):
        finals = list(extra)
        finals[k] = _poisoned(np.zeros((2, 4)), bad)
        with pytest.raises(ValueError, match=rf"^{name} " + FINITE):
            backward(None, *finals, cache)


ELEMENTWISE = [sigmoid, sigmoid_derivative, tanh, tanh_derivative, relu, relu_derivative, softmax]


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
@pytest.mark.parametrize("function", ELEMENTWISE, ids=lambda f: f.__name__)
def test_activations_reject_non_finite(function, bad):
    argument = "y" if "derivative" in function.__name__ else "x"
    with pytest.raises(ValueError, match=rf"^{argument} " + FINITE):
        function(np.array([[0.5, bad]]))
    with pytest.raises(ValueError, match=r"^dy " + FINITE):
        softmax_backward(np.array([bad, 1.0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match=r"^y " + FINITE):
        softmax_backward(np.array([1.0, 1.0]), np.array([bad, 0.5]))


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_traces_reject_non_finite(bad):
    arguments = {"W_x": W2, "x": [1, 2], "W_h": W2, "h_prev": [0, 0], "b": [0.1, 0.1]}
    for name in arguments:
        value = np.array(arguments[name], dtype=float)
        value.flat[0] = bad
        with pytest.raises(ValueError, match=rf"{name} must contain only finite numbers"):
            rnn_step_trace(**{**arguments, name: value})
    with pytest.raises(ValueError, match=r"c_prev must contain only finite numbers"):
        lstm_step_trace([[0.1]] * 4, [1.0], [[0.1]] * 4, [0.0], [bad], [0.0] * 4)
    with pytest.raises(ValueError, match=r"b_h must contain only finite numbers"):
        gru_step_trace([[0.1]] * 3, [1.0], [[0.1]] * 3, [0.0], [0.0] * 3, b_h=[bad, 0, 0])


def test_traces_reject_overflow_to_inf():
    """Finite inputs whose product overflows float64: ValueError, not an inf in the worked example."""
    with pytest.raises(ValueError, match=r"Wx_x overflowed"):
        rnn_step_trace([[1e300]], [1e300], [[0.0]], [0.0], [0.0])
    with pytest.raises(ValueError, match=r"a overflowed"):
        lstm_step_trace([[1e308]] * 4, [1.0], [[1e308]] * 4, [1.0], [0.0], [0.0] * 4)


# ---- parameter values: cast first, then check ------------------------------------------------

def test_check_parameter_value_casts_then_checks_finiteness():
    check = limits.check_parameter_value
    big = np.full((2, 2), 1e300)
    np.testing.assert_array_equal(check("w", big, (2, 2), np.float64), big)   # fine in float64
    with pytest.raises(ValueError, match=r"w must contain only finite numbers within ±3.4e\+38 "
                                         r"\(the range of float32\)"):
        check("w", big, (2, 2), np.float32)            # 1e300 would be stored as inf
    with pytest.raises(ValueError, match=r"w must contain only finite numbers within ±1.8e\+308"):
        check("w", [[np.nan, 0.0], [0.0, 0.0]], (2, 2), np.float64)
    out = check("w", [[1, 2], [3, 4]], (2, 2), np.float32)       # lists and ints are fine
    assert out.dtype == np.float32 and out.tolist() == [[1, 2], [3, 4]]
    source = np.ones(2, np.float32)
    assert check("b", source, (2,), np.float32) is not source     # always a copy


@pytest.mark.parametrize("value, message", [
    (np.ones(2) + 1j, r"b must be real numbers, got complex \(complex128\)"),
    ([1 + 0j, 2], r"b must be real numbers, got complex"),
    (np.ones(2, np.complex64), r"b must be real numbers, got complex \(complex64\)"),
    (["1.5", "2"], r"b must be an array of numbers"),          # no silent str -> float
    ([1, "a"], r"b must be an array of numbers"),
    ([[1.0], [2.0, 3.0]], r"b must be an array of numbers"),   # ragged
    ([10 ** 400, 1], r"b must be an array of numbers"),        # an int NumPy cannot hold
    (None, r"b must be an array of numbers"),
    (np.ones(3), r"b must have shape \(2,\), got \(3,\)"),
])
def test_check_parameter_value_refuses(value, message):
    with pytest.raises(ValueError, match=message):
        limits.check_parameter_value("b", value, (2,), np.float64)


@pytest.mark.parametrize("value, message", [
    (np.full((2, 4), 1e300), r"state\['weight'\] must contain only finite numbers within ±3.4e\+38"),
    (np.full((2, 4), 1e39), r"state\['weight'\] must contain only finite numbers within ±3.4e\+38"),
    (np.ones((2, 4)) * (1 + 1j), r"state\['weight'\] must be real numbers, got complex"),
    ([["1"] * 4] * 2, r"state\['weight'\] must be an array of numbers"),
])
def test_linear_load_state_dict_checks_after_the_cast(value, message):
    head = Linear(4, 2, seed=0)                       # float32
    before = head.state_dict()
    with pytest.raises(ValueError, match=message):
        head.load_state_dict({"weight": value, "bias": np.zeros(2)})
    for name, array in head.parameters().items():     # nothing written
        np.testing.assert_array_equal(array, before[name])


def test_load_parameters_writes_nothing_unless_all_good():
    params = {"a": np.zeros(2, F32), "b": np.zeros(3, F32)}
    with pytest.raises(ValueError, match=r"state\['b'\] must contain only finite numbers"):
        limits.load_parameters(params, {"a": np.ones(2), "b": np.full(3, 1e300)})
    assert not params["a"].any()
    limits.load_parameters(params, {"a": [1, 2], "b": np.array([1.0, 2.0, 3.0])})
    assert params["a"].tolist() == [1, 2] and params["b"].dtype == F32


@pytest.mark.parametrize("value, message", [
    (np.full((4, 3), 1e300), r"must contain only finite numbers within ±3.4e\+38"),
    (np.ones((4, 3)) * (1 + 1j), r"must be real numbers, got complex"),
], ids=["1e300-into-float32", "complex"])
def test_layer_load_state_dict_checks_after_the_cast(value, message):
    layer = RNN(3, 4, seed=0)
    before = layer.state_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # today: ComplexWarning / overflow in cast
        with pytest.raises(ValueError, match=message):
            layer.load_state_dict({**before, "weight_ih_l0": value})
    np.testing.assert_array_equal(layer.parameters()["weight_ih_l0"], before["weight_ih_l0"])


# ---- step functions take one step, kernels a sequence ----------------------------------------

@pytest.mark.parametrize("cell", list(STEP_ARGUMENTS))
def test_step_functions_refuse_a_sequence(cell):
    function, names, gates = STEP_ARGUMENTS[cell]
    states = [np.zeros((2, 4))] * (len(names) - 1)
    with pytest.raises(ValueError, match=r"x must be an array of shape \(N, D\) for one step, "
                                         r"got an array of shape \(5, 2, 3\)"):
        function(np.zeros((5, 2, 3)), *states, *_params(gates))


@pytest.mark.parametrize("cell", list(KERNEL_ARGUMENTS))
def test_sequence_kernels_refuse_a_single_step(cell):
    function, names, gates = KERNEL_ARGUMENTS[cell]
    states = [np.zeros((2, 4))] * (len(names) - 1)
    with pytest.raises(ValueError, match=r"x must be an array of shape \(T, N, D\) \(time-major\) "
                                         r"for a sequence, got an array of shape \(2, 3\)"):
        function(np.zeros((2, 3)), *states, *_params(gates))


# ---- ValueError, never TypeError / AttributeError --------------------------------------------

@pytest.mark.parametrize("function", ELEMENTWISE, ids=lambda f: f.__name__)
def test_activations_accept_array_likes(function):
    as_list = function([[1.0, -2.0, 0.5]])
    as_array = function(np.array([[1.0, -2.0, 0.5]]))
    np.testing.assert_array_equal(as_list, as_array)
    assert function([[1, -2, 0]]).dtype == np.float64          # integers computed in float64
    assert function(np.array([0.5], F32)).dtype == F32          # float32 stays float32


def test_activations_named_in_the_brief():
    np.testing.assert_allclose(softmax([1.0, 2.0]), [1 / (1 + np.e), np.e / (1 + np.e)],
                               rtol=1e-15)
    np.testing.assert_array_equal(relu_derivative([1.0]), [1.0])
    np.testing.assert_array_equal(relu_derivative([0, 3]), [0.0, 1.0])
    assert sigmoid(0.0) == 0.5
    np.testing.assert_allclose(softmax_backward([1.0, 0.0], [0.5, 0.5]), [0.25, -0.25])


@pytest.mark.parametrize("value, message", [
    (["a", "b"], r"x must be an array of real numbers"),
    ([1j, 2], r"x must be real numbers, got complex"),
    (None, r"x must be an array of real numbers"),
    ([[1.0], [1.0, 2.0]], r"x must be an array of real numbers"),
])
@pytest.mark.parametrize("function", [sigmoid, tanh, relu, softmax], ids=lambda f: f.__name__)
def test_activations_refuse_non_numbers(function, value, message):
    with pytest.raises(ValueError, match=message):
        function(value)


def test_softmax_shapes():
    with pytest.raises(ValueError, match=r"x must have at least one dimension .* got shape \(\)"):
        softmax(1.0)
    with pytest.raises(ValueError, match=r"x must have .* at least 1 entry .* got shape \(2, 0\)"):
        softmax(np.zeros((2, 0)))
    with pytest.raises(ValueError, match=r"dy must have the shape of y \(2,\), got \(3,\)"):
        softmax_backward([1.0, 2.0, 3.0], [0.5, 0.5])


def test_internal_sigmoid_is_unchecked_and_matches():
    x = np.linspace(-5, 5, 11)
    np.testing.assert_array_equal(_sigmoid(x), sigmoid(x))


@pytest.mark.parametrize("backward, producer", [
    (lambda c: rnn_step_backward(np.zeros((2, 4)), c), "rnn_step_forward"),
    (lambda c: lstm_step_backward(np.zeros((2, 4)), np.zeros((2, 4)), c), "lstm_step_forward"),
    (lambda c: gru_step_backward(np.zeros((2, 4)), c), "gru_step_forward"),
    (lambda c: linear_backward(np.zeros((2, 4)), c), "linear_forward"),
], ids=["rnn", "lstm", "gru", "linear"])
@pytest.mark.parametrize("cache", [None, (), "cache", (1, 2, 3, 4, 5, 6)], ids=repr)
def test_step_backward_refuses_a_wrong_cache(backward, producer, cache):
    with pytest.raises(ValueError, match=rf"cache must be the cache returned by {producer}"):
        backward(cache)


def test_cell_weights_must_be_arrays():
    x, h = np.zeros((2, 3)), np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"weight_hh must be a 2-D array \(1\*H, H\), got None"):
        rnn_step_forward(x, h, np.zeros((4, 3)), None, np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match=r"weight_ih must be a numpy array, got list"):
        rnn_step_forward(x, h, [[0.0] * 3] * 4, *_params(1)[1:])


def test_step_backward_refuses_another_cells_cache():
    x, h = np.zeros((2, 3)), np.zeros((2, 4))
    _, gru_cache = gru_step_forward(x, h, *_params(3))
    with pytest.raises(ValueError, match=r"cache must be the cache returned by rnn_step_forward"):
        rnn_step_backward(h, gru_cache)
    with pytest.raises(ValueError, match=r"dc must be a numpy array, got NoneType"):
        _, _, lstm_cache = lstm_step_forward(x, h, h, *_params(4))
        lstm_step_backward(h, None, lstm_cache)


@pytest.mark.parametrize("value", [np.array(["tanh", "relu"]), np.array("tanh"), ["tanh"],
                                   None, 1, b"tanh"], ids=repr)
def test_nonlinearity_must_be_a_string(value):
    with pytest.raises(ValueError, match=r"nonlinearity must be one of 'tanh', 'relu', got"):
        RNN(3, 4, nonlinearity=value)
    with pytest.raises(ValueError, match=r"nonlinearity must be one of 'tanh', 'relu', got"):
        rnn_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), *_params(1), nonlinearity=value)
    with pytest.raises(ValueError, match=r"nonlinearity must be one of 'tanh', 'relu', got"):
        rnn_step_trace(W2, [1, 2], W2, [0, 0], [0.1, 0.1], nonlinearity=value)
    assert RNN(3, 4, nonlinearity=np.str_("relu")).nonlinearity == "relu"


def test_check_choice_describes_arrays_briefly():
    with pytest.raises(ValueError, match=r"got an array of shape \(1000,\)$"):
        limits.check_choice("nonlinearity", np.zeros(1000), limits.NONLINEARITIES)


@pytest.mark.parametrize("value", ["no", "False", 1, 0, None, np.array(True), 1.0], ids=repr)
def test_reset_after_must_be_a_real_bool(value):
    with pytest.raises(ValueError, match=r"reset_after must be True or False, got"):
        gru_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), *_params(3), reset_after=value)
    with pytest.raises(ValueError, match=r"reset_after must be True or False, got"):
        limits.check_bool("reset_after", value)
    with pytest.raises(ValueError, match=r"reset_after must be True or False"):
        GRU(3, 4, reset_after=value)


def test_reset_after_accepts_numpy_bools():
    x, h = np.zeros((2, 3)), np.zeros((2, 4))
    _, cache = gru_step_forward(x, h, *_params(3), reset_after=np.bool_(False))
    assert cache.reset_after is False


def test_gru_kernel_reset_after_must_be_a_real_bool():
    with pytest.raises(ValueError, match=r"reset_after must be True or False, got 'no'"):
        gru_forward(np.zeros((5, 2, 3)), np.zeros((2, 4)), *_params(3), reset_after="no")


def test_linear_forward_arguments():
    h, w, b = np.zeros((3, 4)), np.zeros((2, 4)), np.zeros(2)
    with pytest.raises(ValueError, match=r"h must be an array of shape \(T, N, 4\) or \(N, 4\), "
                                         r"got NoneType"):
        linear_forward(None, w, b)
    with pytest.raises(ValueError, match=r"weight must be a 2-D array \(out_features, in_features\)"):
        linear_forward(h, np.zeros(4), b)
    with pytest.raises(ValueError, match=r"weight must be a 2-D array .* got \[\[1.0"):
        linear_forward(h, [[1.0] * 4] * 2, b)
    with pytest.raises(ValueError, match=r"weight dtype must be one of float32, float64"):
        linear_forward(h, np.zeros((2, 4), np.int64), b)
    with pytest.raises(ValueError, match=r"out_features \(weight.shape\[0\]\) must be in \[1, 1024\]"):
        linear_forward(h, np.zeros((2000, 4)), np.zeros(2000))
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\), got \(3,\)"):
        linear_forward(h, w, np.zeros(3))
    with pytest.raises(ValueError, match=r"h must have dtype float64, got float32"):
        linear_forward(h.astype(F32), w, b)
    with pytest.raises(ValueError, match=r"h must have shape \(\*, 4\), got \(3, 5\)"):
        linear_forward(np.zeros((3, 5)), w, b)
    _, cache = linear_forward(h, w, b)
    with pytest.raises(ValueError, match=r"ds must have shape \(3, 2\), got \(3, 4\)"):
        linear_backward(np.zeros((3, 4)), cache)


@pytest.mark.parametrize("dtype", [None, np.array([1.0]), [np.float32], {"a": 1}, "f4, f8",
                                   object()],
                         ids=["None", "array", "list", "dict", "struct", "object"])
def test_check_dtype_never_raises_anything_but_value_error(dtype):
    with pytest.raises(ValueError, match=r"dtype must be one of float32, float64"):
        RNN(3, 4, dtype=dtype)


def test_uniform_init_arguments():
    from rnncore.initialization import uniform_init
    rng = np.random.default_rng(0)
    assert uniform_init(rng, (2, 3), 4, np.float32).dtype == F32
    with pytest.raises(ValueError, match=r"rng must be a numpy.random.Generator"):
        uniform_init(0, (2, 3), 4, F32)
    with pytest.raises(ValueError, match=r"shape\[1\] must be in \[1, 4194304\], got 0"):
        uniform_init(rng, (2, 0), 4, F32)
    with pytest.raises(ValueError, match=r"shape must be a non-empty tuple"):
        uniform_init(rng, [2, 3], 4, F32)
    with pytest.raises(ValueError, match=r"fan must be in \[1, 4194304\], got 0"):
        uniform_init(rng, (2, 3), 0, F32)
    with pytest.raises(ValueError, match=r"dtype must be one of float32, float64"):
        uniform_init(rng, (2, 3), 4, int)


def test_check_cell_arguments_x_ndim():
    x, h = np.zeros((2, 3)), np.zeros((2, 4))
    assert limits.check_cell_arguments(x, {"h": h}, *_params(1), 1, x_ndim=2) == np.float64
    assert limits.check_cell_arguments(x[None], {"h": h}, *_params(1), 1) == np.float64  # default 3
    with pytest.raises(ValueError, match=r"x_ndim must be 2 \(a step\) or 3 \(a sequence\), got 4"):
        limits.check_cell_arguments(x, {"h": h}, *_params(1), 1, x_ndim=4)
