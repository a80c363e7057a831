"""A character-level language model, as in Karpathy's min-char-rnn.

    x_t = one_hot(u_t)      s_t = W_y h_t + b_y      ŷ_t = p(u_{t+1} | u_1..u_t) = softmax(s_t)
    L = -1/T sum_t log ŷ_{t, u_{t+1}}      (cross-entropy, in nats per character; u_t the
                                            t-th character, its target y_t = u_{t+1})

The defaults are min-char-rnn's: a vanilla RNN, windows of 25 characters, Adagrad with lr 0.1
and element-wise clipping to [-5, 5]. Windows start at random offsets (each from a zero state).
Sampling feeds each drawn character back in; the temperature tau sharpens (tau < 1) or
flattens (tau > 1) the distribution: p_k proportional to exp(s_k / tau).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .. import limits, training_limits
from ..activations import softmax
from .base import Batch, Param, Task, model_options, one_hot, training_params
from .model import SequenceModel

DEFAULT_TEXT = (
    "a recurrent neural network reads a sequence one step at a time. at each step the hidden "
    "state mixes the new input with the state before it, so the network remembers what it has "
    "seen. the same weights are used at every step. training unrolls the network through time "
    "and sends the error back along the steps. when the steps are many the gradient can vanish "
    "or explode. the lstm and the gru add gates that decide what to keep and what to forget, so "
    "the memory lasts longer. a bidirectional network reads the sequence in both directions. "
)


@lru_cache(maxsize=8)
def _vocabulary_and_codes(text: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Sorted distinct characters of text, and text as their indices (read-only), computed once
    per text rather than at every training step."""
    vocabulary = tuple(sorted(set(text)))
    index = {ch: i for i, ch in enumerate(vocabulary)}
    codes = np.array([index[ch] for ch in text], dtype=np.int64)
    codes.flags.writeable = False
    return vocabulary, codes


def temperature_softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """p_k = exp(s_k / tau) / sum_j exp(s_j / tau): tau -> 0 is argmax, tau = 1 is softmax,
    tau -> inf is uniform. scores s (V,) -> probabilities (V,) in float64."""
    temperature = limits.check_real("temperature", temperature, *training_limits.TEMPERATURE)
    return softmax(np.asarray(scores, dtype=np.float64) / temperature)


class CharLMTask(Task):
    name = "char_lm"
    title = "Character-level language model"
    claim = ("Trained only to predict the next character, an RNN picks up spelling and common "
             "words; temperature trades safe, repetitive samples for varied, error-prone ones.")
    metric = "eval_loss"
    metric_names = ("eval_loss", "eval_bits_per_char")
    loss_kind = "cross_entropy"
    params = {
        **training_params(cell="rnn", hidden_size=64, batch_size=16, optimizer="adagrad", lr=0.1,
                          clip="value", clip_value=5.0, max_steps=300, eval_every=25),
        "seq_len": Param(25, "int", 2, 200, help="characters per training window"),
        "text": Param(DEFAULT_TEXT, "text", 30, 20_000, help="the training text"),
    }

    def check_consistency(self, config):
        if len(config["text"]) < config["seq_len"] + 2:
            raise ValueError(f"text must be longer than seq_len + 1 = {config['seq_len'] + 1} "
                             f"characters")
        n_distinct = len(set(config["text"]))
        if n_distinct > limits.MAX_VOCABULARY:
            raise ValueError(f"text must use at most {limits.MAX_VOCABULARY} distinct "
                             f"characters, "
                             f"got {n_distinct}")

    @staticmethod
    def vocabulary(config) -> list[str]:
        return list(_vocabulary_and_codes(config["text"])[0])

    def encode(self, config, text: str) -> np.ndarray:
        if text == config["text"]:
            return _vocabulary_and_codes(text)[1]
        index = {ch: i for i, ch in enumerate(self.vocabulary(config))}
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(f"characters not in the training text: {''.join(unknown)!r}")
        return np.array([index[ch] for ch in text], dtype=np.int64)

    def build_model(self, config, seed):
        V = len(self.vocabulary(config))
        return SequenceModel(config["cell"], V, config["hidden_size"], V,
                             **model_options(config), seed=seed)

    def sample_batch(self, config, rng, batch_size=None):
        codes = self.encode(config, config["text"])
        T, B = config["seq_len"], batch_size or config["batch_size"]
        V = len(self.vocabulary(config))
        starts = rng.integers(0, len(codes) - T, size=B)
        windows = codes[starts[None, :] + np.arange(T + 1)[:, None]]        # (T + 1, B)
        return Batch(one_hot(windows[:-1], V, config["dtype"]), windows[1:])

    def evaluate(self, model, batch, config):
        scores = model.forward(batch.inputs)
        loss, _ = self.loss(scores, batch)
        return {"eval_loss": loss, "eval_bits_per_char": loss / math.log(2)}

    def baseline(self, config, batch):
        """Unigram model: each character drawn with its frequency in the text (no context)."""
        codes = self.encode(config, config["text"])
        freq = np.bincount(codes, minlength=len(self.vocabulary(config))) / len(codes)
        return {"uniform_loss": math.log(len(freq)),
                "unigram_loss": float(-np.mean(np.log(freq[batch.targets])))}

    def sample(self, model, config, prompt: str, length: int, temperature: float,
               rng: np.random.Generator) -> str:
        """Continue prompt by length characters, drawn from softmax(s / temperature)."""
        temperature = limits.check_real("temperature", temperature, *training_limits.TEMPERATURE)
        length = limits.check_int("length", length, *training_limits.SAMPLE_LENGTH)
        if not isinstance(prompt, str) or not 1 <= len(prompt) <= limits.MAX_PROMPT:
            raise ValueError(f"prompt must be a text of 1 to {limits.MAX_PROMPT} characters")
        vocabulary = self.vocabulary(config)
        V = len(vocabulary)
        codes = self.encode(config, prompt)
        # read the prompt in one pass, then generate one character per step from the carried state
        outputs, state = model.rnn.forward(one_hot(codes[:, None], V, model.dtype))
        scores = model.head.forward(outputs[-1])                             # (1, V)
        drawn = []
        for _ in range(length):
            probs = temperature_softmax(scores[0], temperature)
            code = int(rng.choice(V, p=probs))
            drawn.append(vocabulary[code])
            outputs, state = model.rnn.forward(one_hot(np.array([[code]]), V, model.dtype), state)
            scores = model.head.forward(outputs[-1])
        return "".join(drawn)
