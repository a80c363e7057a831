from django import forms


class AnswerForm(forms.Form):
    """A learner's answer to one multiple-choice question, or a request to see the answer."""

    option = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, widget=forms.RadioSelect,
        error_messages={"invalid_choice": "That is not one of this question's options."},
    )
    reveal = forms.BooleanField(required=False)

    def __init__(self, *args, question, **kwargs):
        # Ids unique per question: a topic page holds many of these forms.
        super().__init__(*args, auto_id=f"id_{question.slug}_%s", **kwargs)
        self.question = question
        # The choices validate the answer; the template lays the options out itself.
        self.fields["option"].choices = [(o.position, o.text) for o in question.options.all()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("option") is None and not cleaned.get("reveal") and not self.errors:
            raise forms.ValidationError("Choose one of the options, or ask to see the answer.")
        return cleaned

    def is_correct(self):
        """Whether the chosen option is the correct one (False when the answer was revealed)."""
        chosen = self.cleaned_data["option"]
        return chosen is not None and chosen == self.question.correct_option.position
