"""Optimisers and clipping against steps worked by hand (the numbers are written out, not
computed by calling the code twice)."""

import math

import numpy as np
import pytest

from rnncore.clipping import clip_grad_norm, clip_grad_value, global_norm
from rnncore.optim import SGD, Adagrad, Adam, Momentum, make_optimizer, optimizer_from_state


def run_steps(optimizer, start, gradients):
    params = {"w": np.array(start, dtype=np.float64)}
    trajectory = []
    for g in gradients:
        optimizer.step(params, {"w": np.array(g, dtype=np.float64)})
        trajectory.append(params["w"].copy())
    return trajectory


def test_sgd_by_hand():
    # p = (1, -2), g = (0.5, 1), lr = 0.1:  p - 0.1 g = (0.95, -2.1)
    (p1,) = run_steps(SGD(lr=0.1), [1.0, -2.0], [[0.5, 1.0]])
    np.testing.assert_allclose(p1, [0.95, -2.1], rtol=1e-15)


def test_momentum_by_hand():
    # lr 0.1, mu 0.9, g = 1, 1, 0:
    # v1 = 1     p1 = 1 - 0.1     = 0.9
    # v2 = 1.9   p2 = 0.9 - 0.19  = 0.71
    # v3 = 1.71  p3 = 0.71 - 0.171 = 0.539   (coasts on with zero gradient)
    traj = run_steps(Momentum(lr=0.1, momentum=0.9), [1.0], [[1.0], [1.0], [0.0]])
    np.testing.assert_allclose(np.concatenate(traj), [0.9, 0.71, 0.539], rtol=1e-12)


def test_adagrad_by_hand():
    # lr 0.1, g = 2 then 1:
    # G1 = 4   p1 = 1 - 0.1 * 2 / 2           = 0.9
    # G2 = 5   p2 = 0.9 - 0.1 * 1 / sqrt(5)   = 0.9 - 0.0447213595 = 0.8552786405
    traj = run_steps(Adagrad(lr=0.1), [1.0], [[2.0], [1.0]])
    np.testing.assert_allclose(np.concatenate(traj), [0.9, 0.8552786405], rtol=1e-9)


def test_adam_by_hand():
    # lr 0.1, betas (0.9, 0.999), g = 0.5 then -1:
    # step 1: m = 0.05, v = 0.00025; m_hat = 0.05/0.1 = 0.5, v_hat = 0.00025/0.001 = 0.25
    #         p1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.9 (to 1e-8): Adam's first step is lr * sign(g)
    # step 2: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975
    #         m_hat = -0.055 / 0.19 = -0.28947368, v_hat = 0.00124975 / 0.001999 = 0.62518759
    #         p2 = 0.9 + 0.1 * 0.28947368 / 0.79068805 = 0.93661032
    traj = run_steps(Adam(lr=0.1), [1.0], [[0.5], [-1.0]])
    np.testing.assert_allclose(np.concatenate(traj), [0.9, 0.93661032], rtol=1e-7)


def test_optimizer_state_round_trip_continues_identically():
    grads = [np.array([0.3, -0.2]), np.array([0.1, 0.4]), np.array([-0.5, 0.05])]
    whole = Adam(lr=0.05)
    p_whole = {"w": np.array([1.0, 2.0])}
    for g in grads:
        whole.step(p_whole, {"w": g})
    part = Adam(lr=0.05)
    p_part = {"w": np.array([1.0, 2.0])}
    part.step(p_part, {"w": grads[0]})
    resumed = optimizer_from_state(part.state_dict())
    for g in grads[1:]:
        resumed.step(p_part, {"w": g})
    assert resumed.step_count == 3
    np.testing.assert_array_equal(p_whole["w"], p_part["w"])


@pytest.mark.parametrize("name, kwargs, message", [
    ("adam", {"lr": 0.0}, "lr must be in"),
    ("adam", {"lr": float("nan")}, "lr must be a number"),
    ("momentum", {"momentum": 1.5}, "momentum must be in"),
    ("adam", {"betas": (0.9, 1.0)}, "beta2 must be in"),
    ("adagrad", {"eps": 1.0}, "eps must be in"),
    ("adam", {"momentum": 0.9}, "bad hyperparameters"),
    ("rmsprop", {}, "optimizer must be one of"),
])
def test_hyperparameters_validated(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer(name, **kwargs)


def test_clip_by_global_norm():
    # ||(3, 0, 4)|| = 5 -> scaled by 1 / 5 to norm 1
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    before, after = clip_grad_norm(grads, 1.0)
    assert before == 5.0 and after == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(grads["a"], [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(grads["b"], [[0.8]], rtol=1e-6)
    small = {"a": np.array([0.3, 0.4])}
    assert clip_grad_norm(small, 1.0) == (0.5, 0.5)        # under the bound: untouched
    np.testing.assert_array_equal(small["a"], [0.3, 0.4])


def test_clip_element_wise_like_min_char_rnn():
    grads = {"w": np.array([3.0, -7.0, 0.5]), "b": np.array([6.0])}
    before, after = clip_grad_value(grads, 5.0)
    np.testing.assert_array_equal(grads["w"], [3.0, -5.0, 0.5])
    np.testing.assert_array_equal(grads["b"], [5.0])
    assert before == pytest.approx(math.sqrt(9 + 49 + 0.25 + 36))
    assert after == pytest.approx(math.sqrt(9 + 25 + 0.25 + 25))


def test_clip_leaves_non_finite_norm_visible():
    grads = {"w": np.array([np.inf, 1.0])}
    before, after = clip_grad_norm(grads, 1.0)
    assert math.isinf(before) and math.isinf(after)
    assert global_norm({"w": np.array([np.nan])}) != global_norm({"w": np.array([np.nan])})


def test_clip_bounds_validated():
    with pytest.raises(ValueError, match="clip_norm must be in"):
        clip_grad_norm({"w": np.ones(2)}, 0.0)
    with pytest.raises(ValueError, match="clip_value must be in"):
        clip_grad_value({"w": np.ones(2)}, -1.0)


@pytest.mark.parametrize("grads, message", [
    ({}, r"missing \['w'\]"),
    ({"w": np.ones(2), "v": np.ones(2)}, r"unexpected \['v'\]"),
    ({"w": np.ones(3)}, r"must have shape \(2,\)"),
    ({"w": np.ones((1, 2))}, r"must have shape \(2,\)"),
    ({"w": np.array([np.nan, 1.0])}, "must be finite"),
    ({"w": np.array([1, 2])}, "must be a floating-point ndarray, got int64"),
    ({"w": [1.0, 2.0]}, "must be a floating-point ndarray, got list"),
])
def test_step_validates_before_touching_anything(grads, message):
    optimizer = Adam(lr=0.1)
    params = {"w": np.array([1.0, 2.0])}
    with pytest.raises(ValueError, match=message):
        optimizer.step(params, grads)
    np.testing.assert_array_equal(params["w"], [1.0, 2.0])
    assert optimizer.step_count == 0 and optimizer.slots == {"exp_avg": {}, "exp_avg_sq": {}}
    with pytest.raises(ValueError, match="must be dicts"):
        optimizer.step(params, [np.ones(2)])


@pytest.mark.parametrize("betas", [0.9, None, (0.9,), "ab", (0.9, 0.99, 0.999)])
def test_adam_betas_must_be_a_pair(betas):
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam(betas=betas)
    with pytest.raises(ValueError, match="beta1 must be a number"):
        Adam(betas=("0.9", 0.999))


def test_load_state_dict_validation():
    good = Adam(lr=0.1)
    good.step({"w": np.ones(2)}, {"w": np.ones(2)})
    state = good.state_dict()
    for broken, message in [
        ({k: v for k, v in state.items() if k != "name"}, "missing name"),
        ({**state, "step": -1}, "optimizer step must be in"),
        ({**state, "step": 1.5}, "optimizer step must be an integer"),
        ({**state, "slots": {"exp_avg": state["slots"]["exp_avg"]}}, "slots must be exactly"),
        ({**state, "slots": {**state["slots"], "extra": {}}}, "slots must be exactly"),
        ({**state, "slots": {"exp_avg": {"w": np.ones(2)}, "exp_avg_sq": {}}}, "other slots"),
        ({**state, "slots": {"exp_avg": {"w": np.array([np.nan, 0])},
                             "exp_avg_sq": {"w": np.ones(2)}}}, "must be finite"),
        ({**state, "step": 0}, "no moments yet"),
        ({**state, "name": "sgd"}, "not 'adam'"),
        ("state", "state must be a dict"),
    ]:
        with pytest.raises(ValueError, match=message):
            Adam(lr=0.1).load_state_dict(broken)
    with pytest.raises(ValueError, match="state must be a dict"):
        optimizer_from_state({"name": "adam"})


@pytest.mark.parametrize("grads, message", [
    ([np.ones(2)], "grads must be a dict"),
    ({"w": np.array([3, 4])}, "must be a floating-point ndarray, got int64"),
    ({"w": [3.0, 4.0]}, "must be a floating-point ndarray, got list"),
])
def test_clipping_refuses_lists_and_integer_grads(grads, message):
    with pytest.raises(ValueError, match=message):
        clip_grad_norm(grads, 1.0)
    with pytest.raises(ValueError, match=message):
        clip_grad_value(grads, 1.0)
