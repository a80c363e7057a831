"""The copy (memory) task: read a few symbols, wait, then write them back.

    input:   u_1 .. u_K   _ _ ... _ GO   _ ... _          (one-hot; _ blank, GO the recall cue)
    target:  -    ...     -  ...  -      u_1 .. u_K       (scored only in the recall phase)
    lengths: K symbols, `delay` steps of waiting (the last of them is GO), K recall steps

Each symbol must survive delay + K steps. Without memory the best is a guess: accuracy 1/A and
loss log A for A symbols. Gated cells (LSTM, GRU) learn it for long delays; a vanilla RNN's
reach is short. Loss: softmax cross-entropy over the recall steps.
"""

from __future__ import annotations

import numpy as np

from .base import IGNORE, Batch, Param, SymbolTask, model_options, one_hot, training_params
from .model import SequenceModel


class CopyTask(SymbolTask):
    name = "copy"
    title = "Copy / memory task"
    claim = ("Gated cells hold symbols over a delay and write them back; a vanilla RNN forgets "
             "them as the delay grows and falls back to guessing.")
    params = {
        **training_params(cell="gru", hidden_size=32, batch_size=32, lr=0.02, max_steps=400,
                          eval_every=25),
        "n_symbols": Param(4, "int", 2, 16, help="alphabet size A"),
        "copy_length": Param(3, "int", 1, 10, help="symbols to remember, K"),
        "delay": Param(10, "int", 1, 200, help="steps between the last symbol and the recall"),
    }

    def seq_len(self, config):
        return 2 * config["copy_length"] + config["delay"]

    def build_model(self, config, seed):
        A = config["n_symbols"]
        return SequenceModel(config["cell"], A + 2, config["hidden_size"], A,
                             **model_options(config), seed=seed)

    def sample_batch(self, config, rng, batch_size=None):
        A, K, delay = config["n_symbols"], config["copy_length"], config["delay"]
        B, T = batch_size or config["batch_size"], self.seq_len(config)
        blank, go = 0, A + 1                                    # symbols are 1..A
        symbols = rng.integers(1, A + 1, size=(K, B))
        tokens = np.full((T, B), blank)
        tokens[:K] = symbols
        tokens[K + delay - 1] = go
        targets = np.full((T, B), IGNORE)
        targets[K + delay:] = symbols - 1                      # classes 0..A-1
        return Batch(one_hot(tokens, A + 2, config["dtype"]), targets)

