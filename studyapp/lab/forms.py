"""The lab's forms: a run's settings (built from the task's bounds and the lab's), and the small
inputs of a run page (a poll's last step, the sampling temperature).

The settings form is the same for a shareable GET (`/lab/?task=copy&cell=lstm&...`) and the
Start POST. A value missing from the query keeps the task's default, so a hand-written link
with two settings works; an out-of-range one is a field error (a 400 with the message).
"""

from __future__ import annotations

import secrets

from django import forms
from django.utils.http import urlencode

from rnncore.tasks import TASKS

from . import bounds, training
from .texts import BUILTIN_TEXT, topic_choices

LABELS = {
    "task": "Task", "cell": "Cell", "hidden_size": "Hidden units", "num_layers": "Layers",
    "batch_size": "Batch size", "optimizer": "Optimiser", "lr": "Learning rate",
    "clip": "Gradient clipping", "clip_value": "Clip at", "forget_bias": "Forget-gate bias",
    "max_steps": "Training steps", "eval_every": "Evaluate every", "seed": "Seed", "seq_len": "Sequence length",
    "noise": "Input noise", "n_symbols": "Symbols", "copy_length": "Symbols to copy",
    "delay": "Delay", "shift": "Look-ahead", "bidirectional": "Direction",
    "train_embeddings": "Word embeddings", "topic": "Training text",
}
# Shorter help than the task's own where it would only repeat the label.
HELP = {
    "cell": "", "lr": "log scale: drag the slider, or type a value", "optimizer": "",
    "clip": "", "clip_value": "largest global norm, or largest |entry|",
    "forget_bias": "LSTM only: 1 to 3 start it with a longer memory",
    "max_steps": "", "batch_size": "sequences per step",
    "eval_every": "steps, on a fixed evaluation set",
}
CHOICE_LABELS = {
    "cell": {"rnn": "Vanilla RNN (tanh)", "lstm": "LSTM", "gru": "GRU"},
    "optimizer": {"sgd": "SGD", "momentum": "SGD with momentum", "adagrad": "Adagrad",
                  "adam": "Adam"},
    "clip": {"none": "None", "norm": "By global norm", "value": "Element-wise (±value)"},
}
BOOL_CHOICES = {
    "bidirectional": (("yes", "Both directions (bidirectional)"), ("no", "Left to right only")),
    "train_embeddings": (("yes", "Trained with the network"), ("no", "Frozen as given")),
}
GROUPS = (
    ("Network", ("cell", "hidden_size", "num_layers", "bidirectional", "forget_bias")),
    ("Data", ("topic", "seq_len", "noise", "n_symbols", "copy_length", "delay", "shift",
              "train_embeddings")),
    ("Training", ("optimizer", "lr", "clip", "clip_value", "batch_size", "max_steps",
                  "eval_every", "seed")),
)


def task_choices() -> list[tuple[str, str]]:
    return [(name, TASKS[name].title) for name in bounds.TASK_ORDER]


def chosen_task(data) -> str:
    """The task a query or POST asks for (the default when it names none or an unknown one:
    the form then reports the unknown one)."""
    task = (data or {}).get("task")
    return task if task in bounds.TASK_ORDER else bounds.DEFAULT_TASK


class RunSettingsForm(forms.Form):
    """Everything a run is made of. `settings` (after is_valid) is the JSON-able dict the lab
    stores and shares; `query` the same as a query string."""

    task = forms.ChoiceField(label=LABELS["task"])
    seed = forms.IntegerField(label=LABELS["seed"], min_value=bounds.SEED[0],
                              max_value=bounds.SEED[1], help_text="the same seed, the same run")
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def __init__(self, data=None, *, task: str | None = None, **kwargs):
        self.task_name = task or chosen_task(data)
        self.described = bounds.task_bounds(self.task_name)
        defaults = {name: entry["default"] for name, entry in self.described.items()}
        defaults.update(task=self.task_name, seed=bounds.DEFAULT_SEED)
        if data is not None:
            # a value the query leaves out keeps its default (a short shared link works)
            merged = {name: _as_input(name, value) for name, value in defaults.items()}
            merged.update({key: data.get(key) for key in data})
            data = merged
        super().__init__(data, initial={n: _as_input(n, v) for n, v in defaults.items()},
                         **kwargs)
        self.fields["task"].choices = task_choices()
        self.fields["task"].help_text = TASKS[self.task_name].claim
        self.fresh_token = secrets.token_hex(8)   # a new Start, told apart from a replay
        for name, entry in self.described.items():
            self.fields[name] = _field(name, entry)
        if self.task_name == "char_lm":
            topics = topic_choices()
            self.fields["topic"] = forms.ChoiceField(
                label=LABELS["topic"], choices=topics + [(BUILTIN_TEXT, "A paragraph about RNNs")],
                help_text="one topic's notes as plain text (formulas kept as plain symbols)")
            self.initial["topic"] = topics[0][0] if topics else BUILTIN_TEXT
            if data is not None and not data.get("topic"):
                data["topic"] = self.initial["topic"]
        self.order_fields(["task"] + [n for _, names in GROUPS for n in names])

    def groups(self):
        """(title, [bound fields]) for the page, in order."""
        return [(title, [self[name] for name in names if name in self.fields])
                for title, names in GROUPS]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("task") != self.task_name:
            raise forms.ValidationError("The task changed while the form was sent: try again.")
        try:
            training.check_settings(self.settings)
        except ValueError as error:
            message = str(error)
            name = message.split(" ", 1)[0].rstrip(":")
            if name in self.fields:
                self.add_error(name, _sentence(message))
            else:
                raise forms.ValidationError(_sentence(message)) from None
        return cleaned

    @property
    def settings(self) -> dict:
        """The run's settings as stored: task, the task's offered fields, seed (and topic)."""
        cleaned = self.cleaned_data
        out = {"task": self.task_name}
        for name, entry in self.described.items():
            value = cleaned[name]
            out[name] = value == "yes" if entry["kind"] == "bool" else value
        out["seed"] = cleaned["seed"]
        if self.task_name == "char_lm":
            out["topic"] = cleaned["topic"]
        return out

    def query(self) -> str:
        return settings_query(self.settings)


def settings_query(settings: dict) -> str:
    """A run's settings as the query string of a shareable /lab/ link."""
    return urlencode({name: _as_input(name, value) for name, value in settings.items()})


def settings_rows(settings: dict) -> list[tuple[str, str]]:
    """(label, value) of a run's settings, in the form's order, for its page."""
    order = ["task"] + [n for _, names in GROUPS for n in names]
    rows = []
    for name in sorted(settings, key=lambda n: order.index(n) if n in order else len(order)):
        value = settings[name]
        if name == "forget_bias" and settings.get("cell") != "lstm":
            continue
        if name == "task":
            value = bounds.TASK_TITLES.get(value, value)
        elif name in BOOL_CHOICES:
            value = dict(BOOL_CHOICES[name])["yes" if value else "no"]
        elif name in CHOICE_LABELS:
            value = CHOICE_LABELS[name].get(value, value)
        elif name == "topic":
            value = dict(topic_choices()).get(value, "A paragraph about RNNs")
        rows.append((LABELS.get(name, name), f"{value:g}" if isinstance(value, float) else
                     str(value)))
    return rows


def _as_input(name: str, value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _sentence(message: str) -> str:
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."


def _field(name: str, entry: dict) -> forms.Field:
    label, help_text = LABELS.get(name, name), HELP.get(name, entry.get("help", ""))
    if entry["kind"] == "int":
        return forms.IntegerField(label=label, help_text=help_text, min_value=entry["min"],
                                  max_value=entry["max"])
    if entry["kind"] == "float":
        field = forms.FloatField(label=label, help_text=help_text, min_value=entry["min"],
                                 max_value=entry["max"])
        field.widget.attrs["step"] = "any"
        return field
    if entry["kind"] == "bool":
        return forms.ChoiceField(label=label, help_text=help_text, choices=BOOL_CHOICES[name],
                                 widget=forms.RadioSelect)
    labels = CHOICE_LABELS.get(name, {})
    return forms.ChoiceField(label=label, help_text=help_text,
                             choices=[(c, labels.get(c, c)) for c in entry["choices"]])


class PollForm(forms.Form):
    """A poll: the last step the page has plotted, and the sampling temperature."""

    since = forms.IntegerField(min_value=0, max_value=bounds.MAX_STEPS,
                               required=False)
    temperature = forms.FloatField(min_value=bounds.TEMPERATURE[0],
                                   max_value=bounds.TEMPERATURE[1], required=False)
