"""Worked-example traces: one step of an RNN, LSTM or GRU with every intermediate named.

Each function takes one sequence's vectors in the course's notation (W_x, W_h, b; column vectors
as 1-D arrays or lists), computes in float64, and returns a Trace: the given inputs and, in the
order a learner would compute them, entries with a stable key, the symbol in LaTeX, a short
note, and the value. A page renders the entries; a quiz reads values by key (trace["h"]).

The course's own example, rnn_step_trace(W_x=[[.1, .2], [.3, .4]], x=[1, 2], W_h=[[.5, .6],
[.7, .8]], h_prev=[0, 0], b=[.1, .1]), gives W_x x_1 = [0.5, 1.1], the sum [0.6, 1.2] and
h_1 = tanh([0.6, 1.2]) = [0.53705, 0.83365].

Gate stacking follows the layers (PyTorch): LSTM W_x = [W_xi; W_xf; W_xg; W_xo] (4H, I), GRU
W_x = [W_xr; W_xz; W_xn] (3H, I), likewise W_h and the biases.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from . import limits
from .activations import _sigmoid as sigmoid


@dataclass(frozen=True)
class TraceEntry:
    key: str            # stable identifier, e.g. "Wx_x"
    symbol: str         # LaTeX in the course's notation, e.g. "W_x x_{1}"
    note: str           # what this quantity is, in a few words
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
    """h_t = f(W_x x_t + W_h h_{t-1} + b) for one vector x (I,), h_prev (H,); W_x (H, I), W_h (H, H)."""
    nonlinearity = limits.check_choice("nonlinearity", nonlinearity, limits.NONLINEARITIES)
    step = limits.check_int("step", step, 1, limits.MAX_SEQ_LEN)
    x = _vector("x", x, limits.MAX_INPUT_SIZE)
    h_prev = _vector("h_prev", h_prev, limits.MAX_HIDDEN_SIZE)
    H, I = h_prev.size, x.size
    W_x = _matrix("W_x", W_x, (H, I))
    W_h = _matrix("W_h", W_h, (H, H))
    b = _vector("b", b, limits.MAX_HIDDEN_SIZE, size=H)
    t, s = _steps(step)
    trace = Trace("rnn", step, {"W_x": W_x, "x": x, "W_h": W_h, "h_prev": h_prev, "b": b})
    wx_x = trace.add("Wx_x", f"W_x x_{t}", "input term", W_x @ x)
    wh_h = trace.add("Wh_h", f"W_h h_{s}", "recurrent term", W_h @ h_prev)
    a = trace.add("a", f"W_x x_{t} + W_h h_{s} + b", "pre-activation", wx_x + wh_h + b)
    f = r"\tanh" if nonlinearity == "tanh" else r"\mathrm{ReLU}"
    trace.add("h", f"h_{t} = {f}(W_x x_{t} + W_h h_{s} + b)", "new hidden state",
              np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0))
    return trace


@_overflow_is_an_error
def lstm_step_trace(W_x, x, W_h, h_prev, c_prev, b, step=1) -> Trace:
    """One LSTM step (gates i, f, g, o stacked in W_x (4H, I), W_h (4H, H), b (4H,))."""
    step = limits.check_int("step", step, 1, limits.MAX_SEQ_LEN)
    x = _vector("x", x, limits.MAX_INPUT_SIZE)
    h_prev = _vector("h_prev", h_prev, limits.MAX_HIDDEN_SIZE)
    H, I = h_prev.size, x.size
    c_prev = _vector("c_prev", c_prev, limits.MAX_HIDDEN_SIZE, size=H)
    W_x = _matrix("W_x", W_x, (4 * H, I))
    W_h = _matrix("W_h", W_h, (4 * H, H))
    b = _vector("b", b, 4 * limits.MAX_HIDDEN_SIZE, size=4 * H)
    t, s = _steps(step)
    trace = Trace("lstm", step, {"W_x": W_x, "x": x, "W_h": W_h, "h_prev": h_prev,
                                 "c_prev": c_prev, "b": b})
    wx_x = trace.add("Wx_x", f"W_x x_{t}", "input terms of the four gates (i, f, g, o)", W_x @ x)
    wh_h = trace.add("Wh_h", f"W_h h_{s}", "recurrent terms of the four gates", W_h @ h_prev)
    a = trace.add("a", f"W_x x_{t} + W_h h_{s} + b", "pre-activations (i, f, g, o)",
                  wx_x + wh_h + b)
    a_i, a_f, a_g, a_o = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
    i = trace.add("i", rf"i_{t} = \sigma(W_{{xi}} x_{t} + W_{{hi}} h_{s} + b_i)", "input gate",
                  sigmoid(a_i))
    f = trace.add("f", rf"f_{t} = \sigma(W_{{xf}} x_{t} + W_{{hf}} h_{s} + b_f)", "forget gate",
                  sigmoid(a_f))
    g = trace.add("g", rf"\tilde{{c}}_{t} = \tanh(W_{{xg}} x_{t} + W_{{hg}} h_{s} + b_g)",
                  "candidate cell state", np.tanh(a_g))
    o = trace.add("o", rf"o_{t} = \sigma(W_{{xo}} x_{t} + W_{{ho}} h_{s} + b_o)", "output gate",
                  sigmoid(a_o))
    kept = trace.add("f_c", rf"f_{t} \odot c_{s}", "what the cell keeps", f * c_prev)
    written = trace.add("i_g", rf"i_{t} \odot \tilde{{c}}_{t}", "what the cell writes", i * g)
    c = trace.add("c", rf"c_{t} = f_{t} \odot c_{s} + i_{t} \odot \tilde{{c}}_{t}",
                  "new cell state", kept + written)
    tanh_c = trace.add("tanh_c", rf"\tanh(c_{t})", "squashed cell state", np.tanh(c))
    trace.add("h", rf"h_{t} = o_{t} \odot \tanh(c_{t})", "new hidden state", o * tanh_c)
    return trace


@_overflow_is_an_error
def gru_step_trace(W_x, x, W_h, h_prev, b_x, b_h=None, reset_after=True, step=1) -> Trace:
    """One GRU step (gates r, z, n stacked in W_x (3H, I), W_h (3H, H), b_x and b_h (3H,)).

    reset_after=True: n_t = tanh(W_xn x + b_xn + r ⊙ (W_hn h + b_hn)) (PyTorch);
    reset_after=False: n_t = tanh(W_xn x + b_xn + W_hn (r ⊙ h) + b_hn) (textbook).
    """
    reset_after = limits.check_bool("reset_after", reset_after)
    step = limits.check_int("step", step, 1, limits.MAX_SEQ_LEN)
    x = _vector("x", x, limits.MAX_INPUT_SIZE)
    h_prev = _vector("h_prev", h_prev, limits.MAX_HIDDEN_SIZE)
    H, I = h_prev.size, x.size
    W_x = _matrix("W_x", W_x, (3 * H, I))
    W_h = _matrix("W_h", W_h, (3 * H, H))
    b_x = _vector("b_x", b_x, 3 * limits.MAX_HIDDEN_SIZE, size=3 * H)
    b_h = np.zeros(3 * H) if b_h is None else _vector("b_h", b_h, 3 * limits.MAX_HIDDEN_SIZE,
                                                      size=3 * H)
    t, s = _steps(step)
    trace = Trace("gru", step, {"W_x": W_x, "x": x, "W_h": W_h, "h_prev": h_prev,
                                "b_x": b_x, "b_h": b_h})
    ax = trace.add("Wx_x_bx", f"W_x x_{t} + b_x", "input terms of the gates (r, z, n)",
                   W_x @ x + b_x)
    W_hn, b_hn = W_h[2 * H:], b_h[2 * H:]
    ah_rz = trace.add("Wh_h_bh_rz", rf"W_{{h[r,z]}} h_{s} + b_{{h[r,z]}}",
                      "recurrent terms of r and z", W_h[:2 * H] @ h_prev + b_h[:2 * H])
    r = trace.add("r", rf"r_{t} = \sigma(W_{{xr}} x_{t} + b_{{xr}} + W_{{hr}} h_{s} + b_{{hr}})",
                  "reset gate", sigmoid(ax[:H] + ah_rz[:H]))
    z = trace.add("z", rf"z_{t} = \sigma(W_{{xz}} x_{t} + b_{{xz}} + W_{{hz}} h_{s} + b_{{hz}})",
                  "update gate", sigmoid(ax[H:2 * H] + ah_rz[H:]))
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
