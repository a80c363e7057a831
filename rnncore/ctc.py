"""Connectionist temporal classification: the loss and its small helpers.

    CTC = -log P(y | x)       (the alignment between the T steps and the label is unknown)

``ctc_loss`` mirrors ``torch.nn.functional.ctc_loss`` (same arguments, same numbers) and returns
``(loss, d_loss / d_log_probs)``. The helpers ``ctc_collapse``, ``ctc_best_path`` and
``ctc_alignments`` are for teaching: the collapse B, greedy decoding, and the list of every
alignment of a small example. Every entry point validates its arguments and raises ValueError
naming the argument and its allowed range; the work is bounded by the CTC limits of rnncore.limits.

Shapes: T time steps, N sequences in the batch, C classes, L target length, S = 2L + 1.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import limits, training_limits

NEG = -np.inf


def _extend_with_blanks(labels, blank: int) -> np.ndarray:
    """l = (a, b) -> l' = (blank, a, blank, b, blank): length 2L + 1."""
    extended = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    extended[1::2] = labels
    return extended


def _lengths(name: str, value, n_batch: int, unbatched: bool) -> np.ndarray:
    """input_lengths / target_lengths as an int64 array of shape (N,)."""
    array = limits.check_integer_array(name, value)
    if unbatched and array.shape in ((), (1,)):
        return array.reshape(1)
    if array.shape != (n_batch,):
        expected = "a single integer" if unbatched else f"shape ({n_batch},), one per sequence"
        raise ValueError(f"{name} must be {expected}, got shape {array.shape}")
    return array


def _check_ctc_inputs(log_probs, targets, input_lengths, target_lengths, blank):
    """Validate ctc_loss's arguments; return (log_probs (T, N, C), labels, input_lengths,
    target_lengths, blank, unbatched)."""
    log_probs = limits.check_floating_array("log_probs", log_probs, min_ndim=2, max_ndim=3)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs[:, None, :]
    T, N, C = log_probs.shape
    blank = limits.check_int("blank", blank, 0, C - 1)
    input_lengths = _lengths("input_lengths", input_lengths, N, unbatched)
    target_lengths = _lengths("target_lengths", target_lengths, N, unbatched)
    if np.any(input_lengths < 1) or np.any(input_lengths > T):
        raise ValueError(f"input_lengths must be in [1, {T}] (T, the steps of log_probs), "
                         f"got {input_lengths.tolist()}")
    if np.any(target_lengths < 0):
        raise ValueError(f"target_lengths must be >= 0, got {target_lengths.tolist()}")
    targets = limits.check_integer_array("targets", targets)
    if unbatched:
        if targets.ndim != 1:
            raise ValueError(f"targets must be 1-D (S,) with 2-D log_probs, got {targets.shape}")
        targets = targets[None]
    if targets.ndim == 2:                                         # padded (N, S)
        if targets.shape[0] != N:
            raise ValueError(f"targets (padded) must have {N} rows, got shape {targets.shape}")
        S = targets.shape[1]
        if np.any(target_lengths > S):
            raise ValueError(f"target_lengths must be in [0, {S}] (the padded targets' width), "
                             f"got {target_lengths.tolist()}")
        labels = [targets[n, :target_lengths[n]] for n in range(N)]
    elif targets.ndim == 1:                                       # concatenated (sum(L),)
        if int(target_lengths.sum()) != targets.shape[0]:
            raise ValueError(f"target_lengths must sum to len(targets) = {targets.shape[0]} for "
                             f"concatenated targets, got sum {int(target_lengths.sum())}")
        offsets = np.concatenate([[0], np.cumsum(target_lengths)])
        labels = [targets[offsets[n]:offsets[n + 1]] for n in range(N)]
    else:
        raise ValueError(f"targets must be (N, S) padded or (sum(target_lengths),) "
                         f"concatenated, got shape {targets.shape}")
    cells = T * N * (2 * int(target_lengths.max()) + 1)
    if cells > limits.MAX_CTC_LATTICE:
        raise ValueError(f"ctc_loss: T * N * (2 max(target_lengths) + 1) must be at most "
                         f"{limits.MAX_CTC_LATTICE}, got {cells}")
    for y in labels:
        if np.any((y < 0) | (y >= C) | (y == blank)):
            raise ValueError(f"targets must be classes in [0, {C - 1}] other than blank "
                             f"({blank}), got {y.tolist()}")
    return log_probs, labels, input_lengths, target_lengths, blank, unbatched


def ctc_loss(log_probs: np.ndarray, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """Connectionist temporal classification loss, as ``torch.nn.functional.ctc_loss``.

    log_probs:      (T, N, C) log-probabilities (log_softmax of the network's scores), or (T, C);
                    floating point and finite
    targets:        (N, S) padded, or (sum(target_lengths),) concatenated class indices (integers
                    in [0, C) other than blank); (S,) with 2-D log_probs
    input_lengths:  (N,) integers in [1, T];  target_lengths: (N,) integers in [0, S] (padded) or
                    summing to len(targets) (concatenated)
    blank:          integer in [0, C)

    P(y|x) sums, over every alignment pi of length T that collapses to y (merge repeats, then
    drop blanks), the product prod_t p_t(pi_t). It is computed by the forward-backward
    recursions over the blank-extended label l' = (_, y1, _, y2, ..., _), in log space:

        alpha_t(s) = p_t(l'_s) * (alpha_{t-1}(s) + alpha_{t-1}(s-1) [+ alpha_{t-1}(s-2)])
        beta_t(s)  = p_t(l'_s) * (beta_{t+1}(s)  + beta_{t+1}(s+1)  [+ beta_{t+1}(s+2)])
        P(y|x)     = alpha_{T-1}(S-1) + alpha_{T-1}(S-2)
    the bracketed skip only when l'_s is not blank and differs from l'_{s-2}. Then

        loss = -log P(y|x)
        d loss / d log p_t(k) = -1/P * sum_{s: l'_s = k} alpha_t(s) beta_t(s) / p_t(k)

    i.e. minus the posterior occupancy of class k at step t. 'mean' divides each sequence's loss
    by its target length (at least 1), then averages over the batch; 'sum' adds them up.

    Returns (loss, d_log_probs), the true gradient with respect to ``log_probs`` as given.
    PyTorch's ctc backward adds ``exp(log_probs)`` (times each sequence's reduction weight);
    log_softmax's backward removes that term, so both give the same gradient for the logits:
    chain ``log_softmax_backward`` for those. An infeasible target (too long for its input) has
    loss inf (0 with zero_infinity) and zero gradient.
    """
    limits.check_choice("reduction", reduction, training_limits.REDUCTIONS)
    limits.check_bool("zero_infinity", zero_infinity, words="true or false")
    log_probs, labels, input_lengths, target_lengths, blank, unbatched = _check_ctc_inputs(
        log_probs, targets, input_lengths, target_lengths, blank)
    T, N, C = log_probs.shape

    # Extended labels, padded with blanks to a common length S.
    S = 2 * int(target_lengths.max()) + 1
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

    log_alpha = np.full((T, N, S), NEG)
    log_alpha[0, :, 0] = emit[0, :, 0]
    if S > 1:
        log_alpha[0, :, 1] = np.where(S_n > 1, emit[0, :, 1], NEG)
    from_left = np.full((N, S), NEG)
    from_skip = np.full((N, S), NEG)
    for t in range(1, T):
        prev = log_alpha[t - 1]
        from_left[:, 1:] = prev[:, :-1]
        from_skip[:, 2:] = np.where(can_skip[:, 2:], prev[:, :-2], NEG)
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
    is_end = (s_index == S_n[:, None] - 1) | (s_index == S_n[:, None] - 2)
    from_right = np.full((N, S), NEG)
    from_skip = np.full((N, S), NEG)
    for t in range(T - 1, -1, -1):
        start = np.where(is_end, emit[t], NEG)
        if t + 1 < T:
            nxt = log_beta[t + 1]
            from_right[:, :-1] = nxt[:, 1:]
            from_skip[:, :-2] = np.where(skip_next[:, :-2], nxt[:, 2:], NEG)
            recurse = emit[t] + np.logaddexp(np.logaddexp(nxt, from_right), from_skip)
        else:
            recurse = np.full((N, S), NEG)
        log_beta[t] = np.where((t == last)[:, None], start,
                               np.where((t < last)[:, None], recurse, NEG))

    feasible = np.isfinite(log_likelihood)
    nll = np.where(feasible, -log_likelihood, np.inf)
    # occupancy gamma_t(s) = alpha_t(s) beta_t(s) / (p_t(l'_s) P), summed over s with l'_s = k
    log_gamma = log_alpha + log_beta - emit - np.where(feasible, log_likelihood, 0.0)[None, :, None]
    gamma = np.where(feasible[None, :, None], np.exp(log_gamma), 0.0)
    d_nll = np.zeros((T, N, C))                              # d nll_n / d log_probs[:, n]
    for s in range(S):                                       # (n, ext[n, s]) pairs are distinct
        d_nll[:, batch, ext[:, s]] -= gamma[:, :, s]

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
    """The CTC collapse B: merge repeated symbols, then drop blanks. (a a _ a b b) -> (a a b).

    path: a 1-D sequence of non-negative integers; blank: an integer in [0, limits.MAX_CLASSES]."""
    blank = limits.check_int("blank", blank, 0, limits.MAX_CLASSES)
    path = limits.check_integer_array("path", path, ndim=1)
    if np.any(path < 0):
        raise ValueError("path must hold class indices >= 0")
    out, previous = [], None
    for symbol in path.tolist():
        if symbol != previous and symbol != blank:
            out.append(symbol)
        previous = symbol
    return out


def ctc_best_path(log_probs: np.ndarray, blank: int = 0):
    """Best-path (greedy) decoding: the most probable class at each step, collapsed.

    log_probs: (T, C) for one sequence (floating point, finite); blank in [0, C).
    Returns (path: list of T classes, labels: collapsed list). The best path is the single most
    probable alignment; its collapse is not always the most probable labelling (which sums over
    all alignments), but usually is in practice.
    """
    log_probs = limits.check_floating_array("log_probs", log_probs, min_ndim=2, max_ndim=2)
    blank = limits.check_int("blank", blank, 0, log_probs.shape[1] - 1)
    path = [int(k) for k in np.argmax(log_probs, axis=-1)]
    return path, ctc_collapse(path, blank)


def _check_label(target, blank: int, n_classes: int | None, max_length: int) -> list[int]:
    target = limits.check_integer_array("target", target, ndim=1)
    if target.shape[0] > max_length:
        raise ValueError(f"target must have at most {max_length} labels, got {target.shape[0]}")
    high = limits.MAX_CLASSES if n_classes is None else n_classes - 1
    if np.any((target < 0) | (target > high) | (target == blank)):
        raise ValueError(f"target must hold classes in [0, {high}] other than blank ({blank}), "
                         f"got {target.tolist()}")
    return target.tolist()


def ctc_alignments(target, n_steps: int, n_classes: int | None = None, blank: int = 0,
                   max_alignments: int = limits.MAX_ALIGNMENTS) -> list[tuple[int, ...]]:
    """Every alignment of length n_steps that collapses to target, in lexicographic order of the
    path through the extended label. For a small example (e.g. target 'ab', T = 4) to list them.

    target: labels (integers >= 0, not blank; below n_classes when it is given);
    n_steps in [1, limits.MAX_ALIGNMENT_STEPS]; blank in [0, n_classes); max_alignments in
    [1, limits.MAX_ALIGNMENTS]: more alignments than that raise ValueError before any is built.

    Walks the extended label l': each step stays on s, moves to s+1, or skips to s+2 when
    allowed, starting in s = 0 or 1 and ending in S-1 or S-2. The walk is iterative and only
    enters states from which the end is still reachable, so its work is proportional to the
    alignments it lists.
    """
    n_steps = limits.check_int("n_steps", n_steps, 1, limits.MAX_ALIGNMENT_STEPS)
    max_alignments = limits.check_int("max_alignments", max_alignments, 1,
                                       limits.MAX_ALIGNMENTS)
    if n_classes is not None:
        n_classes = limits.check_int("n_classes", n_classes, 2, limits.MAX_CLASSES)
    blank = limits.check_int("blank", blank, 0,
                             limits.MAX_CLASSES if n_classes is None else n_classes - 1)
    labels = _check_label(target, blank, n_classes, limits.MAX_ALIGNMENT_STEPS)
    ext = _extend_with_blanks(labels, blank).tolist()
    S, T = len(ext), n_steps

    def moves(s):
        yield s
        if s + 1 < S:
            yield s + 1
        if s + 2 < S and ext[s + 2] != blank and ext[s + 2] != ext[s]:
            yield s + 2

    # completions[t, s]: alignments that finish from state s at step t (capped past the limit)
    cap = max_alignments + 1
    ext_array = np.asarray(ext)
    skip_next = np.zeros(S, dtype=bool)                      # s -> s+2 allowed
    skip_next[:-2] = (ext_array[2:] != blank) & (ext_array[2:] != ext_array[:-2])
    completions = np.zeros((T, S), dtype=np.int64)
    completions[T - 1, max(S - 2, 0):] = 1
    for t in range(T - 2, -1, -1):
        following = completions[t + 1]
        count = following.copy()
        count[:-1] += following[1:]
        count[:-2] += np.where(skip_next[:-2], following[2:], 0)
        completions[t] = np.minimum(count, cap)
    total = int(completions[0, :2].sum())
    if total > max_alignments:
        raise ValueError(f"more than max_alignments = {max_alignments} alignments: "
                         f"the example is not small")

    alignments: list[tuple[int, ...]] = []
    path = [0] * T
    stack = [(0, s) for s in (1, 0) if s < S and completions[0, s]]
    while stack:
        t, s = stack.pop()
        path[t] = s
        if t == T - 1:
            alignments.append(tuple(ext[k] for k in path))
            continue
        for m in reversed(list(moves(s))):
            if completions[t + 1, m]:
                stack.append((t + 1, m))
    return alignments


def ctc_brute_force_nll(log_probs: np.ndarray, target, blank: int = 0) -> float:
    """-log P(y|x) by summing prod_t p_t(pi_t) over every path pi of length T that collapses to y.

    Enumerates all C^T paths (at most limits.MAX_BRUTE_FORCE_PATHS): only for tiny examples.
    log_probs (T, C) floating point and finite; target as for ctc_alignments."""
    log_probs = limits.check_floating_array("log_probs", log_probs, min_ndim=2, max_ndim=2)
    T, C = log_probs.shape
    if C ** T > limits.MAX_BRUTE_FORCE_PATHS:
        raise ValueError(f"C ** T must be at most {limits.MAX_BRUTE_FORCE_PATHS}, "
                         f"got {C} ** {T}")
    blank = limits.check_int("blank", blank, 0, C - 1)
    labels = _check_label(target, blank, C, T)
    total = -np.inf
    for path in itertools.product(range(C), repeat=T):
        if ctc_collapse(path, blank) == labels:
            total = np.logaddexp(total, float(sum(log_probs[t, k] for t, k in enumerate(path))))
    return float(-total)
