"""Parity with torch.nn in float64, when PyTorch happens to be importable (skipped otherwise;
PyTorch is never a dependency). Weights move from PyTorch unchanged; outputs, final states and
every gradient agree to rounding."""

import numpy as np
import pytest

import rnncore

torch = pytest.importorskip("torch")

T, B, I, H = 6, 3, 5, 4


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("name, options", [
    ("RNN", {"nonlinearity": "tanh"}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})])
def test_matches_torch(name, options, num_layers, bidirectional):
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
