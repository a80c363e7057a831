"""Every number a demo shows equals an independent computation: by hand, NumPy here, or finite
differences. The inputs are read back from the page's own form, so what is checked is what a
learner sees next to what they typed."""

import itertools
import math

import numpy as np
import pytest

from studyapp.demos import gradient_flow

from .pages import close, form_values, grid, shown, url

pytestmark = pytest.mark.django_db


def page(client, slug, params=None):
    response = client.get(url(slug, params))
    assert response.status_code == 200, response.content[:2000]
    return shown(response.content), form_values(response.content)


def softmax(s):
    e = np.exp(s - np.max(s))
    return e / e.sum()


# ---- hidden state --------------------------------------------------------------------------

def test_hidden_state_defaults_are_the_source_worked_example(client):
    numbers, _ = page(client, "hidden-state")
    # topic 030, by hand: W_x x_1 = [0.1 + 0.4, 0.3 + 0.8], W_h h_0 = 0, a_1 = [0.6, 1.2]
    assert numbers["Wx_x_1"] == [0.5, 1.1]
    assert numbers["Wh_h_1"] == [0.0, 0.0]
    assert numbers["a_1"] == [0.6, 1.2]
    assert numbers["h_1"] == [0.53705, 0.83365]          # tanh([0.6, 1.2]), as the source prints
    assert numbers["h_1"] == [round(math.tanh(0.6), 5), round(math.tanh(1.2), 5)]


def _check_two_steps(numbers, values, D, H, Q, f):
    W_x, W_h = grid(values, "W_x", H, D), grid(values, "W_h", H, H)
    x_1, x_2 = grid(values, "x_1", D), grid(values, "x_2", D)
    h, b = grid(values, "h_0", H), grid(values, "b", H)
    W_y, b_y = grid(values, "W_y", Q, H), grid(values, "b_y", Q)
    for t, x in ((1, x_1), (2, x_2)):
        close(numbers[f"Wx_x_{t}"], W_x @ x)
        close(numbers[f"Wh_h_{t}"], W_h @ h)
        a = W_x @ x + W_h @ h + b
        close(numbers[f"a_{t}"], a)
        h = f(a)
        close(numbers[f"h_{t}"], h)
        s = W_y @ h + b_y
        close(numbers[f"s_{t}"], s)
        close(numbers[f"yhat_{t}"], softmax(s))


def test_hidden_state_every_intermediate_of_both_steps(client):
    numbers, values = page(client, "hidden-state")
    _check_two_steps(numbers, values, 2, 2, 2, np.tanh)


def test_hidden_state_edited_sizes_relu_and_entries(client):
    params = {"D": 3, "H": 3, "Q": 4, "nonlinearity": "relu", "seed": 11,
              "W_x-0-0": "-1.5", "W_h-2-1": "0.9", "x_1-2": "3", "b-1": "-0.25"}
    numbers, values = page(client, "hidden-state", params)
    assert values["W_x-0-0"] == "-1.5" and values["x_1-2"] == "3"
    _check_two_steps(numbers, values, 3, 3, 4, lambda a: np.maximum(a, 0.0))


# ---- forward propagation -------------------------------------------------------------------

def test_forward_propagation_matches_a_numpy_loop(client):
    for params in (None, {"D": 2, "H": 4, "T": 7, "seed": 5, "nonlinearity": "relu"}):
        numbers, values = page(client, "forward-propagation", params)
        D, H, T = int(values["D"]), int(values["H"]), int(values["T"])
        X, W_x = grid(values, "X", T, D), grid(values, "W_x", H, D)
        W_h, b = grid(values, "W_h", H, H), grid(values, "b", H)
        f = np.tanh if values["nonlinearity"] == "tanh" else (lambda a: np.maximum(a, 0))
        h = np.zeros(H)
        for t in range(T):
            h = f(W_x @ X[t] + W_h @ h + b)
            close(numbers[f"h_{t + 1}"], h)


# ---- bidirectional and stacked RNNs ----------------------------------------------------------

def _shown_weight(numbers, name, rows, cols=None):
    """A weight the page lists (the layer's own state_dict), as an array."""
    value = np.array(numbers[name])
    return value if cols is None else value.reshape(rows, cols)


@pytest.mark.parametrize("params", [
    None,                                                             # 2 directions, 2 layers
    {"directions": 1, "layers": 1, "T": 6, "D": 2, "H": 3, "seed": 8},
    {"directions": 2, "layers": 1, "T": 4, "D": 1, "H": 2, "seed": 1},
    {"directions": 1, "layers": 3, "T": 5, "D": 3, "H": 2, "seed": 4},
    {"directions": 2, "layers": 3, "T": 7, "D": 2, "H": 3, "seed": 9, "X-6-1": "-2.5"},
])
def test_bidirectional_stacked_states_outputs_and_h_n_match_a_numpy_loop(client, params):
    numbers, values = page(client, "bidirectional-stacked", params)
    dirs, L = int(values["directions"]), int(values["layers"])
    T, D, H = int(values["T"]), int(values["D"]), int(values["H"])
    below = grid(values, "X", T, D)                    # h_t^(0) = x_t
    finals = []
    for l in range(L):
        width = D if l == 0 else dirs * H
        states = np.zeros((T, dirs * H))
        for d in range(dirs):
            suffix = f"_l{l}" + ("_reverse" if d else "")
            W_x = _shown_weight(numbers, "weight_ih" + suffix, H, width)
            W_h = _shown_weight(numbers, "weight_hh" + suffix, H, H)
            b = _shown_weight(numbers, "bias_ih" + suffix, H)
            h = np.zeros(H)
            for t in (range(T) if d == 0 else reversed(range(T))):
                h = np.tanh(W_x @ below[t] + W_h @ h + b)
                states[t, d * H:(d + 1) * H] = h
                close(numbers[f"h{l + 1}{'fb'[d]}_{t + 1}"], h)
            finals.append(h)                           # forward: h_T; backward: h_1
        below = states
    for t in range(T):
        close(numbers[f"out_{t + 1}"], below[t])      # the top layer, [h→_t ; h←_t]
    assert not any(key.startswith(f"h{L + 1}") for key in numbers)
    for k, h in enumerate(finals):                     # layer by layer, forward first
        close(numbers[f"hn_{k}"], h)
    assert f"hn_{L * dirs}" not in numbers
    # output[-1] is h_n's top forward row and, with two directions, h←_T, not h_n[-1] = h←_1
    close(numbers["output_last"], below[-1])
    close(numbers["summary"], np.concatenate(finals[-dirs:]))
    np.testing.assert_array_equal(numbers["output_last"][:H], numbers["hn_" + str((L - 1) * dirs)])
    if dirs == 1:
        assert numbers["output_last"] == numbers["summary"] == numbers[f"hn_{L - 1}"]
    elif T > 1:
        assert numbers["output_last"][H:] != numbers[f"hn_{L * dirs - 1}"]
    # Parameters: dirs x (H in + H^2 + 2H) per layer, in = D for layer 1 and dirs H above it
    total = 0
    for l in range(L):
        width = D if l == 0 else dirs * H
        per_direction = H * width + H * H + 2 * H
        assert numbers[f"params_{l + 1}"] == [width, per_direction, dirs * per_direction]
        total += dirs * per_direction
    assert numbers["params_total"] == [total]


def test_bidirectional_parameter_counts_are_the_courses_examples():
    from rnncore import RNN

    from studyapp.demos import bidirectional
    # topic 120: nn.RNN(input_size=10, hidden_size=20, num_layers=2) has 640 + 840 = 1480
    net = RNN(10, 20, num_layers=2, dtype=np.float64, seed=0)
    counted = bidirectional._parameters(net, 1, 2, 20, 10)
    assert [row["count"] for row in counted["rows"]] == [640, 840] and counted["total"] == 1480
    # topic 110: a bidirectional upper layer reads 2H: weight_ih_l1 is H x 2H
    net = RNN(5, 4, num_layers=2, bidirectional=True, dtype=np.float64, seed=0)
    counted = bidirectional._parameters(net, 2, 2, 4, 5)
    assert [row["input"] for row in counted["rows"]] == [5, 8]
    assert [row["count"] for row in counted["rows"]] == [2 * (20 + 16 + 8), 2 * (32 + 16 + 8)]


# ---- activation functions ------------------------------------------------------------------

def sigmoid(a):
    return 1 / (1 + math.exp(-a))


@pytest.mark.parametrize("a, w_h, T, threshold", [(2.0, 1.0, 30, 0.05), (-0.7, 3.5, 12, 0.2),
                                                  (0.0, -2.0, 5, 0.001)])
def test_activations_values_derivatives_saturation_and_chain(client, a, w_h, T, threshold):
    numbers, _ = page(client, "activation-functions",
                      {"a": a, "w_h": w_h, "T": T, "threshold": threshold, "span": 6,
                       "Q": 3, "seed": 1, "s-0": 2, "s-1": 1, "s-2": 0.1})
    expected = {
        "sigmoid": (sigmoid(a), sigmoid(a) * (1 - sigmoid(a))),
        "tanh": (math.tanh(a), 1 - math.tanh(a) ** 2),
        "relu": (max(a, 0.0), 1.0 if a > 0 else 0.0),
    }
    for name, (value, slope) in expected.items():
        close(numbers[f"{name}_value"], value)
        close(numbers[f"{name}_derivative"], slope)
        close(numbers[f"{name}_factor"], w_h * slope)
        close(numbers[f"{name}_chain"], (w_h * slope) ** T)
    # where sigma'(a) = y (1 - y) = threshold, and 1 - tanh(a)^2 = threshold, solved by hand
    y = (1 + math.sqrt(1 - 4 * threshold)) / 2
    close(numbers["sigmoid_edge"], math.log(y / (1 - y)))
    close(numbers["tanh_edge"], math.atanh(math.sqrt(1 - threshold)))


def test_softmax_and_its_jacobian(client):
    s = np.array([3.0, -1.0, 0.5, 0.0])
    params = {"Q": 4, "seed": 3, **{f"s-{j}": v for j, v in enumerate(s)}}
    numbers, _ = page(client, "activation-functions", params)
    p = softmax(s)
    jacobian = np.diag(p) - np.outer(p, p)
    close(numbers["softmax"], p)
    close(numbers["jacobian"], jacobian)
    close(numbers["jacobian_largest"], np.abs(jacobian).max())


# ---- losses --------------------------------------------------------------------------------

def test_mse_and_cross_entropy(client):
    numbers, values = page(client, "losses")
    n, Q, y = int(values["mse_Q"]), int(values["Q"]), int(values["y"])
    prediction, target = grid(values, "y_hat", n), grid(values, "y_mse", n)
    close(numbers["mse_per_entry"], (prediction - target) ** 2)
    close(numbers["mse_sum"], np.sum((prediction - target) ** 2))
    close(numbers["mse_mean"], np.mean((prediction - target) ** 2))
    close(numbers["mse_gradient"], 2 * (prediction - target))          # of the sum
    s = grid(values, "s", Q)
    p = softmax(s)
    close(numbers["ce_prediction"], p)
    close(numbers["ce_loss"], -math.log(p[y - 1]))
    close(numbers["ce_gradient"], p - np.eye(Q)[y - 1])


def collapse(path):
    out, previous = [], None
    for k in path:
        if k != previous and k != 0:
            out.append(k)
        previous = k
    return out


@pytest.mark.parametrize("T, letters, target", [(4, 2, "ab"), (5, 2, "aa"), (6, 3, "abc"),
                                                (3, 1, "a"), (6, 2, "bb"), (5, 4, "dab"),
                                                (3, 2, "")])
def test_ctc_alignments_by_brute_force(client, T, letters, target):
    numbers, values = page(client, "losses", {"T": T, "letters": letters, "target": target,
                                              "seed": 17})
    C = letters + 1
    scores = grid(values, "ctc_s", T, C)
    probabilities = np.array([softmax(row) for row in scores])
    labels = [" abcd".index(ch) for ch in target]
    names = "-abcd"
    expected = {}
    for path in itertools.product(range(C), repeat=T):       # all C^T paths
        if collapse(path) == labels:
            expected["".join(names[k] for k in path)] = math.prod(
                probabilities[t, k] for t, k in enumerate(path))
    listed = {key.removeprefix("alignment-"): v for key, v in numbers.items()
              if key.startswith("alignment-")}
    assert set(listed) == set(expected)
    for path, probability in expected.items():
        close(listed[path], probability, decimals=8)
    total = sum(expected.values())
    close(numbers["ctc_total"], total, decimals=8)
    close(numbers["ctc_neg_log"], -math.log(total))
    close(numbers["ctc_loss"], -math.log(total))                 # rnncore's ctc_loss, summed


# ---- gradient flow -------------------------------------------------------------------------

def _cell_forward(kind, params, x, h, c):
    """One step of each cell in NumPy (PyTorch's equations), written here independently."""
    W_ih, W_hh, b_ih, b_hh = (params[f"{n}_l0"] for n in ("weight_ih", "weight_hh", "bias_ih",
                                                            "bias_hh"))
    H = h.size
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    if kind == "RNN":
        return np.tanh(W_ih @ x + b_ih + W_hh @ h + b_hh), c
    if kind == "LSTM":
        z = W_ih @ x + b_ih + W_hh @ h + b_hh
        i, f, g, o = sig(z[:H]), sig(z[H:2 * H]), np.tanh(z[2 * H:3 * H]), sig(z[3 * H:])
        c = f * c + i * g
        return o * np.tanh(c), c
    gx, gh = W_ih @ x + b_ih, W_hh @ h + b_hh
    r, z = sig(gx[:H] + gh[:H]), sig(gx[H:2 * H] + gh[H:2 * H])
    n = np.tanh(gx[2 * H:] + r * gh[2 * H:])
    return (1 - z) * n + z * h, c


def _finite_difference_norms(kind, layer, x, eps=1e-6):
    """||dL/dh_t|| for L = u . h_T, u = 1/sqrt(H): perturb h_t, run on, central differences."""
    params = {k: v.astype(np.float64) for k, v in layer.parameters().items()}
    T, H = x.shape[0], layer.hidden_size
    hs, cs = [], []
    h, c = np.zeros(H), np.zeros(H)
    for t in range(T):
        h, c = _cell_forward(kind, params, x[t], h, c)
        hs.append(h), cs.append(c)
    u = np.full(H, 1 / np.sqrt(H))

    def loss_from(t, h_t):
        h, c = h_t, cs[t]
        for s in range(t + 1, T):
            h, c = _cell_forward(kind, params, x[s], h, c)
        return u @ h

    norms = []
    for t in range(T):
        grad = np.empty(H)
        for j in range(H):
            step = np.zeros(H)
            step[j] = eps
            grad[j] = (loss_from(t, hs[t] + step) - loss_from(t, hs[t] - step)) / (2 * eps)
        norms.append(np.linalg.norm(grad))
    return np.array(norms)


@pytest.mark.parametrize("rho", [0.5, 1.0, 1.8])
def test_gradient_norms_by_finite_differences(client, rho):
    params = {"rho": rho, "T": 10, "H": 4, "D": 2, "seed": 5, "clip": 1, "lr": 0.1, "steps": 2,
              "train_T": 5, "train_H": 2, "batch": 2}
    numbers, _ = page(client, "vanishing-gradients", params)
    x = gradient_flow._draw(5)["x"][:10, :2]
    layers = {"RNN": gradient_flow._rnn(5, 2, 4, rho),
              "LSTM": gradient_flow.LSTM(2, 4, dtype=np.float64, seed=5),
              "GRU": gradient_flow.GRU(2, 4, dtype=np.float64, seed=5)}
    W_h = layers["RNN"].parameters()["weight_hh_l0"]
    close(numbers["radius"], np.max(np.abs(np.linalg.eigvals(W_h))))
    for kind, layer in layers.items():
        expected = _finite_difference_norms(kind, layer, x)
        got = np.array(numbers[f"norms-{kind}"])
        np.testing.assert_allclose(got, expected, rtol=6e-3, atol=1e-8)


def test_clipping_steps_match_numpy_bptt_and_sgd(client):
    T, H, D, N, seed, clip, lr, steps = 12, 5, 2, 6, 9, 0.5, 0.2, 4
    numbers, _ = page(client, "vanishing-gradients",
                      {"rho": 1.4, "T": 30, "H": 3, "D": D, "seed": seed, "clip": clip, "lr": lr,
                       "steps": steps, "train_T": T, "train_H": H, "batch": N})
    x = gradient_flow._draw(seed)["train_x"][:T, :N, :D]                # (T, N, D)
    rnn = gradient_flow._rnn(seed, D, H, 1.4)
    head = gradient_flow.Linear(H, 1, dtype=np.float64, seed=seed + 1)
    P = {k: v.astype(np.float64).copy() for k, v in rnn.parameters().items()}
    Wy, by = head.parameters()["weight"].copy(), head.parameters()["bias"].copy()
    y = x[0, :, :1]
    B = x.shape[1]
    for step in range(1, steps + 1):
        hs = [np.zeros((B, H))]
        for t in range(T):
            hs.append(np.tanh(x[t] @ P["weight_ih_l0"].T + P["bias_ih_l0"]
                              + hs[-1] @ P["weight_hh_l0"].T + P["bias_hh_l0"]))
        s = hs[-1] @ Wy.T + by
        loss = np.mean((s - y) ** 2)
        ds = 2 * (s - y) / s.size
        g = {"Wy": ds.T @ hs[-1], "by": ds.sum(0), "W_ih": np.zeros_like(P["weight_ih_l0"]),
             "W_hh": np.zeros_like(P["weight_hh_l0"]), "b": np.zeros(H)}
        dh = ds @ Wy
        for t in reversed(range(T)):
            da = dh * (1 - hs[t + 1] ** 2)
            g["W_ih"] += da.T @ x[t]
            g["W_hh"] += da.T @ hs[t]
            g["b"] += da.sum(0)
            dh = da @ P["weight_hh_l0"]
        # bias_ih and bias_hh get the same gradient: both count in the global norm
        before = math.sqrt(sum(np.sum(v ** 2) for v in g.values()) + np.sum(g["b"] ** 2))
        scale = min(1.0, clip / (before + 1e-6))
        after = before * scale
        shown_loss, shown_before, shown_after = numbers[f"train-{step}"]
        close([shown_loss], loss)
        close([shown_before], before)
        close([shown_after], after)
        P["weight_ih_l0"] -= lr * scale * g["W_ih"]
        P["weight_hh_l0"] -= lr * scale * g["W_hh"]
        P["bias_ih_l0"] -= lr * scale * g["b"]
        P["bias_hh_l0"] -= lr * scale * g["b"]
        Wy -= lr * scale * g["Wy"]
        by -= lr * scale * g["by"]


# ---- LSTM and GRU cells --------------------------------------------------------------------

def stacked(values, name, gates, H, cols=None):
    """A gate-blocked grid from the form (inputs named W_x-f0-1) as rnncore stacks it."""
    if cols is None:
        return np.array([float(values[f"{name}-{g}{i}"]) for g in gates for i in range(H)])
    return np.array([[float(values[f"{name}-{g}{i}-{j}"]) for j in range(cols)]
                     for g in gates for i in range(H)])


def figure_data(content, name):
    """The traces of a demo's figure, as the page hands them to plotly."""
    import html
    import json
    import re
    text = content.decode()
    found = re.search(rf'<div hidden class="figure-data" id="{name}">(.*?)</div>', text, re.S)
    return {trace["name"]: trace for trace in json.loads(html.unescape(found.group(1)))["data"]}


def check_plotted(content, figure_name, series, names):
    """Each unit's line of each quantity in the figure equals the series computed here."""
    plotted = figure_data(content, figure_name)
    for key, name in names.items():
        values = np.array(series[key])
        for j in range(values.shape[1]):
            trace = plotted[name if values.shape[1] == 1 else f"{name}, unit {j + 1}"]
            np.testing.assert_allclose(trace["y"], values[:, j], rtol=1e-12)


def sig(a):
    return 1 / (1 + np.exp(-a))


def lstm_by_hand(W_x, W_h, b, x, h, c):
    """The course's LSTM equations, gates stacked i, f, g, o."""
    H = h.size
    a = W_x @ x + W_h @ h + b
    i, f, g, o = sig(a[:H]), sig(a[H:2 * H]), np.tanh(a[2 * H:3 * H]), sig(a[3 * H:])
    c_new = f * c + i * g
    return {"Wx_x": W_x @ x, "Wh_h": W_h @ h, "a": a, "i": i, "f": f, "g": g, "o": o,
            "f_c": f * c, "i_g": i * g, "c": c_new, "tanh_c": np.tanh(c_new),
            "h": o * np.tanh(c_new)}


def test_lstm_defaults_are_the_course_worked_example(client):
    numbers, _ = page(client, "lstm-cell")
    # topic 090, "One LSTM step by hand": f = 0.5, i = 0.8, g = 0.5, o = 0.9 from c_0 = 2
    assert (numbers["i_1"], numbers["f_1"], numbers["g_1"], numbers["o_1"]) == ([0.8], [0.5], [0.5], [0.9])
    assert numbers["c_1"] == [1.4]                        # 0.5 x 2 + 0.8 x 0.5
    assert numbers["h_1"] == [0.79682] == [round(0.9 * math.tanh(1.4), 5)]
    # x_2 = 0 and W_h = 0: every gate at sigma(0) = 0.5, nothing written, the cell halves
    assert numbers["f_2"] == [0.5] and numbers["c_2"] == [0.7]


@pytest.mark.parametrize("params", [
    {},
    {"D": 3, "H": 2, "T": 5, "shift_f": 1.5, "seed": 7, "W_x-f1-2": "-1.5", "W_h-o0-1": "2",
     "b-g1": "0.75", "x_1-2": "3", "c_0-1": "-4", "h_0-0": "0.5", "x_2-0": "-1"},
    {"D": 2, "H": 3, "T": 16, "shift_f": -6, "seed": 123},
])
def test_lstm_every_intermediate_both_steps_and_the_sequence(client, params):
    response = client.get(url("lstm-cell", params))
    assert response.status_code == 200
    numbers, values = shown(response.content), form_values(response.content)
    D, H, T, shift = int(values["D"]), int(values["H"]), int(values["T"]), float(values["shift_f"])
    W_x, W_h = stacked(values, "W_x", "ifgo", H, D), stacked(values, "W_h", "ifgo", H, H)
    b = stacked(values, "b", "ifgo", H)
    b[H:2 * H] += shift                                     # the forget shift, on every b_f
    close(numbers["b_f_shifted"], b[H:2 * H])
    xs = [grid(values, "x_1", D), grid(values, "x_2", D)] + [np.zeros(D)] * (T - 2)
    h, c = grid(values, "h_0", H), grid(values, "c_0", H)
    series = {"c": [c], "h": [h], "f": [], "i": []}
    for t, x in enumerate(xs, start=1):
        step = lstm_by_hand(W_x, W_h, b, x, h, c)
        if t <= 2:
            for key, value in step.items():
                close(numbers[f"{key}_{t}"], value)
        h, c = step["h"], step["c"]
        for key in series:
            series[key].append(step[key])
    check_plotted(response.content, "lstm-sequence", series, {
        "c": "cell state c", "h": "hidden state h", "f": "forget gate f", "i": "input gate i"})


def test_lstm_forget_shift_keeps_or_wipes_the_cell(client):
    _, defaults = page(client, "lstm-cell")
    kept, _ = page(client, "lstm-cell", {**defaults, "shift_f": 6})
    wiped, _ = page(client, "lstm-cell", {**defaults, "shift_f": -6})
    for t in (1, 2):
        assert kept[f"f_{t}"][0] > 0.997 and wiped[f"f_{t}"][0] < 0.003
    assert abs(kept["f_c_2"][0] - kept["c_1"][0]) < 0.003 * abs(kept["c_1"][0])   # c_1 kept
    assert kept["c_1"][0] > 2.3                 # almost all of c_0 = 2, plus i_1 g_1 = 0.4
    assert abs(wiped["f_c_2"][0]) < 0.003 * abs(wiped["c_1"][0])                   # wiped
    assert wiped["i_g_2"] == [0.0] and wiped["c_2"][0] < 0.002    # x_2 = 0 writes nothing


def gru_by_hand(W_x, W_h, b_x, b_h, x, h):
    """The course's GRU (PyTorch's): gates stacked r, z, n, the reset after the product."""
    H = h.size
    gx, gh = W_x @ x + b_x, W_h @ h + b_h
    r, z = sig(gx[:H] + gh[:H]), sig(gx[H:2 * H] + gh[H:2 * H])
    n = np.tanh(gx[2 * H:] + r * gh[2 * H:])
    return {"Wx_x_bx": gx, "Wh_h_bh_rz": gh[:2 * H], "r": r, "z": z, "Whn_h_bhn": gh[2 * H:],
            "r_Whn_h": r * gh[2 * H:], "n": n, "one_minus_z_n": (1 - z) * n, "z_h": z * h,
            "h": (1 - z) * n + z * h}


def test_gru_defaults_are_the_course_example(client):
    numbers, _ = page(client, "gru-cell")
    # topic 100: h_0 = 0.5, z_1 = 0.8, the candidate -0.2, so h_1 = 0.2 x (-0.2) + 0.8 x 0.5
    assert numbers["z_1"] == [0.8] and numbers["n_1"] == [-0.2] and numbers["h_1"] == [0.36]
    assert numbers["r_1"] == [0.5] and numbers["r_Whn_h_1"] == [0.25]


@pytest.mark.parametrize("params", [
    {},
    {"D": 2, "H": 3, "T": 6, "shift_r": -2.5, "shift_z": 1, "seed": 4, "W_x-n2-1": "1.5",
     "W_h-r1-2": "-2", "b_h-n0": "0.9", "b_x-z2": "-0.3", "h_0-1": "-0.8", "x_2-1": "2"},
    {"D": 4, "H": 4, "T": 16, "shift_r": 6, "shift_z": -6, "seed": 99},
])
def test_gru_every_intermediate_both_steps_and_the_sequence(client, params):
    response = client.get(url("gru-cell", params))
    assert response.status_code == 200
    numbers, values = shown(response.content), form_values(response.content)
    D, H, T = int(values["D"]), int(values["H"]), int(values["T"])
    W_x, W_h = stacked(values, "W_x", "rzn", H, D), stacked(values, "W_h", "rzn", H, H)
    b_x, b_h = stacked(values, "b_x", "rzn", H), stacked(values, "b_h", "rzn", H)
    b_x[:H] += float(values["shift_r"])
    b_x[H:2 * H] += float(values["shift_z"])
    close(numbers["b_xr_shifted"], b_x[:H])
    close(numbers["b_xz_shifted"], b_x[H:2 * H])
    xs = [grid(values, "x_1", D), grid(values, "x_2", D)] + [np.zeros(D)] * (T - 2)
    h = grid(values, "h_0", H)
    series = {"h": [h], "n": [], "r": [], "z": []}
    for t, x in enumerate(xs, start=1):
        step = gru_by_hand(W_x, W_h, b_x, b_h, x, h)
        if t <= 2:
            for key, value in step.items():
                close(numbers[f"{key}_{t}"], value)
        h = step["h"]
        for key in series:
            series[key].append(step[key])
    check_plotted(response.content, "gru-sequence", series, {
        "h": "hidden state h", "n": "candidate h̃", "r": "reset gate r", "z": "update gate z"})


def test_gru_reset_gate_decides_what_the_candidate_uses(client):
    _, defaults = page(client, "gru-cell")
    closed, _ = page(client, "gru-cell", {**defaults, "shift_r": -6})
    opened, _ = page(client, "gru-cell", {**defaults, "shift_r": 6})
    input_part = closed["Wx_x_bx_1"][2]                      # W_xn x_1 + b_xn
    assert closed["r_1"][0] < 0.003
    # the input's alone: r_1 < 0.003 lets less than 0.3% of W_hn h_0 + b_hn through
    assert abs(closed["n_1"][0] - math.tanh(input_part)) < 0.003 * abs(closed["Whn_h_bhn_1"][0])
    assert opened["r_1"][0] > 0.997
    assert abs(opened["n_1"][0] - math.tanh(input_part + opened["Whn_h_bhn_1"][0])) \
        < 0.003 * abs(opened["Whn_h_bhn_1"][0])
    # z near 1 keeps h_0 (the course's convention), near 0 takes the candidate
    keep, _ = page(client, "gru-cell", {**defaults, "shift_z": 6})
    take, _ = page(client, "gru-cell", {**defaults, "shift_z": -6})
    assert abs(keep["h_1"][0] - float(defaults["h_0-0"])) < 0.01
    assert abs(take["h_1"][0] - take["n_1"][0]) < 0.01


# ---- feedforward vs recurrent ----------------------------------------------------------------

@pytest.mark.parametrize("params", [
    None,                                                          # D 2, H 3, T 5, k 2, p one-hot
    {"D": 3, "H": 4, "T": 7, "k": 6, "seed": 9, "p-0": "0.5", "p-1": "-1.5", "p-2": "2"},
    {"D": 1, "H": 2, "T": 10, "k": 10, "seed": 3},
])
def test_feedforward_vs_recurrent_matches_plain_numpy(client, params):
    numbers, values = page(client, "feedforward-vs-recurrent", params)
    D, H, T, k = (int(values[name]) for name in ("D", "H", "T", "k"))
    p = grid(values, "p", D)
    W_1 = np.array(numbers["W_1"]).reshape(H, T * D)          # the weights the page lists
    W_x = np.array(numbers["W_x"]).reshape(H, D)
    W_h = np.array(numbers["W_h"]).reshape(H, H)
    mlp, after = [], []
    for j in range(1, T + 1):
        X = np.zeros((T, D))
        X[j - 1] = p
        h_mlp = np.tanh(W_1 @ X.ravel())                       # b_1 = 0
        close(numbers[f"pos_mlp_{j}"], h_mlp)
        h, states = np.zeros(H), []
        for t in range(T):
            h = np.tanh(W_x @ X[t] + W_h @ h)                  # b = 0
            states.append(h)
        close(numbers[f"pos_rnn_{j}"], states[j - 1])
        mlp.append(h_mlp)
        after.append(states[j - 1])
        if j == k:
            close(numbers["mlp_a"], W_1 @ X.ravel())
            close(numbers["mlp_h"], h_mlp)
            close(numbers["rnn_h_k"], states[k - 1])
            for t in range(T):
                close(numbers[f"rnn_h_{t + 1}"], states[t])
    # The RNN's state right after the pattern is the same wherever it is: tanh(W_x p); the
    # feedforward response moves with the columns of W_1 the pattern meets.
    for state in after:
        np.testing.assert_allclose(state, np.tanh(W_x @ p), atol=1e-12)
        assert numbers[f"pos_rnn_{k}"] == numbers["pos_rnn_1"]
    if T > 1 and np.any(p != 0):
        assert any(numbers[f"pos_mlp_{j}"] != numbers["pos_mlp_1"] for j in range(2, T + 1))
        assert not np.allclose(mlp[0], mlp[-1])
    # Parameters: H T D + H (the hidden layer) and H D + H^2 + H (one bias, as the course),
    # H D + H^2 + 2H as rnncore and PyTorch count them; against T, the RNN's stays put.
    assert numbers["params_mlp"] == [H * T * D + H]
    assert numbers["params_rnn"] == [H * D + H * H + H, H * D + H * H + 2 * H]
    for n in range(1, 11):
        assert numbers[f"growth_{n}"] == [n, H * n * D + H, H * D + H * H + H]
    assert "growth_11" not in numbers


def test_feedforward_vs_recurrent_columns_keep_their_entries_when_t_changes():
    from studyapp.demos import feedforward_recurrent as ffr
    short = ffr.weights(D=2, H=3, T=4, seed=7)["W_1"]
    long = ffr.weights(D=2, H=3, T=6, seed=7)["W_1"]
    np.testing.assert_array_equal(long[:, :8], short)          # steps 1..4 keep their columns
