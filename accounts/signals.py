from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import realtime, services


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def make_profile(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Every user has a profile, however the user was made."""
    if created and not raw:
        services.profile_create(user=instance)


@receiver(user_logged_out)
def close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    """Every tab of this session is told and its socket closes (4401)."""
    if user is not None:
        session_key = request.session.session_key if request is not None else None
        realtime.broadcast_session_ended(user_id=user.id, session_key=session_key)
