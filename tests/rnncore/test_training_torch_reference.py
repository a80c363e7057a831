"""rnncore's losses, optimisers and clipping against float64 values PyTorch computed once
(tests/rnncore/make_training_torch_reference.py, run by hand; torch is not needed here)."""

from pathlib import Path

import numpy as np
import pytest

from rnncore.clipping import clip_grad_norm
from rnncore.losses import (cross_entropy, ctc_loss, log_softmax, log_softmax_backward,
                            mse_loss)
from rnncore.optim import Adagrad, Adam, Momentum

REF = dict(np.load(Path(__file__).parent / "data" / "training_torch_reference.npz",
                   allow_pickle=False))
REDUCTIONS = ("mean", "sum", "none")


def close(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse(reduction):
    loss, grad = mse_loss(REF["mse/input"], REF["mse/target"], reduction)
    close(loss, REF[f"mse/{reduction}/loss"])
    close(grad, REF[f"mse/{reduction}/grad"])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_indices(reduction, smoothing, weighted):
    key = f"ce/index/{reduction}/{smoothing}/{int(weighted)}"
    loss, grad = cross_entropy(REF["ce/logits"], REF["ce/target"],
                               weight=REF["ce/weight"] if weighted else None,
                               reduction=reduction, label_smoothing=smoothing)
    close(loss, REF[f"{key}/loss"])
    close(grad, REF[f"{key}/grad"])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities_and_spatial(reduction):
    loss, grad = cross_entropy(REF["ce/logits"], REF["ce/probs"], weight=REF["ce/weight"],
                               reduction=reduction, label_smoothing=0.1)
    close(loss, REF[f"ce/probs/{reduction}/loss"])
    close(grad, REF[f"ce/probs/{reduction}/grad"])
    loss, grad = cross_entropy(REF["ce/spatial_logits"], REF["ce/spatial_target"],
                               reduction=reduction)
    close(loss, REF[f"ce/spatial/{reduction}/loss"])
    close(grad, REF[f"ce/spatial/{reduction}/grad"])


@pytest.mark.parametrize("layout, zero_infinity", [("padded", False), ("concatenated", False),
                                                   ("padded", True)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc(layout, reduction, zero_infinity):
    key = f"ctc/{layout}/{reduction}/{int(zero_infinity)}"
    lengths = "infeasible_" if zero_infinity else ""
    log_probs = log_softmax(REF["ctc/logits"])
    loss, d_log_probs = ctc_loss(log_probs, REF[f"ctc/{layout}"],
                                 REF[f"ctc/{lengths}input_lengths"],
                                 REF[f"ctc/{lengths}target_lengths"], reduction=reduction,
                                 zero_infinity=zero_infinity)
    close(loss, REF[f"{key}/loss"])
    close(log_softmax_backward(d_log_probs, log_probs), REF[f"{key}/grad"])


@pytest.mark.parametrize("name, optimizer", [
    ("momentum", lambda: Momentum(lr=0.1, momentum=0.9)),
    ("adagrad", lambda: Adagrad(lr=0.1, eps=1e-10)),
    ("adam", lambda: Adam(lr=0.05, betas=(0.8, 0.99), eps=1e-8)),
])
def test_optimiser_steps(name, optimizer):
    opt = optimizer()
    params = {"w": REF["optim/start"].copy()}
    for step, grad in enumerate(REF["optim/grads"]):
        opt.step(params, {"w": grad.copy()})
        close(params["w"], REF[f"optim/{name}"][step])


@pytest.mark.parametrize("max_norm", [1.0, 100.0])
def test_clip_grad_norm(max_norm):
    grads = {"a": REF["clip/a"].copy(), "b": REF["clip/b"].copy()}
    before, _ = clip_grad_norm(grads, max_norm)
    close(before, REF[f"clip/{max_norm}/norm"])
    close(grads["a"], REF[f"clip/{max_norm}/a"])
    close(grads["b"], REF[f"clip/{max_norm}/b"])
