"""Parity with torch.nn in float64.

test_matches_torch_reference_file runs everywhere: it compares against values PyTorch computed
once, stored in data/networks_torch_reference.npz by make_networks_torch_reference.py (run by
hand; this module never imports torch for it). test_matches_torch runs live when PyTorch happens
to be importable and is skipped otherwise (PyTorch is never a dependency). Weights move from
PyTorch unchanged; outputs, final states and every gradient agree to rounding.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import rnncore

T, B, I, H = 6, 3, 5, 4
REFERENCE = Path(__file__).resolve().parent / "data" / "networks_torch_reference.npz"
REFERENCE_TOLERANCE = 1e-10


def _load_reference():
    with np.load(REFERENCE, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


DATA = _load_reference()
CASES = [str(c) for c in DATA["meta__cases"]]


def _case(name):
    prefix = name + "__"
    grouped = {"param": {}, "input": {}, "output": {}, "grad": {}}
    for key, value in DATA.items():
        if key.startswith(prefix):
            kind, entry = key[len(prefix):].split("__", 1)
            grouped[kind][entry] = value
    return grouped


def test_reference_file_is_small_and_complete():
    assert REFERENCE.stat().st_size < 300_000
    assert len(CASES) == 21
    for cell in ("RNN_tanh", "RNN_relu", "LSTM", "GRU"):
        for suffix in ("L1_uni", "L1_bi", "L2_uni", "L2_bi", "L2_bi_final_only"):
            assert f"{cell}_{suffix}" in CASES
    assert all(value.dtype == np.float64 for key, value in DATA.items()
               if not key.startswith("meta__"))


def _close(mine, theirs, what):
    assert mine.shape == theirs.shape, (what, mine.shape, theirs.shape)
    np.testing.assert_allclose(mine, theirs, rtol=0, atol=REFERENCE_TOLERANCE, err_msg=what)


@pytest.mark.parametrize("case", [c for c in CASES if c != "Linear"])
def test_matches_torch_reference_file(case):
    cell, nonlinearity, num_layers, bidirectional, final_only = (
        str(v) for v in DATA[f"meta__config__{case}"])
    ref = _case(case)
    inputs, outputs = ref["input"], ref["output"]
    options = {"nonlinearity": nonlinearity} if cell == "RNN" else {}
    x = inputs["x"]
    layer = getattr(rnncore, cell)(x.shape[2], inputs["state0"].shape[2],
                                   num_layers=int(num_layers), bidirectional=bidirectional == "True",
                                   dtype=np.float64, **options)
    assert set(layer.parameter_shapes()) == set(ref["param"])
    layer.load_state_dict(ref["param"])
    lstm = cell == "LSTM"
    pack = tuple if lstm else (lambda parts: parts[0])
    unpack = list if lstm else (lambda value: [value])
    parts = 2 if lstm else 1
    d_outputs = inputs.get("d_outputs")
    assert (d_outputs is None) == (final_only == "True")

    out, final = layer.forward(x, pack([inputs[f"state{k}"] for k in range(parts)]))
    dx, d_initial, grads = layer.backward(
        d_outputs, pack([inputs[f"d_state{k}"] for k in range(parts)]))

    _close(out, outputs["outputs"], "outputs")
    for k, (mine, mine_d) in enumerate(zip(unpack(final), unpack(d_initial))):
        _close(mine, outputs[f"state{k}"], f"final state part {k}")
        _close(mine_d, outputs[f"d_state{k}"], f"d initial state part {k}")
    _close(dx, outputs["d_x"], "d_x")
    assert set(grads) == set(ref["grad"])
    for name, value in ref["grad"].items():
        _close(grads[name], value, f"grad {name}")


def test_linear_matches_torch_reference_file():
    ref = _case("Linear")
    weight = ref["param"]["weight"]
    head = rnncore.Linear(weight.shape[1], weight.shape[0], dtype=np.float64, seed=0)
    head.load_state_dict(ref["param"])
    _close(head.forward(ref["input"]["h"]), ref["output"]["y"], "y")
    dh, grads = head.backward(ref["input"]["dy"])
    _close(dh, ref["output"]["d_h"], "d_h")
    for name, value in ref["grad"].items():
        _close(grads[name], value, f"grad {name}")


def test_reference_tests_would_catch_a_wrong_gradient():
    """The comparison is not vacuous: a perturbed reference gradient fails it."""
    ref = _case("GRU_L1_uni")
    layer = rnncore.GRU(4, 3, dtype=np.float64)
    layer.load_state_dict(ref["param"])
    layer.forward(ref["input"]["x"], ref["input"]["state0"])
    _, _, grads = layer.backward(ref["input"]["d_outputs"], ref["input"]["d_state0"])
    wrong = ref["grad"]["weight_hh_l0"].copy()
    wrong[0, 0] += 1e-8
    with pytest.raises(AssertionError):
        _close(grads["weight_hh_l0"], wrong, "perturbed")


# ---- live PyTorch (skipped when it is not installed) ----------------------------------------

@pytest.fixture(scope="module")
def torch():
    if importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed (the reference-file tests above still run)")
    return pytest.importorskip("torch")


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("name, options", [
    ("RNN", {"nonlinearity": "tanh"}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})])
def test_matches_torch(torch, name, options, num_layers, bidirectional):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(I, H, num_layers=num_layers, bidirectional=bidirectional,
                                     dtype=torch.float64, **options)
    ours = getattr(rnncore, name)(I, H, num_layers=num_layers, bidirectional=bidirectional,
                                  dtype=np.float64, **options)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    D = 2 if bidirectional else 1
    rng = np.random.default_rng(1)
    x = rng.normal(size=(T, B, I))
    states = [rng.normal(size=(num_layers * D, B, H)) for _ in range(2 if name == "LSTM" else 1)]
    d_out = rng.normal(size=(T, B, D * H))
    d_states = [rng.normal(size=s.shape) for s in states]

    x_t = torch.tensor(x, requires_grad=True)
    states_t = [torch.tensor(s, requires_grad=True) for s in states]
    out_t, final_t = theirs(x_t, tuple(states_t) if name == "LSTM" else states_t[0])
    final_t = list(final_t) if name == "LSTM" else [final_t]
    loss = (out_t * torch.tensor(d_out)).sum() + sum(
        (f * torch.tensor(d)).sum() for f, d in zip(final_t, d_states))
    loss.backward()

    pack = (lambda parts: tuple(parts)) if name == "LSTM" else (lambda parts: parts[0])
    out, final = ours.forward(x, pack(states))
    dx, d_initial, grads = ours.backward(d_out, pack(d_states))
    final = list(final) if name == "LSTM" else [final]
    d_initial = list(d_initial) if name == "LSTM" else [d_initial]

    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=0, atol=1e-13)
    for mine, their in zip(final, final_t):
        np.testing.assert_allclose(mine, their.detach().numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=0, atol=1e-13)
    for mine, their in zip(d_initial, states_t):
        np.testing.assert_allclose(mine, their.grad.numpy(), rtol=0, atol=1e-13)
    for param_name, param in theirs.named_parameters():
        np.testing.assert_allclose(grads[param_name], param.grad.numpy(), rtol=0, atol=1e-12,
                                   err_msg=param_name)
    np.testing.assert_array_equal(ours.state_dict()["weight_hh_l0"],
                                  theirs.state_dict()["weight_hh_l0"].numpy())
