"""Every write to users and profiles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from accounts.models import Profile

PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#db2777", "#65a30d"]


def _default_colour(user_id: int) -> str:
    return PALETTE[user_id % len(PALETTE)]


@transaction.atomic
def user_signup(*, username: str, email: str, password: str) -> AbstractBaseUser:
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user, display_name=username, colour=_default_colour(user.id))
    return user


def profile_for(*, user) -> Profile:
    """The user's profile; made on first use for users created elsewhere (createsuperuser)."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        profile, _ = Profile.objects.get_or_create(
            user=user,
            defaults={"display_name": user.get_username(), "colour": _default_colour(user.id)},
        )
        return profile


@transaction.atomic
def profile_update(*, user, display_name: str, colour: str, time_zone: str) -> Profile:
    """Save and, after commit, refresh every open tab of this user."""
    from sheets import realtime

    profile = profile_for(user=user)
    profile.display_name = display_name
    profile.colour = colour
    profile.time_zone = time_zone
    profile.save()
    user.profile = profile
    transaction.on_commit(lambda: realtime.broadcast_profile_updated(user=user))
    return profile
