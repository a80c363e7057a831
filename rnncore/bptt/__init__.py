"""Whole-sequence forward and backward-through-time kernels: the step functions of
rnncore.cells unrolled over time, with everything that can be done once for all steps hoisted
out of the loop. The layer classes in rnncore.layers run these.
"""

from .gru import gru_backward, gru_forward
from .lstm import lstm_backward, lstm_forward
from .rnn import rnn_backward, rnn_forward

__all__ = ["rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward",
           "gru_forward", "gru_backward"]
