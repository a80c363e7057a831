"""Recurrent layers with PyTorch's interface: RNN, LSTM and GRU, stacked and bidirectional.

A layer of depth L runs L cells on top of each other; in the course's notation, layer l reads
the hidden states of layer l - 1 as its input:

    h_t^(l) = f(W_x^(l) h_t^(l-1) + W_h^(l) h_{t-1}^(l) + b^(l)),     h_t^(0) = x_t

(with the LSTM's or GRU's gates in place of f for those cells). A bidirectional layer runs a
second cell from t = T down to 1 and concatenates the two directions' hidden states at each step,
so the next layer (and the output) sees [h→_t ; h←_t], of size 2H.

Shapes (time-major, as PyTorch's default): x (T, N, D) with D = input_size; outputs
(T, N, dirs*H) with dirs = 2 if bidirectional else 1; states (L*dirs, N, H), ordered layer by
layer, forward direction first.

Parameters are named and shaped as in torch.nn: weight_ih_l{k} (G*H, in), weight_hh_l{k} (G*H, H),
bias_ih_l{k} and bias_hh_l{k} (G*H,), with a `_reverse` suffix for the backward direction and
G = 1 (RNN), 4 (LSTM, gates i, f, g, o) or 3 (GRU, gates r, z, n). A PyTorch model's
state_dict, converted to numpy arrays, loads here unchanged, and back.

backward() runs backpropagation through time over the sequence of the last forward() and returns
the gradients of all parameters; an optimiser updates the arrays of parameters() in place.
"""

from __future__ import annotations

import numpy as np

from . import limits
from .bptt import gru_backward, gru_forward, lstm_backward, lstm_forward, rnn_backward, rnn_forward
from .bptt.layout import Workspace
from .initialization import make_rng, uniform_init

CELL_PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class RecurrentLayer:
    """What RNN, LSTM and GRU share: parameters, stacking, directions, checks, state dicts.

    Subclasses set `gate_count` and `state_names` (("h",), or the LSTM's ("h", "c"): a state of
    one part is passed as one array, of two as a pair) and run one direction of one layer in
    _run_forward / _run_backward.
    """

    gate_count = 1
    state_names: tuple[str, ...] = ("h",)

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False,
                 dtype=np.float32, seed=None, rng=None):
        self.input_size = limits.check_int("input_size", input_size, 1, limits.MAX_INPUT_SIZE)
        self.hidden_size = limits.check_int("hidden_size", hidden_size, 1, limits.MAX_HIDDEN_SIZE)
        self.num_layers = limits.check_int("num_layers", num_layers, 1, limits.MAX_LAYERS)
        self.bidirectional = limits.check_bool("bidirectional", bidirectional)
        self.dtype = limits.check_dtype("dtype", dtype)
        self.num_directions = 2 if self.bidirectional else 1
        generator = make_rng(seed, rng)
        self._params: dict[str, np.ndarray] = {}
        for name, shape in self.parameter_shapes().items():
            self._params[name] = uniform_init(generator, shape, self.hidden_size, self.dtype)
        self._cache = None
        # One Workspace per (layer, direction): the kernels' scratch buffers, reused from call to
        # call (fresh multi-MB arrays cost a page fault per 4 KB; see rnncore/bptt/layout.py).
        self._workspaces: dict[int, Workspace] = {}

    # ---- parameters -------------------------------------------------------------------------

    def parameter_shapes(self) -> dict[str, tuple]:
        """Name -> shape of every parameter, in PyTorch's order."""
        G, H, dirs = self.gate_count, self.hidden_size, self.num_directions
        shapes = {}
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else dirs * H
            for direction in range(dirs):
                suffix = _suffix(layer, direction)
                shapes["weight_ih" + suffix] = (G * H, layer_input)
                shapes["weight_hh" + suffix] = (G * H, H)
                shapes["bias_ih" + suffix] = (G * H,)
                shapes["bias_hh" + suffix] = (G * H,)
        return shapes

    def parameters(self) -> dict[str, np.ndarray]:
        """Name -> the parameter array itself (live: updating it in place changes the layer)."""
        return dict(self._params)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Name -> a copy of each parameter (a snapshot; PyTorch's names and shapes)."""
        return {name: value.copy() for name, value in self._params.items()}

    def load_state_dict(self, state: dict) -> None:
        """Copy arrays (e.g. a converted PyTorch state_dict) into the parameters, in place.

        Needs exactly this layer's names and shapes and finite values; values are cast to the
        layer's dtype.
        """
        limits.load_parameters(self._params, state)

    # ---- forward and backward ---------------------------------------------------------------

    def forward(self, x, state=None):
        """Run the layer over x (T, N, input_size) from `state` (zeros if None).

        Returns (outputs (T, N, dirs*H), final_state), the final state shaped as the initial one:
        (L*dirs, N, H) for RNN and GRU, the pair (h_n, c_n) for LSTM.
        """
        x = limits.check_sequence("x", x, self.input_size, self.dtype)
        T, N, _ = x.shape
        L, dirs, H = self.num_layers, self.num_directions, self.hidden_size
        initial = self._check_state("state", state, N, allow_none=True)
        if initial is None:
            initial = tuple(np.zeros((L * dirs, N, H), self.dtype) for _ in self.state_names)
        final = tuple(np.empty((L * dirs, N, H), self.dtype) for _ in self.state_names)
        caches = []
        layer_input = x
        for layer in range(L):
            outputs = np.empty((T, N, dirs * H), self.dtype)
            for direction in range(dirs):
                k = layer * dirs + direction
                if direction == 0:
                    sequence, out = layer_input, outputs[:, :, :H]
                else:   # run on the time-reversed sequence, write outputs back in time order
                    sequence, out = layer_input[::-1], outputs[::-1, :, H:]
                start = tuple(s[k] for s in initial)
                workspace = self._workspaces.setdefault(k, Workspace())
                end, cache = self._run_forward(sequence, start, self._cell(layer, direction), out,
                                               workspace)
                for buffer, value in zip(final, end):
                    buffer[k] = value
                caches.append(cache)
            layer_input = outputs
        self._cache = (T, N, caches)
        return outputs, self._public_state(final)

    def backward(self, d_outputs=None, d_final_state=None):
        """Backpropagate through time over the last forward().

        d_outputs: dL/d outputs (T, N, dirs*H), or None when the loss sees only the final state;
        d_final_state: dL/d final_state (shaped as forward's final_state), or None.
        Returns (d_x (T, N, input_size), d_initial_state (shaped as the state), grads) with grads
        keyed by parameter name.
        """
        if self._cache is None:
            raise ValueError("backward() needs a forward() first")
        T, N, caches = self._cache
        L, dirs, H = self.num_layers, self.num_directions, self.hidden_size
        if d_outputs is not None:
            limits.check_array("d_outputs", d_outputs, (T, N, dirs * H), self.dtype)
        d_final = self._check_state("d_final_state", d_final_state, N, allow_none=True)
        d_initial = tuple(np.empty((L * dirs, N, H), self.dtype) for _ in self.state_names)
        grads = {}
        d_above = d_outputs
        for layer in reversed(range(L)):
            d_below = None
            for direction in range(dirs):
                k = layer * dirs + direction
                if d_above is None:
                    d_out = None
                elif direction == 0:
                    d_out = d_above[:, :, :H]
                else:
                    d_out = d_above[::-1, :, H:]
                d_end = None if d_final is None else tuple(s[k] for s in d_final)
                dx, d_start, cell_grads = self._run_backward(d_out, d_end, caches[k])
                if direction == 1:
                    dx = dx[::-1]
                d_below = dx if d_below is None else d_below + dx
                for buffer, value in zip(d_initial, d_start):
                    buffer[k] = value
                suffix = _suffix(layer, direction)
                for name, value in cell_grads.items():
                    grads[name + suffix] = value
            d_above = d_below
        grads = {name: grads[name] for name in self._params}
        return np.ascontiguousarray(d_above), self._public_state(d_initial), grads

    def initial_state(self, batch_size):
        """The all-zero state for a batch, shaped as forward() takes it."""
        batch_size = limits.check_int("batch_size", batch_size, 1, limits.MAX_BATCH)
        shape = (self.num_layers * self.num_directions, batch_size, self.hidden_size)
        return self._public_state(tuple(np.zeros(shape, self.dtype) for _ in self.state_names))

    # ---- helpers ----------------------------------------------------------------------------

    def config(self) -> dict:
        """The constructor arguments that rebuild this layer's shape (not its values)."""
        return {"input_size": self.input_size, "hidden_size": self.hidden_size,
                "num_layers": self.num_layers, "bidirectional": self.bidirectional,
                "dtype": self.dtype.name}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"

    def _cell(self, layer, direction):
        suffix = _suffix(layer, direction)
        return {name: self._params[name + suffix] for name in CELL_PARAMETERS}

    def _public_state(self, state: tuple):
        """The tuple of state parts as the caller sees it: one array, or the LSTM's pair."""
        return state if len(self.state_names) > 1 else state[0]

    def _check_state(self, name, state, batch, allow_none=False):
        """Check a state (h, or (h, c) for LSTM) and return it as a tuple of arrays."""
        if state is None and allow_none:
            return None
        shape = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if len(self.state_names) == 1:
            return (limits.check_array(name, state, shape, self.dtype),)
        if not isinstance(state, (tuple, list)) or len(state) != len(self.state_names):
            raise ValueError(f"{name} must be a pair ({', '.join(self.state_names)}) of arrays "
                             f"for an {type(self).__name__}, got {type(state).__name__}")
        return tuple(limits.check_array(f"{name}[{k}] ({part})", value, shape, self.dtype)
                     for k, (part, value) in enumerate(zip(self.state_names, state)))

    def _run_forward(self, x, start, cell, out, workspace):
        raise NotImplementedError

    def _run_backward(self, d_out, d_end, cache):
        raise NotImplementedError


class RNN(RecurrentLayer):
    """Vanilla (Elman) RNN layer, h_t = f(W_x x_t + W_h h_{t-1} + b), f = tanh or ReLU.

    RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh", bidirectional=False,
        dtype=np.float32, seed=None, rng=None), as torch.nn.RNN (W_x = weight_ih_l{k},
    W_h = weight_hh_l{k}, b = bias_ih_l{k} + bias_hh_l{k}). Cell in rnncore.cells.rnn.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh",
                 bidirectional=False, dtype=np.float32, seed=None, rng=None):
        self.nonlinearity = limits.check_choice("nonlinearity", nonlinearity, limits.NONLINEARITIES)
        super().__init__(input_size, hidden_size, num_layers, bidirectional, dtype, seed, rng)

    def config(self):
        return {**super().config(), "nonlinearity": self.nonlinearity}

    def _run_forward(self, x, start, cell, out, workspace):
        _, h_end, cache = rnn_forward(x, start[0], **cell, nonlinearity=self.nonlinearity, out=out,
                                      workspace=workspace, check=False)
        return (h_end,), cache

    def _run_backward(self, d_out, d_end, cache):
        dx, dh0, grads = rnn_backward(d_out, None if d_end is None else d_end[0], cache,
                                      check=False)
        return dx, (dh0,), grads


class LSTM(RecurrentLayer):
    """LSTM layer (gates i, f, g, o as torch.nn.LSTM; equations in rnncore.cells.lstm).

    LSTM(input_size, hidden_size, num_layers=1, bidirectional=False, dtype=np.float32, seed=None,
    rng=None). The state is the pair (h, c), each (L*dirs, N, H); forward returns (h_n, c_n).
    """

    gate_count = 4
    state_names = ("h", "c")

    def _run_forward(self, x, start, cell, out, workspace):
        _, h_end, c_end, cache = lstm_forward(x, start[0], start[1], **cell, out=out,
                                              workspace=workspace, check=False)
        return (h_end, c_end), cache

    def _run_backward(self, d_out, d_end, cache):
        dh_end, dc_end = (None, None) if d_end is None else d_end
        dx, dh0, dc0, grads = lstm_backward(d_out, dh_end, dc_end, cache, check=False)
        return dx, (dh0, dc0), grads


class GRU(RecurrentLayer):
    """GRU layer (gates r, z, n as torch.nn.GRU; equations in rnncore.cells.gru).

    GRU(input_size, hidden_size, num_layers=1, bidirectional=False, reset_after=True,
    dtype=np.float32, seed=None, rng=None). reset_after=True is PyTorch's form,
    n_t = tanh(W_xn x_t + b_xn + r_t ⊙ (W_hn h_{t-1} + b_hn)); reset_after=False the textbook one,
    n_t = tanh(W_xn x_t + b_xn + W_hn (r_t ⊙ h_{t-1}) + b_hn) (same parameter names and shapes).
    """

    gate_count = 3

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False,
                 reset_after=True, dtype=np.float32, seed=None, rng=None):
        self.reset_after = limits.check_bool("reset_after", reset_after)
        super().__init__(input_size, hidden_size, num_layers, bidirectional, dtype, seed, rng)

    def config(self):
        return {**super().config(), "reset_after": self.reset_after}

    def _run_forward(self, x, start, cell, out, workspace):
        _, h_end, cache = gru_forward(x, start[0], **cell, reset_after=self.reset_after, out=out,
                                      workspace=workspace, check=False)
        return (h_end,), cache

    def _run_backward(self, d_out, d_end, cache):
        dx, dh0, grads = gru_backward(d_out, None if d_end is None else d_end[0], cache,
                                      check=False)
        return dx, (dh0,), grads


def _suffix(layer, direction):
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")

