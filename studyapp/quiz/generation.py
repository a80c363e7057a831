"""Generated questions: fresh numbers from a seed, the answer and the worked solution computed by
rnncore, and every wrong option a named mistake.

Pure and seeded, no database: `generate(slug, seed)` always returns the same question for the
same generator and seed, as plain data (`GeneratedQuestion.as_dict()` is JSON, ready to be kept
in an attempt's snapshot; `GeneratedQuestion.from_dict` reads it back). This is the only module
of the quiz app that calls rnncore to generate questions.

A generator draws small, readable numbers (one decimal) and returns a `Draft`: the stem, the
answer, how many decimals it is shown to, the worked solution (the entries of an rnncore trace)
and its candidate mistakes, each a name, what it computes and the value it gives. `generate`
keeps the mistakes whose value differs from the answer and from each other after rounding to
the displayed decimals; a draw that loses a mistake that way (b = 0 makes "forgot the bias"
right, a symmetric W does the same to "W transposed") is drawn again, at most MAX_DRAWS times,
after which the best draw is used without the coinciding mistakes. Up to three distractors are
shown beside the answer in a seeded order.

A typed answer is right when every number is within the tolerance of the exact answer: half a
unit of the last displayed decimal (0.005 for two decimals), stated in the stem.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from rnncore import gru_step_trace, lstm_step_trace, rnn_step_trace
from rnncore.activations import sigmoid, softmax
from rnncore.traces import Trace
from rnncore.worked_traces import (GATE_BLOCKS, ctc_probability_trace, gradient_product_trace, matvec_trace,
                                   mse_trace, output_layer_trace, output_shape_trace,
                                   parameter_count_trace, scalar_rnn_gradient_trace,
                                   softmax_cross_entropy_trace)

MAX_DRAWS = 25            # draws of fresh numbers before a coinciding mistake is dropped
MAX_DISTRACTORS = 3       # wrong options shown beside the answer
MIN_DISTRACTORS = 2
MAX_SEED = 2**63 - 1
SOLUTION_DECIMALS = 4     # intermediates of a worked solution, trailing zeros dropped


# ---------------------------------------------------------------------------------------------
# The data a generated question is made of
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mistake:
    name: str              # "Forgot the bias"
    explanation: str       # what it computes, Markdown + LaTeX: "This is $W_x x_t$ without $b$."
    value: tuple           # the numbers it gives


@dataclass(frozen=True)
class Option:
    text: str              # the value as shown, Markdown + LaTeX
    value: list[float]
    mistake: str           # "" for the right answer, else the mistake's name
    explanation: str       # "" for the right answer, else what the mistake computes


@dataclass(frozen=True)
class Step:
    symbol: str            # LaTeX, in the course's notation (from the trace)
    note: str              # a few words, Markdown + LaTeX
    value: str             # LaTeX of the value


@dataclass(frozen=True)
class Draft:
    """One draw of a generator, before the options are chosen."""

    stem: str              # the question, Markdown + LaTeX, without the tolerance sentence
    answer: tuple          # the exact answer (one number or a vector)
    decimals: int
    solution: list[Step]
    mistakes: list[Mistake]
    params: dict           # the drawn inputs, plain JSON
    what: str              # "$h_t$": what to give, for the tolerance sentence
    shape: bool = False    # a shape (whole numbers, its length part of the answer)


@dataclass(frozen=True)
class GeneratedQuestion:
    generator: str
    seed: int
    topic: str             # the course topic's slug
    title: str
    stem: str              # Markdown + LaTeX, the tolerance stated
    answer: list[float]    # exact values (one number: a list of one)
    decimals: int
    tolerance: float       # half a unit of the last displayed decimal
    typed_length: int | None   # how many numbers a typed answer has (None: a shape, any count)
    answer_text: str       # the rounded answer, Markdown + LaTeX
    options: list[Option] = field(default_factory=list)   # in the order shown, one right
    correct_option: int = 1                               # 1-based
    solution: list[Step] = field(default_factory=list)
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> GeneratedQuestion:
        data = dict(data)
        data["options"] = [Option(**option) for option in data["options"]]
        data["solution"] = [Step(**step) for step in data["solution"]]
        return cls(**data)

    def option_for(self, position: int) -> Option:
        return self.options[position - 1]

    def is_right(self, numbers: Sequence[float]) -> bool:
        """A typed answer (already parsed) is right: as many numbers as the answer, each within
        the tolerance."""
        return within_tolerance(numbers, self.answer, self.tolerance)


def within_tolerance(numbers: Sequence[float], answer: Sequence[float], tolerance: float) -> bool:
    if len(numbers) != len(answer):
        return False
    slack = tolerance * (1 + 1e-9) + 1e-12     # a value exactly half a unit away is right
    return all(abs(n - a) <= slack for n, a in zip(numbers, answer))


@dataclass(frozen=True)
class Generator:
    slug: str
    title: str
    topic: str             # course topic slug the question belongs to
    draw: Callable[[np.random.Generator], Draft]


# ---------------------------------------------------------------------------------------------
# Numbers and their display
# ---------------------------------------------------------------------------------------------

def _tenths(rng, shape=None, low=-9, high=9, nonzero=True):
    """One-decimal numbers in [low/10, high/10] (zero excluded unless nonzero=False)."""
    values = [v for v in range(low, high + 1) if v or not nonzero]
    return np.asarray(rng.choice(values, size=shape), dtype=np.float64) / 10


def _plain(value) -> list[float]:
    return [float(v) for v in np.atleast_1d(np.asarray(value, dtype=np.float64)).ravel()]


def _rounded(values, decimals) -> tuple:
    return tuple(float(np.round(v, decimals)) + 0.0 for v in values)


def _fixed(value, decimals) -> str:
    text = f"{float(np.round(value, decimals)) + 0.0:.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def _short(value, decimals=SOLUTION_DECIMALS) -> str:
    """Up to `decimals` decimals, trailing zeros dropped: 0.5, 1.1, 0.5371, 2560."""
    text = _fixed(value, decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _column(values, fmt) -> str:
    values = _plain(values)
    if len(values) == 1:
        return fmt(values[0])
    return r"\begin{bmatrix} " + r" \\ ".join(fmt(v) for v in values) + r" \end{bmatrix}"


def _matrix(M) -> str:
    rows = np.atleast_2d(np.asarray(M, dtype=np.float64))
    return (r"\begin{bmatrix} " + r" \\ ".join(" & ".join(_short(v) for v in row) for row in rows)
            + r" \end{bmatrix}")


def _vec(values) -> str:
    return _column(values, _short)


def _shape(values) -> str:
    return "(" + ", ".join(str(int(round(v))) for v in _plain(values)) + ")"


def _display(values, decimals, shape=False) -> str:
    if shape:
        return f"${_shape(values)}$"
    return f"${_column(values, lambda v: _fixed(v, decimals))}$"


def _steps(trace: Trace, *, until: str | None = None, skip: Sequence[str] = (),
           shape: bool = False) -> list[Step]:
    """The trace's entries as worked-solution steps, up to and including `until`."""
    steps = []
    for entry in trace.entries:
        if entry.key not in skip:
            value = _shape(entry.value) if shape else _vec(entry.value)
            steps.append(Step(entry.symbol, entry.note, value))
        if entry.key == until:
            break
    return steps


def _mistake(name, explanation, value) -> Mistake:
    return Mistake(name, explanation, tuple(_plain(value)))


# ---------------------------------------------------------------------------------------------
# The generators
# ---------------------------------------------------------------------------------------------

def _rnn_inputs(rng):
    W_x, W_h = _tenths(rng, (2, 2)), _tenths(rng, (2, 2))
    x, h = _tenths(rng, 2, -20, 20), _tenths(rng, 2)
    b = _tenths(rng, 2, -5, 5)
    step = int(rng.integers(2, 5))
    return W_x, W_h, x, h, b, step


def _rnn_given(W_x, W_h, x, h, b, step, with_b=True) -> str:
    t, s = step, step - 1
    text = (f"An RNN has $W_x = {_matrix(W_x)}$ and $W_h = {_matrix(W_h)}$"
            + (f" and $b = {_vec(b)}$" if with_b else "")
            + f". At step $t = {t}$ the input is $x_{{{t}}} = {_vec(x)}$ and the previous hidden "
            f"state is $h_{{{s}}} = {_vec(h)}$.")
    return text


def _rnn_params(W_x, W_h, x, h, b, step, **extra):
    return {"W_x": W_x.tolist(), "W_h": W_h.tolist(), "x": x.tolist(), "h_prev": h.tolist(),
            "b": b.tolist(), "step": step, **extra}


def draw_matvec(rng) -> Draft:
    W_x, W_h, x, h, b, step = _rnn_inputs(rng)
    trace = matvec_trace(W_x, x, "W_x", f"x_{{{step}}}")
    t, s = step, step - 1
    return Draft(
        stem=_rnn_given(W_x, W_h, x, h, b, step, with_b=False)
        + f" Compute the input term $W_x x_{{{t}}}$.",
        answer=tuple(_plain(trace["Wx"])), decimals=2, solution=_steps(trace),
        what=f"$W_x x_{{{t}}}$",
        params=_rnn_params(W_x, W_h, x, h, b, step),
        mistakes=[
            _mistake("$W_x$ transposed", f"This is $W_x^\\top x_{{{t}}}$: each column of $W_x$ "
                     "times $x_t$ instead of each row.", matvec_trace(W_x.T, x)["Wx"]),
            _mistake("$W_h$ used for $W_x$", f"This is $W_h x_{{{t}}}$: the recurrent matrix in place "
                     "of the input matrix.", matvec_trace(W_h, x)["Wx"]),
            _mistake("$h_{t-1}$ used for $x_t$", f"This is $W_x h_{{{s}}}$: the previous state in "
                     "place of the input.", matvec_trace(W_x, h)["Wx"]),
            _mistake("Entrywise product", "This multiplies each entry of $x_t$ by the diagonal of "
                     "$W_x$ only, leaving out the other products of each row.",
                     np.diag(W_x) * x),
        ])


def draw_preactivation(rng) -> Draft:
    W_x, W_h, x, h, b, step = _rnn_inputs(rng)
    trace = rnn_step_trace(W_x, x, W_h, h, b, step=step)
    t, s = step, step - 1
    return Draft(
        stem=_rnn_given(W_x, W_h, x, h, b, step)
        + f" Compute the pre-activation $a_{{{t}}} = W_x x_{{{t}}} + W_h h_{{{s}}} + b$.",
        answer=tuple(_plain(trace["a"])), decimals=2, solution=_steps(trace, until="a"),
        what=f"$a_{{{t}}}$", params=_rnn_params(W_x, W_h, x, h, b, step),
        mistakes=[
            _mistake("Forgot the bias", f"This is $W_x x_{{{t}}} + W_h h_{{{s}}}$ without $b$.",
                     rnn_step_trace(W_x, x, W_h, h, np.zeros(2), step=step)["a"]),
            _mistake("Forgot the recurrent term", f"This is $W_x x_{{{t}}} + b$: it leaves out "
                     f"$W_h h_{{{s}}}$, as if $h_{{{s}}} = 0$.",
                     rnn_step_trace(W_x, x, W_h, np.zeros(2), b, step=step)["a"]),
            _mistake("$W_x$ and $W_h$ swapped", f"This is $W_h x_{{{t}}} + W_x h_{{{s}}} + b$.",
                     rnn_step_trace(W_h, x, W_x, h, b, step=step)["a"]),
            _mistake("Both matrices transposed", f"This is $W_x^\\top x_{{{t}}} + W_h^\\top h_{{{s}}} + b$: "
                     "columns times the vectors instead of rows.",
                     rnn_step_trace(W_x.T, x, W_h.T, h, b, step=step)["a"]),
        ])


def _draw_rnn_step(rng, nonlinearity) -> Draft:
    W_x, W_h, x, h, b, step = _rnn_inputs(rng)
    trace = rnn_step_trace(W_x, x, W_h, h, b, nonlinearity=nonlinearity, step=step)
    t, s = step, step - 1
    f = r"\tanh" if nonlinearity == "tanh" else r"\mathrm{ReLU}"
    a = trace["a"]
    wrong_f = (_mistake("Sigmoid instead of tanh", f"This is $\\sigma(a_{{{t}}})$: the gates' "
                        "sigmoid in place of tanh.", sigmoid(a))
               if nonlinearity == "tanh" else
               _mistake("tanh instead of ReLU", f"This is $\\tanh(a_{{{t}}})$ in place of "
                        f"$\\mathrm{{ReLU}}(a_{{{t}}}) = \\max(0, a_{{{t}}})$.", np.tanh(a)))
    return Draft(
        stem=_rnn_given(W_x, W_h, x, h, b, step)
        + f" Compute the new hidden state $h_{{{t}}} = {f}(W_x x_{{{t}}} + W_h h_{{{s}}} + b)$.",
        answer=tuple(_plain(trace["h"])), decimals=2, solution=_steps(trace),
        what=f"$h_{{{t}}}$", params=_rnn_params(W_x, W_h, x, h, b, step,
                                               nonlinearity=nonlinearity),
        mistakes=[
            wrong_f,
            _mistake("Forgot the bias", f"This is ${f}(W_x x_{{{t}}} + W_h h_{{{s}}})$ "
                     "without $b$.", rnn_step_trace(W_x, x, W_h, h, np.zeros(2),
                                                    nonlinearity=nonlinearity, step=step)["h"]),
            _mistake("Forgot the activation", f"This is the pre-activation $a_{{{t}}}$ itself, "
                     f"before ${f}$.", a),
            _mistake("$W_x$ and $W_h$ swapped", f"This is ${f}(W_h x_{{{t}}} + W_x h_{{{s}}} + b)$.",
                     rnn_step_trace(W_h, x, W_x, h, b, nonlinearity=nonlinearity,
                                    step=step)["h"]),
        ])


def draw_rnn_step_tanh(rng) -> Draft:
    return _draw_rnn_step(rng, "tanh")


def draw_rnn_step_relu(rng) -> Draft:
    return _draw_rnn_step(rng, "relu")


def draw_output_layer(rng) -> Draft:
    Q = int(rng.choice([2, 3]))
    W_y, b_y = _tenths(rng, (Q, 2)), _tenths(rng, Q, -5, 5)
    h_prev, h = _tenths(rng, 2), _tenths(rng, 2)
    step = int(rng.integers(2, 6))
    t, s = step, step - 1
    trace = output_layer_trace(W_y, h, b_y, step=step)
    mistakes = [
        _mistake("Forgot the bias", f"This is $W_y h_{{{t}}}$ without $b_y$.", trace["Wy_h"]),
        _mistake("$h_{t-1}$ used for $h_t$", f"This is $W_y h_{{{s}}} + b_y$: the previous step's "
                 "state in place of this step's.", output_layer_trace(W_y, h_prev, b_y)["s"]),
        _mistake("Softmax applied", f"This is $\\hat{{y}}_{{{t}}} = \\operatorname{{softmax}}"
                 f"(s_{{{t}}})$, the probabilities; the scores come before the softmax.",
                 softmax(trace["s"])),
    ]
    if Q == 2:
        mistakes.append(_mistake("$W_y$ transposed", f"This is $W_y^\\top h_{{{t}}} + b_y$.",
                                 output_layer_trace(W_y.T, h, b_y)["s"]))
    return Draft(
        stem=(f"A many-to-many RNN with hidden size $H = 2$ has an output layer with $Q = {Q}$ "
              f"scores, $W_y = {_matrix(W_y)}$ and $b_y = {_vec(b_y)}$. Its hidden states are "
              f"$h_{{{s}}} = {_vec(h_prev)}$ and $h_{{{t}}} = {_vec(h)}$. Compute the scores "
              f"$s_{{{t}}} = W_y h_{{{t}}} + b_y$."),
        answer=tuple(_plain(trace["s"])), decimals=2, solution=_steps(trace),
        what=f"$s_{{{t}}}$",
        params={"W_y": W_y.tolist(), "b_y": b_y.tolist(), "h_prev": h_prev.tolist(),
                "h": h.tolist(), "step": step},
        mistakes=mistakes)


LSTM_GATES = {"i": ("input gate", "i"), "f": ("forget gate", "f"), "g": ("candidate", "g"),
              "o": ("output gate", "o")}
LSTM_ASKED = ("i", "f", "g", "o", "c", "h")


def _gate_table(rows) -> str:
    """A Markdown table of one-unit gate parameters: rows of (gate LaTeX, W_x, W_h, biases)."""
    lines = ["| | $W_{x\\cdot}$ | $W_{h\\cdot}$ | bias |", "|---|---|---|---|"]
    lines += [f"| {name} | ${_short(wx)}$ | ${_short(wh)}$ | {bias} |" for name, wx, wh, bias in rows]
    return "\n".join(lines)


def draw_lstm_step(rng) -> Draft:
    asked = str(rng.choice(LSTM_ASKED))
    W_x, W_h, b = _tenths(rng, (4, 1), -10, 10), _tenths(rng, (4, 1), -10, 10), _tenths(rng, 4, -5, 5)
    x, h, c = _tenths(rng, 1, -10, 10), _tenths(rng, 1), _tenths(rng, 1, -15, 15)
    step = int(rng.integers(2, 5))
    trace = lstm_step_trace(W_x, x, W_h, h, c, b, step=step)
    names = ["i", "f", "g", "o"]
    table = _gate_table([(f"${n}_t$ ({LSTM_GATES[n][0]})", W_x[k, 0], W_h[k, 0], f"$b_{n} = {_short(b[k])}$")
                         for k, n in enumerate(names)])
    value = trace[asked]
    a = trace["a"]
    if asked in ("i", "f", "o", "g"):
        k = names.index(asked)
        other, other_name = ((np.tanh, "tanh instead of sigmoid") if asked != "g"
                             else (sigmoid, "Sigmoid instead of tanh"))
        b_zero = b.copy()
        b_zero[k] = 0.0
        f_sym = r"\sigma" if asked != "g" else r"\tanh"
        mistakes = [
            _mistake(other_name, "This squashes the pre-activation with the wrong function: "
                     + ("a gate uses $\\sigma$." if asked != "g" else "the candidate uses tanh."),
                     other(a[k])),
            _mistake("Forgot the bias", f"This leaves $b_{asked}$ out.",
                     lstm_step_trace(W_x, x, W_h, h, c, b_zero)[asked]),
            _mistake("Forgot the recurrent term", f"This leaves $W_{{h{asked}}} h_{{t-1}}$ out, "
                     "as if $h_{t-1} = 0$.", lstm_step_trace(W_x, x, W_h, [0.0], c, b)[asked]),
            _mistake("Forgot the activation", f"This is the pre-activation itself, before "
                     f"${f_sym}$.", a[k]),
        ]
        question = f"the {LSTM_GATES[asked][0]} ${asked}_t$"
    elif asked == "c":
        swapped = [1, 0, 2, 3]
        mistakes = [
            _mistake("Forgot what the cell keeps", r"This is $i_t \odot g_t$ alone: it leaves "
                     r"out $f_t \odot c_{t-1}$.", trace["i"] * trace["g"]),
            _mistake("$i_t$ and $f_t$ swapped", r"This is $i_t \odot c_{t-1} + f_t \odot g_t$.",
                     lstm_step_trace(W_x[swapped], x, W_h[swapped], h, c, b[swapped])["c"]),
            _mistake("$h_{t-1}$ used for $c_{t-1}$", r"This is $f_t \odot h_{t-1} + i_t \odot g_t$: "
                     "the previous hidden state in place of the previous cell state.",
                     lstm_step_trace(W_x, x, W_h, h, h, b)["c"]),
            _mistake("Sigmoid instead of tanh for the candidate", r"This uses $\sigma$ for $g_t$.",
                     trace["f"] * c + trace["i"] * sigmoid(a[2])),
        ]
        question = "the new cell state $c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$"
    else:
        swapped = [1, 0, 2, 3]
        mistakes = [
            _mistake("Forgot the tanh of $c_t$", r"This is $o_t \odot c_t$ without $\tanh$.",
                     trace["o"] * trace["c"]),
            _mistake("Forgot the output gate", r"This is $\tanh(c_t)$ alone.",
                     np.tanh(trace["c"])),
            _mistake("$c_{t-1}$ used for $c_t$", r"This is $o_t \odot \tanh(c_{t-1})$: the previous "
                     "cell state.", trace["o"] * np.tanh(c)),
            _mistake("$i_t$ and $f_t$ swapped", r"This computes $c_t$ as $i_t \odot c_{t-1} + f_t \odot "
                     r"g_t$.", lstm_step_trace(W_x[swapped], x, W_h[swapped], h, c,
                                               b[swapped])["h"]),
        ]
        question = "the new hidden state $h_t = o_t \\odot \\tanh(c_t)$"
    return Draft(
        stem=(f"One LSTM unit ($D = H = 1$) has these weights and biases, gates in PyTorch's "
              f"order:\n\n{table}\n\nAt step $t = {step}$, $x_{{{step}}} = {_short(x[0])}$, "
              f"$h_{{{step - 1}}} = {_short(h[0])}$ and $c_{{{step - 1}}} = {_short(c[0])}$. "
              f"Compute {question}."),
        answer=tuple(_plain(value)), decimals=2, solution=_steps(trace, until=asked),
        what=f"${asked}_{{{step}}}$",
        params={"W_x": W_x.tolist(), "W_h": W_h.tolist(), "b": b.tolist(), "x": x.tolist(),
                "h_prev": h.tolist(), "c_prev": c.tolist(), "step": step, "asked": asked},
        mistakes=mistakes)


GRU_ASKED = ("r", "z", "n", "h")


def draw_gru_step(rng) -> Draft:
    asked = str(rng.choice(GRU_ASKED))
    W_x, W_h = _tenths(rng, (3, 1), -10, 10), _tenths(rng, (3, 1), -10, 10)
    b_x, b_hn = _tenths(rng, 3, -5, 5), float(_tenths(rng, None, -9, 9))
    b_h = np.array([0.0, 0.0, b_hn])
    x, h = _tenths(rng, 1, -10, 10), _tenths(rng, 1)
    step = int(rng.integers(2, 5))
    trace = gru_step_trace(W_x, x, W_h, h, b_x, b_h, step=step)
    textbook = gru_step_trace(W_x, x, W_h, h, b_x, b_h, reset_after=False, step=step)
    table = _gate_table([
        ("$r_t$ (reset gate)", W_x[0, 0], W_h[0, 0], f"$b_r = {_short(b_x[0])}$"),
        ("$z_t$ (update gate)", W_x[1, 0], W_h[1, 0], f"$b_z = {_short(b_x[1])}$"),
        (r"$\tilde{h}_t$ (candidate)", W_x[2, 0], W_h[2, 0],
         f"$b_{{xn}} = {_short(b_x[2])}$, $b_{{hn}} = {_short(b_hn)}$"),
    ])
    z, r, n = trace["z"], trace["r"], trace["n"]
    # The candidate without the reset gate (r_t = 1) and the h_t it gives.
    # The gates' pre-activations, for the mistakes (the trace has the right values).
    a_x = W_x[:, 0] * x[0] + b_x                         # W_x· x_t + b_x· for r, z, candidate
    a_h = W_h[:, 0] * h[0] + b_h                         # W_h· h_{t-1} + b_h·
    n_no_reset = np.tanh(a_x[2:] + a_h[2:])
    if asked in ("r", "z"):
        k = "rz".index(asked)
        a = a_x[k] + a_h[k]
        b_zero = b_x.copy()
        b_zero[k] = 0.0
        mistakes = [
            _mistake("tanh instead of sigmoid", "A gate squashes with $\\sigma$, not tanh.",
                     np.tanh(a)),
            _mistake("Forgot the bias", f"This leaves $b_{asked}$ out.",
                     gru_step_trace(W_x, x, W_h, h, b_zero, b_h, step=step)[asked]),
            _mistake("Forgot the recurrent term", f"This leaves $W_{{h{asked}}} h_{{t-1}}$ out.",
                     gru_step_trace(W_x, x, W_h, [0.0], b_x, b_h, step=step)[asked]),
            _mistake("Forgot the activation", "This is the pre-activation, before $\\sigma$.", a),
        ]
        question = f"the {'reset' if asked == 'r' else 'update'} gate ${asked}_t$"
        what = f"${asked}_{{{step}}}$"
    elif asked == "n":
        mistakes = [
            _mistake("Reset gate forgotten", r"This is $\tanh(W_{xn} x_t + b_{xn} + W_{hn} "
                     r"h_{t-1} + b_{hn})$, without $r_t \odot$.", n_no_reset),
            _mistake("$r_t$ applied before $W_{hn}$", r"This is the textbook form $\tanh(W_{xn} x_t + "
                     r"b_{xn} + W_{hn} (r_t \odot h_{t-1}) + b_{hn})$; this course (and PyTorch) "
                     r"apply $r_t$ after the product, to $W_{hn} h_{t-1} + b_{hn}$.",
                     textbook["n"]),
            _mistake("Sigmoid instead of tanh", r"The candidate squashes with tanh, not $\sigma$.",
                     sigmoid(a_x[2:] + r * a_h[2:])),
            _mistake("Forgot the biases", r"This leaves $b_{xn}$ and $b_{hn}$ out.",
                     gru_step_trace(W_x, x, W_h, h, [b_x[0], b_x[1], 0.0], [0.0, 0.0, 0.0])["n"]),
        ]
        question = (r"the candidate $\tilde{h}_t = \tanh(W_{xn} x_t + b_{xn} + r_t \odot "
                    r"(W_{hn} h_{t-1} + b_{hn}))$")
        what = f"$\\tilde{{h}}_{{{step}}}$"
    else:
        mistakes = [
            _mistake("$z_t$ the wrong way round", r"This is $z_t \odot \tilde{h}_t + (1 - z_t) \odot "
                     r"h_{t-1}$, the convention of some other sources.", z * n + (1 - z) * h),
            _mistake("Reset gate forgotten", r"This computes $\tilde{h}_t$ without $r_t$.",
                     (1 - z) * n_no_reset + z * h),
            _mistake("Gave the candidate", r"This is $\tilde{h}_t$ itself, before mixing with "
                     r"$h_{t-1}$ by $z_t$.", n),
            _mistake("$r_t$ applied before $W_{hn}$", r"This uses the textbook candidate, with "
                     r"$W_{hn} (r_t \odot h_{t-1})$.", textbook["h"]),
        ]
        question = r"the new hidden state $h_t = (1 - z_t) \odot \tilde{h}_t + z_t \odot h_{t-1}$"
        what = f"$h_{{{step}}}$"
    return Draft(
        stem=(f"One GRU unit ($D = H = 1$, PyTorch's form) has these weights and biases:\n\n"
              f"{table}\n\nAt step $t = {step}$, $x_{{{step}}} = {_short(x[0])}$ and "
              f"$h_{{{step - 1}}} = {_short(h[0])}$. Compute {question}."),
        answer=tuple(_plain(trace[asked])), decimals=2, solution=_steps(trace, until=asked),
        what=what,
        params={"W_x": W_x.tolist(), "W_h": W_h.tolist(), "b_x": b_x.tolist(),
                "b_h": b_h.tolist(), "x": x.tolist(), "h_prev": h.tolist(), "step": step,
                "asked": asked},
        mistakes=mistakes)


def draw_softmax_cross_entropy(rng) -> Draft:
    asked = str(rng.choice(["loss", "grad"]))
    s = _tenths(rng, 3, -20, 20, nonzero=False)
    y = int(rng.integers(3))
    trace = softmax_cross_entropy_trace(s, y, step=1)
    y_hat = trace["y_hat"]
    given = (f"A classifier's output layer gives the scores $s_1 = {_vec(s)}$ over $Q = 3$ "
             f"classes, and the target is class $y_1 = {y + 1}$.")
    if asked == "loss":
        predicted = int(np.argmax(s))
        mistakes = [
            _mistake("Base-10 logarithm", r"This is $-\log_{10} \hat{y}_{1,y_1}$; the "
                     "cross-entropy uses the natural log.", -np.log10(trace["y_hat_y"])),
            _mistake("Forgot to normalise", f"This is $-s_{{1,{y + 1}}} = -\\log e^{{s_{{1,{y + 1}}}}}$, "
                     "without dividing by the sum of the exponentials.", -s[y]),
            _mistake("Forgot the minus sign", r"This is $\log \hat{y}_{1,y_1}$, which is negative; "
                     "a loss is not.", np.log(trace["y_hat_y"])),
        ]
        if predicted != y:
            mistakes.append(_mistake(
                "Used the predicted class", f"This is $-\\log \\hat{{y}}_{{1,{predicted + 1}}}$, the "
                "largest score's class, not the target's.", -np.log(y_hat[predicted])))
        return Draft(
            stem=given + r" Compute the cross-entropy $\mathcal{L}_1 = -\log \hat{y}_{1,y_1}$ "
            r"(natural log) of $\hat{y}_1 = \operatorname{softmax}(s_1)$.",
            answer=tuple(_plain(trace["loss"])), decimals=2,
            solution=_steps(trace, until="loss"), what=r"$\mathcal{L}_1$",
            params={"s": s.tolist(), "y": y, "asked": asked}, mistakes=mistakes)
    one_hot = np.eye(3)[y]
    return Draft(
        stem=given + r" Compute the gradient of the cross-entropy with respect to the scores, "
        r"$\partial \mathcal{L}_1 / \partial s_1$.",
        answer=tuple(_plain(trace["grad"])), decimals=2, solution=_steps(trace),
        what=r"$\partial \mathcal{L}_1 / \partial s_1$",
        params={"s": s.tolist(), "y": y, "asked": asked},
        mistakes=[
            _mistake("Forgot to subtract the target", r"This is $\hat{y}_1$ alone; the gradient "
                     r"is $\hat{y}_1 - y_1$ with $y_1$ one-hot.", y_hat),
            _mistake("Sign flipped", r"This is $y_1 - \hat{y}_1$.", one_hot - y_hat),
            _mistake("Used the scores", r"This is $s_1 - y_1$: the scores in place of the "
                     "probabilities.", s - one_hot),
        ])


def draw_mse(rng) -> Draft:
    T = int(rng.choice([3, 4]))
    y_hat, y = _tenths(rng, T, -10, 10, nonzero=False), _tenths(rng, T, -10, 10, nonzero=False)
    trace = mse_trace(y_hat, y)
    diff = trace["diff"]
    seq = ", ".join
    return Draft(
        stem=(f"A regression RNN predicts $\\hat{{y}}_t$ = {seq(f'${_short(v)}$' for v in y_hat)} "
              f"for $t = 1, \\dots, {T}$; the targets are $y_t$ = "
              f"{seq(f'${_short(v)}$' for v in y)}. Compute the mean squared error "
              r"$\mathcal{L} = \frac{1}{T} \sum_{t=1}^{T} (\hat{y}_t - y_t)^2$."),
        answer=tuple(_plain(trace["loss"])), decimals=3, solution=_steps(trace, until="loss"),
        what=r"$\mathcal{L}$", params={"y_hat": y_hat.tolist(), "y": y.tolist()},
        mistakes=[
            _mistake("Summed instead of averaged", r"This is $\sum_t (\hat{y}_t - y_t)^2$ "
                     r"without $\frac{1}{T}$.", mse_trace(y_hat, y, reduction="sum")["loss"]),
            _mistake("Absolute errors (MAE)", r"This is $\frac{1}{T} \sum_t \lvert \hat{y}_t - "
                     r"y_t \rvert$: the errors not squared.", np.mean(np.abs(diff))),
            _mistake("Took the square root (RMSE)", r"This is $\sqrt{\mathcal{L}}$.",
                     np.sqrt(trace["loss"])),
            _mistake("Squared the mean error", r"This is $(\frac{1}{T} \sum_t (\hat{y}_t - "
                     r"y_t))^2$: errors of opposite signs cancel before squaring.",
                     np.mean(diff) ** 2),
        ])


CTC_SYMBOLS = ["-", "a", "b"]
CTC_TARGETS = ([1], [2], [1, 2], [2, 1])


def _frame_probabilities(rng, T) -> np.ndarray:
    """T rows of three one-decimal probabilities, each at least 0.1, summing to 1."""
    rows = []
    for _ in range(T):
        cut = np.sort(rng.choice(np.arange(1, 10), size=2, replace=False))
        rows.append(np.diff(np.concatenate([[0], cut, [10]])) / 10)
    return np.array(rows)


def draw_ctc(rng) -> Draft:
    T = 3
    target = list(CTC_TARGETS[int(rng.integers(len(CTC_TARGETS)))])
    probs = _frame_probabilities(rng, T)
    trace = ctc_probability_trace(probs, target, blank=0, symbols=CTC_SYMBOLS)
    word = "".join(CTC_SYMBOLS[k] for k in target)
    paths = [e for e in trace.entries if e.key.startswith("path")]

    def path_of(entry):
        return entry.note.split(":")[0].removeprefix("alignment ")

    def has_repeat(p):
        return any(a == b != "-" for a, b in zip(p, p[1:]))

    mistakes = [
        _mistake("Only the best path", "This is the most probable alignment alone; CTC sums "
                 "over every alignment that collapses to the label.",
                 max(float(e.value) for e in paths)),
        _mistake("Repeats not merged", "This leaves out the alignments with a repeated letter "
                 f"(such as {word[0] * 2}), which collapse to the label too.",
                 sum(float(e.value) for e in paths if not has_repeat(path_of(e)))),
        _mistake("No blanks at the ends", "This counts only the alignments that start and end "
                 "with a letter; blanks may come first and last.",
                 sum(float(e.value) for e in paths
                     if path_of(e)[0] != "-" and path_of(e)[-1] != "-")),
    ]
    if len(target) == 1:
        k = target[0]
        mistakes.append(_mistake(
            "Did not collapse", f"This is $\\prod_t (\\hat{{y}}_t({word}) + \\hat{{y}}_t(-))$: "
            f"every path of {word} and blanks, including ones that collapse to nothing or to "
            f"{word * 2}.", np.prod(probs[:, k] + probs[:, 0])))
    rows = ["| frame $t$ | " + " | ".join(f"$\\hat{{y}}_t({c})$" for c in CTC_SYMBOLS) + " |",
            "|---|---|---|---|"]
    rows += [f"| {t} | " + " | ".join(_short(p) for p in probs[t - 1]) + " |"
             for t in range(1, T + 1)]
    return Draft(
        stem=(f"A CTC model over the alphabet $\\{{a, b\\}}$ with the blank $-$ gives, for "
              f"$T = {T}$ frames:\n\n" + "\n".join(rows) + "\n\n"
              f"Compute $P(y \\mid x)$ for the label $y = \\text{{{word}}}$, by listing the alignments "
              f"that collapse to it."),
        answer=tuple(_plain(trace["P"])), decimals=3, solution=_steps(trace, until="P"),
        what=r"$P(y \mid x)$", params={"probs": probs.tolist(), "target": target},
        mistakes=mistakes)


GATE_BLOCKS_TEXT = {"rnn": "one block", "lstm": "four blocks (i, f, g, o)",
                    "gru": "three blocks (r, z, candidate)"}


CELL_NAMES = {"rnn": ("RNN", "nn.RNN"), "lstm": ("LSTM", "nn.LSTM"), "gru": ("GRU", "nn.GRU")}


def _draw_parameters(rng, *, cell=None, layers=(1,), bidirectional=False) -> Draft:
    cell = cell or str(rng.choice(["rnn", "lstm", "gru"]))
    L = int(rng.choice(layers))
    D, H = int(rng.integers(2, 17)), int(rng.integers(2, 33))
    while H == D:
        H = int(rng.integers(2, 33))
    biases = str(rng.choice(["one", "two"]))
    other = "two" if biases == "one" else "one"
    trace = parameter_count_trace(cell, D, H, L, bidirectional, biases)
    total = int(trace["total"])
    name, torch_name = CELL_NAMES[cell]
    dirs = 2 if bidirectional else 1
    G = int(trace["G"])
    convention = ("Count **one bias vector per gate block**, as the course writes the equations "
                  "($b$, or $b_i$, $b_f$, ...)." if biases == "one" else
                  "Count **PyTorch's two bias vectors per gate block** (`bias_ih` and "
                  "`bias_hh`), as `torch.nn` has.")
    args = [f"input_size={D}", f"hidden_size={H}"]
    if L > 1:
        args.append(f"num_layers={L}")
    if bidirectional:
        args.append("bidirectional=True")
    mistakes = [
        _mistake("One bias counted instead of two" if biases == "two"
                 else "Two biases counted instead of one",
                 "This is the other convention's count: "
                 + ("the course's one bias per block; PyTorch keeps two." if biases == "two"
                    else "PyTorch's two biases per block; the course writes one."),
                 parameter_count_trace(cell, D, H, L, bidirectional, other)["total"]),
        _mistake("Forgot the biases", "This counts the weights only.",
                 total - L * dirs * int(trace["bias"])),
    ]
    if cell != "rnn":
        wrong_cell = "gru" if cell == "lstm" else "lstm"
        mistakes.append(_mistake(
            f"{GATE_BLOCKS[wrong_cell]} blocks instead of {G}", f"This counts {GATE_BLOCKS_TEXT[wrong_cell]}, the "
            f"{CELL_NAMES[wrong_cell][0]}'s, instead of the {name}'s {GATE_BLOCKS_TEXT[cell]}.",
            parameter_count_trace(wrong_cell, D, H, L, bidirectional, biases)["total"]))
        mistakes.append(_mistake(
            "One block only", f"This counts one block, as for a plain RNN, instead of {G}.",
            parameter_count_trace("rnn", D, H, L, bidirectional, biases)["total"]))
    else:
        mistakes.append(_mistake(
            "$W_h$ counted as $H \\times D$", "This gives the recurrent matrix the input matrix's shape; "
            "$W_h$ is $H \\times H$.", total - L * dirs * (H * H - H * D)))
    if L > 1:
        first = int(trace["layer1"])
        mistakes.append(_mistake(
            "One layer only", f"This counts layer 1 alone, not all {L} layers.", dirs * first))
        mistakes.append(_mistake(
            "Every layer reads D inputs", f"The layers above read the layer below's "
            f"{dirs * H} outputs, not the $D = {D}$ inputs.", dirs * L * first))
    if bidirectional:
        mistakes.append(_mistake(
            "One direction only", "A bidirectional layer has a second, backward set of weights.",
            parameter_count_trace(cell, D, H, L, False, biases)["total"]))
    stem = (f"How many parameters has `{torch_name}({', '.join(args)})`"
            f" ({'a ' + str(L) + '-layer' if L > 1 else 'one'} {'bidirectional ' if bidirectional else ''}"
            f"{name} layer{'s' if L > 1 else ''}, $D = {D}$, $H = {H}$)? {convention}")
    return Draft(stem=stem, answer=(float(total),), decimals=0,
                 solution=_steps(trace), what="the count",
                 params={"cell": cell, "D": D, "H": H, "num_layers": L,
                         "bidirectional": bidirectional, "biases": biases},
                 mistakes=mistakes)


def draw_rnn_parameters(rng):
    return _draw_parameters(rng, cell="rnn")


def draw_lstm_parameters(rng):
    return _draw_parameters(rng, cell="lstm")


def draw_gru_parameters(rng):
    return _draw_parameters(rng, cell="gru")


def draw_stacked_parameters(rng):
    return _draw_parameters(rng, layers=(2, 3))


def draw_bidirectional_parameters(rng):
    return _draw_parameters(rng, layers=(1, 2), bidirectional=True)


def _sizes(rng):
    """T, N, D, H, Q: five different sizes, so that each mistake shows."""
    T, N, D, H, Q = (int(v) for v in rng.choice(np.arange(2, 41), size=5, replace=False))
    return T, N, D, H, Q


def _shape_draft(trace, key, stem, mistakes, params) -> Draft:
    return Draft(stem=stem + " (Time-major, as `torch.nn` with `batch_first=False`.)",
                 answer=tuple(_plain(trace[key])), decimals=0,
                 solution=_steps(trace, until=key, shape=True), what="the shape",
                 params=params, mistakes=mistakes, shape=True)


ARCHITECTURE_WORDS = {
    "many_to_one": "a many-to-one classifier: the output layer reads the last step's hidden state "
                   "and gives $Q = {Q}$ class scores per sequence. It reads a batch of $N = {N}$ "
                   "sequences of $T = {T}$ steps",
    "many_to_many": "a many-to-many tagger: the output layer gives $Q = {Q}$ scores at every "
                    "step. It reads a batch of $N = {N}$ sequences of $T = {T}$ steps",
    "one_to_many": "a one-to-many generator: it gets one input $x_1$ per sequence and emits "
                   "$Q = {Q}$ scores at each of $T = {T}$ steps, feeding each prediction back as "
                   "the next input. It reads a batch of $N = {N}$ such inputs",
}


def draw_architecture_shapes(rng) -> Draft:
    architecture = str(rng.choice(list(ARCHITECTURE_WORDS)))
    T, N, D, H, Q = _sizes(rng)
    trace = output_shape_trace(architecture, T, N, D, H, Q)
    if architecture == "many_to_one":
        mistakes = [_mistake("A score at every step", "$(T, N, Q)$ is a many-to-many output.",
                             (T, N, Q)),
                    _mistake("The hidden state", "$(N, H)$ is the last hidden state, before the "
                             "output layer.", (N, H)),
                    _mistake("Batch and classes swapped", "The batch comes first: $(N, Q)$.",
                             (Q, N))]
    else:
        mistakes = [_mistake("The last step only", "$(N, Q)$ is one score vector per sequence, "
                             "as in many-to-one.", (N, Q)),
                    _mistake("The hidden states", "$(T, N, H)$ is before the output layer.",
                             (T, N, H)),
                    _mistake("Batch first", "$(N, T, Q)$ is the `batch_first=True` layout.",
                             (N, T, Q))]
    stem = (f"An RNN with input size $D = {D}$ and hidden size $H = {H}$ is "
            + ARCHITECTURE_WORDS[architecture].format(Q=Q, N=N, T=T)
            + ". What is the shape of the scores it returns for the batch?")
    return _shape_draft(trace, "s", stem, mistakes,
                        {"architecture": architecture, "T": T, "N": N, "D": D, "H": H, "Q": Q})


SHAPE_ASKED = {"outputs": "the outputs (the top layer's states at every step)",
               "h_n": "$h_n$ (the final hidden states)"}


def _draw_layer_shapes(rng, *, bidirectional, layers, describe, mistakes_for) -> Draft:
    """The shape of the outputs or of h_n of a stacked or bidirectional layer."""
    asked = str(rng.choice(list(SHAPE_ASKED)))
    T, N, D, H, Q = _sizes(rng)
    L = int(rng.choice(layers))
    trace = output_shape_trace("many_to_many", T, N, D, H, Q, L, bidirectional)
    stem = (f"{describe(L)} with $D = {D}$ and $H = {H}$ reads a batch of $N = {N}$ sequences "
            f"of $T = {T}$ steps. What is the shape of {SHAPE_ASKED[asked]}?")
    return _shape_draft(trace, asked, stem, mistakes_for(asked, T, N, H, L),
                        {"asked": asked, "T": T, "N": N, "D": D, "H": H, "L": L})


def _bidirectional_shape_mistakes(asked, T, N, H, L):
    if asked == "outputs":
        return [_mistake("One direction only", "$(T, N, H)$ leaves out the backward "
                         "direction's half.", (T, N, H)),
                _mistake("That is $h_n$", "$(2L, N, H)$ is the final states, not the outputs.",
                         (2 * L, N, H)),
                _mistake("Directions stacked, not concatenated", "The two directions are "
                         "concatenated along the features, not stacked as a new axis.",
                         (2, T, N, H))]
    return [_mistake("One direction only", "$(L, N, H)$ counts one direction per layer.",
                     (L, N, H)),
            _mistake("Width doubled", "$h_n$ keeps each direction separately, $H$ wide; "
                     "only the outputs are $2H$ wide.", (2 * L, N, 2 * H)),
            _mistake("That is the outputs", "$(T, N, 2H)$ is every step's output.",
                     (T, N, 2 * H))]


def _stacked_shape_mistakes(asked, T, N, H, L):
    if asked == "outputs":
        return [_mistake("Every layer concatenated", "The outputs are the top layer's "
                         "states only, not all layers side by side.", (T, N, L * H)),
                _mistake("That is $h_n$", "$(L, N, H)$ is the final states of the layers.",
                         (L, N, H)),
                _mistake("Every layer stacked", "Only the top layer's states are returned "
                         "at every step.", (L, T, N, H))]
    return [_mistake("The top layer only", "$h_n$ holds every layer's final state.", (N, H)),
            _mistake("That is the outputs", "$(T, N, H)$ is the top layer at every step.",
                     (T, N, H)),
            _mistake("Layers concatenated", "Each layer's state is its own row $(N, H)$, "
                     "stacked along the first axis.", (N, L * H))]


def draw_bidirectional_shapes(rng) -> Draft:
    return _draw_layer_shapes(
        rng, bidirectional=True, layers=(1, 2), mistakes_for=_bidirectional_shape_mistakes,
        describe=lambda L: (f"A bidirectional {'one' if L == 1 else 'two'}-layer RNN "
                            f"(`bidirectional=True`, `num_layers={L}`)"))


def draw_stacked_shapes(rng) -> Draft:
    return _draw_layer_shapes(
        rng, bidirectional=False, layers=(2, 3), mistakes_for=_stacked_shape_mistakes,
        describe=lambda L: f"A stacked RNN with $L = {L}$ layers (`num_layers={L}`)")


GAMMAS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.05, 1.1, 1.2, 1.3, 1.5)
FACTOR_STEPS = (5, 10, 15, 20, 25, 30, 40, 50)


def _significant(value, digits=3) -> int:
    """Decimals that show `digits` significant digits of value (at least 0)."""
    if value == 0:
        return digits
    return max(0, digits - 1 - math.floor(math.log10(abs(value))))


def draw_gradient_product(rng) -> Draft:
    while True:
        gamma, T = float(rng.choice(GAMMAS)), int(rng.choice(FACTOR_STEPS))
        product = gamma ** T
        if 1e-3 <= product <= 1e4:
            break
    trace = gradient_product_trace([gamma] * T)
    value = float(trace["product"])
    decimals = _significant(value)
    direction = "shrinks" if gamma < 1 else "grows"
    return Draft(
        stem=(f"A gradient flowing back through $T = {T}$ steps is multiplied at each step by a "
              f"factor of size $\\gamma = {_short(gamma)}$ (say $\\lvert \\partial h_k / "
              f"\\partial h_{{k-1}} \\rvert = \\gamma$ for every $k$). By what factor has it "
              f"{'shrunk' if gamma < 1 else 'grown'} when it reaches the first step?"),
        answer=(value,), decimals=decimals, solution=_steps(trace, skip=("factors",)),
        what="the factor", params={"gamma": gamma, "T": T, "direction": direction},
        mistakes=[
            _mistake("Multiplied by T", f"This is $\\gamma \\cdot T$: the factor is applied "
                     "$T$ times, a power, not a product with $T$.", gamma * T),
            _mistake("One factor too few", r"This is $\gamma^{T-1}$: there is one factor per "
                     "step, $T$ in all.", gradient_product_trace([gamma] * (T - 1))["product"]),
            _mistake("One factor too many", r"This is $\gamma^{T+1}$.",
                     gradient_product_trace([gamma] * (T + 1))["product"]),
        ])


def draw_bptt_jacobian(rng) -> Draft:
    w_h, w_x = float(_tenths(rng, None, -12, 12)), float(_tenths(rng, None, -10, 10))
    x = _tenths(rng, 3, -10, 10)
    trace = scalar_rnn_gradient_trace(w_h, w_x, x, 0.0)
    h = trace["h"]
    a = w_h * np.concatenate([[0.0], h[:-1]]) + w_x * x
    return Draft(
        stem=(f"A scalar RNN $h_t = \\tanh(w_h h_{{t-1}} + w_x x_t)$ has $w_h = {_short(w_h)}$, "
              f"$w_x = {_short(w_x)}$ and $h_0 = 0$; the inputs are $x_1, x_2, x_3$ = "
              + ", ".join(f"${_short(v)}$" for v in x)
              + ". Compute $\\partial h_3 / \\partial h_0$, the product of the three factors "
              "$\\partial h_t / \\partial h_{t-1} = w_h (1 - h_t^2)$."),
        answer=tuple(_plain(trace["product"])), decimals=3, solution=_steps(trace),
        what=r"$\partial h_3 / \partial h_0$",
        params={"w_h": w_h, "w_x": w_x, "x": x.tolist()},
        mistakes=[
            _mistake("Forgot the tanh derivative", r"This is $w_h^3$: the factors "
                     r"$1 - h_t^2$ left out.", gradient_product_trace([w_h] * 3)["product"]),
            _mistake("Derivative at the pre-activation", r"This uses $1 - a_t^2$ (the "
                     r"pre-activation) in place of $1 - h_t^2$.",
                     gradient_product_trace(w_h * (1 - a * a))["product"]),
            _mistake("Summed the factors", "This adds the three factors; the chain rule "
                     "multiplies them.", np.sum(trace["factors"])),
            _mistake("Forgot the square", r"This uses $1 - h_t$ in place of $1 - h_t^2$.",
                     gradient_product_trace(w_h * (1 - h))["product"]),
        ])


GENERATORS: dict[str, Generator] = {g.slug: g for g in [
    Generator("matvec", "The input term W_x x_t", "hidden-state", draw_matvec),
    Generator("preactivation", "The pre-activation a_t", "hidden-state", draw_preactivation),
    Generator("rnn-step-tanh", "One RNN step (tanh)", "hidden-state", draw_rnn_step_tanh),
    Generator("rnn-step-relu", "One RNN step (ReLU)", "activation-functions", draw_rnn_step_relu),
    Generator("output-layer", "The output layer s_t", "rnn-architectures", draw_output_layer),
    Generator("lstm-step", "One LSTM step", "lstm", draw_lstm_step),
    Generator("gru-step", "One GRU step", "gru", draw_gru_step),
    Generator("softmax-cross-entropy", "Softmax and cross-entropy", "loss-functions",
              draw_softmax_cross_entropy),
    Generator("mse", "Mean squared error over a sequence", "loss-functions", draw_mse),
    Generator("ctc-probability", "A CTC probability by its alignments", "loss-functions",
              draw_ctc),
    Generator("rnn-parameters", "Parameters of an RNN layer", "hidden-state",
              draw_rnn_parameters),
    Generator("lstm-parameters", "Parameters of an LSTM layer", "lstm", draw_lstm_parameters),
    Generator("gru-parameters", "Parameters of a GRU layer", "gru", draw_gru_parameters),
    Generator("stacked-parameters", "Parameters of a stacked RNN", "deep-rnns",
              draw_stacked_parameters),
    Generator("bidirectional-parameters", "Parameters of a bidirectional RNN",
              "bidirectional-rnns", draw_bidirectional_parameters),
    Generator("architecture-shapes", "Output shapes of the architectures", "rnn-architectures",
              draw_architecture_shapes),
    Generator("bidirectional-shapes", "Shapes of a bidirectional RNN", "bidirectional-rnns",
              draw_bidirectional_shapes),
    Generator("stacked-shapes", "Shapes of a stacked RNN", "deep-rnns", draw_stacked_shapes),
    Generator("gradient-product", "How far a product of gradient factors shrinks or grows",
              "vanishing-exploding-gradients", draw_gradient_product),
    Generator("bptt-jacobian", "A product of BPTT factors", "bptt", draw_bptt_jacobian),
]}


def generators_for(topic_slugs) -> list[Generator]:
    """The generators of the given course topics, in the registry's order."""
    topics = set(topic_slugs)
    return [g for g in GENERATORS.values() if g.topic in topics]


# ---------------------------------------------------------------------------------------------
# Building a question from a draft
# ---------------------------------------------------------------------------------------------

def _distinct(draft: Draft) -> list[Mistake]:
    """The draft's mistakes whose rounded value differs from the answer's and from each other's
    (a mistake that coincides with an earlier one is dropped), and is not within the answer's
    tolerance."""
    seen = {_rounded(draft.answer, draft.decimals)}
    kept = []
    for mistake in draft.mistakes:
        if not all(math.isfinite(v) for v in mistake.value):
            continue
        key = (_rounded(mistake.value, draft.decimals) if not draft.shape
               else tuple(mistake.value))
        if key in seen or within_tolerance(key, draft.answer, tolerance_of(draft.decimals)):
            continue                  # typing the option as shown must not count as right
        seen.add(key)
        kept.append(mistake)
    return kept


def tolerance_of(decimals: int) -> float:
    return 0.5 * 10.0 ** -decimals


def _tolerance_sentence(draft: Draft) -> str:
    if draft.shape:
        return "Give the sizes in order, separated by commas."
    if draft.decimals == 0:
        return f"Give {draft.what} as a whole number."
    tol = _fixed(tolerance_of(draft.decimals), draft.decimals + 1)
    entries = "each entry " if len(draft.answer) > 1 else ""
    return (f"Give {draft.what} to {draft.decimals} decimal{'s' if draft.decimals > 1 else ''} "
            f"({entries}within $\\pm {tol}$ counts as right).")


def generate(slug: str, seed: int) -> GeneratedQuestion:
    """The question of generator `slug` for `seed` (the same every time). Raises ValueError for
    an unknown generator or a seed outside [0, MAX_SEED]."""
    if slug not in GENERATORS:
        raise ValueError(f"Unknown question generator: {slug!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"A generator's seed is a whole number in [0, {MAX_SEED}].")
    generator = GENERATORS[slug]
    rng = np.random.default_rng(seed)
    best, best_kept = None, []
    for _ in range(MAX_DRAWS):
        draft = generator.draw(rng)
        kept = _distinct(draft)
        if best is None or len(kept) > len(best_kept):
            best, best_kept = draft, kept
        if len(kept) == len(draft.mistakes):
            break
    if len(best_kept) < MIN_DISTRACTORS:      # never seen: the generators' tests cover many seeds
        raise RuntimeError(f"{slug} gave fewer than {MIN_DISTRACTORS} distinct mistakes "
                           f"for seed {seed}")
    draft = best
    if len(best_kept) > MAX_DISTRACTORS:
        chosen = sorted(rng.choice(len(best_kept), size=MAX_DISTRACTORS, replace=False))
        best_kept = [best_kept[k] for k in chosen]
    options = [Option(_display(draft.answer, draft.decimals, draft.shape), list(draft.answer),
                      "", "")]
    options += [Option(_display(m.value, draft.decimals, draft.shape), list(m.value), m.name,
                       m.explanation) for m in best_kept]
    order = rng.permutation(len(options))
    shown = [options[k] for k in order]
    return GeneratedQuestion(
        generator=slug, seed=seed, topic=generator.topic, title=generator.title,
        stem=draft.stem + " " + _tolerance_sentence(draft),
        answer=list(draft.answer), decimals=draft.decimals,
        tolerance=tolerance_of(draft.decimals),
        typed_length=None if draft.shape else len(draft.answer),
        answer_text=_display(draft.answer, draft.decimals, draft.shape),
        options=shown, correct_option=int(np.flatnonzero(order == 0)[0]) + 1,
        solution=draft.solution, params={"generator": slug, "seed": seed, **draft.params})


def new_seed(rng=None) -> int:
    """A fresh seed for one generated question."""
    rng = rng or np.random.default_rng()
    return int(rng.integers(0, MAX_SEED, endpoint=True))


def mistake_markdown(option: Option) -> str:
    """What a wrong option's mistake is, for the feedback after it is picked ("" for the right
    option): its name in bold, then what it computes."""
    return f"**{option.mistake}.** {option.explanation}" if option.mistake else ""


def matching_mistake(question: GeneratedQuestion, numbers: Sequence[float]) -> Option | None:
    """The named mistake a typed answer matches (within the tolerance of what that mistake
    gives), if any: so a typed wrong answer can be told which step went wrong."""
    for option in question.options:
        if option.mistake and within_tolerance(numbers, option.value, question.tolerance):
            return option
    return None


def solution_markdown(question: GeneratedQuestion) -> str:
    """The worked solution as Markdown + LaTeX, one step per line: symbol = value, and its note
    (for a page that renders it with the course's markdown filter, as MathML)."""
    lines = []
    for step in question.solution:
        lines.append(f"- ${step.symbol} = {step.value}$: {step.note}")
    lines.append("")
    lines.append(f"Answer: {question.answer_text}.")
    return "\n".join(lines)
