import re
import zoneinfo
from functools import cache

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import Profile
from proj.text import refusal


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=False, label="Email (optional)")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def clean_username(self) -> str:
        # Before the parent's lookup of the name: the database cannot be asked about it.
        username = self.cleaned_data.get("username") or ""
        if message := refusal(username, "A username"):
            raise forms.ValidationError(message)
        return super().clean_username()


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones())]


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label="Time zone", choices=time_zone_choices)

    class Meta:
        model = Profile
        fields = ("display_name", "colour", "time_zone")
        labels = {"display_name": "Display name", "colour": "Colour"}
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError("A display name cannot be blank.")
        if message := refusal(name, "A display name"):
            raise forms.ValidationError(message)
        return name

    def clean_colour(self) -> str:
        colour = self.cleaned_data["colour"].lower()
        if not re.fullmatch(r"#[0-9a-f]{6}", colour):
            raise forms.ValidationError("A colour is written #rrggbb.")
        return colour
