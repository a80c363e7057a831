"""Forms of the account pages: Django's own, with the site's wording where it helps.

Passwords are checked with `authenticate`, never `check_password` alone, so that a wrong
password on the account pages counts towards the log-in throttle (throttling.py) like one on
the log-in page.
"""

from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import PasswordChangeForm, UserCreationForm


class SignUpForm(UserCreationForm):
    """Username, optional email, the password twice (the configured validators)."""

    email = forms.EmailField(
        label="Email (optional)", required=False,
        help_text="Only used to send you a link if you forget your password.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = "Letters, digits and @ . + - _ only; up to 150 characters."
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})


def _check_password(form, user, password):
    if authenticate(form.request, username=user.get_username(), password=password) is None:
        raise forms.ValidationError("That is not your password.", code="wrong_password")
    return password


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change, the old password checked through `authenticate`."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        return _check_password(self, self.user, self.cleaned_data.get("old_password", ""))


class PasswordConfirmForm(forms.Form):
    """The account's password, asked again before deleting the account."""

    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               error_messages={"required": "Enter your password to confirm."})

    def __init__(self, *args, user, request, **kwargs):
        self.user, self.request = user, request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        return _check_password(self, self.user, self.cleaned_data["password"])


class EmailForm(PasswordConfirmForm):
    """The account's email address (for password resets), changed after the password is confirmed."""

    email = forms.EmailField(label="Email", required=False, help_text="Leave empty to remove it.",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    field_order = ["email", "password"]
