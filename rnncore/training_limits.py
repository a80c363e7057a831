"""Bounds of the training hyperparameters (optimisers, clipping, the trainer, the tasks).

A web form, the trainer and the tasks validate against these constants with the checkers of
rnncore.limits (check_int, check_real, check_choice: ``check_real("lr", lr, *LEARNING_RATE)``),
so a bad value fails early with a ValueError that names the parameter and its range. Ranges are
inclusive. Where a bound means the same as one of the engine's (layers, batch, seed), it is
derived from rnncore.limits rather than repeated. Like those, these are safety limits; what the
lab offers is narrower (rnncore.product_bounds).
"""

from __future__ import annotations

from .limits import MAX_BATCH, MAX_LAYERS, MAX_SEED

# optimisers
LEARNING_RATE = (1e-5, 10.0)
MOMENTUM = (0.0, 0.999)
ADAM_BETA = (0.0, 0.9999)
EPSILON = (1e-12, 1e-2)
OPTIMIZER_STEP = (0, 10**9)        # the step count a loaded optimiser state may carry
# gradient clipping
CLIP_NORM = (1e-3, 1e4)
CLIP_VALUE = (1e-3, 1e4)
# trainer
MAX_STEPS = (1, 100_000)
ADVANCE_STEPS = (0, 5_000)         # steps one call to advance() may take (a web request's bound)
ADVANCE_SECONDS = (0.001, 600.0)   # optional wall-clock bound of one advance() call
EVAL_EVERY = (1, 10_000)
SEED = (0, MAX_SEED)
# shared by tasks
HIDDEN_SIZE = (1, 256)             # below the engine's MAX_HIDDEN_SIZE: a run is many passes
NUM_LAYERS = (1, MAX_LAYERS)
BATCH_SIZE = (1, MAX_BATCH)
FORGET_BIAS = (0.0, 5.0)
# losses
LABEL_SMOOTHING = (0.0, 1.0)
# char_lm sampling
TEMPERATURE = (0.05, 5.0)
SAMPLE_LENGTH = (1, 2000)
# analysis
SATURATION_THRESHOLD = (1e-4, 0.5)

CELLS = ("rnn", "lstm", "gru")
OPTIMIZER_NAMES = ("sgd", "momentum", "adagrad", "adam")
CLIP_MODES = ("none", "norm", "value")
REDUCTIONS = ("mean", "sum", "none")
