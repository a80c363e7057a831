"""Sine-wave forecasting: regression one step ahead.

    x_t = sin(2 pi t / P + phi) (+ noise),   P ~ U(min_period, max_period), phi ~ U(0, 2 pi)
    predict y_t = x_{t+1} from x_1..x_t at every step;   L = MSE = 1/T sum_t (ŷ_t - y_t)^2

One value does not tell where on the wave we are (rising or falling, which period); the
hidden state gathers that from the steps before. The baseline "tomorrow = today" (persistence)
shows what memory adds.
"""

from __future__ import annotations

import numpy as np

from .base import Batch, Param, RegressionTask, model_options, training_params
from .model import SequenceModel


class SineTask(RegressionTask):
    name = "sine"
    title = "Sine-wave forecasting"
    claim = ("The hidden state carries a signal's phase and period from step to step, so an RNN "
             "forecasts a time series far better than repeating the last value.")
    params = {
        **training_params(cell="rnn", hidden_size=16, batch_size=16, lr=0.01, max_steps=200,
                          eval_every=20),
        "seq_len": Param(30, "int", 5, 200, help="steps per sequence"),
        "min_period": Param(10.0, "float", 4.0, 100.0, help="shortest period, in steps"),
        "max_period": Param(20.0, "float", 4.0, 100.0, help="longest period, in steps"),
        "noise": Param(0.0, "float", 0.0, 0.5, help="std of Gaussian noise added to the inputs"),
    }

    def check_consistency(self, config):
        if config["min_period"] > config["max_period"]:
            raise ValueError("min_period must be <= max_period")

    def build_model(self, config, seed):
        return SequenceModel(config["cell"], 1, config["hidden_size"], 1,
                             **model_options(config), seed=seed)

    def waves(self, config, rng, batch_size):
        """(T + 1, B) clean waves with random period and phase."""
        T = config["seq_len"]
        period = rng.uniform(config["min_period"], config["max_period"], size=batch_size)
        phase = rng.uniform(0.0, 2 * np.pi, size=batch_size)
        t = np.arange(T + 1)[:, None]
        return np.sin(2 * np.pi * t / period + phase)

    def sample_batch(self, config, rng, batch_size=None):
        wave = self.waves(config, rng, batch_size or config["batch_size"])
        inputs = wave[:-1] + config["noise"] * rng.standard_normal(wave[:-1].shape)
        dtype = config["dtype"]
        return Batch(inputs[..., None].astype(dtype), wave[1:, :, None].astype(dtype))

    def baseline(self, config, batch):
        """Persistence: predict x_{t+1} = x_t."""
        return {"persistence_mse": float(np.mean((batch.inputs - batch.targets) ** 2))}

