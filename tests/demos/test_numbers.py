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
