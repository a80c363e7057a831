"""A personal FSRS model: FSRS-6's 21 parameters fitted to the learner's own review log.

The fitting is fsrs-rs's (`fsrs_rs_python`, the Rust engine Anki uses; this module is its only
importer). Its input is one `FSRSItem` per rating after a card's first, holding that card's
history up to it as (rating, days since the previous rating), days counted in the learner's day
(their zone and day-start hour, as the queue counts them). fsrs-rs panics on an item whose
reviews all have delta_t == 0, so those are left out.

How much data. fsrs-rs's `compute_parameters` (src/training.rs) returns the defaults below
8 items after its outlier filter, fits only the four initial stabilities below 64, and trains
all 21 parameters from 64 on: MIN_ITEMS is that 64, counted in the 80% used for fitting.

Held-out evaluation. The most recent 20% of the learner's ratings (by time) are held out: the
parameters are fitted on items whose last rating came before them, and both the default and the
fitted parameters predict the held-out ratings made at least a day after the card's previous one.
Metrics follow the open-spaced-repetition srs-benchmark (github.com/open-spaced-repetition/
srs-benchmark, its `rmse_matrix` and sklearn's `log_loss`): y = 1 unless the rating is Again;
p = FSRS-6's retrievability R(t, S) = (1 + factor t / S)^(-w20), factor = 0.9^(-1/w20) - 1,
with S the stability after the card's earlier ratings; log loss = mean of -[y ln p + (1-y) ln(1-p)]
(p clipped to [1e-15, 1 - 1e-15]); RMSE(bins) = the root of the count-weighted mean of
(mean y - mean p)^2 over bins of (delta_t rounded to 2.48 * 3.62^floor(log_3.62 t), review
number i rounded to 1.99 * 1.89^floor(log_1.89 i), lapses rounded to 1.65 * 1.73^floor(log_1.73 l)
or 0), where i counts the card's ratings up to and including this one and l its earlier Again
ratings made at least a day after the one before.

Applying. The learner applies the fitted parameters (validated by fsrs's own bounds, stored in
their settings) or keeps the defaults. Either the next ratings only use them, or every card's
due date and memory state are recomputed: the card's log replayed with the new parameters through
`scheduling.apply_rating` (the seeded fuzz, as a rating is applied: not fsrs's `reschedule_card`,
which draws from the global generator and replays undone reviews), stored as one due-date change
per card, so the log still replays to the state. Past reviews keep the settings they were made under.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import fsrs_rs_python as fsrs_rs
from django.db import transaction

from studyapp.accounts.models import Learner

from . import imports, scheduling
from .models import CardState, Review, ReviewSettings

MIN_ITEMS = 64
HOLD_OUT = 0.2
PARAMETERS_REASON = "new FSRS parameters"
_EPS = 1e-15


class NotEnoughData(ValueError):
    """Too few reviews to fit; `needed` more would do."""

    def __init__(self, message: str, needed: int):
        super().__init__(message)
        self.needed = needed


@dataclass(frozen=True)
class Rated:
    card: int
    when: datetime
    rating: int
    day: int  # the learner's day number


@dataclass(frozen=True)
class Item:
    card: int
    when: datetime  # of its last (target) rating
    reviews: tuple[tuple[int, int], ...]  # (rating, delta_t days)
    lapses: int  # Again ratings before the target made at least a day after the previous one

    def fsrs(self, upto: int | None = None):
        return fsrs_rs.FSRSItem([fsrs_rs.FSRSReview(r, d) for r, d in self.reviews[:upto]])


@dataclass(frozen=True)
class Metrics:
    log_loss: float
    rmse_bins: float
    count: int


@dataclass(frozen=True)
class Fit:
    parameters: tuple[float, ...]
    default: Metrics
    fitted: Metrics
    train_items: int
    reviews: int

    @property
    def better(self) -> bool:
        return self.fitted.log_loss < self.default.log_loss


def _day_number(moment: datetime, settings: ReviewSettings) -> int:
    local = moment.astimezone(scheduling.zone_of(settings)) - timedelta(hours=settings.day_start_hour)
    return local.date().toordinal()


def ratings_of(*, learner: Learner, settings: ReviewSettings) -> list[Rated]:
    """The learner's ratings not undone, in time order (one query)."""
    rows = (Review.objects.filter(learner=learner, kind=Review.RATING, undone=False)
            .order_by("reviewed_at", "pk").values_list("flashcard_id", "reviewed_at", "rating"))
    return [Rated(card, when, rating, _day_number(when, settings)) for card, when, rating in rows.iterator(chunk_size=5000)]


def items_of(ratings: list[Rated]) -> list[Item]:
    """One item per rating after a card's first whose history has a delta_t > 0."""
    history: dict[int, list[tuple[int, int]]] = defaultdict(list)
    last_day: dict[int, int] = {}
    lapses: dict[int, int] = defaultdict(int)
    items = []
    for rated in ratings:
        reviews = history[rated.card]
        delta = rated.day - last_day[rated.card] if reviews else 0
        if reviews:
            candidate = (*reviews, (rated.rating, delta))
            if any(d > 0 for _, d in candidate):
                items.append(Item(rated.card, rated.when, candidate, lapses[rated.card]))
        reviews.append((rated.rating, delta))
        if reviews[:-1] and delta > 0 and rated.rating == 1:
            lapses[rated.card] += 1
        last_day[rated.card] = rated.day
    return items


def split(items: list[Item], ratings: list[Rated]) -> tuple[list[Item], list[Item]]:
    """(fitting items, held-out items): held out are the items of the most recent 20% of ratings
    whose target came at least a day after the card's previous rating."""
    if not ratings:
        return [], []
    cut = ratings[min(len(ratings) - 1, int(len(ratings) * (1 - HOLD_OUT)))].when
    train = [item for item in items if item.when < cut]
    test = [item for item in items if item.when >= cut and item.reviews[-1][1] > 0]
    return train, test


def status(*, learner: Learner | None) -> dict:
    """How many items the learner has for fitting and how many more are needed (no fitting)."""
    if learner is None:
        return {"train_items": 0, "needed": MIN_ITEMS, "reviews": 0}
    settings = scheduling.settings_for(learner=learner)
    ratings = ratings_of(learner=learner, settings=settings)
    train, _ = split(items_of(ratings), ratings)
    return {"train_items": len(train), "needed": max(0, MIN_ITEMS - len(train)), "reviews": len(ratings)}


def _retrievability(parameters, elapsed: float, stability: float) -> float:
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return (1 + factor * elapsed / stability) ** decay


def _bin(value: float, base: float, scale: float, digits: int) -> float:
    return round(scale * base ** math.floor(math.log(value) / math.log(base)), digits)


def evaluate(parameters, items: list[Item]) -> Metrics:
    """Log loss and RMSE(bins) of `parameters` on held-out items (srs-benchmark's definitions)."""
    if not items:
        return Metrics(float("nan"), float("nan"), 0)
    model = fsrs_rs.FSRS(list(parameters))
    states = model.memory_state_batch([item.fsrs(-1) for item in items])
    loss = 0.0
    bins: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for item, state in zip(items, states, strict=True):
        rating, elapsed = item.reviews[-1]
        p = min(max(_retrievability(parameters, elapsed, state.stability), _EPS), 1 - _EPS)
        y = 1.0 if rating > 1 else 0.0
        loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
        key = (_bin(elapsed, 3.62, 2.48, 2), _bin(len(item.reviews), 1.89, 1.99, 0),
               _bin(item.lapses, 1.73, 1.65, 0) if item.lapses else 0)
        cell = bins[key]
        cell[0] += y
        cell[1] += p
        cell[2] += 1
    total = len(items)
    squared = sum(n * (y / n - p / n) ** 2 for y, p, n in bins.values())
    return Metrics(loss / total, math.sqrt(squared / total), total)


def fit(*, learner: Learner) -> Fit:
    """Fit the parameters on all but the most recent 20% of ratings and evaluate both sets on
    those. NotEnoughData below MIN_ITEMS (or when fsrs-rs's outlier filter leaves too few)."""
    settings = scheduling.settings_for(learner=learner)
    ratings = ratings_of(learner=learner, settings=settings)
    items = items_of(ratings)
    train, test = split(items, ratings)
    if len(train) < MIN_ITEMS:
        needed = MIN_ITEMS - len(train)
        raise NotEnoughData(f"The optimiser needs {MIN_ITEMS} reviews of cards seen on an earlier day "
                            f"(you have {len(train)} to fit on): about {needed} more.", needed)
    defaults = tuple(float(p) for p in fsrs_rs.DEFAULT_PARAMETERS)
    try:
        fitted = tuple(fsrs_rs.FSRS(list(defaults)).compute_parameters([item.fsrs() for item in train]))
    except ValueError as error:  # fsrs-rs's NotEnoughData after its outlier filter
        raise NotEnoughData(f"After leaving out outliers the optimiser had too little to fit ({error}); "
                            "review for a few more days and try again.", 1) from None
    fitted = scheduling.validate_parameters(round(p, 4) for p in fitted)
    return Fit(parameters=fitted, default=evaluate(defaults, test), fitted=evaluate(fitted, test),
               train_items=len(train), reviews=len(ratings))


@dataclass(frozen=True)
class AppliedParameters:
    parameters: tuple[float, ...]
    rescheduled: int


def apply_parameters(*, learner: Learner, parameters, reschedule: bool, now: datetime) -> AppliedParameters:
    """Store `parameters` (ValueError unless fsrs accepts them) in the learner's settings and,
    with `reschedule`, recompute every rated card's memory state and due date by replaying its
    log under them; one transaction."""
    values = scheduling.validate_parameters(parameters)
    now = scheduling._utc(now)
    with transaction.atomic():
        settings = scheduling._ensure_settings(learner, "")
        settings.parameters = list(values)
        settings.save(update_fields=["parameters", "updated"])
        if not reschedule:
            return AppliedParameters(values, 0)
        new_settings = scheduling.SchedulerSettings.of(settings)
        states = {s.pk: s for s in CardState.objects.select_for_update().filter(learner=learner)
                  .exclude(state=CardState.NEW).select_related("flashcard")}
        logs: dict[int, list[Review]] = defaultdict(list)
        for entry in Review.objects.filter(learner=learner, card_state_id__in=list(states), undone=False
                                           ).order_by("version_before"):
            logs[entry.card_state_id].append(entry)
        created, changed = [], []
        for pk, card_state in states.items():
            before = scheduling.snapshot(card_state)
            after = replay_with(log=logs.get(pk, []), settings=new_settings, card_slug=card_state.flashcard.slug)
            after = {**before, **{k: after[k] for k in ("state", "step", "stability", "difficulty", "due")}}
            if after == before:
                continue
            created.append(Review(
                learner=learner, card_state=card_state, flashcard_id=card_state.flashcard_id, kind=Review.RESCHEDULE,
                reviewed_at=now, before_state=before["state"], state_before=before, state_after=after,
                settings=new_settings.to_dict(), reason=PARAMETERS_REASON, version_before=card_state.version,
                version_after=card_state.version + 1, interval_before=scheduling.interval_days(before)))
            scheduling._restore(card_state, after)
            card_state.version += 1
            changed.append(card_state)
        imports.insert_reviews(created)
        imports.update_states(changed)
    return AppliedParameters(values, len(changed))


def replay_with(*, log: list[Review], settings: scheduling.SchedulerSettings, card_slug: str) -> dict:
    """A card's log (entries not undone) replayed with its ratings made under `settings`
    (earlier parameter changes superseded, other changes as recorded)."""
    state = scheduling.snapshot(None)
    for entry in log:
        if entry.kind == Review.RATING:
            state = {**scheduling.apply_rating(state=state, rating=entry.rating, now=entry.reviewed_at,
                                               settings=settings, card_slug=card_slug), "buried_until": None,
                     "brought_forward_at": None}
        elif not (entry.kind == Review.RESCHEDULE and entry.reason == PARAMETERS_REASON):
            state = scheduling.replay_entry(state=state, entry=entry, card_slug=card_slug)
    return state
