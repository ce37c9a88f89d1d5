"""The web client's forms: sign-up and the profile. They validate input; the services of chat/ write."""

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from chat.limits import DISPLAY_NAME_MAX_LENGTH, USERNAME_MAX_LENGTH
from chat.validators import validate_avatar


class SignupForm(forms.Form):
    """A username and a password typed twice; the account rules themselves are `user_create`'s."""

    username = forms.CharField(
        max_length=USERNAME_MAX_LENGTH, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "The two passwords differ.")
        return data


class ProfileForm(forms.Form):
    """The name others see and an optional picture."""

    display_name = forms.CharField(max_length=DISPLAY_NAME_MAX_LENGTH, required=False, label="Display name")
    avatar = forms.ImageField(required=False, validators=[validate_avatar], label="Avatar")
    remove_avatar = forms.BooleanField(required=False, label="Remove the avatar")
