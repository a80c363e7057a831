"""Losses on small editable examples: MSE, cross-entropy and CTC with every alignment listed.

rnncore computes each loss and its gradient (mse_loss, cross_entropy, ctc_loss as
torch.nn.functional; softmax and log_softmax; ctc_alignments and ctc_best_path). For CTC the page
lists every alignment pi of length T that collapses to the target, with its probability
prod_t ŷ_t(pi_t); their sum is P(y | x), and -log P(y | x) equals rnncore's ctc_loss (summed, not
divided by the target length). Class 0 is the blank, written "-" as in the course; the letters are
classes 1, 2, ...
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

import numpy as np
from django.utils.safestring import SafeString, mark_safe

from rnncore import cross_entropy, ctc_loss, mse_loss
from rnncore.activations import softmax
from rnncore.losses import ctc_alignments, ctc_best_path, log_softmax

from studyapp.plots import figure

from . import bounds
from .display import number_html, values_attr
from .errors import InputError
from .figures import cell_grid

ALPHABET = "abcd"
BLANK = "-"

DEFAULTS = {
    "mse_Q": 3, "Q": 3, "y": 1, "T": 4, "letters": 2, "target": "ab", "seed": 70,
    "y_hat": [0.5, 1.8, -0.3], "y_mse": [0.0, 2.0, 0.0],
    "s": [2.0, 1.0, 0.1],
    # scores of (blank, a, b) at each of the four steps
    "ctc_s": [[0.5, 2.0, 0.0], [1.5, 0.5, 0.2], [0.2, 0.1, 2.0], [1.0, 0.0, 1.2]],
}


@lru_cache(maxsize=64)
def _draw(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = Q = C = bounds.draw_sizes(bounds.MSE_SIZE, bounds.CROSS_ENTROPY_CLASSES, bounds.CTC_LABELS)
    T = bounds.draw_sizes(bounds.CTC_STEPS, steps=True)
    return {"y_hat": np.round(rng.normal(0.0, 1.0, size=n), 1),
            "y_mse": np.round(rng.normal(0.0, 1.0, size=n), 1),
            "s": np.round(rng.normal(0.0, 1.5, size=Q), 1),
            "ctc_s": np.round(rng.normal(0.0, 1.5, size=(T, C)), 1)}


def draw(seed: int) -> dict[str, np.ndarray]:
    return {name: value.copy() for name, value in _draw(seed).items()}


def symbol_name(k: int) -> str:
    """Class k as written on the page: 0 is the blank '-', then a, b, c."""
    return BLANK if k == 0 else ALPHABET[k - 1]


def compute(*, mse_Q: int, Q: int, y: int, T: int, letters: int, target: str, seed: int,
            y_hat: np.ndarray, y_mse: np.ndarray, s: np.ndarray, ctc_s: np.ndarray) -> dict:
    mse, ce, ctc = _mse(y_hat, y_mse), _cross_entropy(s, y), _ctc(ctc_s, target)
    return {"mse": mse, "ce": ce, "ctc": ctc,
            "figures": {"loss_mse": _mse_figure(mse), "loss_ce": _ce_figure(ce),
                        "loss_ctc": _ctc_figure(ctc)}}


def _mse_figure(mse: dict) -> dict:
    labels = [f"j = {j + 1}" for j in range(mse["n"])]
    return figure([
        {"type": "bar", "x": labels, "y": mse["prediction"], "name": "prediction ŷ"},
        {"type": "bar", "x": labels, "y": mse["target"], "name": "target y"},
    ], barmode="group", title={"text": "Prediction against target", "x": 0})


def _ce_figure(ce: dict) -> dict:
    Q = ce["prediction"].size
    colours = ["#1d7a46" if k + 1 == ce["y"] else "#2456a6" for k in range(Q)]
    return figure([{"type": "bar", "x": [f"class {k + 1}" for k in range(Q)],
                    "y": ce["prediction"], "marker": {"color": colours}, "name": "ŷ",
                    "text": [f"{p:.3f}" for p in ce["prediction"]], "textposition": "outside",
                    "hovertemplate": "%{x}: %{y:.5f}<extra></extra>"}],
                  title={"text": "ŷ = softmax(s); the target class in green", "x": 0},
                  yaxis={"range": [0, 1.1]}, showlegend=False)


def _ctc_figure(ctc: dict) -> dict:
    T = ctc["T"]
    steps = list(range(1, T + 1))
    best = [ctc["classes"].index(ch) for ch in ctc["best_path"]]
    return figure([
        cell_grid(ctc["probabilities"].T, steps, ctc["classes"], zmin=0.0, zmax=1.0,
                  colorscale="Blues", name="ŷ_t", hover="t = %{x}, %{y}: %{customdata:.5f}",
                  size=30),
        {"type": "scatter", "x": steps, "y": [ctc["classes"][k] for k in best],
         "mode": "lines", "name": "best path", "line": {"color": "#e08e0b", "width": 3}},
    ], title={"text": "ŷ_t per step, and the best path", "x": 0},
        xaxis={"title": {"text": "step t"}, "dtick": 1},
        yaxis={"title": {"text": "class"}, "autorange": "reversed", "type": "category"})


def _mse(prediction: np.ndarray, target: np.ndarray) -> dict:
    try:
        # the course's loss is the sum (its gradient 2 (ŷ_j - y_j)); rnncore's default the mean
        total, gradient = mse_loss(prediction, target, reduction="sum")
        mean, _ = mse_loss(prediction, target)
        per_entry, _ = mse_loss(prediction, target, reduction="none")
    except ValueError as error:
        raise InputError("y_hat", str(error)) from error
    return {"prediction": prediction, "target": target, "per_entry": np.asarray(per_entry),
            "mean": float(mean), "sum": float(total), "gradient": np.asarray(gradient),
            "n": prediction.size}


def _cross_entropy(scores: np.ndarray, target_class: int) -> dict:
    try:
        loss, d_scores = cross_entropy(scores[None, :], np.array([target_class - 1]))
        prediction = softmax(scores)
    except ValueError as error:
        raise InputError("s", str(error)) from error
    return {"scores": scores, "y": target_class, "prediction": prediction,
            "p_target": float(prediction[target_class - 1]), "loss": float(loss),
            "gradient": np.asarray(d_scores)[0]}


def _ctc(scores: np.ndarray, target: str) -> dict:
    T, C = scores.shape
    labels = [ALPHABET.index(ch) + 1 for ch in target]          # may be empty: all blanks
    repeats = sum(1 for a, b in zip(labels, labels[1:]) if a == b)
    if len(labels) + repeats > T:
        raise InputError("target", f"“{target}” needs at least {len(labels) + repeats} steps "
                                   f"(one per letter, plus a blank between repeated letters); "
                                   f"T is {T}.")
    try:
        log_probs = log_softmax(scores)                                  # (T, C)
        probabilities = np.exp(log_probs)
        alignments = ctc_alignments(labels, T, n_classes=C, blank=0,
                                    max_alignments=bounds.CTC_MAX_ALIGNMENTS)
        loss, _ = ctc_loss(log_probs, np.array(labels), np.array([T]), np.array([len(labels)]),
                           blank=0, reduction="sum")
        best_path, best_labels = ctc_best_path(log_probs, blank=0)
    except ValueError as error:
        raise InputError("target", str(error)) from error
    steps = np.arange(T)
    listed = []
    for path in alignments:
        probability = float(np.prod(probabilities[steps, list(path)]))
        listed.append({"path": "".join(symbol_name(k) for k in path), "probability": probability})
    listed.sort(key=lambda item: -item["probability"])
    total = float(sum(item["probability"] for item in listed))
    best = "".join(symbol_name(k) for k in best_path)
    for item in listed:
        item["is_best"] = item["path"] == best
    return {
        "list_html": _alignment_list(listed),
        "scores": scores, "probabilities": probabilities, "target": target, "T": T,
        "classes": [symbol_name(k) for k in range(C)], "alignments": listed,
        "count": len(listed), "total": total,
        "neg_log_total": float(-np.log(total)) if total > 0 else float("inf"),
        "loss": float(loss), "best_path": best,
        "best_labels": "".join(symbol_name(k) for k in best_labels),
        "best_in_list": any(item["is_best"] for item in listed),
    }


def _alignment_list(listed: list[dict]) -> SafeString:
    """The alignments as list items (up to CTC_MAX_ALIGNMENTS: built here, each number
    formatted once, rather than looped over in a template)."""
    items = []
    for item in listed:
        best = ' class="is-best"' if item["is_best"] else ""
        items.append(f'<li{best}><code>{escape(item["path"])}</code> <span data-key="alignment-'
                     f'{escape(item["path"])}" data-values="{values_attr(item["probability"], 8)}">'
                     f'{number_html(item["probability"], 8)}</span></li>')
    return mark_safe("".join(items))
