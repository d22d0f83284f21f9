import re
import zoneinfo
from functools import cache

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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


@cache
def _time_zones_by_folded_name() -> dict[str, str]:
    return {tz.casefold(): tz for tz in zoneinfo.available_timezones()}


TIME_ZONE_LIST_ID = "time-zones"


@cache
def _time_zone_datalist() -> SafeString:
    options = format_html_join("", '<option value="{}"></option>', time_zone_choices())
    return format_html('<datalist id="{}">{}</datalist>', TIME_ZONE_LIST_ID, options)


class TimeZoneInput(forms.TextInput):
    """A text box that suggests every zone as the user types (a <datalist>);
    frontend/src/timezone.js offers the browser's own zone first."""

    def __init__(self) -> None:
        super().__init__(
            attrs={
                "list": TIME_ZONE_LIST_ID,
                "autocomplete": "off",
                "spellcheck": "false",
                "data-time-zone": "",
            }
        )

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        return super().render(name, value, attrs, renderer) + _time_zone_datalist()


class ProfileForm(forms.ModelForm):
    time_zone = forms.CharField(
        label="Time zone",
        max_length=64,
        widget=TimeZoneInput(),
        help_text="Type to search, like Europe/Paris or New York.",
    )

    class Meta:
        model = Profile
        fields = ("display_name", "colour", "time_zone", "date_order", "decimal_mark")
        labels = {
            "display_name": "Display name",
            "colour": "Colour",
            "date_order": "Dates in cells",
            "decimal_mark": "Decimal mark in cells",
        }
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A post without them (an older page) leaves them as they are.
        for name in ("date_order", "decimal_mark"):
            self.fields[name].required = False

    def clean_time_zone(self) -> str:
        # The zone's name as listed; typed with spaces or in other case it is the same zone.
        typed = self.cleaned_data["time_zone"].strip()
        zone = _time_zones_by_folded_name().get(typed.replace(" ", "_").casefold())
        if zone is None:
            raise forms.ValidationError(
                "Choose a time zone from the list, like Europe/Paris or America/New_York."
            )
        return zone

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
