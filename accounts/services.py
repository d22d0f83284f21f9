"""Every write to users and profiles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from accounts import realtime
from accounts.models import Profile

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
def profile_update(*, user, display_name: str, colour: str, time_zone: str) -> Profile:
    """Save and, after commit, refresh every open tab of this user."""
    profile = user.profile
    profile.display_name = display_name
    profile.colour = colour
    profile.time_zone = time_zone
    profile.save()
    transaction.on_commit(lambda: realtime.broadcast_profile_updated(user=user, profile=profile))
    return profile
