"""Regenerate tests/rnncore/data/training_torch_reference.npz (run by hand, never by the tests):

    .bench-torch/bin/python tests/rnncore/make_training_torch_reference.py

PyTorch computes, in float64, the losses (MSE, cross-entropy variants, CTC with padded and
concatenated targets under every reduction), their gradients, three optimiser steps (SGD with
momentum, Adagrad, Adam) and clip_grad_norm_, from inputs drawn here with NumPy and stored
alongside. test_training_torch_reference.py compares rnncore with these numbers without torch.
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).parent / "data" / "training_torch_reference.npz"
REDUCTIONS = ("mean", "sum", "none")


def t(array, grad=False):
    return torch.tensor(array, dtype=torch.float64, requires_grad=grad)


def loss_and_grad(fn, array):
    x = t(array, grad=True)
    loss = fn(x)
    loss.backward(torch.ones_like(loss))
    return loss.detach().numpy(), x.grad.numpy()


def main():
    rng = np.random.default_rng(2024)
    out = {}

    # MSE
    out["mse/input"], out["mse/target"] = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    for r in REDUCTIONS:
        out[f"mse/{r}/loss"], out[f"mse/{r}/grad"] = loss_and_grad(
            lambda x: F.mse_loss(x, t(out["mse/target"]), reduction=r), out["mse/input"])

    # cross-entropy: indices with ignore_index, weight, label smoothing; probabilities; (N, C, d)
    out["ce/logits"] = rng.normal(size=(6, 4))
    out["ce/target"] = np.array([0, 3, -100, 1, 2, 3])
    out["ce/weight"] = np.array([0.5, 1.0, 2.0, 1.5])
    out["ce/probs"] = rng.dirichlet(np.ones(4), size=6)
    out["ce/spatial_logits"] = rng.normal(size=(3, 4, 5))
    out["ce/spatial_target"] = rng.integers(0, 4, size=(3, 5))
    target = torch.tensor(out["ce/target"])
    for r in REDUCTIONS:
        for smoothing in (0.0, 0.2):
            for weighted in (False, True):
                w = t(out["ce/weight"]) if weighted else None
                key = f"ce/index/{r}/{smoothing}/{int(weighted)}"
                out[f"{key}/loss"], out[f"{key}/grad"] = loss_and_grad(
                    lambda x: F.cross_entropy(x, target, weight=w, reduction=r,
                                              label_smoothing=smoothing), out["ce/logits"])
        key = f"ce/probs/{r}"
        out[f"{key}/loss"], out[f"{key}/grad"] = loss_and_grad(
            lambda x: F.cross_entropy(x, t(out["ce/probs"]), weight=t(out["ce/weight"]),
                                      reduction=r, label_smoothing=0.1), out["ce/logits"])
        key = f"ce/spatial/{r}"
        out[f"{key}/loss"], out[f"{key}/grad"] = loss_and_grad(
            lambda x: F.cross_entropy(x, torch.tensor(out["ce/spatial_target"]), reduction=r),
            out["ce/spatial_logits"])

    # CTC: gradient with respect to the logits, through log_softmax
    T, N, C = 7, 3, 5
    out["ctc/logits"] = rng.normal(size=(T, N, C))
    out["ctc/padded"] = np.array([[1, 2, 2], [3, 0, 0], [4, 1, 2]])   # padding: anything
    out["ctc/concatenated"] = np.array([1, 2, 2, 3, 4, 1])
    out["ctc/target_lengths"] = np.array([3, 1, 2])
    out["ctc/input_lengths"] = np.array([7, 4, 6])
    out["ctc/infeasible_target_lengths"] = np.array([3, 1, 3])
    out["ctc/infeasible_input_lengths"] = np.array([7, 4, 2])
    for layout in ("padded", "concatenated"):
        for r in REDUCTIONS:
            for zero_infinity in (False, True):
                lengths = ("infeasible_" if zero_infinity else "")
                key = f"ctc/{layout}/{r}/{int(zero_infinity)}"
                targets = out["ctc/padded"] if layout == "padded" else out["ctc/concatenated"]
                if zero_infinity and layout == "concatenated":
                    continue
                out[f"{key}/loss"], out[f"{key}/grad"] = loss_and_grad(
                    lambda z: F.ctc_loss(F.log_softmax(z, dim=-1), torch.tensor(targets),
                                         torch.tensor(out[f"ctc/{lengths}input_lengths"]),
                                         torch.tensor(out[f"ctc/{lengths}target_lengths"]),
                                         reduction=r, zero_infinity=zero_infinity),
                    out["ctc/logits"])

    # optimisers: three steps from the same start with the same gradients
    out["optim/start"] = rng.normal(size=(3, 2))
    out["optim/grads"] = rng.normal(size=(3, 3, 2))
    for name, make in (
            ("momentum", lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9)),
            ("adagrad", lambda p: torch.optim.Adagrad([p], lr=0.1, eps=1e-10)),
            ("adam", lambda p: torch.optim.Adam([p], lr=0.05, betas=(0.8, 0.99), eps=1e-8))):
        p = t(out["optim/start"], grad=True)
        opt = make(p)
        trajectory = []
        for g in out["optim/grads"]:
            p.grad = t(g)
            opt.step()
            trajectory.append(p.detach().numpy().copy())
        out[f"optim/{name}"] = np.stack(trajectory)

    # clip_grad_norm_: one clipped, one under the bound
    out["clip/a"], out["clip/b"] = rng.normal(size=(3, 2)) * 4, rng.normal(size=(5,)) * 4
    for max_norm in (1.0, 100.0):
        a, b = t(out["clip/a"], grad=True), t(out["clip/b"], grad=True)
        a.grad, b.grad = t(out["clip/a"]), t(out["clip/b"])
        norm = torch.nn.utils.clip_grad_norm_([a, b], max_norm)
        out[f"clip/{max_norm}/norm"] = norm.numpy()
        out[f"clip/{max_norm}/a"], out[f"clip/{max_norm}/b"] = a.grad.numpy(), b.grad.numpy()

    out["torch_version"] = np.array(torch.__version__)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(out)} arrays)")


if __name__ == "__main__":
    main()
