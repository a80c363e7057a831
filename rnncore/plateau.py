"""The plateau rule: has a run stopped improving?

A run has plateaued when none of its last ``patience`` evaluations beat the best evaluation
before them by more than ``min_improvement`` (a fraction of that best):

    best_before = best of evaluations 0 .. n - patience - 1
    best_recent = best of evaluations n - patience .. n - 1
    plateau     = best_recent is not better than best_before by min_improvement * |best_before|

"Better" is lower for a loss and higher for an accuracy (``higher_is_better``). With the
defaults (5 evaluations, 1 %) a run at eval_every = 25 is called stuck after 125 steps without
a 1 % better evaluation. A run whose metric sits at its best possible value (a perfect
accuracy, ``perfect``) has not plateaued: it has nothing left to learn on that metric.

Pure: lists of floats in, a small report out. ``Trainer.plateau()`` applies it to a run's
evaluation loss.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from . import limits

PATIENCE = 5                       # evaluations without a better one
MIN_IMPROVEMENT = 0.01             # "better" means better by this fraction of the best so far
PATIENCE_RANGE = (1, 1_000)
MIN_IMPROVEMENT_RANGE = (0.0, 1.0)


@dataclass(frozen=True)
class Plateau:
    """A plateau: the best evaluation (its value and step), how many evaluations since it
    did not beat it, and the step of the first of them."""

    metric: str
    best: float
    best_step: float
    evaluations: int
    since_step: float

    def as_dict(self) -> dict:
        return asdict(self)


def detect_plateau(values: list[float], steps: list[float], *, metric: str = "eval_loss",
                   higher_is_better: bool = False, patience: int = PATIENCE,
                   min_improvement: float = MIN_IMPROVEMENT,
                   perfect: float | None = None) -> Plateau | None:
    """The plateau the evaluation history (values at steps, oldest first) has reached, or None.

    Needs patience + 1 evaluations at least (the best before the window, and the window).
    """
    patience = limits.check_int("patience", patience, *PATIENCE_RANGE)
    min_improvement = limits.check_real("min_improvement", min_improvement,
                                        *MIN_IMPROVEMENT_RANGE)
    if len(values) != len(steps):
        raise ValueError(f"values and steps must have the same length, got {len(values)} "
                         f"and {len(steps)}")
    if len(values) <= patience:
        return None
    before, recent = values[:-patience], values[-patience:]
    pick = max if higher_is_better else min
    best_before = pick(before)
    best_recent = pick(recent)
    if perfect is not None and best_recent == perfect:
        return None
    margin = min_improvement * abs(best_before)
    improved = (best_recent > best_before + margin if higher_is_better
                else best_recent < best_before - margin)
    if improved:
        return None
    best_index = max(i for i, v in enumerate(before) if v == best_before)
    return Plateau(metric=metric, best=float(best_before), best_step=float(steps[best_index]),
                   evaluations=len(values) - 1 - best_index,
                   since_step=float(steps[best_index + 1]))
