"""Many-to-one sentiment: read a short review word by word, then say positive or negative.

    x_t = E[word_t]  (D = 3 embeddings)    h_t = f(W_x x_t + W_h h_{t-1} + b)
    s = W_y h_T + b_y,  ŷ = softmax(s) = (p(negative), p(positive))    L = -log ŷ_y

The course's example is the review "The movie was great" with the embeddings
x1 = [0.2, 0.3, -0.1] 'The', x2 = [-0.1, 0.2, 0.4] 'movie', x3 = [0.3, -0.2, 0.1] 'was' and
x4 = [0.1, 0.4, -0.2] 'great'. Those four start as given; the rest of the small vocabulary and
the sixteen labelled sentences are invented for this toy (embeddings chosen so that similar
words start near each other). Sentences are padded at the front with '<pad>' to a common
length, so the summary h_T is always read after the last real word. A few sentences use "not",
which flips the meaning of the word after it: only a model that uses word order gets them right.
"""

from __future__ import annotations

import numpy as np

from .. import limits
from ..activations import softmax
from .base import Batch, ClassificationTask, Param, model_options, training_params
from .model import SequenceModel

SOURCE_EMBEDDINGS = {            # from the course
    "the": [0.2, 0.3, -0.1],
    "movie": [-0.1, 0.2, 0.4],
    "was": [0.3, -0.2, 0.1],
    "great": [0.1, 0.4, -0.2],
}
INVENTED_EMBEDDINGS = {          # for this toy
    "<pad>": [0.0, 0.0, 0.0],
    "film": [-0.2, 0.1, 0.5],
    "plot": [0.0, -0.1, 0.3],
    "acting": [-0.3, 0.2, 0.2],
    "is": [0.3, -0.3, 0.0],
    "not": [0.4, 0.0, 0.4],
    "good": [0.2, 0.5, -0.1],
    "wonderful": [0.0, 0.5, -0.3],
    "fun": [0.3, 0.3, -0.3],
    "bad": [-0.2, -0.4, 0.2],
    "boring": [-0.3, -0.3, 0.1],
    "awful": [-0.1, -0.5, 0.3],
    "terrible": [-0.2, -0.5, 0.1],
}
VOCABULARY = list(SOURCE_EMBEDDINGS) + list(INVENTED_EMBEDDINGS)
EMBEDDINGS = np.array([{**SOURCE_EMBEDDINGS, **INVENTED_EMBEDDINGS}[w] for w in VOCABULARY])
POSITIVE, NEGATIVE = 1, 0
LABELS = ("negative", "positive")
SENTENCES = [
    ("the movie was great", POSITIVE),
    ("the film was good", POSITIVE),
    ("the plot was wonderful", POSITIVE),
    ("the acting was fun", POSITIVE),
    ("the movie is good", POSITIVE),
    ("the film is great", POSITIVE),
    ("the movie was bad", NEGATIVE),
    ("the film was boring", NEGATIVE),
    ("the plot was awful", NEGATIVE),
    ("the acting was terrible", NEGATIVE),
    ("the movie is boring", NEGATIVE),
    ("the film is bad", NEGATIVE),
    ("the movie was not good", NEGATIVE),
    ("the film was not great", NEGATIVE),
    ("the plot was not bad", POSITIVE),
    ("the acting was not boring", POSITIVE),
]
MAX_WORDS = max(len(s.split()) for s, _ in SENTENCES)


def encode(sentence: str, length: int = MAX_WORDS) -> np.ndarray:
    """Word ids, front-padded with <pad> to length (1..limits.MAX_SENTENCE_WORDS). A sentence
    that is not text, is empty or longer than length, or has unknown words raises ValueError."""
    if not isinstance(sentence, str):
        raise ValueError(f"sentence must be a text, got {type(sentence).__name__}")
    length = limits.check_int("length", length, 1, limits.MAX_SENTENCE_WORDS)
    words = sentence.lower().split()
    if not 1 <= len(words) <= length:
        raise ValueError(f"a sentence must have 1 to {length} words, got {len(words)}")
    unknown = [w for w in words if w not in VOCABULARY]
    if unknown:
        known = ", ".join(VOCABULARY[:4] + VOCABULARY[5:])
        raise ValueError(f"unknown word(s) {unknown}; vocabulary: {known}")
    ids = [VOCABULARY.index(w) for w in words]
    return np.array([VOCABULARY.index("<pad>")] * (length - len(ids)) + ids)


ENCODED = np.stack([encode(s) for s, _ in SENTENCES], axis=1)       # (T, N)
TARGETS = np.array([label for _, label in SENTENCES])                 # (N,)


class SentimentTask(ClassificationTask):
    name = "sentiment"
    title = "Many-to-one sentiment"
    claim = ("The last hidden state summarises the whole sentence; word order matters, so "
             "'not good' and 'not bad' come out opposite.")
    params = {
        **training_params(cell="rnn", hidden_size=8, batch_size=16, lr=0.05, max_steps=150,
                          eval_every=10),
        "train_embeddings": Param(True, "bool", help="let training move the word embeddings"),
    }

    def build_model(self, config, seed):
        return SequenceModel(config["cell"], EMBEDDINGS.shape[1], config["hidden_size"], 2,
                             many_to_one=True, seed=seed, embedding=EMBEDDINGS,
                             train_embedding=config["train_embeddings"], **model_options(config))

    def sample_batch(self, config, rng, batch_size=None):
        """All sentences when the batch size (default config["batch_size"]) covers them, else a
        random subset of that many."""
        n, size = len(SENTENCES), batch_size or config["batch_size"]
        if size >= n:
            chosen = np.arange(n)
        else:
            chosen = np.sort(rng.choice(n, size=size, replace=False))
        return Batch(ENCODED[:, chosen], TARGETS[chosen])

    def eval_batch(self, config, rng):
        return Batch(ENCODED, TARGETS)

    def baseline(self, config, batch):
        return {"majority_accuracy": float(max(np.mean(TARGETS), 1 - np.mean(TARGETS)))}

    def classify(self, model, sentence: str) -> dict:
        """p(positive) after each word of sentence (reading the hidden state at each prefix)."""
        if not isinstance(sentence, str):
            raise ValueError(f"sentence must be a text, got {type(sentence).__name__}")
        n_words = len(sentence.split())
        if not 1 <= n_words <= limits.MAX_SENTENCE_WORDS:
            raise ValueError(f"a sentence must have 1 to {limits.MAX_SENTENCE_WORDS} words, "
                             f"got {n_words}")
        ids = encode(sentence, length=n_words)
        words = sentence.lower().split()
        probs = []
        for t in range(1, len(ids) + 1):
            scores = model.forward(ids[:t, None])
            probs.append(float(softmax(scores.astype(np.float64))[0, POSITIVE]))
        return {"words": words, "p_positive": probs,
                "label": LABELS[int(probs[-1] > 0.5)]}
