"""The adding problem (Hochreiter & Schmidhuber, 1997): a long-range dependency.

    input step t = (v_t, m_t),  v_t ~ U(0, 1),  m_t = 1 at exactly two steps:
                   one in the first half of the sequence, one in the second half
    target       = sum of the two marked values, read once after the last step (many-to-one)
    loss         = MSE

Always answering 1 (the mean of the sum) scores MSE = 1/6 ~ 0.167: a model has learned the task
only when it beats that clearly. The first marked value must be carried across T/2 steps or
more; a vanilla RNN's gradient to it vanishes as T grows, while LSTM and GRU keep it. Compare
the cells with ``python -m rnncore.bench_training --claims``.
"""

from __future__ import annotations

import numpy as np

from .base import Batch, Param, RegressionTask, model_options, training_params
from .model import SequenceModel

class AddingTask(RegressionTask):
    name = "adding"
    title = "The adding problem"
    claim = ("LSTM and GRU carry a number across many steps; a vanilla RNN, whose gradient "
             "vanishes "
             "over the distance, stays at the constant guess (MSE 1/6).")
    eval_batch_size = 256
    params = {
        **training_params(cell="lstm", hidden_size=32, batch_size=32, lr=0.01, max_steps=600,
                          eval_every=25),
        "seq_len": Param(30, "int", 4, 400, help="steps per sequence (the dependency's range)"),
    }

    def build_model(self, config, seed):
        return SequenceModel(config["cell"], 2, config["hidden_size"], 1, many_to_one=True,
                             **model_options(config), seed=seed)

    def sample_batch(self, config, rng, batch_size=None):
        T, B = config["seq_len"], batch_size or config["batch_size"]
        values = rng.uniform(0.0, 1.0, size=(T, B))
        half = T // 2
        first = rng.integers(0, half, size=B)
        second = rng.integers(half, T, size=B)
        markers = np.zeros((T, B))
        columns = np.arange(B)
        markers[first, columns] = 1.0
        markers[second, columns] = 1.0
        inputs = np.stack([values, markers], axis=-1)               # (T, B, 2)
        targets = (values[first, columns] + values[second, columns])[:, None]   # (B, 1)
        dtype = config["dtype"]
        return Batch(inputs.astype(dtype), targets.astype(dtype))

    def baseline(self, config, batch):
        return {"constant_guess_mse": float(np.mean((batch.targets - 1.0) ** 2))}
