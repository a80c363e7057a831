"""Write tests/rnncore/data/networks_torch_reference.npz: torch.nn reference values, float64.

Run by hand only, with an interpreter that has PyTorch (never a dependency of rnncore or its
tests; test_torch_parity.py reads the file this writes without importing torch):

    .bench-torch/bin/python tests/rnncore/make_networks_torch_reference.py

This script does not import rnncore, so the reference is independent of the code it checks.

For every case (RNN tanh / RNN relu / LSTM / GRU, 1 or 2 layers, uni- or bidirectional, plus
cases whose loss sees only the final state, and one nn.Linear head) it stores, under
"<case>__<kind>__<name>":

    param   every parameter (torch's names), drawn uniformly in ±0.8 (larger than torch's
            default init, so the nonlinearities and gates are exercised away from zero)
    input   x (T, B, I); state0 [, state1]: h0 [, c0] (L*D, B, H); d_outputs (T, B, D*H)
            (absent for final-only cases); d_state0 [, d_state1]: dL/dh_n [, dL/dc_n]
    output  outputs, state0 [, state1] (h_n [, c_n]), d_x, d_state0 [, d_state1] (dL/dh0 [, dc0])
    grad    dL/d every parameter

with L = (outputs * d_outputs).sum() + Σ (final_state_part * d_state_part).sum(). The Linear
case stores param weight, bias; input h, dy; output y, d_h; grad weight, bias.
"meta__cases" lists the cases, "meta__config__<case>" holds [cell, nonlinearity, num_layers,
bidirectional, final_only] as strings.
"""

from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parent / "data" / "networks_torch_reference.npz"
T, B, I, H = 4, 2, 4, 3
SEED = 20240611


def layer_cases():
    for cell, nonlinearity in [("RNN", "tanh"), ("RNN", "relu"), ("LSTM", ""), ("GRU", "")]:
        for num_layers in (1, 2):
            for bidirectional in (False, True):
                yield cell, nonlinearity, num_layers, bidirectional, False
        yield cell, nonlinearity, 2, True, True          # the loss sees only the final state


def case_name(cell, nonlinearity, num_layers, bidirectional, final_only):
    name = cell + (f"_{nonlinearity}" if nonlinearity else "")
    name += f"_L{num_layers}_" + ("bi" if bidirectional else "uni")
    return name + ("_final_only" if final_only else "")


def run_layer(rng, cell, nonlinearity, num_layers, bidirectional, final_only):
    options = {"nonlinearity": nonlinearity} if cell == "RNN" else {}
    module = getattr(torch.nn, cell)(I, H, num_layers=num_layers, bidirectional=bidirectional,
                                     dtype=torch.float64, **options)
    params = {}
    with torch.no_grad():
        for name, p in module.named_parameters():
            value = rng.uniform(-0.8, 0.8, size=tuple(p.shape))
            p.copy_(torch.from_numpy(value))
            params[name] = value
    D = 2 if bidirectional else 1
    parts = 2 if cell == "LSTM" else 1
    x = rng.normal(size=(T, B, I))
    states = [rng.normal(size=(num_layers * D, B, H)) * 0.5 for _ in range(parts)]
    d_outputs = None if final_only else rng.normal(size=(T, B, D * H))
    d_states = [rng.normal(size=s.shape) for s in states]

    x_t = torch.tensor(x, requires_grad=True)
    states_t = [torch.tensor(s, requires_grad=True) for s in states]
    out_t, final_t = module(x_t, tuple(states_t) if parts == 2 else states_t[0])
    final_t = list(final_t) if parts == 2 else [final_t]
    loss = sum((f * torch.tensor(d)).sum() for f, d in zip(final_t, d_states))
    if d_outputs is not None:
        loss = loss + (out_t * torch.tensor(d_outputs)).sum()
    loss.backward()

    record = {}
    for name, value in params.items():
        record[f"param__{name}"] = value
    record["input__x"] = x
    for k, (s, d) in enumerate(zip(states, d_states)):
        record[f"input__state{k}"] = s
        record[f"input__d_state{k}"] = d
    if d_outputs is not None:
        record["input__d_outputs"] = d_outputs
    record["output__outputs"] = out_t.detach().numpy()
    for k, (f, s) in enumerate(zip(final_t, states_t)):
        record[f"output__state{k}"] = f.detach().numpy()
        record[f"output__d_state{k}"] = s.grad.numpy()
    record["output__d_x"] = x_t.grad.numpy()
    for name, p in module.named_parameters():
        record[f"grad__{name}"] = p.grad.numpy()
    return record


def run_linear(rng):
    module = torch.nn.Linear(2 * H, 2, dtype=torch.float64)
    weight, bias = rng.uniform(-0.8, 0.8, size=(2, 2 * H)), rng.uniform(-0.8, 0.8, size=2)
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(weight))
        module.bias.copy_(torch.from_numpy(bias))
    h, dy = rng.normal(size=(T, B, 2 * H)), rng.normal(size=(T, B, 2))
    h_t = torch.tensor(h, requires_grad=True)
    y_t = module(h_t)
    (y_t * torch.tensor(dy)).sum().backward()
    return {"param__weight": weight, "param__bias": bias, "input__h": h, "input__dy": dy,
            "output__y": y_t.detach().numpy(), "output__d_h": h_t.grad.numpy(),
            "grad__weight": module.weight.grad.numpy(), "grad__bias": module.bias.grad.numpy()}


def main():
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(SEED)
    arrays, cases = {}, []
    for config in layer_cases():
        name = case_name(*config)
        cases.append(name)
        arrays[f"meta__config__{name}"] = np.array([str(c) for c in config])
        for key, value in run_layer(rng, *config).items():
            arrays[f"{name}__{key}"] = np.ascontiguousarray(value, dtype=np.float64)
    cases.append("Linear")
    for key, value in run_linear(rng).items():
        arrays[f"Linear__{key}"] = np.ascontiguousarray(value, dtype=np.float64)
    arrays["meta__cases"] = np.array(cases)
    arrays["meta__torch_version"] = np.array(torch.__version__)
    OUT.parent.mkdir(exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {len(cases)} cases, {len(arrays)} arrays, {OUT.stat().st_size} bytes to {OUT}")


if __name__ == "__main__":
    main()
