"""Forms of the review pages: they parse, and turn scheduling's ValueError into field errors.

A shown card carries a signed token of (card, version, time shown): the server measures the
answer's duration from it, and a card id or version edited in the form no longer matches it.
"""

import re
from datetime import UTC, datetime

from django import forms
from django.core import signing

from . import scheduling

SESSION_RE = re.compile(r"[A-Za-z0-9_-]{8,16}")
_SALT = "studyapp.review.shown"
_RATING_ERROR = "Choose a rating: Again (1), Hard (2), Good (3) or Easy (4)."


def shown_token(*, card_id: int, version: int, shown_at: datetime) -> str:
    """The signed record that a card was shown at `version` at `shown_at`."""
    return signing.dumps([card_id, version, round(shown_at.timestamp() * 1000)], salt=_SALT, compress=True)


class SessionField(forms.RegexField):
    def __init__(self, **kwargs):
        super().__init__(SESSION_RE, error_messages={
            "invalid": "That review session id is malformed: start again from the review page.",
            "required": "The review session is missing: start again from the review page."}, **kwargs)


class CardField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, error_messages={
            "required": "Which card? The card id is missing.",
            "invalid": "The card id must be a whole number.",
            "min_value": "The card id must be a whole number from 1."}, **kwargs)


class VersionField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=2**31 - 1, error_messages={
            "required": "The card's version is missing: reload the page.",
            "invalid": "The card's version must be a whole number.",
            "min_value": "The card's version must be a whole number from 0.",
            "max_value": "That card version does not exist."}, **kwargs)


class CardActionForm(forms.Form):
    """Bury, suspend or unsuspend one card shown at a version."""

    card = CardField()
    version = VersionField()
    session = SessionField()
    browser_time_zone = forms.CharField(required=False, max_length=64)


class ShownCardForm(CardActionForm):
    """A card shown at a version at a time (reveal and rate)."""

    shown = forms.CharField(max_length=300, error_messages={
        "required": "This card's display record is missing: reload the page."})

    def clean(self):
        cleaned = super().clean()
        token = cleaned.get("shown")
        if token is None or "card" not in cleaned or "version" not in cleaned:
            return cleaned
        try:
            card_id, version, shown_ms = signing.loads(token, salt=_SALT)
        except (signing.BadSignature, ValueError, TypeError):
            raise forms.ValidationError("This card's display record is not valid: reload the page.") from None
        if (card_id, version) != (cleaned["card"], cleaned["version"]):
            raise forms.ValidationError("The card id or version does not match the card shown: reload the page.")
        cleaned["shown_at"] = datetime.fromtimestamp(shown_ms / 1000, tz=UTC)
        return cleaned


class RatingForm(ShownCardForm):
    rating = forms.TypedChoiceField(coerce=int, choices=[(r, n) for r, n in scheduling.RATING_NAMES.items()],
                                    error_messages={"required": _RATING_ERROR, "invalid_choice": _RATING_ERROR})


class UndoForm(forms.Form):
    entry = forms.IntegerField(min_value=1, error_messages={
        "required": "Nothing to undo was named.", "invalid": "The step to undo must be a whole number.",
        "min_value": "The step to undo must be a whole number from 1."})
    session = SessionField()


def _bounded_int(name, label, help_text):
    low, high = scheduling.BOUNDS[name]
    message = f"Between {low} and {high}."
    return forms.IntegerField(label=label, min_value=low, max_value=high, help_text=help_text,
                              error_messages={"min_value": message, "max_value": message,
                                              "invalid": f"A whole number, {message[0].lower()}{message[1:]}",
                                              "required": f"Required: {message[0].lower()}{message[1:]}"})


class SettingsForm(forms.Form):
    """The learner's scheduling settings, each checked against scheduling.BOUNDS."""

    desired_retention = forms.FloatField(
        label="Desired retention", help_text="The chance of recalling a card when it falls due (0.70 to 0.97). "
        "Higher means more reviews.", widget=forms.NumberInput(attrs={"step": "0.01"}))
    new_per_day = _bounded_int("new_per_day", "New cards per day", "How many unseen cards to introduce each day.")
    reviews_per_day = _bounded_int("reviews_per_day", "Maximum reviews per day",
                                   "New cards count against this limit too, as in Anki.")
    learning_steps = forms.CharField(label="Learning steps", required=False, max_length=200,
                                     help_text="Anki's notation: e.g. 1m 10m (units s, m, h, d).")
    relearning_steps = forms.CharField(label="Relearning steps", required=False, max_length=200,
                                       help_text="After a lapse: e.g. 10m.")
    maximum_interval = _bounded_int("maximum_interval", "Maximum interval (days)",
                                    "No card is scheduled further ahead than this.")
    day_start_hour = _bounded_int("day_start_hour", "Next day starts at (hour)",
                                  "Reviews after midnight but before this hour count for the day before (Anki: 4).")
    time_zone = forms.ChoiceField(label="Time zone", help_text="Your day (and its limits) follows this zone.",
                                  error_messages={"invalid_choice": "“%(value)s” is not a time zone of the "
                                                  "zoneinfo database (e.g. Europe/Berlin)."})

    quiz_misses = forms.BooleanField(
        label="Quiz misses bring cards back", required=False,
        help_text="When you miss a quiz question, its flashcards become due now and come first in your "
        "reviews (unseen ones beyond the new-card limit).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(z, z) for z in sorted(scheduling.time_zones())]

    @classmethod
    def initial_from(cls, settings) -> dict:
        return {"desired_retention": settings.desired_retention, "new_per_day": settings.new_per_day,
                "reviews_per_day": settings.reviews_per_day,
                "learning_steps": scheduling.format_steps(settings.learning_steps),
                "relearning_steps": scheduling.format_steps(settings.relearning_steps),
                "maximum_interval": settings.maximum_interval, "day_start_hour": settings.day_start_hour,
                "time_zone": settings.time_zone or "UTC", "quiz_misses": settings.quiz_misses}

    def _engine(self, name):
        value = self.cleaned_data.get(name)
        try:
            return scheduling.validate_setting(name, value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_desired_retention(self):
        return self._engine("desired_retention")

    def clean_learning_steps(self):
        return self._engine("learning_steps")

    def clean_relearning_steps(self):
        return self._engine("relearning_steps")

    def clean_time_zone(self):
        return self._engine("time_zone")
