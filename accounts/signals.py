from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out)
def close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    """Every tab of this session is told and its socket closes (4401)."""
    from sheets import realtime

    if user is not None:
        session_key = request.session.session_key if request is not None else None
        realtime.broadcast_session_ended(user_id=user.id, session_key=session_key)
