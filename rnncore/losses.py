"""Losses and their gradients: MSE, softmax cross-entropy, CTC.

Each loss mirrors the ``torch.nn.functional`` function of the same name (same arguments,
same numbers) and returns ``(loss, d_loss / d_first_argument)``, the gradient that starts
backpropagation. With ``reduction='none'`` the loss is an array and the gradient is that of
its sum, as ``loss.backward(torch.ones_like(loss))`` would give.

The course writes the three losses as

    MSE           = 1/T sum_t (y_t - yhat_t)^2                      (regression)
    cross-entropy = -1/T sum_t sum_i y_{t,i} log yhat_{t,i}          (classification)
    CTC           = -log P(y | x)                                    (unknown alignment)

Shapes: T time steps, N (or B) sequences in the batch, C classes.
"""

from __future__ import annotations

import itertools

import numpy as np

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


# ----------------------------------------------------------------------------------------
# Softmax helpers
# ----------------------------------------------------------------------------------------

def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(z)_i = z_i - log sum_j exp(z_j), computed after subtracting max(z) so that
    exp never overflows."""
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(z)_i = exp(z_i) / sum_j exp(z_j)   (same shape as logits)."""
    return np.exp(log_softmax(logits, axis=axis))


def log_softmax_backward(d_log_probs: np.ndarray, log_probs: np.ndarray, axis: int = -1) -> np.ndarray:
    """Backward of log_softmax: dz = dl - softmax(z) * sum(dl) along the class axis.

    Chain this after ``ctc_loss`` to get the gradient with respect to the logits."""
    return d_log_probs - np.exp(log_probs) * d_log_probs.sum(axis=axis, keepdims=True)


# ----------------------------------------------------------------------------------------
# Mean squared error
# ----------------------------------------------------------------------------------------

def mse_loss(input: np.ndarray, target: np.ndarray, reduction: str = "mean"):
    """Mean squared error, as ``torch.nn.functional.mse_loss``.

        loss = 1/n sum_k (input_k - target_k)^2        ('mean' over all n elements)
        d loss / d input = 2 (input - target) / n

    input, target: same shape (any).  Returns (loss, d_input).
    """
    _check_reduction(reduction)
    input = np.asarray(input)
    target = np.asarray(target, dtype=input.dtype)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input shape {input.shape} != target shape {target.shape}")
    diff = input - target
    if reduction == "none":
        return diff * diff, 2 * diff
    total = float(np.sum(diff * diff))
    if reduction == "sum":
        return total, 2 * diff
    n = diff.size
    return total / n, diff * (2.0 / n)


# ----------------------------------------------------------------------------------------
# Softmax cross-entropy
# ----------------------------------------------------------------------------------------

def cross_entropy(input: np.ndarray, target: np.ndarray, weight: np.ndarray | None = None,
                  ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0):
    """Softmax cross-entropy from logits, as ``torch.nn.functional.cross_entropy``.

    input:  logits, (C,), (N, C) or (N, C, d1, ...) -- classes on axis 1, as in PyTorch, so a
            time-major sequence (T, B, C) is passed as ``logits.reshape(T * B, C)`` (per step).
    target: class indices (integer array, shape of input without the class axis), or class
            probabilities (float array, same shape as input).
    weight: optional (C,) rescaling weight per class.

    With p = softmax(z) and y the target class:
        loss_k = -w_y log p_y                    d loss_k / d z = w_y (p - onehot(y))
    'mean' divides the sum by sum_k w_{y_k} over non-ignored items (the number of items when
    unweighted); probability targets divide by the number of items. ``label_smoothing`` e
    mixes in the uniform distribution: (1 - e) * loss + e/C * sum_c -w_c log p_c.

    Returns (loss, d_input) with d_input shaped like input.
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0.0, 1.0], got {label_smoothing}")
    logits = np.asarray(input)
    if logits.ndim == 0:
        raise ValueError("cross_entropy: input must have a class axis")
    target = np.asarray(target)
    unbatched = logits.ndim == 1
    if unbatched:                                  # (C,) -> (1, C)
        logits, target = logits[None], target[None]
    n_classes = logits.shape[1]
    z = np.moveaxis(logits, 1, -1)                 # (N, d1, ..., C): classes last
    log_p = log_softmax(z)
    p = np.exp(log_p)
    class_weight = (np.ones(n_classes, dtype=z.dtype) if weight is None
                    else np.asarray(weight, dtype=z.dtype))
    if class_weight.shape != (n_classes,):
        raise ValueError(f"cross_entropy: weight must have shape ({n_classes},), got {class_weight.shape}")
    eps = label_smoothing

    if np.issubdtype(target.dtype, np.floating):
        # Probability targets: loss_k = -sum_c w_c t_c log p_c, gradient p * sum_c(w t) - w t.
        t = np.moveaxis(target.astype(z.dtype), 1, -1)
        if t.shape != z.shape:
            raise ValueError(f"cross_entropy: probability target shape {target.shape} != input shape {logits.shape}")
        if eps > 0:
            t = t * (1 - eps) + eps / n_classes
        wt = class_weight * t
        loss_items = -(wt * log_p).sum(axis=-1)
        grad = p * wt.sum(axis=-1, keepdims=True) - wt
        denominator = loss_items.size
    else:
        if target.shape != z.shape[:-1]:
            raise ValueError(f"cross_entropy: target shape {target.shape} does not match input {logits.shape}")
        valid = target != ignore_index
        safe_target = np.where(valid, target, 0)
        if np.any((safe_target < 0) | (safe_target >= n_classes)):
            raise ValueError(f"cross_entropy: target class out of range [0, {n_classes})")
        w_item = class_weight[safe_target] * valid          # w_y, 0 where ignored
        onehot = np.eye(n_classes, dtype=z.dtype)[safe_target]
        nll = -np.take_along_axis(log_p, safe_target[..., None], axis=-1)[..., 0] * w_item
        d_nll = w_item[..., None] * (p - onehot)
        # Smoothing term sum_c -w_c log p_c and its gradient p * sum(w) - w.
        smooth = -(log_p * class_weight).sum(axis=-1) * valid
        d_smooth = (p * class_weight.sum() - class_weight) * valid[..., None]
        loss_items = (1 - eps) * nll + (eps / n_classes) * smooth
        grad = (1 - eps) * d_nll + (eps / n_classes) * d_smooth
        denominator = w_item.sum()

    if reduction == "none":
        loss = loss_items[0] if unbatched else loss_items
    elif reduction == "sum":
        loss = float(loss_items.sum())
    else:
        loss = float(loss_items.sum() / denominator)
        grad = grad / denominator
    grad = np.moveaxis(grad, -1, 1)
    return loss, (grad[0] if unbatched else grad).astype(logits.dtype, copy=False)


def sequence_cross_entropy(logits: np.ndarray, targets: np.ndarray, lengths=None):
    """The course's sequence loss: L = -1/T sum_t log yhat_{t, y_t}, averaged over the batch.

    logits: (T, B, C) time-major scores; targets: (T, B) class indices; lengths: optional (B,)
    valid steps per sequence (steps past a sequence's length do not count, and T in the formula
    is that sequence's length).  Returns (loss, d_logits (T, B, C)).
    """
    T, B, C = logits.shape
    per_step, d_per_step = cross_entropy(logits.reshape(T * B, C), targets.reshape(T * B),
                                         reduction="none")
    lengths = np.full(B, T) if lengths is None else np.asarray(lengths)
    # weight of step t of sequence b: 1/(T_b * B) if t < T_b else 0
    step_weight = (np.arange(T)[:, None] < lengths[None, :]) / (lengths[None, :] * B)
    loss = float((per_step.reshape(T, B) * step_weight).sum())
    d_logits = d_per_step.reshape(T, B, C) * step_weight[..., None].astype(logits.dtype)
    return loss, d_logits


# ----------------------------------------------------------------------------------------
# Connectionist temporal classification
# ----------------------------------------------------------------------------------------

def _extend_with_blanks(labels: np.ndarray, blank: int) -> np.ndarray:
    """l = (a, b) -> l' = (blank, a, blank, b, blank): length 2L + 1."""
    extended = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    extended[1::2] = labels
    return extended


def _split_targets(targets, target_lengths, n_batch):
    """Targets padded (N, S) or concatenated (sum(target_lengths),) -> list of 1-D arrays."""
    targets = np.asarray(targets, dtype=np.int64)
    if targets.ndim == 2:
        return [targets[n, :target_lengths[n]] for n in range(n_batch)]
    offsets = np.concatenate([[0], np.cumsum(target_lengths)])
    return [targets[offsets[n]:offsets[n + 1]] for n in range(n_batch)]


def ctc_loss(log_probs: np.ndarray, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """Connectionist temporal classification loss, as ``torch.nn.functional.ctc_loss``.

    log_probs:      (T, N, C) log-probabilities (log_softmax of the network's scores), or (T, C)
    targets:        (N, S) padded, or (sum(target_lengths),) concatenated class indices (no blanks)
    input_lengths:  (N,) valid time steps of each sequence;  target_lengths: (N,)

    P(y|x) sums, over every alignment pi of length T that collapses to y (merge repeats, then drop
    blanks), the product prod_t p_t(pi_t). It is computed by the forward-backward recursions over
    the blank-extended label l' = (_, y1, _, y2, ..., _), in log space to avoid underflow:

        alpha_t(s) = p_t(l'_s) * (alpha_{t-1}(s) + alpha_{t-1}(s-1) [+ alpha_{t-1}(s-2)])
        beta_t(s)  = p_t(l'_s) * (beta_{t+1}(s)  + beta_{t+1}(s+1)  [+ beta_{t+1}(s+2)])
        P(y|x)     = alpha_{T-1}(S-1) + alpha_{T-1}(S-2)
    the bracketed skip only when l'_s is not blank and differs from l'_{s-2}. Then

        loss = -log P(y|x)
        d loss / d log p_t(k) = -1/P * sum_{s: l'_s = k} alpha_t(s) beta_t(s) / p_t(k)

    i.e. minus the posterior occupancy of class k at step t. 'mean' divides each sequence's loss by
    its target length (at least 1), then averages over the batch; 'sum' adds them up.

    Returns (loss, d_log_probs). This is the true gradient with respect to ``log_probs`` as given.
    (PyTorch's ctc backward adds ``exp(log_probs)``, times each sequence's reduction weight, to it;
    log_softmax's backward removes that term, so both give the same gradient for the logits: chain
    ``log_softmax_backward`` for those. Losses and logit gradients were checked against PyTorch.) An infeasible target (too long for its input) has loss
    inf (0 with zero_infinity) and zero gradient.
    """
    _check_reduction(reduction)
    log_probs = np.asarray(log_probs)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs[:, None, :]
        targets = np.asarray(targets)[None]
        input_lengths = [int(np.asarray(input_lengths))]
        target_lengths = [int(np.asarray(target_lengths))]
    if log_probs.ndim != 3:
        raise ValueError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape {log_probs.shape}")
    T, N, C = log_probs.shape
    input_lengths = np.asarray(input_lengths, dtype=np.int64).reshape(N)
    target_lengths = np.asarray(target_lengths, dtype=np.int64).reshape(N)
    if np.any(input_lengths < 1) or np.any(input_lengths > T):
        raise ValueError(f"ctc_loss: input_lengths must be in [1, {T}]")
    if not 0 <= blank < C:
        raise ValueError(f"blank must be in [0, {C - 1}], got {blank}")
    labels = _split_targets(targets, target_lengths, N)
    for y in labels:
        if np.any(y == blank) or np.any((y < 0) | (y >= C)):
            raise ValueError("ctc_loss: targets must be classes in [0, C) other than blank")

    # Extended labels, padded with blanks to a common length S.
    S = 2 * int(target_lengths.max(initial=0)) + 1
    ext = np.full((N, S), blank, dtype=np.int64)
    for n, y in enumerate(labels):
        ext[n, :2 * len(y) + 1] = _extend_with_blanks(y, blank)
    S_n = 2 * target_lengths + 1
    # skip s-2 -> s allowed when l'_s is a label that differs from l'_{s-2}
    can_skip = np.zeros((N, S), dtype=bool)
    can_skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    batch = np.arange(N)
    lp = log_probs.astype(np.float64)
    emit = lp[:, batch[:, None], ext]                        # (T, N, S): log p_t(l'_s)
    NEG = -np.inf

    log_alpha = np.full((T, N, S), NEG)
    log_alpha[0, :, 0] = emit[0, :, 0]
    if S > 1:
        log_alpha[0, :, 1] = np.where(S_n > 1, emit[0, :, 1], NEG)
    for t in range(1, T):
        prev = log_alpha[t - 1]
        from_left = np.full((N, S), NEG); from_left[:, 1:] = prev[:, :-1]
        from_skip = np.full((N, S), NEG); from_skip[:, 2:] = prev[:, :-2]
        from_skip[~can_skip] = NEG
        log_alpha[t] = emit[t] + np.logaddexp(np.logaddexp(prev, from_left), from_skip)

    last = input_lengths - 1
    end_a = log_alpha[last, batch, S_n - 1]
    end_b = np.where(S_n > 1, log_alpha[last, batch, np.maximum(S_n - 2, 0)], NEG)
    log_likelihood = np.logaddexp(end_a, end_b)                 # (N,) log P(y|x)

    # beta starts at each sequence's own last step, at its last two extended positions.
    log_beta = np.full((T, N, S), NEG)
    s_index = np.arange(S)[None, :]
    skip_next = np.zeros((N, S), dtype=bool)                 # s -> s+2 allowed
    skip_next[:, :-2] = can_skip[:, 2:]
    for t in range(T - 1, -1, -1):
        is_last = (t == last)[:, None]
        start = np.where((s_index == S_n[:, None] - 1) | (s_index == S_n[:, None] - 2), emit[t], NEG)
        if t + 1 < T:
            nxt = log_beta[t + 1]
            from_right = np.full((N, S), NEG); from_right[:, :-1] = nxt[:, 1:]
            from_skip = np.full((N, S), NEG); from_skip[:, :-2] = nxt[:, 2:]
            from_skip[~skip_next] = NEG
            recurse = emit[t] + np.logaddexp(np.logaddexp(nxt, from_right), from_skip)
        else:
            recurse = np.full((N, S), NEG)
        log_beta[t] = np.where(is_last, start, np.where((t < last)[:, None], recurse, NEG))

    feasible = np.isfinite(log_likelihood)
    nll = np.where(feasible, -log_likelihood, np.inf)
    # occupancy gamma_t(s) = alpha_t(s) beta_t(s) / (p_t(l'_s) P), summed over s with l'_s = k
    with np.errstate(invalid="ignore"):
        log_gamma = log_alpha + log_beta - emit - np.where(feasible, log_likelihood, 0.0)[None, :, None]
    gamma = np.where(feasible[None, :, None], np.exp(log_gamma), 0.0)
    onehot = np.eye(C)[ext]                                  # (N, S, C)
    d_nll = -np.einsum("tns,nsc->tnc", gamma, onehot)         # d nll_n / d log_probs[:, n]

    if zero_infinity:
        nll = np.where(feasible, nll, 0.0)
    if reduction == "none":
        loss, scale = (nll[0] if unbatched else nll), np.ones(N)
    elif reduction == "sum":
        loss, scale = float(nll.sum()), np.ones(N)
    else:
        per_label = np.maximum(target_lengths, 1)
        loss, scale = float(np.mean(nll / per_label)), 1.0 / (per_label * N)
    grad = (d_nll * scale[None, :, None]).astype(log_probs.dtype)
    return loss, (grad[:, 0] if unbatched else grad)


def ctc_collapse(path, blank: int = 0) -> list[int]:
    """The CTC collapse B: merge repeated symbols, then drop blanks. (a a _ a b b) -> (a a b)."""
    out, previous = [], None
    for symbol in path:
        symbol = int(symbol)
        if symbol != previous and symbol != blank:
            out.append(symbol)
        previous = symbol
    return out


def ctc_best_path(log_probs: np.ndarray, blank: int = 0):
    """Best-path (greedy) decoding: the most probable class at each step, collapsed.

    log_probs: (T, C) for one sequence.  Returns (path: list of T classes, labels: collapsed list).
    The best path is the single most probable alignment; its collapse is not always the most
    probable labelling (which sums over all alignments), but usually is in practice.
    """
    path = [int(k) for k in np.argmax(log_probs, axis=-1)]
    return path, ctc_collapse(path, blank)


def ctc_alignments(target, n_steps: int, n_classes: int | None = None, blank: int = 0,
                   max_alignments: int = 100_000) -> list[tuple[int, ...]]:
    """Every alignment of length n_steps that collapses to target, in lexicographic order of the
    path through the extended label. For a small example (e.g. target 'ab', T = 4) to list them.

    Walks the extended label l': each step stays on s, moves to s+1, or skips to s+2 when allowed,
    starting in s = 0 or 1 and ending in S-1 or S-2.
    """
    target = [int(k) for k in target]
    ext = _extend_with_blanks(np.asarray(target, dtype=np.int64), blank).tolist()
    S = len(ext)
    alignments: list[tuple[int, ...]] = []

    def walk(path_states):
        if len(alignments) >= max_alignments:
            raise ValueError(f"more than {max_alignments} alignments: the example is not small")
        if len(path_states) == n_steps:
            if path_states[-1] >= S - 2:
                alignments.append(tuple(ext[s] for s in path_states))
            return
        s = path_states[-1]
        for nxt in (s, s + 1, s + 2):
            if nxt >= S or (nxt == s + 2 and (ext[nxt] == blank or ext[nxt] == ext[s])):
                continue
            # prune states from which the end cannot be reached in the steps left
            steps_left = n_steps - len(path_states) - 1
            if (S - 2 - nxt) > 2 * steps_left + 1:
                continue
            walk(path_states + [nxt])

    for first in (0, 1):
        if first < S:
            walk([first])
    return alignments


def ctc_brute_force_nll(log_probs: np.ndarray, target, blank: int = 0) -> float:
    """-log P(y|x) by summing prod_t p_t(pi_t) over every path pi of length T that collapses to y.

    Enumerates all C^T paths: only for tiny examples and for checking ``ctc_loss``."""
    T, C = log_probs.shape
    target = [int(k) for k in target]
    total = -np.inf
    for path in itertools.product(range(C), repeat=T):
        if ctc_collapse(path, blank) == target:
            total = np.logaddexp(total, float(sum(log_probs[t, k] for t, k in enumerate(path))))
    return float(-total)
