"""The cells one step at a time: plain functions, forward and backward side by side, each
forward returning the cache its backward takes (as in CS231n's rnn_layers.py).

These are the reference the fast sequence kernels in rnncore.bptt are tested against, and what
the worked-example traces in rnncore.traces spell out.
"""

from .gru import gru_step_backward, gru_step_forward
from .lstm import lstm_step_backward, lstm_step_forward
from .rnn import rnn_step_backward, rnn_step_forward

__all__ = [
    "rnn_step_forward", "rnn_step_backward",
    "lstm_step_forward", "lstm_step_backward",
    "gru_step_forward", "gru_step_backward",
]
