"""The wire about users: their group, how a user is shown, and the messages
that follow a user rather than a sheet (profile.updated, session.ended).

Also the one way a message reaches a group: every group message is
{"type": "forward", "kind": <its type>, "text": <its JSON>} plus the filters
(session, only_user, skip_channel) and, for messages that end a socket, the
close code. The text is made once per message, whatever the number of
sockets; sheets/consumers.py sends it as is. sheets/realtime.py builds on
this module; this module imports nothing of sheets. Builders here read no
database: callers pass what a message shows.
"""

import hashlib
import json
import logging
import uuid
from typing import Any, Literal, TypedDict

from channels.layers import get_channel_layer

from proj.channel_layer import run_from_sync

log = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401


def user_group(user_id: int) -> str:
    return f"user_{user_id}"


class UserInfo(TypedDict):
    id: int
    username: str
    display_name: str
    colour: str
    time_zone: str


class ProfileUpdated(TypedDict):
    type: Literal["profile.updated"]
    user: UserInfo


class SessionEnded(TypedDict):
    type: Literal["session.ended"]
    reason: Literal["logged_out", "expired"]
    message: str


def user_info(*, user, profile) -> UserInfo:
    """How a user is shown in events, presence and the page header."""
    return {
        "id": user.id,
        "username": user.get_username(),
        "display_name": profile.display_name,
        "colour": profile.colour,
        "time_zone": profile.time_zone,
    }


def session_tag(session_key: str | None) -> str:
    """A session key's digest: the key itself never travels through the channel layer."""
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


def session_ended(reason: Literal["logged_out", "expired"]) -> SessionEnded:
    message = {
        "logged_out": "You logged out. Log in again to keep working.",
        "expired": "Your session expired. Log in again to keep working.",
    }[reason]
    return {"type": "session.ended", "reason": reason, "message": message}


def to_text(event: dict) -> str:
    """The JSON text of a message, as sockets send it."""
    return json.dumps(event, separators=(",", ":"))


def group_message(
    event: dict, close_code: int | None = None, text: str | None = None, **extra: Any
) -> dict:
    """The group message for `event`: its text, made once for every socket
    (consumers send it as is; messages are shared, never changed), its type
    beside it for the consumer, and the filters and close code in `extra`."""
    message = {"type": "forward", "kind": event["type"], "text": text or to_text(event), **extra}
    if close_code is not None:
        message["close_code"] = close_code
    return message


async def agroup_send(group: str, event: dict, close_code: int | None = None, **extra: Any) -> None:
    """Send `event` to every socket in `group`, from async code.

    A failed push (Redis down) is logged, never raised: what it carried is
    saved (tabs catch up from their heartbeat) or passing (a selection, a
    presence change: the next one says it again), and it must neither turn an
    answer into a 500 nor end the socket whose message caused it."""
    try:
        await get_channel_layer().group_send(group, group_message(event, close_code, **extra))
    except Exception:
        log.exception("broadcast to %s failed", group)


def group_send(group: str, event: dict, close_code: int | None = None, **extra: Any) -> None:
    """Send `event` to every socket in `group`, from sync code. Called after
    commit only. `text=` passes the event's JSON when the caller already made it."""
    run_from_sync(lambda: agroup_send(group, event, close_code, **extra))


def broadcast_profile_updated(*, user, profile) -> None:
    event: ProfileUpdated = {
        "type": "profile.updated",
        "user": user_info(user=user, profile=profile),
    }
    # `change` names this change: of the user's sheet sockets, one per sheet
    # tells that sheet (presence.updated).
    group_send(user_group(user.id), event, change=uuid.uuid4().hex)


def broadcast_session_ended(*, user_id: int, session_key: str | None) -> None:
    event = session_ended("logged_out")
    # Only the sockets of the session that logged out close; other browsers stay.
    group_send(
        user_group(user_id),
        event,
        close_code=CLOSE_UNAUTHENTICATED,
        session=session_tag(session_key),
    )
