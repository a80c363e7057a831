"""A task that needs future context: at each step, name the symbol `shift` steps ahead.

    input:  u_1 u_2 ... u_T              (random symbols, one-hot)
    target: y_t = u_{t+shift}            (the last `shift` steps are not scored)

A left-to-right RNN has not yet seen u_{t+shift} when it must answer at t, so it cannot beat a
guess (accuracy 1/A). A bidirectional RNN also runs right to left and concatenates both states,
h_t = [h_t(forward) ; h_t(backward)], and the backward one has just read u_{t+shift}: it learns
the task. (Like filling a blank in a sentence from the words after it.)
"""

from __future__ import annotations

import numpy as np

from .base import IGNORE, Batch, Param, SymbolTask, model_options, one_hot, training_params
from .model import SequenceModel


class FutureContextTask(SymbolTask):
    name = "future_context"
    title = "Future context (bidirectional)"
    claim = ("When the answer at step t depends on later inputs, a bidirectional RNN learns it and "
             "a one-directional RNN stays at chance.")
    params = {
        **training_params(cell="gru", hidden_size=16, batch_size=32, lr=0.02, max_steps=200,
                          eval_every=20),
        "bidirectional": Param(True, "bool", help="read the sequence in both directions"),
        "seq_len": Param(10, "int", 2, 200, help="steps per sequence"),
        "shift": Param(2, "int", 1, 20, help="how far ahead the answer lies"),
        "n_symbols": Param(4, "int", 2, 16, help="alphabet size A"),
    }

    def check_consistency(self, config):
        if config["shift"] >= config["seq_len"]:
            raise ValueError("shift must be smaller than seq_len")

    def build_model(self, config, seed):
        A = config["n_symbols"]
        return SequenceModel(config["cell"], A, config["hidden_size"], A,
                             bidirectional=config["bidirectional"],
                             **model_options(config), seed=seed)

    def sample_batch(self, config, rng, batch_size=None):
        A, T, k = config["n_symbols"], config["seq_len"], config["shift"]
        symbols = rng.integers(0, A, size=(T, batch_size or config["batch_size"]))
        targets = np.full_like(symbols, IGNORE)
        targets[:T - k] = symbols[k:]
        return Batch(one_hot(symbols, A, config["dtype"]), targets)

