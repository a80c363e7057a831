"""Bidirectional and stacked RNNs: x_1..x_T through an RNN of L layers and 1 or 2 directions.

rnncore's RNN layer (float64, tanh, num_layers=L, bidirectional when dirs = 2) runs the whole
sequence from zero states with weights drawn from the seed (bias_ih = b, bias_hh = 0: the course
writes one bias). Layer l >= 2 reads the dirs*H states of the layer below at each step. The
layer returns only the top layer's outputs, so the states of layer l are the outputs of the same
weights stacked l deep: every number shown is one rnncore computed. The page shows the states of
every layer and direction over time, the output [h→_t ; h←_t] at each step, what h_n holds (and
why output[-1] is not h_n for a bidirectional RNN), and the parameters per layer.
"""

from __future__ import annotations

import numpy as np

from rnncore import RNN

from . import bounds
from .display import matrix, symbol
from .errors import InputError
from .figures import states_heatmap

DEFAULTS = {
    "directions": 2, "layers": 2, "T": 5, "D": 1, "H": 2, "seed": 3,
    # a pulse at each end: the forward chain carries the first, the backward chain the last
    "X": [[1.0], [0.0], [0.0], [0.0], [-1.0]],
}
ARROWS = ("→", "←")
DIRECTION_NAMES = ("forward", "backward")


def _make(uniform) -> dict[str, np.ndarray]:
    """Every entry at the largest sizes: X (steps, D) and, per (layer, direction), W_x (H, the
    widest input), W_h (H, H) and b (H)."""
    D = H = bounds.draw_sizes(bounds.STACK_INPUT_SIZE, bounds.STACK_HIDDEN_SIZE)
    T = bounds.draw_sizes(bounds.STACK_LENGTH, steps=True)
    L, dirs = int(bounds.STACK_LAYERS.max), int(bounds.STACK_DIRECTIONS.max)
    return {"X": uniform(T, D), "W_x": uniform(L, dirs, H, max(D, dirs * H), scale=0.8),
            "W_h": uniform(L, dirs, H, H, scale=0.6), "b": uniform(L, dirs, H, scale=0.2)}


draw = bounds.seeded(_make)


def _suffix(layer: int, direction: int) -> str:
    """PyTorch's parameter suffix: _l0, _l0_reverse, ..."""
    return f"_l{layer}" + ("_reverse" if direction else "")


def _layer(*, D: int, H: int, layers: int, dirs: int, seed: int) -> RNN:
    """The RNN of `layers` layers with the seed's weights (each layer's a corner of the draw)."""
    drawn = draw(seed)
    net = RNN(D, H, num_layers=layers, bidirectional=dirs == 2, dtype=np.float64, seed=0)
    state = {}
    for name, shape in net.parameter_shapes().items():
        layer, direction = int(name.split("_l")[1][0]), int(name.endswith("_reverse"))
        if name.startswith("bias_hh"):
            state[name] = np.zeros(shape)
            continue
        source = {"weight_ih": "W_x", "weight_hh": "W_h", "bias_ih": "b"}[name.split("_l")[0]]
        state[name] = drawn[source][layer, direction][tuple(slice(0, n) for n in shape)]
    net.load_state_dict(state)
    return net


def compute(*, directions: int, layers: int, T: int, D: int, H: int, seed: int,
            X: np.ndarray) -> dict:
    """The states of every layer and direction, the top layer's outputs, h_n and the parameter
    counts of an L-layer, dirs-direction tanh RNN over X (T, D) from zero states."""
    dirs, L = directions, layers
    try:
        # layer l's states: the outputs of the same weights stacked l deep (rnncore's own)
        nets = [_layer(D=D, H=H, layers=depth, dirs=dirs, seed=seed) for depth in range(1, L + 1)]
        runs = [net.forward(X[:, None, :]) for net in nets]
    except ValueError as error:
        raise InputError(None, str(error)) from error
    net = nets[-1]
    per_layer = [outputs[:, 0, :] for outputs, _ in runs]        # L x (T, dirs*H)
    outputs, h_n = per_layer[-1], runs[-1][1][:, 0, :]            # (T, dirs*H), (L*dirs, H)
    return {
        "dirs": dirs, "L": L, "H": H, "T": T,
        "equations": _equations(dirs, L),
        "layers": [_layer_rows(l, states, dirs, H) for l, states in enumerate(per_layer)],
        "outputs": [{"t": t + 1, "key": f"out_{t + 1}", "value": outputs[t],
                     "index": f"output[{t}]" if t < T - 1 else f"output[{t}] = output[-1]"}
                    for t in range(T)],
        "h_n": _final_rows(h_n, dirs, L, T),
        "last": _last(outputs, h_n, dirs, H, T),
        "parameters": _parameters(net, dirs, L, H, D),
        "weights": [{"name": name, "shape": " × ".join(map(str, value.shape)),
                     "value": value, "math": matrix(value)}
                    for name, value in net.state_dict().items() if not name.startswith("bias_hh")],
        "figures": {"bi_states": _heatmap(per_layer, dirs, H)},
    }


def _equations(dirs: int, L: int) -> list:
    forward = (r"\overrightarrow{h}_t^{(l)} = \tanh\big(W_x^{(l)} h_t^{(l-1)} + "
               r"W_h^{(l)} \overrightarrow{h}_{t-1}^{(l)} + b^{(l)}\big), \quad "
               r"\overrightarrow{h}_0^{(l)} = 0")
    lines = [forward]
    if dirs == 2:
        lines.append(r"\overleftarrow{h}_t^{(l)} = \tanh\big(\overleftarrow{W}_x^{(l)} "
                     r"h_t^{(l-1)} + \overleftarrow{W}_h^{(l)} \overleftarrow{h}_{t+1}^{(l)} + "
                     r"\overleftarrow{b}^{(l)}\big), \quad \overleftarrow{h}_{T+1}^{(l)} = 0")
        below = r"h_t^{(l)} = [\overrightarrow{h}_t^{(l)} ; \overleftarrow{h}_t^{(l)}]"
    else:
        below = r"h_t^{(l)} = \overrightarrow{h}_t^{(l)}"
    lines.append(below + r", \quad h_t^{(0)} = x_t" + (rf", \quad l = 1, \dots, {L}"
                                                        if L > 1 else ""))
    return [symbol(line, display=True) for line in lines]


def _layer_rows(l: int, states: np.ndarray, dirs: int, H: int) -> dict:
    """One layer's states at each step, split by direction."""
    T = states.shape[0]
    return {"l": l + 1, "rows": [{"t": t + 1, "directions": [
        {"key": f"h{l + 1}{'fb'[d]}_{t + 1}", "value": states[t, d * H:(d + 1) * H]}
        for d in range(dirs)]} for t in range(T)],
        "symbols": [symbol(rf"\{'overrightarrow' if d == 0 else 'overleftarrow'}{{h}}_t^{{({l + 1})}}")
                    for d in range(dirs)]}


def _final_rows(h_n: np.ndarray, dirs: int, L: int, T: int) -> list[dict]:
    """h_n's L*dirs rows: layer by layer, forward first; a forward chain ends at t = T, a
    backward one at t = 1."""
    rows = []
    for k in range(L * dirs):
        layer, direction = divmod(k, dirs)
        end = T if direction == 0 else 1
        arrow = "overrightarrow" if direction == 0 else "overleftarrow"
        rows.append({"k": k, "negative": k - L * dirs, "layer": layer + 1,
                     "direction": DIRECTION_NAMES[direction], "key": f"hn_{k}", "value": h_n[k],
                     "is": symbol(rf"\{arrow}{{h}}_{{{end}}}^{{({layer + 1})}}")})
    return rows


def _last(outputs: np.ndarray, h_n: np.ndarray, dirs: int, H: int, T: int) -> dict:
    """output[-1] beside the summary of h_n (its top layer's rows), and where they agree."""
    summary = np.concatenate(list(h_n[-dirs:]))
    last = outputs[-1]
    return {"output": last, "summary": summary, "math_output": matrix(last),
            "math_summary": matrix(summary),
            "forward_equal": bool(np.array_equal(last[:H], summary[:H])),
            "backward_equal": dirs == 1 or bool(np.array_equal(last[H:], summary[H:])),
            "summary_symbol": symbol(rf"[\overrightarrow{{h}}_{{{T}}} ; \overleftarrow{{h}}_1]"
                                     if dirs == 2 else rf"h_{{{T}}}"),
            "output_symbol": symbol(rf"[\overrightarrow{{h}}_{{{T}}} ; \overleftarrow{{h}}_{{{T}}}]"
                                    if dirs == 2 else rf"h_{{{T}}}")}


def _parameters(net: RNN, dirs: int, L: int, H: int, D: int) -> dict:
    """Per layer: its input size and parameter count, counted from the layer's own shapes."""
    shapes = net.parameter_shapes()
    rows = []
    for l in range(L):
        names = [name for name in shapes if name.endswith(_suffix(l, 0))
                 or name.endswith(_suffix(l, 1))]
        count = sum(int(np.prod(shapes[name])) for name in names)
        width = shapes[f"weight_ih{_suffix(l, 0)}"][1]
        rows.append({"l": l + 1, "input": width, "key": f"params_{l + 1}",
                     "input_note": "D" if l == 0 else f"{dirs}H" if dirs == 2 else "H",
                     "per_direction": count // dirs, "count": count})
    total = sum(int(value.size) for value in net.parameters().values())
    return {"rows": rows, "total": total,
            "formula": symbol(r"\text{dirs} \times (H \cdot \text{in} + H^2 + 2H)")}


def _heatmap(per_layer: list[np.ndarray], dirs: int, H: int) -> dict:
    """Every layer's states in one grid, the top layer at the top (as the network is drawn)."""
    columns, labels = [], []
    for l in reversed(range(len(per_layer))):
        for d in range(dirs):
            for j in range(H):
                columns.append(per_layer[l][:, d * H + j])
                labels.append(f"layer {l + 1} {ARROWS[d]} {j + 1}")
    return states_heatmap(np.stack(columns, axis=1), labels, limit=1.0, margin_left=96,
                          title="Every layer's states over time (blue > 0, red < 0)")
