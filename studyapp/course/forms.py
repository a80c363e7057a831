from django import forms


class AnswerForm(forms.Form):
    """A learner's answer to one multiple-choice question, or a request to see the answer."""

    option = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, widget=forms.RadioSelect,
        error_messages={"invalid_choice": "That is not one of this question's options."},
    )
    reveal = forms.BooleanField(required=False)

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [(o.position, o.text) for o in question.options.all()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("option") is None and not cleaned.get("reveal") and not self.errors:
            raise forms.ValidationError("Choose one of the options, or ask to see the answer.")
        return cleaned
