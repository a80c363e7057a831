r"""Worked-example traces: one step of an RNN, LSTM or GRU, or of the output layer, with every
intermediate named.

Each function takes one sequence's vectors in the course's notation (W_x, W_h, b, W_y, b_y;
column vectors as 1-D arrays or lists), computes in float64, and returns a Trace: the given
inputs and, in the order a learner would compute them, entries with a stable key, the symbol in
LaTeX (the course's notation, fixtures/README.md: the pre-activation a_t, the LSTM's candidate
g_t, the GRU's candidate \tilde{h}_t, the scores s_t, the prediction \hat{y}_t, the target y_t,
the loss \mathcal{L}_t), a short note, and the value. A page renders the entries; a quiz reads
values by key (trace["h"]). Sizes: x_t has D entries, h_t H, s_t Q.

The course's own example, rnn_step_trace(W_x=[[.1, .2], [.3, .4]], x=[1, 2], W_h=[[.5, .6],
[.7, .8]], h_prev=[0, 0], b=[.1, .1]), gives W_x x_1 = [0.5, 1.1], the sum [0.6, 1.2] and
h_1 = tanh([0.6, 1.2]) = [0.53705, 0.83365].

Gate stacking follows the layers (PyTorch): LSTM W_x = [W_xi; W_xf; W_xg; W_xo] (4H, D), GRU
W_x = [W_xr; W_xz; W_xn] (3H, D), likewise W_h and the biases; their symbols are W_{x\cdot} and
W_{h\cdot} (an LSTM or GRU has no single W_h).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from . import limits
from .activations import _sigmoid as sigmoid
from .activations import _softmax


@dataclass(frozen=True)
class TraceEntry:
    key: str            # stable identifier, e.g. "Wx_x"
    symbol: str         # LaTeX in the course's notation, e.g. "W_x x_{1}"
    note: str           # what this quantity is, in a few words (Markdown, symbols in $...$)
    value: np.ndarray   # float64 vector


@dataclass
class Trace:
    """One step of a cell: `inputs` (name -> array) and `entries` in computation order."""

    cell: str
    step: int
    inputs: dict[str, np.ndarray]
    entries: list[TraceEntry] = field(default_factory=list)

    def add(self, key, symbol, note, value):
        value = np.asarray(value, dtype=np.float64)
        if not np.isfinite(value).all():     # finite inputs whose products overflow float64
            raise ValueError(f"{key} overflowed to {value.tolist()}: the inputs are too large "
                             f"for a worked example; use entries of moderate size")
        self.entries.append(TraceEntry(key, symbol, note, value))
        return value

    def __getitem__(self, key) -> np.ndarray:
        for entry in self.entries:
            if entry.key == key:
                return entry.value
        raise KeyError(key)

    def keys(self):
        return [entry.key for entry in self.entries]

    def as_dict(self, decimals=None) -> dict:
        """Plain lists and strings, ready for JSON or a template; values rounded to `decimals`
        places if given (for display: the course prints 5)."""
        if decimals is not None:
            decimals = limits.check_int("decimals", decimals, 0, 17)

        def plain(value):
            return (value if decimals is None else np.round(value, decimals)).tolist()

        return {
            "cell": self.cell,
            "step": self.step,
            "inputs": {name: plain(value) for name, value in self.inputs.items()},
            "entries": [{"key": e.key, "symbol": e.symbol, "note": e.note, "value": plain(e.value)}
                        for e in self.entries],
        }


def _overflow_is_an_error(trace_function):
    """Run a trace with NumPy's overflow warnings off: Trace.add raises ValueError instead."""
    @functools.wraps(trace_function)
    def wrapper(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):
            return trace_function(*args, **kwargs)
    return wrapper


@_overflow_is_an_error
def rnn_step_trace(W_x, x, W_h, h_prev, b, nonlinearity="tanh", step=1) -> Trace:
    """a_t = W_x x_t + W_h h_{t-1} + b, h_t = f(a_t) for one vector x (D,), h_prev (H,);
    W_x (H, D), W_h (H, H), b (H,); f tanh or ReLU."""
    nonlinearity = limits.check_choice("nonlinearity", nonlinearity, limits.NONLINEARITIES)
    step = limits.check_int("step", step, 1, limits.MAX_SEQ_LEN)
    x = _vector("x", x, limits.MAX_INPUT_SIZE)
    h_prev = _vector("h_prev", h_prev, limits.MAX_HIDDEN_SIZE)
    H, D = h_prev.size, x.size
    W_x = _matrix("W_x", W_x, (H, D))
    W_h = _matrix("W_h", W_h, (H, H))
    b = _vector("b", b, limits.MAX_HIDDEN_SIZE, size=H)
    t, s = _steps(step)
    trace = Trace("rnn", step, {"W_x": W_x, "x": x, "W_h": W_h, "h_prev": h_prev, "b": b})
    wx_x = trace.add("Wx_x", f"W_x x_{t}", "input term", W_x @ x)
    wh_h = trace.add("Wh_h", f"W_h h_{s}", "recurrent term", W_h @ h_prev)
    a = trace.add("a", f"a_{t} = W_x x_{t} + W_h h_{s} + b", "pre-activation", wx_x + wh_h + b)
    f = r"\tanh" if nonlinearity == "tanh" else r"\operatorname{ReLU}"
    trace.add("h", f"h_{t} = {f}(a_{t})", "new hidden state",
              np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0))
    return trace


@_overflow_is_an_error
def lstm_step_trace(W_x, x, W_h, h_prev, c_prev, b, step=1) -> Trace:
    """One LSTM step (gates i, f, g, o stacked in W_x (4H, D), W_h (4H, H), b (4H,)):
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, h_t = o_t ⊙ tanh(c_t), g_t the candidate."""
    step = limits.check_int("step", step, 1, limits.MAX_SEQ_LEN)
    x = _vector("x", x, limits.MAX_INPUT_SIZE)
    h_prev = _vector("h_prev", h_prev, limits.MAX_HIDDEN_SIZE)
    H, D = h_prev.size, x.size
    c_prev = _vector("c_prev", c_prev, limits.MAX_HIDDEN_SIZE, size=H)
    W_x = _matrix("W_x", W_x, (4 * H, D))
    W_h = _matrix("W_h", W_h, (4 * H, H))
    b = _vector("b", b, 4 * limits.MAX_HIDDEN_SIZE, size=4 * H)
    t, s = _steps(step)
    trace = Trace("lstm", step, {"W_x": W_x, "x": x, "W_h": W_h, "h_prev": h_prev,
                                 "c_prev": c_prev, "b": b})
    wx_x = trace.add("Wx_x", rf"W_{{x\cdot}} x_{t}", "input terms of the four gates (i, f, g, o)",
                     W_x @ x)
    wh_h = trace.add("Wh_h", rf"W_{{h\cdot}} h_{s}", "recurrent terms of the four gates",
                     W_h @ h_prev)
    a = trace.add("a", rf"W_{{x\cdot}} x_{t} + W_{{h\cdot}} h_{s} + b_{{\cdot}}",
                  "pre-activations (i, f, g, o)", wx_x + wh_h + b)
    a_i, a_f, a_g, a_o = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
    i = trace.add("i", rf"i_{t} = \sigma(W_{{xi}} x_{t} + W_{{hi}} h_{s} + b_i)", "input gate",
                  sigmoid(a_i))
    f = trace.add("f", rf"f_{t} = \sigma(W_{{xf}} x_{t} + W_{{hf}} h_{s} + b_f)", "forget gate",
                  sigmoid(a_f))
    g = trace.add("g", rf"g_{t} = \tanh(W_{{xg}} x_{t} + W_{{hg}} h_{s} + b_g)",
                  "candidate (what the cell may write)", np.tanh(a_g))
    o = trace.add("o", rf"o_{t} = \sigma(W_{{xo}} x_{t} + W_{{ho}} h_{s} + b_o)", "output gate",
                  sigmoid(a_o))
    kept = trace.add("f_c", rf"f_{t} \odot c_{s}", "what the cell keeps", f * c_prev)
    written = trace.add("i_g", rf"i_{t} \odot g_{t}", "what the cell writes", i * g)
    c = trace.add("c", rf"c_{t} = f_{t} \odot c_{s} + i_{t} \odot g_{t}",
                  "new cell state", kept + written)
    tanh_c = trace.add("tanh_c", rf"\tanh(c_{t})", "squashed cell state", np.tanh(c))
    trace.add("h", rf"h_{t} = o_{t} \odot \tanh(c_{t})", "new hidden state", o * tanh_c)
    return trace


@_overflow_is_an_error
def gru_step_trace(W_x, x, W_h, h_prev, b_x, b_h=None, reset_after=True, step=1) -> Trace:
    """One GRU step (gates r, z, n stacked in W_x (3H, D), W_h (3H, H), b_x and b_h (3H,)).

    The candidate h̃_t (PyTorch's n_t; key "n"):
    reset_after=True: h̃_t = tanh(W_xn x_t + b_xn + r_t ⊙ (W_hn h_{t-1} + b_hn)) (PyTorch);
    reset_after=False: h̃_t = tanh(W_xn x_t + b_xn + W_hn (r_t ⊙ h_{t-1}) + b_hn) (textbook).
    h_t = (1 - z_t) ⊙ h̃_t + z_t ⊙ h_{t-1}. The gates' bias is the course's one per gate,
    b_r = b_xr + b_hr and b_z = b_xz + b_hz; only the candidate keeps b_xn and b_hn apart.
    """
    reset_after = limits.check_bool("reset_after", reset_after)
    step = limits.check_int("step", step, 1, limits.MAX_SEQ_LEN)
    x = _vector("x", x, limits.MAX_INPUT_SIZE)
    h_prev = _vector("h_prev", h_prev, limits.MAX_HIDDEN_SIZE)
    H, D = h_prev.size, x.size
    W_x = _matrix("W_x", W_x, (3 * H, D))
    W_h = _matrix("W_h", W_h, (3 * H, H))
    b_x = _vector("b_x", b_x, 3 * limits.MAX_HIDDEN_SIZE, size=3 * H)
    b_h = np.zeros(3 * H) if b_h is None else _vector("b_h", b_h, 3 * limits.MAX_HIDDEN_SIZE,
                                                      size=3 * H)
    t, s = _steps(step)
    trace = Trace("gru", step, {"W_x": W_x, "x": x, "W_h": W_h, "h_prev": h_prev,
                                "b_x": b_x, "b_h": b_h})
    ax = trace.add("Wx_x_bx", rf"W_{{x\cdot}} x_{t} + b_{{x\cdot}}",
                   "input terms of the gates (r, z, n)", W_x @ x + b_x)
    W_hn, b_hn = W_h[2 * H:], b_h[2 * H:]
    ah_rz = trace.add("Wh_h_bh_rz", rf"[W_{{hr}}; W_{{hz}}] h_{s} + [b_{{hr}}; b_{{hz}}]",
                      "recurrent terms of r and z", W_h[:2 * H] @ h_prev + b_h[:2 * H])
    r = trace.add("r", rf"r_{t} = \sigma(W_{{xr}} x_{t} + W_{{hr}} h_{s} + b_r)",
                  "reset gate ($b_r = b_{xr} + b_{hr}$)", sigmoid(ax[:H] + ah_rz[:H]))
    z = trace.add("z", rf"z_{t} = \sigma(W_{{xz}} x_{t} + W_{{hz}} h_{s} + b_z)",
                  "update gate ($b_z = b_{xz} + b_{hz}$)", sigmoid(ax[H:2 * H] + ah_rz[H:]))
    if reset_after:
        hn = trace.add("Whn_h_bhn", rf"W_{{hn}} h_{s} + b_{{hn}}", "recurrent term of n",
                       W_hn @ h_prev + b_hn)
        reset = trace.add("r_Whn_h", rf"r_{t} \odot (W_{{hn}} h_{s} + b_{{hn}})",
                          "recurrent term after the reset gate", r * hn)
        n_symbol = rf"\tilde{{h}}_{t} = \tanh(W_{{xn}} x_{t} + b_{{xn}} + r_{t} \odot (W_{{hn}} h_{s} + b_{{hn}}))"
    else:
        r_h = trace.add("r_h", rf"r_{t} \odot h_{s}", "reset previous state", r * h_prev)
        reset = trace.add("Whn_rh_bhn", rf"W_{{hn}} (r_{t} \odot h_{s}) + b_{{hn}}",
                          "recurrent term of n", W_hn @ r_h + b_hn)
        n_symbol = rf"\tilde{{h}}_{t} = \tanh(W_{{xn}} x_{t} + b_{{xn}} + W_{{hn}} (r_{t} \odot h_{s}) + b_{{hn}})"
    n = trace.add("n", n_symbol, "candidate hidden state", np.tanh(ax[2 * H:] + reset))
    new = trace.add("one_minus_z_n", rf"(1 - z_{t}) \odot \tilde{{h}}_{t}", "share of the candidate",
                    (1.0 - z) * n)
    old = trace.add("z_h", rf"z_{t} \odot h_{s}", "share of the previous state", z * h_prev)
    trace.add("h", rf"h_{t} = (1 - z_{t}) \odot \tilde{{h}}_{t} + z_{t} \odot h_{s}",
              "new hidden state", new + old)
    return trace


OUTPUT_KINDS = ("classification", "regression")


@_overflow_is_an_error
def output_step_trace(W_y, h, b_y, y=None, kind="classification", step=1) -> Trace:
    """The output layer at one step: the scores s_t = W_y h_t + b_y, the prediction
    ŷ_t = softmax(s_t) (classification) or ŷ_t = s_t (regression), and given a target y_t the
    step's loss L_t: cross-entropy -log ŷ_{t, y_t} for a class index y in [0, Q) (0-based, as
    the engine counts), or the squared error ||ŷ_t - y_t||^2 summed over the Q entries of a
    target vector y (Q,). h (H,), W_y (Q, H), b_y (Q,)."""
    kind = limits.check_choice("kind", kind, OUTPUT_KINDS)
    step = limits.check_int("step", step, 1, limits.MAX_SEQ_LEN)
    h = _vector("h", h, limits.MAX_HEAD_INPUT_SIZE)
    b_y = _vector("b_y", b_y, limits.MAX_OUTPUT_SIZE)
    W_y = _matrix("W_y", W_y, (b_y.size, h.size))
    t = f"{{{step}}}"
    inputs = {"W_y": W_y, "h": h, "b_y": b_y}
    if y is not None:
        if kind == "classification":
            y = limits.check_int("y", y, 0, b_y.size - 1)
            inputs["y"] = np.array(float(y))
        else:
            y = inputs["y"] = _vector("y", y, limits.MAX_OUTPUT_SIZE, size=b_y.size)
    trace = Trace("output", step, inputs)
    scores = trace.add("s", rf"s_{t} = W_y h_{t} + b_y", "scores (logits)", W_y @ h + b_y)
    if kind == "classification":
        y_hat = trace.add("y_hat", rf"\hat{{y}}_{t} = \operatorname{{softmax}}(s_{t})",
                          "prediction: the class probabilities", _softmax(scores))
        if y is not None:
            trace.add("loss", rf"\mathcal{{L}}_{t} = -\log \hat{{y}}_{{{step}, y_{t}}}",
                      "cross-entropy at this step",
                      np.log(np.sum(np.exp(scores - scores.max()))) + scores.max() - scores[y])
    else:
        y_hat = trace.add("y_hat", rf"\hat{{y}}_{t} = s_{t}", "prediction", scores)
        if y is not None:
            trace.add("loss", rf"\mathcal{{L}}_{t} = \lVert \hat{{y}}_{t} - y_{t} \rVert^2",
                      "squared error at this step", np.sum((y_hat - y) ** 2))
    return trace


def _steps(step):
    """LaTeX subscripts for step t and t-1."""
    return f"{{{step}}}", f"{{{step - 1}}}"


def _vector(name, value, max_size, size=None):
    """A 1-D float64 vector of 1..max_size entries (exactly `size` if given)."""
    array = limits.as_real_array(name, value, dtype=np.float64, expected="numbers")
    if array.ndim == 2 and array.shape[1] == 1:     # a column vector written as [[a], [b]]
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name} must be a vector, got shape {array.shape}")
    if size is not None and array.size != size:
        raise ValueError(f"{name} must have {size} entries, got {array.size}")
    limits.check_int(f"{name} size", array.size, 1, max_size)
    return array


def _matrix(name, value, shape):
    array = limits.as_real_array(name, value, dtype=np.float64, expected="numbers")
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    return array
