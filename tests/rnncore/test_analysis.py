"""Gradient analysis: per-step gradient norms against the layers' own BPTT, vanishing and
exploding on hand-built weights, spectral radius, gate saturation, trajectories."""

import json

import numpy as np
import pytest

from rnncore.analysis import (analyse_run, gate_statistics, hidden_gradient_norms,
                              hidden_trajectory, recurrent_spectral_radii, spectral_radius)
from rnncore.layers import GRU, LSTM, RNN
from rnncore.trainer import Trainer

T, B, I, H = 7, 3, 2, 4


def inputs(seed=0):
    return np.random.default_rng(seed).normal(size=(T, B, I))


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_gradient_norms_match_the_layer_bptt(cls):
    """dL/dh_t for L = u . h_T equals d(initial state) of the layer run from step t on."""
    layer = cls(I, H, dtype=np.float64, seed=1)
    x = inputs()
    norms = hidden_gradient_norms(layer, x)
    outputs, _ = layer.forward(x)
    u = np.full((B, H), 1 / np.sqrt(H))
    assert norms[-1] == pytest.approx(1.0)
    for t in range(T - 1):
        if cls is LSTM:   # the state at t: (h_t, c_t); get c_t from a forward over x[:t + 1]
            _, (h_t, c_t) = layer.forward(x[:t + 1])
            state = (h_t, c_t)
        else:
            state = outputs[t][None]
        out_rest, _ = layer.forward(x[t + 1:], state)
        d_out = np.zeros_like(out_rest)
        d_out[-1] = u
        _, d_state, _ = layer.backward(d_out)
        dh = d_state[0][0] if cls is LSTM else d_state[0]
        assert norms[t] == pytest.approx(np.mean(np.linalg.norm(dh, axis=1)), rel=1e-10)


def hand_rnn(w_hh_scale, nonlinearity):
    layer = RNN(1, 2, nonlinearity=nonlinearity, dtype=np.float64, seed=0)
    p = layer.parameters()
    p["weight_ih_l0"][...] = 0.0
    p["weight_hh_l0"][...] = w_hh_scale * np.eye(2)
    p["bias_ih_l0"][...] = 0.1
    p["bias_hh_l0"][...] = 0.0
    return layer


def test_vanishing_gradient_with_small_recurrent_weights():
    # h_t = tanh(0.5 h_{t-1} + 0.1): each step back multiplies dL/dh by 0.5 tanh' < 0.5
    layer = hand_rnn(0.5, "tanh")
    norms = hidden_gradient_norms(layer, np.zeros((20, 1, 1)))
    assert np.all(np.diff(norms) > 0)                    # smaller the further back
    assert norms[0] < 0.5 ** 19 * norms[-1]


def test_exploding_gradient_with_large_recurrent_weights():
    # ReLU with positive pre-activations: dL/dh_{t-1} = 1.5 dL/dh_t exactly
    layer = hand_rnn(1.5, "relu")
    norms = hidden_gradient_norms(layer, np.zeros((20, 1, 1)))
    np.testing.assert_allclose(norms, 1.5 ** np.arange(19, -1, -1), rtol=1e-12)
    assert recurrent_spectral_radii(layer) == {"h": pytest.approx(1.5)}


def test_spectral_radius():
    assert spectral_radius(np.diag([0.5, -2.0])) == pytest.approx(2.0)
    assert spectral_radius(np.array([[0.0, -0.8], [0.8, 0.0]])) == pytest.approx(0.8)  # eigenvalues +-0.8i
    with pytest.raises(ValueError, match="square"):
        spectral_radius(np.zeros((2, 3)))
    radii = recurrent_spectral_radii(LSTM(I, H, seed=0))
    assert set(radii) == {"i", "f", "g", "o"}


def test_gate_saturation():
    layer = LSTM(I, H, dtype=np.float64, seed=0)
    p = layer.parameters()
    p["bias_ih_l0"][H:2 * H] = 20.0                     # forget gate pinned open: f ~ 1
    stats = gate_statistics(layer, inputs())
    assert stats["f"]["saturated_overall"] == 1.0
    assert min(stats["f"]["mean"]) > 0.99
    assert len(stats["i"]["mean"]) == T
    assert set(gate_statistics(GRU(I, H, seed=0), inputs())) == {"r", "z", "n"}
    with pytest.raises(ValueError, match="threshold must be in"):
        gate_statistics(layer, inputs(), threshold=0.9)


def test_hidden_trajectory():
    layer = GRU(I, H, dtype=np.float64, seed=0)
    x = inputs()
    result = hidden_trajectory(layer, x, components=2)
    outputs, _ = layer.forward(x)
    np.testing.assert_allclose(result["h"], outputs, rtol=1e-12)   # the step-by-step unroll agrees
    assert result["projection"].shape == (T, B, 2)
    ratio = result["explained_variance_ratio"]
    assert ratio[0] >= ratio[1] and ratio.sum() <= 1 + 1e-12
    assert "c" in hidden_trajectory(LSTM(I, H, seed=0), x)


@pytest.mark.parametrize("task", ["adding", "copy", "sentiment", "future_context"])
def test_analyse_run_is_json_able(task):
    run = Trainer.create(task, {"max_steps": 3}, seed=0)
    run.advance(3)
    report = analyse_run(run, n_examples=4)
    json.dumps(report)
    T_run = run.model.embed(run.eval_data.inputs).shape[0]
    assert len(report["gradient_norms"]) == len(report["gradient_norms_last_step"]) == T_run
    if task in ("adding", "sentiment"):          # many-to-one: the loss enters at the last step only
        assert report["gradient_norms"][-1] > 0


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_two_layer_gradient_norms_match_one_layer_bptt_per_layer(cls, bidirectional):
    """For num_layers=2, dL/dh_t of each layer's forward direction, L = sum_t d_out_t . out_t,
    rebuilt from single-layer copies of each layer and their own BPTT: the top layer sees d_out
    directly; what its backward sends to its inputs is layer 0's d_out."""
    D = 2 if bidirectional else 1
    stacked = cls(I, H, num_layers=2, bidirectional=bidirectional, dtype=np.float64, seed=2)
    params = stacked.parameters()
    single = []
    for k, size in ((0, I), (1, D * H)):
        layer = cls(size, H, bidirectional=bidirectional, dtype=np.float64, seed=0)
        layer.load_state_dict({name: params[name.replace("_l0", f"_l{k}")]
                               for name in layer.parameters()})
        single.append(layer)
    x = inputs(3)
    d_out = np.random.default_rng(4).normal(size=(T, B, D * H))
    out0, _ = single[0].forward(x)
    out1, _ = single[1].forward(out0)
    np.testing.assert_allclose(out1, stacked.forward(x)[0], rtol=1e-12)
    d_x1, _, _ = single[1].backward(d_out)                 # dL / d out0
    expected = []
    for layer, inp, d in ((single[0], x, d_x1), (single[1], out0, d_out)):
        per_step = []
        for t in range(T):
            # total dL/dh_t (forward direction) = d[t] + what the rest of the sequence sends back
            dh = d[t][:, :H].copy()
            if t < T - 1:
                if cls is LSTM:
                    _, (h_t, c_t) = layer.forward(inp[:t + 1])
                    state = (h_t[:1], c_t[:1])
                else:
                    state = layer.forward(inp[:t + 1])[1][:1]
                fwd = cls(inp.shape[2], H, dtype=np.float64, seed=0)
                fwd.load_state_dict({n: layer.parameters()[n] for n in fwd.parameters()})
                fwd.forward(inp[t + 1:], state)
                _, d_state, _ = fwd.backward(d[t + 1:][..., :H])
                dh += (d_state[0] if cls is LSTM else d_state)[0]
            per_step.append(np.mean(np.linalg.norm(dh, axis=1)))
        expected.append(per_step)
    from rnncore.analysis import layer_gradient_norms
    got = layer_gradient_norms(stacked, x, d_out)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    np.testing.assert_allclose(hidden_gradient_norms(stacked, x, d_out), expected[1], rtol=1e-10)
    np.testing.assert_allclose(hidden_gradient_norms(stacked, x, d_out, layer_index=0),
                               expected[0], rtol=1e-10)
    # the old bug: layer 0's unroll fed the top layer's d_outputs
    assert not np.allclose(got[0], got[1])


def test_analyse_run_reports_every_layer():
    run = Trainer.create("future_context", {"max_steps": 2, "num_layers": 2}, seed=0)
    report = analyse_run(run, n_examples=3)
    assert len(report["gradient_norms_by_layer"]) == 2
    assert report["gradient_norms"] == report["gradient_norms_by_layer"][-1]
    with pytest.raises(ValueError, match="n_examples must be"):
        analyse_run(run, n_examples=0)


@pytest.mark.parametrize("call, message", [
    (lambda l, x: hidden_trajectory(l, x, components=2.5), "components must be an integer"),
    (lambda l, x: hidden_trajectory(l, x, components=True), "components must be an integer"),
    (lambda l, x: hidden_trajectory(l, x, components=4), r"components must be in \[1, 3\]"),
    (lambda l, x: gate_statistics(l, x, threshold="0.1"), "threshold must be a number"),
    (lambda l, x: gate_statistics(l, x, threshold=float("nan")), "threshold must be a number"),
    (lambda l, x: gate_statistics(l, x, layer_index=1), r"layer_index must be in \[0, 0\]"),
    (lambda l, x: hidden_gradient_norms(l, x[..., :1]), r"x must have shape \(T, N, 2\)"),
    (lambda l, x: hidden_gradient_norms(l, x[0]), r"x must have shape"),
    (lambda l, x: hidden_gradient_norms(l, x.astype(str)), "x must be a real-valued array"),
    (lambda l, x: hidden_gradient_norms(l, np.full_like(x, np.nan)), "x must be finite"),
    (lambda l, x: hidden_gradient_norms(l, x, np.zeros((T, B, H + 1))), "d_outputs must be"),
    (lambda l, x: hidden_gradient_norms("lstm", x), "layer must be an rnncore RNN"),
    (lambda l, x: recurrent_spectral_radii(object()), "layer must be an rnncore RNN"),
])
def test_analysis_validation(call, message):
    with pytest.raises(ValueError, match=message):
        call(LSTM(I, H, seed=0), inputs())


def test_unroll_size_bound(monkeypatch):
    from rnncore import limits
    monkeypatch.setattr(limits, "MAX_UNROLL_CELLS", 10)
    with pytest.raises(ValueError, match="too large to unroll"):
        hidden_gradient_norms(RNN(I, H, seed=0), inputs())
