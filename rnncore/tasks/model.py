"""The model every task trains: [embedding ->] recurrent layer(s) -> Linear head.

    x_t = E[token_t]               (only with an embedding table E (V, D))
    h_t = cell(x_t, h_{t-1})       rnncore's RNN, LSTM or GRU layer (PyTorch conventions)
    s_t = W_y h_t + b_y            the scores, from the Linear head at every step (many-to-many)
    s   = W_y h_T + b_y            or once, from the last hidden state (many-to-one)

forward returns the scores; the task's loss turns them into the prediction ŷ (softmax for
classification, the scores themselves for regression) and compares it with the target y.

For a bidirectional many-to-one model the summary is [h_T forward ; h_1 backward]: each
direction's state after it has read the whole sequence.

Parameter names are prefixed by part: ``rnn.weight_ih_l0``, ``head.weight``, ``embedding.weight``.
"""

from __future__ import annotations

import numpy as np

from ..heads import Linear
from ..limits import load_parameters
from ..layers import GRU, LSTM, RNN

LAYERS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


class SequenceModel:
    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int, *,
                 num_layers: int = 1, bidirectional: bool = False, many_to_one: bool = False,
                 dtype="float32", seed: int = 0, embedding: np.ndarray | None = None,
                 train_embedding: bool = True, forget_bias: float = 0.0):
        self.dtype = np.dtype(dtype)
        self.cell = cell
        self.many_to_one = many_to_one
        self.bidirectional = bidirectional
        self.hidden_size = hidden_size
        rnn_seed, head_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
        self.rnn = LAYERS[cell](input_size, hidden_size, num_layers=num_layers,
                                bidirectional=bidirectional, dtype=self.dtype, seed=rnn_seed)
        if cell == "lstm" and forget_bias:
            # b_f += forget_bias: f = sigma(... + b_f) starts near 1, so c_t keeps c_{t-1} and the
            # gradient along the cell state does not vanish at first (Gers et al., 2000)
            for name, bias in self.rnn.parameters().items():
                if name.startswith("bias_ih"):
                    bias[hidden_size:2 * hidden_size] += forget_bias
        directions = 2 if bidirectional else 1
        self.head = Linear(hidden_size * directions, output_size, dtype=self.dtype, seed=head_seed)
        self.embedding = None if embedding is None else np.array(embedding, dtype=self.dtype)
        self.train_embedding = train_embedding and embedding is not None
        self._cache = None

    # --- parameters --------------------------------------------------------------------
    def parameters(self) -> dict[str, np.ndarray]:
        """name -> live array (the optimiser updates these in place)."""
        params = {f"rnn.{k}": v for k, v in self.rnn.parameters().items()}
        params.update({f"head.{k}": v for k, v in self.head.parameters().items()})
        if self.train_embedding:
            params["embedding.weight"] = self.embedding
        return params

    def state_dict(self) -> dict[str, np.ndarray]:
        state = {k: v.copy() for k, v in self.parameters().items()}
        if self.embedding is not None:
            state["embedding.weight"] = self.embedding.copy()
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy saved values into the live arrays (a frozen embedding too), as the layers do
        (rnncore.limits.load_parameters): the same names, each finite numbers of the parameter's
        shape; ValueError otherwise, before anything is copied."""
        targets = self.parameters()
        if self.embedding is not None:
            targets["embedding.weight"] = self.embedding
        load_parameters(targets, state)

    # --- forward and backward ----------------------------------------------------------
    def embed(self, inputs: np.ndarray) -> np.ndarray:
        return inputs if self.embedding is None else self.embedding[inputs]

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        """inputs (T, N, D) floats, or (T, N) token ids with an embedding.
        Returns the scores (T, N, Q), or (N, Q) when many-to-one."""
        x = self.embed(inputs)
        outputs, _ = self.rnn.forward(x)                         # (T, B, H * directions)
        T, B, D = outputs.shape
        if self.many_to_one:
            summary = self._summary(outputs)                     # (B, D)
            scores = self.head.forward(summary)
        else:
            scores = self.head.forward(outputs)                  # (T, B, O)
        self._cache = (inputs, outputs.shape)
        return scores

    def _summary(self, outputs):
        H = self.hidden_size
        if not self.bidirectional:
            return outputs[-1]
        return np.concatenate([outputs[-1, :, :H], outputs[0, :, H:]], axis=1)

    def backward_head(self, d_scores: np.ndarray):
        """Through the head only: d_scores -> (dL/d outputs (T, N, H * directions), head grads)."""
        inputs, (T, B, D) = self._cache
        H = self.hidden_size
        d_scores = d_scores.astype(self.dtype, copy=False)
        if not self.many_to_one:
            return self.head.backward(d_scores)
        d_summary, head_grads = self.head.backward(d_scores)
        d_outputs = np.zeros((T, B, D), dtype=self.dtype)      # only the summary steps get gradient
        d_outputs[-1, :, :H] = d_summary[:, :H]
        if self.bidirectional:
            d_outputs[0, :, H:] = d_summary[:, H:]
        return d_outputs, head_grads

    def backward(self, d_scores: np.ndarray) -> dict[str, np.ndarray]:
        """d_scores shaped like forward's output. Returns grads keyed like parameters()."""
        inputs = self._cache[0]
        d_outputs, head_grads = self.backward_head(d_scores)
        d_x, _, rnn_grads = self.rnn.backward(d_outputs)
        grads = {f"rnn.{k}": v for k, v in rnn_grads.items()}
        grads.update({f"head.{k}": v for k, v in head_grads.items()})
        if self.train_embedding:
            d_embedding = np.zeros_like(self.embedding)
            np.add.at(d_embedding, inputs, d_x)                  # scatter-add rows of d_x
            grads["embedding.weight"] = d_embedding
        return grads
