"""Looking inside a recurrent layer: gradient flow, W_hh's spectrum, gates, hidden trajectories.

Everything here unrolls the layer (every layer and direction up to the one looked at) one step
at a time with the cell functions of rnncore.cells (in float64), so each number is the course's
equation at one step. Gates, trajectories and spectra default to layer 0's forward direction
(``layer_index`` picks another layer); gradient norms default to the top layer, the one whose
outputs the loss sees, and ``layer_gradient_norms`` gives every layer's:

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

Shapes: x (T, N, D) inputs of layer 0 (embedded already, if the model embeds tokens).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from . import limits, training_limits
from .cells import (gru_step_backward, gru_step_forward, lstm_step_backward, lstm_step_forward,
                    rnn_step_backward, rnn_step_forward)
from .layers import GRU, LSTM, RNN


class CellKind(NamedTuple):
    """How to step one kind of cell. forward(layer, x_t, h, c, cell) -> (h, c, cache) and
    backward(dh, dc, cache) -> (dx, dh_prev, dc_prev), with c None for cells without a cell
    state; gates: the fields of the step cache holding the gate activations, in the order
    PyTorch stacks them in W_hh (the vanilla RNN's "gate" is its new state h)."""

    layer_class: type
    forward: Callable
    backward: Callable
    gates: tuple[str, ...]


def _rnn_forward(layer, x, h, c, cell):
    h, cache = rnn_step_forward(x, h, **cell, nonlinearity=layer.nonlinearity)
    return h, None, cache


def _rnn_backward(dh, dc, cache):
    dx, dh_prev, _ = rnn_step_backward(dh, cache)
    return dx, dh_prev, None


def _lstm_forward(layer, x, h, c, cell):
    return lstm_step_forward(x, h, c, **cell)


def _lstm_backward(dh, dc, cache):
    dx, dh_prev, dc_prev, _ = lstm_step_backward(dh, dc, cache)
    return dx, dh_prev, dc_prev


def _gru_forward(layer, x, h, c, cell):
    h, cache = gru_step_forward(x, h, **cell, reset_after=layer.reset_after)
    return h, None, cache


def _gru_backward(dh, dc, cache):
    dx, dh_prev, _ = gru_step_backward(dh, cache)
    return dx, dh_prev, None


CELL_KINDS = {
    "rnn": CellKind(RNN, _rnn_forward, _rnn_backward, ("h",)),
    "lstm": CellKind(LSTM, _lstm_forward, _lstm_backward, ("i", "f", "g", "o")),
    "gru": CellKind(GRU, _gru_forward, _gru_backward, ("r", "z", "n")),
}


def _cell_kind(layer) -> str:
    for kind, spec in CELL_KINDS.items():
        if isinstance(layer, spec.layer_class):
            return kind
    raise ValueError(f"layer must be an rnncore RNN, LSTM or GRU, got {type(layer).__name__}")


def _check_layer_index(layer, layer_index) -> int:
    return limits.check_int("layer_index", layer_index, 0, layer.num_layers - 1)


def _cell(layer, index: int = 0, suffix: str = "") -> dict[str, np.ndarray]:
    """One layer and direction's weight_ih, weight_hh, bias_ih, bias_hh in float64."""
    params = layer.parameters()
    return {name: params[f"{name}_l{index}{suffix}"].astype(np.float64)
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def _real_array(name: str, value, shape_text: str) -> np.ndarray:
    """value as a finite float64 array (integers are fine), else ValueError naming it."""
    return limits.check_floating_array(name, value, dtype=np.float64, allow_int=True,
                                       allow_empty=True,
                                       expected=f"a real-valued array of shape {shape_text}")


def _check_x(layer, x) -> np.ndarray:
    """x (T, N, input_size): a finite real-valued array, within limits.MAX_UNROLL_CELLS."""
    D = layer.input_size
    array = _real_array("x", x, "(T, N, input_size)")
    if array.ndim != 3 or array.shape[2] != D or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"x must have shape (T, N, {D}) with T, N >= 1, got {array.shape}")
    T, N, _ = array.shape
    cells = T * N * layer.hidden_size * layer.num_layers * layer.num_directions
    if cells > limits.MAX_UNROLL_CELLS:
        raise ValueError(f"x is too large to unroll: T * N * hidden_size * num_layers * "
                         f"directions must be at most {limits.MAX_UNROLL_CELLS}, got {cells}")
    return array


def _run_direction(layer, kind: str, cell: dict, x: np.ndarray, reverse: bool) -> dict:
    """One direction of one layer over x (T, N, D) from a zero state, step by step."""
    T, N, _ = x.shape
    H = cell["weight_hh"].shape[1]
    spec = CELL_KINDS[kind]
    h, c = np.zeros((N, H)), np.zeros((N, H))
    hs, cs, caches = [None] * T, [None] * T, [None] * T
    gates = {name: [None] * T for name in spec.gates}
    for t in (reversed(range(T)) if reverse else range(T)):
        h, c, cache = spec.forward(layer, x[t], h, c, cell)
        for name in spec.gates:
            gates[name][t] = getattr(cache, name)
        hs[t], cs[t], caches[t] = h, c, cache
    out = {"kind": kind, "h": np.stack(hs), "gates": {k: np.stack(v) for k, v in gates.items()},
           "caches": caches, "reverse": reverse}
    if c is not None:
        out["c"] = np.stack(cs)
    return out


def _unroll_layers(layer, x: np.ndarray, up_to: int) -> list[list[dict]]:
    """Layers 0..up_to, each as [forward direction, (reverse direction)]; layer k reads layer
    k-1's outputs (both directions concatenated), as the layer itself does."""
    kind = _cell_kind(layer)
    runs = []
    inputs = x
    for index in range(up_to + 1):
        directions = [_run_direction(layer, kind, _cell(layer, index), inputs, reverse=False)]
        if layer.bidirectional:
            directions.append(_run_direction(layer, kind, _cell(layer, index, "_reverse"),
                                             inputs, reverse=True))
        runs.append(directions)
        inputs = np.concatenate([d["h"] for d in directions], axis=2)
    return runs


def unroll(layer, x: np.ndarray, layer_index: int = 0) -> dict:
    """Run the forward direction of layer `layer_index` over x (T, N, D), the inputs of layer 0,
    from a zero state, step by step (the layers below run first to give its inputs).

    Returns {'kind', 'h': (T, N, H), 'c': (T, N, H) for LSTM, 'gates': {name: (T, N, H)},
    'caches': one cache per step for the backward pass}."""
    _cell_kind(layer)
    layer_index = _check_layer_index(layer, layer_index)
    return _unroll_layers(layer, _check_x(layer, x), layer_index)[layer_index][0]


def _backward_direction(run: dict, d_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BPTT through one direction given dL/dh_t from above (T, N, H): returns (dL/dx (T, N, D),
    the total dL/dh_t's norm per step (T,), mean over the batch of each example's L2 norm)."""
    T = d_h.shape[0]
    norms = np.empty(T)
    d_x = None
    backward = CELL_KINDS[run["kind"]].backward
    dh_from_next = np.zeros_like(d_h[0])
    dc_from_next = np.zeros_like(d_h[0]) if "c" in run else None
    order = range(T) if run["reverse"] else reversed(range(T))
    for t in order:
        dh = d_h[t] + dh_from_next
        norms[t] = np.mean(np.linalg.norm(dh, axis=1))
        dx, dh_from_next, dc_from_next = backward(dh, dc_from_next, run["caches"][t])
        if d_x is None:
            d_x = np.zeros((T,) + dx.shape)
        d_x[t] = dx
    return d_x, norms


def layer_gradient_norms(layer, x: np.ndarray, d_outputs: np.ndarray | None = None) -> np.ndarray:
    """||dL/dh_t|| of every layer's forward direction, shape (num_layers, T).

    d_outputs (T, N, H * directions): dL/d outputs of the top layer (e.g. the head's
    backward); None means L = u . h_T of the top layer's forward direction, u = 1/sqrt(H) (1..1).
    The gradient is propagated through the top layer first (both directions), and what reaches
    its inputs is dL/d outputs of the layer below, and so on down to layer 0."""
    _cell_kind(layer)
    x = _check_x(layer, x)
    T, N, _ = x.shape
    H, dirs = layer.hidden_size, layer.num_directions
    if d_outputs is None:
        d_outputs = np.zeros((T, N, H * dirs))
        d_outputs[-1, :, :H] = 1.0 / np.sqrt(H)
    d_outputs = _real_array("d_outputs", d_outputs, f"({T}, {N}, {H * dirs})")
    if d_outputs.shape != (T, N, H * dirs):
        raise ValueError(f"d_outputs must be a real-valued array of shape ({T}, {N}, {H * dirs}), "
                         f"got {d_outputs.shape}")
    runs = _unroll_layers(layer, x, layer.num_layers - 1)
    norms = np.empty((layer.num_layers, T))
    d_above = d_outputs
    for index in reversed(range(layer.num_layers)):
        d_below = 0.0
        for direction, run in enumerate(runs[index]):
            d_x, direction_norms = _backward_direction(run, d_above[..., direction * H:
                                                                   (direction + 1) * H])
            d_below = d_below + d_x
            if direction == 0:
                norms[index] = direction_norms
        d_above = d_below
    return norms


def hidden_gradient_norms(layer, x: np.ndarray, d_outputs: np.ndarray | None = None,
                          layer_index: int | None = None) -> np.ndarray:
    """||dL/dh_t|| for each step t (mean over the batch of each example's L2 norm), shape (T,),
    for the forward direction of layer `layer_index` (default: the top layer, whose outputs
    d_outputs are the gradient of).

    d_outputs (T, N, H * directions): dL/d outputs of the top layer, coming straight from the
    loss at each step (e.g. the head's backward). None means the loss sees only the top layer's
    last step, through a unit vector: L = u . h_T with u = 1/sqrt(H) (1, ..., 1), the cleanest
    view of vanishing and exploding. dL/dh_t is the total: what reaches step t from above (the
    loss, or the layer above) plus what flows back from step t+1.
    """
    _cell_kind(layer)
    index = layer.num_layers - 1 if layer_index is None else _check_layer_index(layer,
                                                                                layer_index)
    return layer_gradient_norms(layer, x, d_outputs)[index]


def spectral_radius(matrix: np.ndarray) -> float:
    """rho(W) = max_k |lambda_k(W)| of a square matrix."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"spectral_radius needs a square matrix, got shape {matrix.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def recurrent_spectral_radii(layer, layer_index: int = 0) -> dict[str, float]:
    """rho of each H x H block of W_hh (layer `layer_index`, forward direction): {'h'} for RNN,
    {'i','f','g','o'} for LSTM, {'r','z','n'} for GRU (gate order as PyTorch stacks them)."""
    kind = _cell_kind(layer)
    w_hh = _cell(layer, _check_layer_index(layer, layer_index))["weight_hh"]
    H = w_hh.shape[1]
    gates = CELL_KINDS[kind].gates
    return {name: spectral_radius(w_hh[k * H:(k + 1) * H]) for k, name in enumerate(gates)}


def gate_statistics(layer, x: np.ndarray, threshold: float = 0.05,
                    layer_index: int = 0) -> dict[str, dict]:
    """For each gate (vanilla RNN: the hidden state h itself): per step, the mean activation and
    the fraction of units saturated, plus the overall saturated fraction.

    Sigmoid gates (i, f, o, r, z) count as saturated below threshold or above 1 - threshold;
    tanh outputs (g, n, h) beyond 1 - threshold in absolute value.
    Returns {gate: {'mean': (T,) list, 'saturated': (T,) list, 'saturated_overall': float}}."""
    threshold = limits.check_real("threshold", threshold,
                                  *training_limits.SATURATION_THRESHOLD)
    run = unroll(layer, x, layer_index)
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


def hidden_trajectory(layer, x: np.ndarray, components: int = 2, layer_index: int = 0) -> dict:
    """Hidden states h_1..h_T and their projection on the top principal components.

    The components are those of all T * N states (centred); the projection (T, N, k) draws each
    sequence as a path. Returns {'h': (T, N, H), 'projection': (T, N, k),
    'explained_variance_ratio': (k,)} and, for an LSTM, 'c': (T, N, H)."""
    components = limits.check_int("components", components, 1, limits.MAX_COMPONENTS)
    run = unroll(layer, x, layer_index)
    h = run["h"]
    T, N, H = h.shape
    flat = h.reshape(T * N, H)
    centred = flat - flat.mean(axis=0)
    _, singular, v_t = np.linalg.svd(centred, full_matrices=False)
    k = min(components, v_t.shape[0])
    variance = singular ** 2
    total = variance.sum()
    out = {"h": h, "projection": (centred @ v_t[:k].T).reshape(T, N, k),
           "explained_variance_ratio": variance[:k] / total if total > 0 else np.zeros(k)}
    if "c" in run:
        out["c"] = run["c"]
    return out



def analyse_run(run, n_examples: int = 8) -> dict:
    """The lab's one way in: everything above for a trainer run, in one JSON-able dict, so the
    lab never unrolls a model itself. On the first n_examples (1..limits.MAX_EXAMPLES) of the
    run's evaluation batch, with the gradient norms of the task's own loss:

        'cell', 'gradient_norms' (T,) top layer (which the head's gradient reaches directly),
        'gradient_norms_by_layer' (L, T) bottom first, 'gradient_norms_last_step' (T,) for a
        loss at the last step only, 'spectral_radius' {gate: rho}, 'gates' (gate_statistics),
        'trajectory' (T, n, k) and 'explained_variance_ratio' (k,).

    Gates, trajectory and spectral radius are layer 0's."""
    n_examples = limits.check_int("n_examples", n_examples, 1, limits.MAX_EXAMPLES)
    model, batch = run.model, run.eval_data
    n = min(n_examples, batch.inputs.shape[1])
    if model.many_to_one:
        targets = batch.targets[:n]                                   # (N, ..)
    else:
        targets = batch.targets[:, :n]                                # (T, N, ..)
    sub = type(batch)(batch.inputs[:, :n], targets)
    scores = model.forward(sub.inputs)
    _, d_scores = run.task.loss(scores, sub)
    d_outputs, _ = model.backward_head(d_scores)
    x = model.embed(sub.inputs)
    by_layer = layer_gradient_norms(model.rnn, x, d_outputs)
    trajectory = hidden_trajectory(model.rnn, x)
    return {
        "cell": run.config["cell"],
        "gradient_norms": by_layer[-1].tolist(),
        "gradient_norms_by_layer": by_layer.tolist(),
        "gradient_norms_last_step": hidden_gradient_norms(model.rnn, x).tolist(),
        "spectral_radius": recurrent_spectral_radii(model.rnn),
        "gates": gate_statistics(model.rnn, x),
        "trajectory": trajectory["projection"].tolist(),
        "explained_variance_ratio": trajectory["explained_variance_ratio"].tolist(),
    }
