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
