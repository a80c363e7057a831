"""Worked-example traces beyond one cell step: the output layer, softmax with cross-entropy, MSE
over a sequence, a CTC probability from its alignments, parameter counts, output shapes and a
product of gradient factors.

Each function returns a `rnncore.traces.Trace` (the same classes as the cell-step traces):
the given inputs and, in the order a learner would compute them, entries with a stable key,
the symbol in the course's notation (LaTeX), a short note and the value (float64). A quiz reads
values by key (``trace["loss"]``) and shows the entries as a worked solution.

The notation is the course's (fixtures/README.md): scores s_t = W_y h_t + b_y, prediction
ŷ_t = softmax(s_t), target y_t (a class index, counted from 1 in symbols and notes, from 0 in
the arguments, as in PyTorch), loss 𝓛_t and 𝓛, sizes D (input), H (hidden), Q (outputs),
N (batch), T (steps), L (layers); the course's parameter count has one bias per gate, PyTorch's
two (bias_ih and bias_hh).

    output_layer_trace(W_y=[[.5, -.2], [.1, .3]], h=[.4, .6], b_y=[.1, 0])
        -> W_y h_t = [0.08, 0.22], s_t = [0.18, 0.22]
    softmax_cross_entropy_trace(s=[1, 2, 0], y=1) -> ŷ_t = [0.2447, 0.6652, 0.0900],
        𝓛_t = -log 0.6652 = 0.4076
"""

from __future__ import annotations

import math

import numpy as np

from . import limits
from .activations import softmax
from .losses import cross_entropy, ctc_alignments, ctc_collapse, mse_loss
from .traces import Trace, output_step_trace

# Bounds of the worked examples (a learner computes them by hand).
MAX_WORKED_SIZE = 8            # entries of a vector, classes of a softmax
MAX_WORKED_STEPS = 12          # steps of an MSE sequence or a CTC example
MAX_LISTED_ALIGNMENTS = 64     # CTC alignments a trace lists one by one
MAX_FACTORS = 1000             # gradient factors in a product
CELLS = ("rnn", "lstm", "gru")
GATE_BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}
BIAS_CONVENTIONS = ("one", "two")      # the course's one bias per gate, PyTorch's two
ARCHITECTURES = ("one_to_many", "many_to_one", "many_to_many")


def _vector(name, value, size=None, max_size=MAX_WORKED_SIZE):
    array = limits.as_real_array(name, value, dtype=np.float64, expected="numbers")
    if array.ndim != 1:
        raise ValueError(f"{name} must be a vector, got shape {array.shape}")
    limits.check_int(f"{name} size", array.size, 1, max_size)
    if size is not None and array.size != size:
        raise ValueError(f"{name} must have {size} entries, got {array.size}")
    return array


def _matrix(name, value, max_size=MAX_WORKED_SIZE):
    array = limits.as_real_array(name, value, dtype=np.float64, expected="numbers")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a matrix, got shape {array.shape}")
    limits.check_int(f"{name} rows", array.shape[0], 1, max_size)
    limits.check_int(f"{name} columns", array.shape[1], 1, max_size)
    return array


def _number(value) -> str:
    """A number as a learner writes it: 0.5, -0.25, 2 (at most 6 significant digits)."""
    text = f"{float(value):.6g}"
    return "0" if text == "-0" else text


def _factor(value) -> str:
    """A number as a factor of a product: negative numbers in parentheses."""
    text = _number(value)
    return f"({text})" if text.startswith("-") else text


def matvec_trace(W, x, W_symbol="W_x", x_symbol="x_{t}") -> Trace:
    """The product W x row by row: (W x)_i = Σ_j W_ij x_j, each row's sum of products written
    out in its note, then the vector. W (H, D), x (D,)."""
    W = _matrix(W_symbol, W)
    x = _vector(x_symbol, x, size=W.shape[1])
    trace = Trace("matvec", 1, {"W": W, "x": x})
    for i, row in enumerate(W, 1):
        terms = " + ".join(f"{_number(w)} \\cdot {_factor(v)}" for w, v in zip(row, x))
        trace.add(f"row{i}", f"({W_symbol} {x_symbol})_{{{i}}}", f"${terms}$", row @ x)
    trace.add("Wx", f"{W_symbol} {x_symbol}", "the product", W @ x)
    return trace


def output_layer_trace(W_y, h, b_y, step=1) -> Trace:
    """Scores of the output layer for one step, s_t = W_y h_t + b_y, with the product W_y h_t
    before the bias (a worked solution's step; the scores are rnncore.traces.output_step_trace's).

    W_y (Q, H), h (H,), b_y (Q,). Entries: Wy_h (W_y h_t), s (s_t)."""
    step = limits.check_int("step", step, 1, limits.MAX_SEQ_LEN)
    W_y = _matrix("W_y", W_y)
    h = _vector("h", h, size=W_y.shape[1])
    b_y = _vector("b_y", b_y, size=W_y.shape[0])
    scores = output_step_trace(W_y, h, b_y, kind="regression", step=step).entries[0]
    trace = Trace("output", step, {"W_y": W_y, "h": h, "b_y": b_y})
    trace.add("Wy_h", f"W_y h_{{{step}}}", "the hidden state through the output weights", W_y @ h)
    trace.add(scores.key, scores.symbol, scores.note, scores.value)
    return trace


def softmax_cross_entropy_trace(s, y, step=1) -> Trace:
    """Softmax of one step's scores and the cross-entropy against the target class.

    s (Q,) the scores s_t; y the target class index in [0, Q) (the symbols count from 1).
    Entries: exp_s (e^{s_t}), sum_exp, y_hat (ŷ_t), y_hat_y (ŷ_{t,y_t}), loss (𝓛_t) and
    grad (∂𝓛_t/∂s_t = ŷ_t - y_t with y_t one-hot)."""
    step = limits.check_int("step", step, 1, limits.MAX_SEQ_LEN)
    s = _vector("s", s)
    Q = s.size
    limits.check_int("Q (the number of scores)", Q, 2, MAX_WORKED_SIZE)
    y = limits.check_int("y", y, 0, Q - 1)
    t = f"{{{step}}}"
    trace = Trace("softmax_cross_entropy", step, {"s": s, "y": np.float64(y + 1)})
    exp_s = trace.add("exp_s", rf"e^{{s_{{{step},j}}}}", "each score exponentiated", np.exp(s))
    total = trace.add("sum_exp", rf"\sum_{{j=1}}^{{Q}} e^{{s_{{{step},j}}}}", "the normaliser",
                      exp_s.sum())
    y_hat = trace.add("y_hat", rf"\hat{{y}}_{t} = \operatorname{{softmax}}(s_{t})",
                      "the predicted probabilities", softmax(s))
    trace.add("y_hat_y", rf"\hat{{y}}_{{{step},{y + 1}}} = e^{{s_{{{step},{y + 1}}}}} / "
              rf"\sum_j e^{{s_{{{step},j}}}}",
              f"the probability of the target class $y_{step} = {y + 1}$",
              exp_s[y] / total)
    loss, grad = cross_entropy(s[None, :], np.array([y]), reduction="sum")
    trace.add("loss", rf"\mathcal{{L}}_{t} = -\log \hat{{y}}_{{{step},{y + 1}}}",
              "the cross-entropy (natural log)", loss)
    trace.add("grad", rf"\partial \mathcal{{L}}_{t} / \partial s_{t} = \hat{{y}}_{t} - y_{t}",
              "its gradient with respect to the scores ($y_t$ one-hot)", grad[0])
    assert np.allclose(grad[0], y_hat - np.eye(Q)[y])
    return trace


def mse_trace(y_hat, y, reduction="mean") -> Trace:
    """Mean squared error over a short sequence of scalar predictions ŷ_1..ŷ_T and targets.

    reduction "mean": 𝓛 = (1/T) Σ_t (ŷ_t - y_t)² (MSE, PyTorch's default); "sum": the course's
    summed total Σ_t 𝓛_t. Entries: diff, sq, sum_sq, loss, grad (∂𝓛/∂ŷ_t)."""
    reduction = limits.check_choice("reduction", reduction, ("mean", "sum"))
    y_hat = _vector("y_hat", y_hat, max_size=MAX_WORKED_STEPS)
    y = _vector("y", y, size=y_hat.size, max_size=MAX_WORKED_STEPS)
    T = y_hat.size
    trace = Trace("mse", T, {"y_hat": y_hat, "y": y})
    diff = trace.add("diff", r"\hat{y}_t - y_t", f"the error at each step $t = 1, \\dots, {T}$", y_hat - y)
    sq = trace.add("sq", r"(\hat{y}_t - y_t)^2", "each error squared", diff * diff)
    trace.add("sum_sq", r"\sum_{t=1}^{T} (\hat{y}_t - y_t)^2", "their sum", sq.sum())
    loss, grad = mse_loss(y_hat, y, reduction=reduction)
    if reduction == "mean":
        trace.add("loss", r"\mathcal{L} = \frac{1}{T} \sum_{t=1}^{T} (\hat{y}_t - y_t)^2",
                  f"the mean over T = {T} steps", loss)
        trace.add("grad", r"\partial \mathcal{L} / \partial \hat{y}_t = \frac{2}{T} (\hat{y}_t - y_t)",
                  "its gradient with respect to each prediction", grad)
    else:
        trace.add("loss", r"\mathcal{L} = \sum_{t=1}^{T} (\hat{y}_t - y_t)^2",
                  "the summed total", loss)
        trace.add("grad", r"\partial \mathcal{L} / \partial \hat{y}_t = 2 (\hat{y}_t - y_t)",
                  "its gradient with respect to each prediction", grad)
    return trace


def ctc_probability_trace(probs, target, blank=0, symbols=None) -> Trace:
    """P(y | x) for CTC by listing every alignment that collapses to the target.

    probs (T, C): each frame's probabilities ŷ_t(k) (rows of non-negative numbers summing to 1);
    target: class indices (not blank); symbols: one display name per class (default: the
    blank "-" and the letters a, b, ...). Entries: path1, path2, ... (one per alignment π,
    ∏_t ŷ_t(π_t), its note the path and its factors), then P (the sum) and loss (-log P).
    At most MAX_LISTED_ALIGNMENTS alignments."""
    probs = limits.as_real_array("probs", probs, dtype=np.float64, expected="numbers")
    if probs.ndim != 2:
        raise ValueError(f"probs must be a (T, C) matrix, got shape {probs.shape}")
    T, C = probs.shape
    limits.check_int("T (frames)", T, 1, MAX_WORKED_STEPS)
    limits.check_int("C (classes with the blank)", C, 2, MAX_WORKED_SIZE)
    if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-9):
        raise ValueError("each row of probs must be non-negative and sum to 1")
    blank = limits.check_int("blank", blank, 0, C - 1)
    if symbols is None:
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        symbols = ["-" if k == blank else next(letters) for k in range(C)]
    if len(symbols) != C or len(set(symbols)) != C:
        raise ValueError(f"symbols must name the {C} classes, each once")
    alignments = ctc_alignments(target, T, n_classes=C, blank=blank,
                                max_alignments=MAX_LISTED_ALIGNMENTS)
    labels = [int(k) for k in np.asarray(target).tolist()]
    word = "".join(symbols[k] for k in labels)
    trace = Trace("ctc", T, {"probs": probs, "target": np.asarray(labels, dtype=np.float64)})
    total = 0.0
    for n, path in enumerate(alignments, 1):
        assert ctc_collapse(path, blank) == labels
        factors = [probs[t, k] for t, k in enumerate(path)]
        written = "".join(symbols[k] for k in path)
        trace.add(f"path{n}",
                  r"\,".join(rf"\hat{{y}}_{{{t}}}(\text{{{symbols[k]}}})"
                             for t, k in enumerate(path, 1)),
                  f"alignment {written}: " + r" $\times$ ".join(_number(f) for f in factors),
                  math.prod(factors))
        total += math.prod(factors)
    trace.add("P", r"P(y \mid x) = \sum_{\pi \in \mathcal{B}^{-1}(y)} \prod_{t=1}^{T} \hat{y}_t(\pi_t)",
              f"the sum over the {len(alignments)} alignments that collapse to {word}", total)
    trace.add("loss", r"\mathcal{L} = -\log P(y \mid x)", "the CTC loss (natural log)",
              _neg_log(total))
    return trace


def _neg_log(p):
    if p <= 0:
        raise ValueError("P(y | x) is 0: no alignment has a non-zero probability")
    return -math.log(p)


def parameter_count_trace(cell, D, H, num_layers=1, bidirectional=False, biases="one") -> Trace:
    """Parameters of a recurrent layer (as torch.nn.RNN/LSTM/GRU, with the course's one bias per
    gate block or PyTorch's two).

    Per direction, layer 1 has G blocks (RNN 1, LSTM 4, GRU 3) of H·D input weights, H·H
    recurrent weights and H (or 2H) biases; a layer above reads the layer below's output, H
    values (2H when bidirectional), in place of D. Entries: G, input_weights, recurrent_weights,
    bias, layer1 (one direction), upper (one direction of a layer above, when num_layers > 1),
    directions, total."""
    cell = limits.check_choice("cell", cell, CELLS)
    D = limits.check_int("D", D, 1, limits.MAX_INPUT_SIZE)
    H = limits.check_int("H", H, 1, limits.MAX_HIDDEN_SIZE)
    L = limits.check_int("num_layers", num_layers, 1, limits.MAX_LAYERS)
    bidirectional = limits.check_bool("bidirectional", bidirectional)
    biases = limits.check_choice("biases", biases, BIAS_CONVENTIONS)
    G = GATE_BLOCKS[cell]
    n_bias = 1 if biases == "one" else 2
    directions = 2 if bidirectional else 1
    trace = Trace("parameters", L, {"D": np.float64(D), "H": np.float64(H), "L": np.float64(L),
                                    "directions": np.float64(directions)})
    trace.add("G", "G", {"rnn": "one block (the RNN's own)", "lstm": "four blocks: i, f, g, o",
                         "gru": "three blocks: r, z and the candidate"}[cell], G)
    wx = trace.add("input_weights", "G H D",
                   f"input weights of layer 1, $G H \\times D = {G * H} \\times {D}$", G * H * D)
    wh = trace.add("recurrent_weights", "G H^2",
                   f"recurrent weights, $G H \\times H = {G * H} \\times {H}$", G * H * H)
    bias = trace.add("bias", "G H" if n_bias == 1 else "2 G H",
                     "one bias per block (the course)" if n_bias == 1
                     else "two biases per block, `bias_ih` and `bias_hh` (PyTorch)", n_bias * G * H)
    first = trace.add("layer1", "G (H D + H^2 + H)" if n_bias == 1 else "G (H D + H^2 + 2H)",
                      "layer 1, one direction", wx + wh + bias)
    total = first
    if L > 1:
        below = directions * H
        upper = trace.add(
            "upper", ("G (H \\cdot 2H + H^2 + " if bidirectional else "G (H \\cdot H + H^2 + ")
            + ("H)" if n_bias == 1 else "2H)"),
            f"each layer above, one direction: it reads {below} inputs (the layer below's "
            f"output{', both directions' if bidirectional else ''})",
            G * (H * below + H * H + n_bias * H))
        total = first + (L - 1) * upper
    trace.add("directions", r"\text{directions}",
              "directions (forward and backward)" if bidirectional else "one direction",
              directions)
    trace.add("total", "\\text{total}", f"{L} layer{'s' if L > 1 else ''} × {directions} "
              f"direction{'s' if directions > 1 else ''}", directions * total)
    return trace


def output_shape_trace(architecture, T, N, D, H, Q, num_layers=1, bidirectional=False) -> Trace:
    """Shapes through a recurrent network (time-major, as torch.nn with batch_first=False).

    architecture: "many_to_many" (a score vector at every step), "many_to_one" (scores from the
    last step's top hidden state) or "one_to_many" (one input x_1, T outputs, the prediction fed
    back as the next input). Entries (each value a shape): x, outputs (T, N, dirs·H), h_n
    (L·dirs, N, H), head_input, s (the scores)."""
    architecture = limits.check_choice("architecture", architecture, ARCHITECTURES)
    T = limits.check_int("T", T, 1, limits.MAX_SEQ_LEN)
    N = limits.check_int("N", N, 1, limits.MAX_BATCH)
    D = limits.check_int("D", D, 1, limits.MAX_INPUT_SIZE)
    H = limits.check_int("H", H, 1, limits.MAX_HIDDEN_SIZE)
    Q = limits.check_int("Q", Q, 1, limits.MAX_OUTPUT_SIZE)
    L = limits.check_int("num_layers", num_layers, 1, limits.MAX_LAYERS)
    bidirectional = limits.check_bool("bidirectional", bidirectional)
    dirs = 2 if bidirectional else 1
    if architecture == "one_to_many" and bidirectional:
        raise ValueError("a one-to-many generator runs forward only (bidirectional=False)")
    trace = Trace("shapes", T, {"T": np.float64(T), "N": np.float64(N), "D": np.float64(D),
                                "H": np.float64(H), "Q": np.float64(Q), "L": np.float64(L)})
    width = f"{dirs}H" if dirs > 1 else "H"
    if architecture == "one_to_many":
        trace.add("x", "x_1", "one input per sequence (then each prediction is fed back)", (N, D))
    else:
        trace.add("x", "x", "the input sequence, T steps", (T, N, D))
    trace.add("outputs", "[h_1; \\dots; h_T]", f"the top layer's states at every step, {width} "
              f"wide ({'both directions concatenated' if dirs > 1 else 'one direction'})",
              (T, N, dirs * H))
    trace.add("h_n", "h_T^{(1..L)}", "the last state of every layer and direction", (L * dirs, N, H))
    if architecture == "many_to_one":
        trace.add("head_input", "h_T", "the output layer reads the last step only",
                  (N, dirs * H))
        trace.add("s", "s = W_y h_T + b_y", f"one score vector per sequence ($W_y$ is $Q \\times {width}$)",
                  (N, Q))
    else:
        trace.add("head_input", "h_t", "the output layer reads every step", (T, N, dirs * H))
        trace.add("s", "s_t = W_y h_t + b_y", f"a score vector at every step ($W_y$ is $Q \\times {width}$)",
                  (T, N, Q))
    return trace


def gradient_product_trace(factors) -> Trace:
    """A product of T gradient factors, ∏_{k=1}^{T} γ_k (e.g. ∂h_k/∂h_{k-1} of a scalar RNN):
    how far a gradient shrinks (|γ| < 1) or grows (|γ| > 1) over T steps. Entries: factors,
    log10 (log10 |∏|, the orders of magnitude), product."""
    factors = _vector("factors", factors, max_size=MAX_FACTORS)
    T = factors.size
    trace = Trace("gradient_product", T, {"factors": factors})
    trace.add("factors", r"\gamma_k", f"the {T} factors", factors)
    if np.all(factors == factors[0]):
        symbol = rf"\gamma^{{T}} = {_number(factors[0])}^{{{T}}}"
    else:
        symbol = r"\prod_{k=1}^{T} \gamma_k"
    if np.any(factors == 0):
        trace.add("product", symbol, "a zero factor stops the gradient", 0.0)
        return trace
    trace.add("log10", r"\sum_{k=1}^{T} \log_{10} \lvert \gamma_k \rvert",
              "orders of magnitude (below 0: it shrinks; above 0: it grows)",
              np.sum(np.log10(np.abs(factors))))
    trace.add("product", symbol, "the product", np.prod(factors))
    return trace


def scalar_rnn_gradient_trace(w_h, w_x, x, h0=0.0) -> Trace:
    """∂h_T/∂h_0 of the scalar RNN h_t = tanh(w_h h_{t-1} + w_x x_t): the product of the per-step
    factors ∂h_t/∂h_{t-1} = w_h (1 - h_t²). Entries: h (h_1..h_T), factors, product."""
    w_h = limits.check_real("w_h", w_h, -10.0, 10.0)
    w_x = limits.check_real("w_x", w_x, -10.0, 10.0)
    h0 = limits.check_real("h0", h0, -1.0, 1.0)
    x = _vector("x", x, max_size=MAX_WORKED_STEPS)
    h, previous = [], h0
    for value in x:
        previous = math.tanh(w_h * previous + w_x * value)
        h.append(previous)
    h = np.array(h)
    trace = Trace("scalar_rnn_gradient", x.size, {"w_h": np.float64(w_h), "w_x": np.float64(w_x),
                                                   "x": x, "h0": np.float64(h0)})
    trace.add("h", r"h_t = \tanh(w_h h_{t-1} + w_x x_t)", "the states, t = 1..T", h)
    factors = trace.add("factors", r"\partial h_t / \partial h_{t-1} = w_h (1 - h_t^2)",
                        "one factor per step", w_h * (1.0 - h * h))
    trace.add("product", r"\partial h_T / \partial h_0 = \prod_{t=1}^{T} w_h (1 - h_t^2)",
              "the product of the factors", np.prod(factors))
    return trace
