"""Forms of the data page (/review/data/): they parse; the modules check and say what is wrong."""

import json

from django import forms

from . import scheduling


class UploadForm(forms.Form):
    file = forms.FileField(error_messages={"required": "Choose a file first.",
                                           "empty": "That file is empty."})


class ImportForm(UploadForm):
    confirm = forms.RegexField(r"^[0-9a-f]{64}$", required=False, error_messages={
        "invalid": "The confirmation does not name a previewed file: preview the file again."})


class ParametersForm(forms.Form):
    choice = forms.ChoiceField(choices=[("fitted", "fitted"), ("defaults", "defaults")], error_messages={
        "required": "Apply the fitted parameters or keep the defaults.",
        "invalid_choice": "Apply the fitted parameters or keep the defaults."})
    parameters = forms.CharField(required=False, max_length=2000)
    reschedule = forms.ChoiceField(choices=[("yes", "yes"), ("no", "no")], error_messages={
        "required": "Choose whether due dates are recomputed.",
        "invalid_choice": "Choose whether due dates are recomputed."})

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("choice") == "defaults":
            cleaned["values"] = scheduling.DEFAULT_PARAMETERS
        elif cleaned.get("choice") == "fitted":
            try:
                cleaned["values"] = scheduling.validate_parameters(json.loads(cleaned.get("parameters") or "null"))
            except (ValueError, TypeError) as error:
                raise forms.ValidationError(str(error)) from None
        return cleaned
