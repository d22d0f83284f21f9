"""Reads of users and profiles. Every user has a profile (accounts/signals.py
makes it when the user is created), so these only read."""

from django.contrib.auth import get_user_model

from accounts import realtime
from accounts.models import Profile


def profile_for(*, user) -> Profile:
    return user.profile


def user_info(*, user) -> realtime.UserInfo:
    """The user as events, presence and the page header show them."""
    return realtime.user_info(user=user, profile=user.profile)


def users_info(*, user_ids: list[int]) -> list[realtime.UserInfo]:
    """Each user that exists, in the order given, in one query."""
    users = get_user_model().objects.filter(id__in=user_ids).select_related("profile")
    by_id = {u.id: u for u in users}
    return [user_info(user=by_id[i]) for i in user_ids if i in by_id]
