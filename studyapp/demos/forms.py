"""The demos' GET forms: the URL is a demo's whole state.

Every field is bounded by the product bounds (studyapp/demos/bounds.py). Matrices and vectors
are grids of text inputs, one per entry, named `W_x-0-1` (row 0, column 1) or `b-2`; an entry
the URL does not give comes from the demo's seeded draw, so changing a size keeps the entries
that overlap and fills the new ones from the draw, and "Resample" (a new seed, no entries) draws
them all again. An unparsable or out-of-range value is a field error, never a 500.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Callable

import numpy as np
from django import forms
from django.http import QueryDict

from . import (activations, bidirectional, bounds, feedforward_recurrent, forward_pass,
               gradient_flow, gru_cell, hidden_state, losses, lstm_cell)
from .display import number


@dataclass(frozen=True)
class Grid:
    """A matrix (rows x cols) or vector (rows) of numbers, one input per entry.

    rows, cols: an int or the name of the size field giving it; symbol: LaTeX in the course's
    notation; chosen: entries the source does not give, picked for this demo (said on the page).
    blocks: the gates of a stacked LSTM or GRU weight, in the engine's order ("i", "f", "g",
    "o"): `rows` rows per gate, the values an array (gates, rows[, cols]) and the inputs named
    by gate (`W_x-f0-1`: the forget gate's row 0, column 1), so a changed H keeps each gate's
    own entries; block_symbol: a gate's block in LaTeX, "{}" standing for the gate.
    """

    name: str
    label: str
    symbol: str
    rows: int | str
    cols: int | str | None = None
    chosen: bool = False
    low: float = bounds.ENTRY.min
    high: float = bounds.ENTRY.max
    blocks: tuple[str, ...] = ()
    block_symbol: str = ""

    @property
    def is_vector(self) -> bool:
        return self.cols is None

    @property
    def ndim(self) -> int:
        return (1 if self.is_vector else 2) + bool(self.blocks)

    def key(self, *index: int) -> str:
        """The input's name for an index into the values (gate first, for blocks)."""
        if self.blocks:
            gate, row, *rest = index
            index = (f"{self.blocks[gate]}{row}", *rest)
        return "-".join((self.name, *map(str, index)))

    @property
    def size_fields(self) -> list[str]:
        """The form fields its shape depends on ('letters+1' depends on 'letters')."""
        return [spec.split("+")[0] for spec in (self.rows, self.cols) if isinstance(spec, str)]


def entry_text(value: float) -> str:
    """A number as an input holds it: short, ASCII and parseable (0.1, -0.5, 1e-09)."""
    return format(float(value) + 0.0, ".10g")          # + 0.0: never "-0"


def parse_number(text: str) -> float:
    """A number as a learner types it: '0.5', '-1', '−1' (a typographic minus), '1e-3', ',5'."""
    cleaned = text.strip().replace("\u2212", "-").replace(",", ".")
    value = float(cleaned)              # ValueError for anything else
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _range_text(low, high, start: str = "from ") -> str:
    def text(value):
        if float(value).is_integer() and abs(value) >= 1e5:
            return str(int(value))
        return number(value).replace("\u2212", "-")
    return f"{start}{text(low)} to {text(high)}"


def size_field(label: str, rng: bounds.Bound, help_text: str = "") -> forms.TypedChoiceField:
    """A size offered as a select (changing it re-lays out the grids)."""
    low, high = int(rng.min), int(rng.max)
    message = f"{label}: choose {_range_text(low, high)}."
    return forms.TypedChoiceField(
        label=label, coerce=int, choices=[(n, str(n)) for n in range(low, high + 1)],
        help_text=help_text, error_messages={"invalid_choice": message, "required": message},
        widget=forms.Select(attrs={"data-resizes": "true"}))


def int_field(label: str, rng: bounds.Bound, help_text: str = "", **attrs) -> forms.IntegerField:
    low, high = int(rng.min), int(rng.max)
    message = f"{label}: enter a whole number {_range_text(low, high)}."
    return forms.IntegerField(
        label=label, min_value=low, max_value=high, help_text=help_text,
        error_messages={key: message for key in ("invalid", "required", "min_value", "max_value")},
        widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric", **attrs}))


def real_field(label: str, rng: bounds.Bound, help_text: str = "", *, slider_step=None,
               **attrs) -> forms.FloatField:
    low, high = float(rng.min), float(rng.max)
    message = f"{label}: enter a number {_range_text(low, high)}."
    if slider_step is not None:
        widget = forms.NumberInput(attrs={"type": "range", "step": slider_step, **attrs})
    else:
        widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})
    return forms.FloatField(
        label=label, min_value=low, max_value=high, help_text=help_text, widget=widget,
        error_messages={key: message for key in ("invalid", "required", "min_value", "max_value")})


def choice_field(label: str, choices, help_text: str = "") -> forms.ChoiceField:
    names = ", ".join(str(text) for _, text in choices)
    message = f"{label}: choose one of {names}."
    return forms.ChoiceField(label=label, choices=choices, help_text=help_text,
                             error_messages={"invalid_choice": message, "required": message})


def seed_field(help_text: str = "Entries the link does not give are drawn with this seed; "
                                 "Resample draws a new one.") -> forms.IntegerField:
    return int_field("Seed", bounds.SEED, help_text, **{"class": "seed-input"})


class DemoForm(forms.Form):
    """A demo's parameters: scalar fields (Django's) plus the grids of numbers.

    Subclasses set `grids`, `draw` (seed -> the demo's full-size draw, name -> array) and
    `defaults` (the values shown when the URL gives none; arrays for grids)."""

    grids: tuple[Grid, ...] = ()
    draw: Callable[[int], dict[str, np.ndarray]]
    defaults: dict
    # (title, note) of the grids given as they are and of the `chosen` ones, when they differ
    source_group: tuple[str, str] = ("", "")
    chosen_group: tuple[str, str] = ("Chosen for this demo", "")
    own_controls = False          # True: the demo's template lays out its controls itself

    # ---- building -----------------------------------------------------------------------------
    @classmethod
    def encode(cls, values: dict) -> QueryDict:
        """Parameter values (arrays for the grids) as the query a form reads."""
        query = QueryDict(mutable=True)
        grid_names = {grid.name: grid for grid in cls.grids}
        for name, value in values.items():
            grid = grid_names.get(name)
            if grid is None:
                query[name] = str(value)
                continue
            array = np.asarray(value, dtype=np.float64)
            for index, entry in np.ndenumerate(array):
                query[grid.key(*index)] = entry_text(entry)
        return query

    @classmethod
    def from_query(cls, query: QueryDict) -> "DemoForm":
        """The form for a request's query; the demo's defaults when the query gives nothing."""
        known = set(cls.base_fields) | {g.name for g in cls.grids}
        if not any(key.split("-", 1)[0] in known for key in query):
            return cls(cls.encode(cls.defaults))
        missing = [name for name in cls.base_fields if name not in query]
        if missing:                     # a shortened link: the rest of the defaults
            query = query.copy()
            for name in missing:
                query[name] = str(cls.defaults[name])
        return cls(query)

    @classmethod
    def resampled(cls, query: QueryDict, seed: int | None = None) -> QueryDict:
        """The query with a new seed and no grid entries (all drawn again)."""
        grid_names = {grid.name for grid in cls.grids}
        fresh = QueryDict(mutable=True)
        for key, values in query.lists():
            if key in cls.base_fields and key not in ("seed", "resample") \
                    and key.split("-", 1)[0] not in grid_names:
                fresh.setlist(key, values)
        fresh["seed"] = str(secrets.randbelow(int(bounds.SEED.max) + 1) if seed is None else seed)
        return fresh

    # ---- grids --------------------------------------------------------------------------------
    def _size(self, spec: int | str | None) -> int | None:
        if spec is None or isinstance(spec, int):
            return spec
        cleaned = getattr(self, "cleaned_data", {})
        if spec in cleaned:
            return cleaned[spec]
        initial = self.fields[spec].initial
        if initial is not None:
            return int(initial)
        return int(self.defaults[spec])

    def grid_shape(self, grid: Grid) -> tuple[int, ...]:
        rows = self._size(grid.rows)
        shape = (rows,) if grid.is_vector else (rows, self._size(grid.cols))
        return (len(grid.blocks), *shape) if grid.blocks else shape

    def _seed(self) -> int:
        seed = getattr(self, "cleaned_data", {}).get("seed")
        return int(self.defaults.get("seed", 0)) if seed is None else seed

    def _drawn(self, grid: Grid, shape) -> np.ndarray:
        full = self.draw(self._seed())[grid.name]
        return full[tuple(slice(0, n) for n in shape)]

    def _clean_grid(self, grid: Grid) -> np.ndarray | None:
        shape = self.grid_shape(grid)
        values = np.array(self._drawn(grid, shape), dtype=np.float64)
        problems = []
        for index in np.ndindex(*shape):
            raw = self.data.get(grid.key(*index))
            if raw is None:
                continue
            where = self._where(grid, index)
            try:
                value = parse_number(raw)
            except ValueError:
                problems.append(f"{where}: “{raw[:20]}” is not a number.")
                continue
            if not grid.low <= value <= grid.high:
                problems.append(f"{where}: {raw[:20]} is outside the range "
                                f"{_range_text(grid.low, grid.high, start='')}.")
                continue
            values[index] = value
        if problems:
            self._errors[grid.name] = self.error_class(problems[:3] + (
                [f"and {len(problems) - 3} more."] if len(problems) > 3 else []))
            return None
        return values

    def add_error(self, field, error):
        """As Django's, and for a grid's name too (the engine's message beside that grid)."""
        if field in {grid.name for grid in self.grids}:
            self._errors.setdefault(field, self.error_class()).append(str(error))
            self.cleaned_data.pop(field, None)
            return
        super().add_error(field, error)

    @staticmethod
    def _where(grid: Grid, index) -> str:
        label = grid.label
        if grid.blocks:
            label = f"{label}, gate {grid.blocks[index[0]]}"
            index = index[1:]
        if grid.is_vector:
            return f"{label}, entry {index[0] + 1}"
        return f"{label}, row {index[0] + 1}, column {index[1] + 1}"

    def clean(self):
        cleaned = super().clean()
        for grid in self.grids:
            if any(name in self._errors for name in grid.size_fields):
                continue                 # no shape to read it in: its size's message says why
            value = self._clean_grid(grid)
            if value is not None:
                cleaned[grid.name] = value
        return cleaned

    def grid_rows(self, grid: Grid) -> list[list[dict]]:
        """The grid's inputs for the template: rows of {name, value, label, invalid}; with
        blocks, each gate's rows one after the other, the first cell of a gate's first row
        holding `block` {symbol, rows} (its label, spanning its rows)."""
        shape = self.grid_shape(grid)
        drawn = self._drawn(grid, shape)
        invalid = grid.name in self.errors
        gates = range(shape[0]) if grid.blocks else [None]
        shape = shape[1:] if grid.blocks else shape
        rows = []
        for gate in gates:
            for i in range(shape[0]):
                row = []
                for j in ([None] if grid.is_vector else range(shape[1])):
                    index = tuple(n for n in (gate, i, j) if n is not None)
                    key = grid.key(*index)
                    raw = self.data.get(key)
                    if raw is None:
                        raw = entry_text(drawn[index])
                    row.append({"name": key, "value": raw, "label": self._where(grid, index),
                                "invalid": invalid and not _parses(raw, grid)})
                if gate is not None and i == 0:
                    row[0]["block"] = {"symbol": grid.block_symbol.format(grid.blocks[gate]),
                                       "rows": shape[0]}
                rows.append(row)
        return rows

    def grid_items(self):
        """(grid, rows, errors) for each grid, in order."""
        return [(grid, self.grid_rows(grid), self.errors.get(grid.name)) for grid in self.grids]

    def grid_groups(self) -> list[dict]:
        """The grids in display groups: those given as they are, then the chosen ones."""
        items = self.grid_items()
        groups = []
        for (title, note), chosen in ((self.source_group, False), (self.chosen_group, True)):
            members = [item for item in items if item[0].chosen == chosen]
            if members:
                groups.append({"title": title if any(g.chosen for g in self.grids) else "",
                               "note": note, "items": members})
        return groups

    def error_slots(self) -> list[tuple[str, list]]:
        """(element id, errors) for every field and grid: the htmx response refreshes them all."""
        slots = [(f"{self[name].auto_id}-errors", self.errors.get(name, []))
                 for name in self.fields]
        slots += [(f"id_{grid.name}-errors", self.errors.get(grid.name, [])) for grid in self.grids]
        return slots


def _parses(raw: str, grid: Grid) -> bool:
    try:
        return grid.low <= parse_number(raw) <= grid.high
    except ValueError:
        return False


NONLINEARITY_CHOICES = [("tanh", "tanh"), ("relu", "ReLU")]


class HiddenStateForm(DemoForm):
    D = size_field("Input size D", bounds.STEP_INPUT_SIZE)
    H = size_field("Hidden size H", bounds.STEP_HIDDEN_SIZE)
    Q = size_field("Output size Q", bounds.STEP_OUTPUT_SIZE)
    nonlinearity = choice_field("Activation f", NONLINEARITY_CHOICES)
    seed = seed_field()

    source_group = ("The worked example of topic 030", "")
    chosen_group = ("Chosen for this demo", "the source gives no output layer and no second input")
    grids = (
        Grid("W_x", "W_x", "W_x", "H", "D"),
        Grid("x_1", "x_1", "x_1", "D"),
        Grid("W_h", "W_h", "W_h", "H", "H"),
        Grid("h_0", "h_0", "h_0", "H"),
        Grid("b", "b", "b", "H"),
        Grid("W_y", "W_y", "W_y", "Q", "H", chosen=True),
        Grid("b_y", "b_y", "b_y", "Q", chosen=True),
        Grid("x_2", "x_2", "x_2", "D", chosen=True),
    )
    draw = staticmethod(hidden_state.draw)
    defaults = hidden_state.DEFAULTS


def shift_field(label: str, help_text: str) -> forms.FloatField:
    """A slider adding to one gate's bias in every unit: where the gate sits in (0, 1)."""
    return real_field(label, bounds.GATE_SHIFT, help_text, slider_step=0.5,
                      min=bounds.GATE_SHIFT.min, max=bounds.GATE_SHIFT.max)


_LSTM_ENTRY = {"low": bounds.LSTM_ENTRY.min, "high": bounds.LSTM_ENTRY.max}
_LSTM_BLOCKS = {"blocks": lstm_cell.GATES, **_LSTM_ENTRY}


class LSTMCellForm(DemoForm):
    D = size_field("Input size D", bounds.LSTM_INPUT_SIZE)
    H = size_field("Hidden size H", bounds.LSTM_HIDDEN_SIZE)
    T = int_field("Steps drawn T", bounds.LSTM_STEPS, "x₁ and x₂ as given, then 0.")
    shift_f = shift_field("Forget-gate bias shift Δf",
                          "Added to every b_f. Right: fₜ towards 1, the cell keeps cₜ₋₁; "
                          "left: towards 0, it is wiped.")
    seed = seed_field()

    source_group = ("Step 1 is the worked example of topic 090", "")
    chosen_group = ("Chosen for this demo", "the source gives step 1's gate values only")
    grids = (
        Grid("W_x", "W_x", r"W_{x\cdot}", "H", "D", block_symbol=r"W_{{x{}}}", **_LSTM_BLOCKS),
        Grid("b", "b", r"b_{\cdot}", "H", block_symbol=r"b_{}", **_LSTM_BLOCKS),
        Grid("x_1", "x_1", "x_1", "D", **_LSTM_ENTRY),
        Grid("h_0", "h_0", "h_0", "H", **_LSTM_ENTRY),
        Grid("c_0", "c_0", "c_0", "H", **_LSTM_ENTRY),
        Grid("W_h", "W_h", r"W_{h\cdot}", "H", "H", chosen=True, block_symbol=r"W_{{h{}}}",
             **_LSTM_BLOCKS),
        Grid("x_2", "x_2", "x_2", "D", chosen=True, **_LSTM_ENTRY),
    )
    draw = staticmethod(lstm_cell.draw)
    defaults = lstm_cell.DEFAULTS


_GRU_ENTRY = {"low": bounds.GRU_ENTRY.min, "high": bounds.GRU_ENTRY.max}
_GRU_BLOCKS = {"blocks": gru_cell.GATES, **_GRU_ENTRY}


class GRUCellForm(DemoForm):
    D = size_field("Input size D", bounds.GRU_INPUT_SIZE)
    H = size_field("Hidden size H", bounds.GRU_HIDDEN_SIZE)
    T = int_field("Steps drawn T", bounds.GRU_STEPS, "x₁ and x₂ as given, then 0.")
    shift_r = shift_field("Reset-gate bias shift Δr",
                          "Added to every b_xr. Left: rₜ towards 0, the candidate forgets hₜ₋₁; "
                          "right: towards 1, it uses all of it.")
    shift_z = shift_field("Update-gate bias shift Δz",
                          "Added to every b_xz. Right: zₜ towards 1, hₜ₋₁ is kept; left: "
                          "towards 0, the candidate replaces it.")
    seed = seed_field()

    source_group = ("Step 1 is the example of topic 100", "")
    chosen_group = ("Chosen for this demo", "the source gives step 1's z, candidate and h₀ only")
    grids = (
        Grid("W_x", "W_x", r"W_{x\cdot}", "H", "D", block_symbol=r"W_{{x{}}}", **_GRU_BLOCKS),
        Grid("x_1", "x_1", "x_1", "D", **_GRU_ENTRY),
        Grid("h_0", "h_0", "h_0", "H", **_GRU_ENTRY),
        Grid("W_h", "W_h", r"W_{h\cdot}", "H", "H", chosen=True, block_symbol=r"W_{{h{}}}",
             **_GRU_BLOCKS),
        Grid("b_x", "b_x", r"b_{x\cdot}", "H", chosen=True, block_symbol=r"b_{{x{}}}",
             **_GRU_BLOCKS),
        Grid("b_h", "b_h", r"b_{h\cdot}", "H", chosen=True, block_symbol=r"b_{{h{}}}",
             **_GRU_BLOCKS),
        Grid("x_2", "x_2", "x_2", "D", chosen=True, **_GRU_ENTRY),
    )
    draw = staticmethod(gru_cell.draw)
    defaults = gru_cell.DEFAULTS


class ForwardPassForm(DemoForm):
    T = size_field("Sequence length T", bounds.SEQUENCE_LENGTH)
    D = size_field("Input size D", bounds.SEQUENCE_INPUT_SIZE)
    H = size_field("Hidden size H", bounds.SEQUENCE_HIDDEN_SIZE)
    nonlinearity = choice_field("Activation f", NONLINEARITY_CHOICES)
    seed = seed_field()

    grids = (
        Grid("X", "x_t", r"x_1, \dots, x_T \text{ (one row per step)}", "T", "D"),
        Grid("W_x", "W_x", "W_x", "H", "D"),
        Grid("W_h", "W_h", "W_h", "H", "H"),
        Grid("b", "b", "b", "H"),
    )
    draw = staticmethod(forward_pass.draw)
    defaults = forward_pass.DEFAULTS


class BidirectionalForm(DemoForm):
    directions = size_field("Directions", bounds.STACK_DIRECTIONS,
                            "1: forward only; 2: bidirectional, a backward chain beside it.")
    layers = size_field("Layers L", bounds.STACK_LAYERS)
    T = size_field("Sequence length T", bounds.STACK_LENGTH)
    D = size_field("Input size D", bounds.STACK_INPUT_SIZE)
    H = size_field("Hidden size H (per direction)", bounds.STACK_HIDDEN_SIZE)
    seed = seed_field("Draws every layer's weights and the inputs the link does not give; "
                      "Resample draws a new one.")

    grids = (Grid("X", "x_t", r"x_1, \dots, x_T \text{ (one row per step)}", "T", "D"),)
    draw = staticmethod(bidirectional.draw)
    defaults = bidirectional.DEFAULTS


class FeedforwardRecurrentForm(DemoForm):
    T = size_field("Sequence length T", bounds.CONTRAST_LENGTH)
    D = size_field("Input size D", bounds.CONTRAST_INPUT_SIZE)
    H = size_field("Hidden size H", bounds.CONTRAST_HIDDEN_SIZE)
    k = size_field("Pattern position k", bounds.CONTRAST_POSITION,
                   "The step where the pattern p appears; every other step is all 0. At most T.")
    seed = seed_field("Draws the weights of both networks (and p, if the link does not give "
                      "it); Resample draws a new one.")

    grids = (Grid("p", "p", r"p \text{ (the pattern, } x_k = p)", "D"),)
    draw = staticmethod(feedforward_recurrent.draw)
    defaults = feedforward_recurrent.DEFAULTS

    def clean(self):
        cleaned = super().clean()
        T, k = cleaned.get("T"), cleaned.get("k")
        if T is not None and k is not None and k > T:
            self.add_error("k", f"Pattern position k: choose from 1 to T = {T}.")
        return cleaned


class ActivationsForm(DemoForm):
    a = real_field("Pre-activation a", bounds.ACTIVATION_POINT,
                   "The point where each function and its derivative are read off.")
    span = real_field("Plot from −r to r", bounds.ACTIVATION_RANGE)
    threshold = real_field("Saturated where f′(a) below", bounds.SATURATION_THRESHOLD)
    w_h = real_field("Recurrent weight wₕ", bounds.CHAIN_WEIGHT)
    T = int_field("Steps T", bounds.CHAIN_LENGTH)
    Q = size_field("Scores Q", bounds.SOFTMAX_SIZE)
    seed = seed_field()

    grids = (Grid("s", "s", "s", "Q", low=bounds.LOSS_ENTRY.min, high=bounds.LOSS_ENTRY.max),)
    draw = staticmethod(activations.draw)
    defaults = activations.DEFAULTS


_LOSS_ENTRY = {"low": bounds.LOSS_ENTRY.min, "high": bounds.LOSS_ENTRY.max}


class LossesForm(DemoForm):
    mse_Q = size_field("Output features Q", bounds.MSE_SIZE)
    Q = size_field("Classes Q", bounds.CROSS_ENTROPY_CLASSES)
    y = forms.TypedChoiceField(
        label="Target class y", coerce=int,
        choices=[(k, str(k)) for k in range(1, int(bounds.CROSS_ENTROPY_CLASSES.max) + 1)],
        error_messages={"invalid_choice": "Choose a target class from 1 to Q.",
                        "required": "Choose a target class from 1 to Q."})
    T = size_field("Steps T", bounds.CTC_STEPS)
    letters = size_field("Letters", bounds.CTC_LABELS)
    target = forms.CharField(
        label="Target label sequence", max_length=int(bounds.CTC_TARGET_LENGTH.max),
        required=False, strip=True, help_text="Empty: the target with no labels (all blanks).",
        error_messages={"max_length": "Target label sequence: at most "
                                      f"{int(bounds.CTC_TARGET_LENGTH.max)} letters."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    seed = seed_field()

    own_controls = True           # three examples, each with its own fields
    grids = (
        Grid("y_hat", "ŷ (prediction)", r"\hat{y}", "mse_Q", **_LOSS_ENTRY),
        Grid("y_mse", "y (target)", "y", "mse_Q", **_LOSS_ENTRY),
        Grid("s", "s (scores)", "s", "Q", **_LOSS_ENTRY),
        Grid("ctc_s", "s_t (scores, one row per step)", "s_t", "T", "letters+1", **_LOSS_ENTRY),
    )
    draw = staticmethod(losses.draw)
    defaults = losses.DEFAULTS

    def _size(self, spec):
        if spec == "letters+1":
            letters = super()._size("letters")
            return None if letters is None else letters + 1
        return super()._size(spec)

    def clean(self):
        cleaned = super().clean()
        Q, y = cleaned.get("Q"), cleaned.get("y")
        if Q is not None and y is not None and y > Q:
            self.add_error("y", f"Choose a target class from 1 to Q = {Q}.")
        target, letters = cleaned.get("target"), cleaned.get("letters")
        if target is not None and letters is not None:
            alphabet = losses.ALPHABET[:letters]
            text = target.strip().lower()
            if any(ch not in alphabet for ch in text):
                self.add_error("target", f"Target label sequence: use only the letters "
                                         f"{', '.join(alphabet)} (up to "
                                         f"{int(bounds.CTC_TARGET_LENGTH.max)} of them).")
            else:
                cleaned["target"] = text
        return cleaned


class GradientFlowForm(DemoForm):
    rho = real_field("Spectral radius ρ(Wₕ)", bounds.SPECTRAL_RADIUS, slider_step=0.05,
                     min=bounds.SPECTRAL_RADIUS.min, max=bounds.SPECTRAL_RADIUS.max)
    T = int_field("Steps T", bounds.GRADIENT_STEPS)
    H = int_field("Hidden size H", bounds.GRADIENT_HIDDEN_SIZE)
    D = int_field("Input size D", bounds.GRADIENT_INPUT_SIZE)
    seed = seed_field("Draws the inputs and the layers' weights; Resample draws a new one.")
    clip = real_field("Clip the gradient norm at m", bounds.CLIP_NORM)
    lr = real_field("Learning rate", bounds.LEARNING_RATE)
    steps = int_field("Training steps", bounds.TRAINING_STEPS)
    train_T = int_field("Training sequence length", bounds.TRAINING_SEQ_LEN)
    train_H = int_field("Training hidden size", bounds.TRAINING_HIDDEN_SIZE)
    batch = int_field("Batch size N", bounds.TRAINING_BATCH)

    draw = staticmethod(gradient_flow.draw)
    defaults = gradient_flow.DEFAULTS
