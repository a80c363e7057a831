"""Looking inside a recurrent layer: gradient flow, W_hh's spectrum, gates, hidden trajectories.

Everything here unrolls the first layer's forward direction one step at a time with the cell
functions of rnncore.cells (in float64), so each number is the course's equation at one step:

  * hidden_gradient_norms: ||dL/dh_t|| for t = T..1. BPTT multiplies the gradient by one
    Jacobian per step back,
        dL/dh_{t-1} = dL/dh_t . dh_t/dh_{t-1},     dh_t/dh_{t-1} = diag(f'(a_t)) W_hh  (vanilla)
    so it shrinks (vanishes) or grows (explodes) roughly geometrically with distance.
  * spectral_radius: rho(W_hh) = max |eigenvalue|. For a tanh RNN (|f'| <= 1), rho < 1 makes
    the gradient vanish over long distances; rho > 1 is needed (not sufficient) for it to explode.
  * gate_statistics: each gate's activations over the sequence and the fraction saturated
    (sigmoid within `threshold` of 0 or 1, tanh within `threshold` of +-1), where its
    derivative is near 0 and little gradient passes.
  * hidden_trajectory: h_1..h_T, and their projection on the top principal components, to plot.

Shapes: x (T, B, I) inputs of the layer (embedded already, if the model embeds tokens).
"""

from __future__ import annotations

import numpy as np

from .cells import (gru_step_backward, gru_step_forward, lstm_step_backward, lstm_step_forward,
                    rnn_step_backward, rnn_step_forward)
from .layers import GRU, LSTM, RNN

SATURATION_THRESHOLD = (1e-4, 0.5)
MAX_COMPONENTS = 3


def _cell_kind(layer) -> str:
    for kind, cls in (("lstm", LSTM), ("gru", GRU), ("rnn", RNN)):
        if isinstance(layer, cls):
            return kind
    raise ValueError(f"layer must be an rnncore RNN, LSTM or GRU, got {type(layer).__name__}")


def _first_cell(layer) -> dict[str, np.ndarray]:
    """Layer 0, forward direction: weight_ih, weight_hh, bias_ih, bias_hh in float64."""
    params = layer.parameters()
    return {name: params[f"{name}_l0"].astype(np.float64)
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def unroll(layer, x: np.ndarray) -> dict:
    """Run layer 0's forward direction over x (T, B, I) from a zero state, step by step.

    Returns {'kind', 'h': (T, B, H), 'c': (T, B, H) for LSTM, 'gates': {name: (T, B, H)},
    'caches': one cache per step for the backward pass}."""
    kind = _cell_kind(layer)
    cell = _first_cell(layer)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != cell["weight_ih"].shape[1]:
        raise ValueError(f"x must have shape (T, B, {cell['weight_ih'].shape[1]}), got {x.shape}")
    T, B, _ = x.shape
    H = cell["weight_hh"].shape[1]
    h, c = np.zeros((B, H)), np.zeros((B, H))
    hs, cs, caches = [], [], []
    gate_names = {"rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}[kind]
    gates = {name: [] for name in gate_names}
    for t in range(T):
        if kind == "rnn":
            h, cache = rnn_step_forward(x[t], h, **cell, nonlinearity=layer.nonlinearity)
            gates["h"].append(h)
        elif kind == "lstm":
            h, c, cache = lstm_step_forward(x[t], h, c, **cell)
            for name, value in zip(gate_names, cache[5:9]):        # i, f, g, o
                gates[name].append(value)
            cs.append(c)
        else:
            h, cache = gru_step_forward(x[t], h, **cell, reset_after=layer.reset_after)
            for name, value in zip(gate_names, cache[4:7]):        # r, z, n
                gates[name].append(value)
        hs.append(h)
        caches.append(cache)
    out = {"kind": kind, "h": np.stack(hs), "gates": {k: np.stack(v) for k, v in gates.items()},
           "caches": caches}
    if kind == "lstm":
        out["c"] = np.stack(cs)
    return out


def hidden_gradient_norms(layer, x: np.ndarray, d_outputs: np.ndarray | None = None) -> np.ndarray:
    """||dL/dh_t|| for each step t (mean over the batch of each example's L2 norm), shape (T,).

    d_outputs (T, B, H): dL/dh_t coming straight from the loss at each step (e.g. the head's
    backward). None means the loss sees only the last step, through a unit vector:
    L = u . h_T with u = 1/sqrt(H) (1, ..., 1), the cleanest view of vanishing and exploding.
    dL/dh_t is the total: what the loss sends to step t plus what flows back from step t+1.
    """
    run = unroll(layer, x)
    T, B, H = run["h"].shape
    if d_outputs is None:
        d_outputs = np.zeros((T, B, H))
        d_outputs[-1] = 1.0 / np.sqrt(H)
    d_outputs = np.asarray(d_outputs, dtype=np.float64)[..., :H]   # forward direction's part
    if d_outputs.shape != (T, B, H):
        raise ValueError(f"d_outputs must have shape ({T}, {B}, {H}), got {d_outputs.shape}")
    norms = np.empty(T)
    dh_from_next = np.zeros((B, H))
    dc_from_next = np.zeros((B, H))
    for t in reversed(range(T)):
        dh = d_outputs[t] + dh_from_next
        norms[t] = np.mean(np.linalg.norm(dh, axis=1))
        cache = run["caches"][t]
        if run["kind"] == "rnn":
            _, dh_from_next, _ = rnn_step_backward(dh, cache)
        elif run["kind"] == "lstm":
            _, dh_from_next, dc_from_next, _ = lstm_step_backward(dh, dc_from_next, cache)
        else:
            _, dh_from_next, _ = gru_step_backward(dh, cache)
    return norms


def spectral_radius(matrix: np.ndarray) -> float:
    """rho(W) = max_k |lambda_k(W)| of a square matrix."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"spectral_radius needs a square matrix, got shape {matrix.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def recurrent_spectral_radii(layer) -> dict[str, float]:
    """rho of each H x H block of layer 0's W_hh: {'h'} for RNN, {'i','f','g','o'} for LSTM,
    {'r','z','n'} for GRU (gate order as PyTorch stacks them)."""
    kind = _cell_kind(layer)
    w_hh = _first_cell(layer)["weight_hh"]
    H = w_hh.shape[1]
    names = {"rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}[kind]
    return {name: spectral_radius(w_hh[k * H:(k + 1) * H]) for k, name in enumerate(names)}


def gate_statistics(layer, x: np.ndarray, threshold: float = 0.05) -> dict[str, dict]:
    """For each gate (vanilla RNN: the hidden state h itself): per step, the mean activation and
    the fraction of units saturated, plus the overall saturated fraction.

    Sigmoid gates (i, f, o, r, z) count as saturated below threshold or above 1 - threshold;
    tanh outputs (g, n, h) beyond 1 - threshold in absolute value.
    Returns {gate: {'mean': (T,) list, 'saturated': (T,) list, 'saturated_overall': float}}."""
    if not SATURATION_THRESHOLD[0] <= threshold <= SATURATION_THRESHOLD[1]:
        raise ValueError(f"threshold must be in [{SATURATION_THRESHOLD[0]}, {SATURATION_THRESHOLD[1]}], "
                         f"got {threshold}")
    run = unroll(layer, x)
    tanh_like = {"g", "n", "h"}
    stats = {}
    for name, values in run["gates"].items():
        if name in tanh_like:
            saturated = np.abs(values) > 1.0 - threshold
        else:
            saturated = (values < threshold) | (values > 1.0 - threshold)
        stats[name] = {"mean": values.mean(axis=(1, 2)).tolist(),
                       "saturated": saturated.mean(axis=(1, 2)).tolist(),
                       "saturated_overall": float(saturated.mean())}
    return stats


def hidden_trajectory(layer, x: np.ndarray, components: int = 2) -> dict:
    """Hidden states h_1..h_T and their projection on the top principal components.

    The components are those of all T * B states (centred); the projection (T, B, k) draws each
    sequence as a path. Returns {'h': (T, B, H), 'projection': (T, B, k),
    'explained_variance_ratio': (k,)} and, for an LSTM, 'c': (T, B, H)."""
    if not 1 <= components <= MAX_COMPONENTS:
        raise ValueError(f"components must be in [1, {MAX_COMPONENTS}], got {components}")
    run = unroll(layer, x)
    h = run["h"]
    T, B, H = h.shape
    flat = h.reshape(T * B, H)
    centred = flat - flat.mean(axis=0)
    _, singular, v_t = np.linalg.svd(centred, full_matrices=False)
    k = min(components, v_t.shape[0])
    variance = singular ** 2
    total = variance.sum()
    out = {"h": h, "projection": (centred @ v_t[:k].T).reshape(T, B, k),
           "explained_variance_ratio": variance[:k] / total if total > 0 else np.zeros(k)}
    if "c" in run:
        out["c"] = run["c"]
    return out


def analyse_run(run, n_examples: int = 8) -> dict:
    """All of the above for a trainer run, on the first n_examples of its evaluation batch, with
    the gradient norms of the task's own loss. JSON-able (plain lists and floats)."""
    model, batch = run.model, run.eval_data
    n = max(1, min(n_examples, batch.inputs.shape[1]))
    targets = batch.targets[:n] if model.many_to_one else batch.targets[:, :n]   # (B, ..) or (T, B, ..)
    sub = type(batch)(batch.inputs[:, :n], targets)
    scores = model.forward(sub.inputs)
    _, d_scores = run.task.loss(scores, sub)
    d_outputs, _ = model.backward_head(d_scores)
    x = model.embed(sub.inputs)
    trajectory = hidden_trajectory(model.rnn, x)
    return {
        "cell": run.config["cell"],
        "gradient_norms": hidden_gradient_norms(model.rnn, x, d_outputs).tolist(),
        "gradient_norms_last_step": hidden_gradient_norms(model.rnn, x).tolist(),
        "spectral_radius": recurrent_spectral_radii(model.rnn),
        "gates": gate_statistics(model.rnn, x),
        "trajectory": trajectory["projection"].tolist(),
        "explained_variance_ratio": trajectory["explained_variance_ratio"].tolist(),
    }
