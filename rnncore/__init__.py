"""rnncore: recurrent neural networks in pure NumPy, with backpropagation through time.

Pure NumPy, no Django, no I/O. Every number the study app shows comes from here.

Sizes in the course's notation (fixtures/README.md): input D, hidden H, output Q, batch N,
steps T, layers L; "dirs" is 2 for a bidirectional layer, else 1.

Layers (PyTorch's interface, names and shapes; time-major x of shape (T, N, D))::

    from rnncore import RNN, LSTM, GRU, Linear

    lstm = LSTM(input_size=8, hidden_size=32, num_layers=1, bidirectional=False,
                dtype=np.float32, seed=0)            # or rng=np.random.default_rng(0)
    outputs, (h_n, c_n) = lstm.forward(x, state=None)  # outputs (T, N, dirs*H); h_n (L*dirs, N, H)
    d_x, (d_h0, d_c0), grads = lstm.backward(d_outputs, d_final_state=None)
    lstm.parameters()        # {"weight_ih_l0": array (4H, D), ...}: live arrays, update in place
    lstm.state_dict()        # copies;  lstm.load_state_dict(d) copies in (e.g. from PyTorch)

    RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh" | "relu", bidirectional=False)
    GRU(input_size, hidden_size, num_layers=1, bidirectional=False, reset_after=True)
    Linear(in_features, out_features)   # scores s = W_y h + b_y; forward(h) for (T, N, H) or
                                        # (N, H); backward(ds) -> (dh, {"weight", "bias"})

For RNN and GRU the state is one array (L*dirs, N, H); for LSTM the pair (h, c). grads is keyed by
the parameter names (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, + "_reverse").

The cells one step at a time, forward and backward side by side (rnncore.cells)::

    rnn_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh, nonlinearity) -> h, cache
    rnn_step_backward(dh, cache) -> dx, dh_prev, grads
    lstm_step_forward(x, h_prev, c_prev, ...) -> h, c, cache;  lstm_step_backward(dh, dc, cache)
    gru_step_forward(x, h_prev, ..., reset_after=True) -> h, cache;  gru_step_backward(dh, cache)

Whole-sequence kernels (rnncore.bptt): rnn_forward/backward, lstm_forward/backward,
gru_forward/backward; activations with derivatives (rnncore.activations): sigmoid, tanh, relu,
softmax; worked-example traces in float64 (rnncore.traces): rnn_step_trace, lstm_step_trace,
gru_step_trace, output_step_trace (scores, prediction, loss); the engine's safety limits and the
checks that enforce them (rnncore.limits; the training hyperparameters' in
rnncore.training_limits); what the demo and lab pages offer (rnncore.product_bounds).
Every entry point raises
ValueError naming the parameter and its allowed range. `python -m rnncore.bench` times the layers.

Training (rnncore/TRAINING.md)::

    from rnncore import Trainer, TASKS
    run = Trainer.create("adding", {"cell": "lstm"}, seed=0)   # a task's defaults, overridden
    run.advance(100)                 # bounded work; run.status: ready/training/finished/diverged
    blob = run.to_bytes()            # the whole state (no pickle); Trainer.from_bytes(blob)
    run.history                      # plain lists of floats for plots

    mse_loss, cross_entropy, ctc_loss   # torch.nn.functional's arguments -> (loss, d_input)
    SGD, Momentum, Adagrad, Adam        # optimisers over layer.parameters()
    clip_grad_norm, clip_grad_value     # -> (norm_before, norm_after)

Tasks: sine, adding, copy, char_lm, sentiment, future_context (rnncore.tasks); analysis of
gradient norms, spectral radius, gate saturation and trajectories in rnncore.analysis.
`python -m rnncore.bench_training` reports training steps per second; `--claims` shows the
course's claims (LSTM and GRU learn long ranges a vanilla RNN does not).
"""

from .activations import (relu, relu_derivative, sigmoid, sigmoid_derivative, softmax,
                          softmax_backward, tanh, tanh_derivative)
from .cells import (gru_step_backward, gru_step_forward, lstm_step_backward, lstm_step_forward,
                    rnn_step_backward, rnn_step_forward)
from .heads import Linear, linear_backward, linear_forward
from .layers import GRU, LSTM, RNN, RecurrentLayer
from . import limits
from .traces import Trace, gru_step_trace, lstm_step_trace, output_step_trace, rnn_step_trace
from .clipping import clip_grad_norm, clip_grad_value
from .losses import cross_entropy, ctc_loss, mse_loss
from .optim import SGD, Adagrad, Adam, Momentum
from .tasks import TASKS, get_task
from .trainer import Trainer
from . import product_bounds

__all__ = [
    "RNN", "LSTM", "GRU", "Linear", "RecurrentLayer",
    "rnn_step_forward", "rnn_step_backward", "lstm_step_forward", "lstm_step_backward",
    "gru_step_forward", "gru_step_backward", "linear_forward", "linear_backward",
    "sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative", "relu", "relu_derivative",
    "softmax", "softmax_backward",
    "Trace", "rnn_step_trace", "lstm_step_trace", "gru_step_trace", "output_step_trace",
    "mse_loss", "cross_entropy", "ctc_loss", "SGD", "Momentum", "Adagrad", "Adam",
    "clip_grad_norm", "clip_grad_value", "Trainer", "TASKS", "get_task", "limits",
    "product_bounds",
]
