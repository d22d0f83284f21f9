"""Every write to users and profiles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from accounts import realtime
from accounts.models import DateOrder, DecimalMark, Profile

PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#db2777", "#65a30d"]


def default_colour(user_id: int) -> str:
    return PALETTE[user_id % len(PALETTE)]


@transaction.atomic
def user_signup(*, username: str, email: str, password: str) -> AbstractBaseUser:
    """A new user; their profile is made with them (profile_create, via accounts/signals.py)."""
    return get_user_model().objects.create_user(username=username, email=email, password=password)


def profile_create(*, user) -> Profile:
    """The profile of a user just created, however they were (sign-up,
    createsuperuser, the admin): named after the user, with a colour of their own."""
    profile, _ = Profile.objects.get_or_create(
        user=user,
        defaults={"display_name": user.get_username(), "colour": default_colour(user.id)},
    )
    return profile


@transaction.atomic
def profile_update(
    *,
    user,
    display_name: str,
    colour: str,
    time_zone: str,
    date_order: str | None = None,
    decimal_mark: str | None = None,
) -> Profile:
    """Save and, after commit, refresh every open tab of this user. `date_order`
    and `decimal_mark` (how the user types dates and numbers; None: unchanged)
    are read by the sheet page when it opens."""
    if date_order is not None and date_order not in DateOrder.values:
        raise ValueError(f"Unknown date order {date_order!r}.")
    if decimal_mark is not None and decimal_mark not in DecimalMark.values:
        raise ValueError(f"Unknown decimal mark {decimal_mark!r}.")
    profile = user.profile
    profile.display_name = display_name
    profile.colour = colour
    profile.time_zone = time_zone
    if date_order is not None:
        profile.date_order = date_order
    if decimal_mark is not None:
        profile.decimal_mark = decimal_mark
    profile.save()
    transaction.on_commit(lambda: realtime.broadcast_profile_updated(user=user, profile=profile))
    return profile
