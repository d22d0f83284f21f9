"""The wire: group names, every message shape, and the broadcast helpers.

docs/protocol.md documents each message. Consumers only forward what is built
here: every group message is {"type": "forward", "event": <message>} plus, for
messages that end a socket, the close code.
"""

import hashlib
import json
import logging
import os
import socket
import time
from typing import Any, Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

log = logging.getLogger(__name__)

# --- Group names (ASCII letters, digits, hyphens, periods, underscores; < 100 chars).


def clock_group() -> str:
    return "clock"


def user_group(user_id: int) -> str:
    return f"user_{user_id}"


def sheet_group(sheet_id: int) -> str:
    return f"sheet_{sheet_id}"


# --- Close codes.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_BIG = 4413


# --- Messages, server -> client.


class UserInfo(TypedDict):
    id: int
    username: str
    display_name: str
    colour: str
    time_zone: str


class Hello(TypedDict):
    type: Literal["hello"]
    server: str
    user: UserInfo
    sheet_id: int | None
    heartbeat_seconds: int
    role: NotRequired[str | None]
    can_edit: NotRequired[bool]


class ClockTick(TypedDict):
    type: Literal["clock.tick"]
    now_ms: int


class ProfileUpdated(TypedDict):
    type: Literal["profile.updated"]
    user: UserInfo


class SessionEnded(TypedDict):
    type: Literal["session.ended"]
    reason: Literal["logged_out", "expired"]
    message: str


class SheetEvent(TypedDict):
    """Every committed op: cells.changed, rows.inserted, rows.deleted,
    columns.inserted, columns.deleted, column.updated, sheet.renamed, and
    sheet.reset (an import replaced the sheet wholesale: tabs fetch the snapshot).
    `seq` is the sheet version the op produced."""

    type: str
    sheet_id: int
    seq: int
    op_id: str | None
    broadcaster_id: str
    user: UserInfo | None


class ChangesAvailable(TypedDict):
    """Sent instead of an event too large for one socket frame: fetch it."""

    type: Literal["changes.available"]
    sheet_id: int
    seq: int


class SheetDeleted(TypedDict):
    type: Literal["sheet.deleted"]
    sheet_id: int
    message: str


class PresenceUser(TypedDict):
    id: int
    display_name: str
    colour: str


class PresenceChanged(TypedDict):
    type: Literal["presence.changed"]
    sheet_id: int
    users: list[PresenceUser]


class SelectionChanged(TypedDict):
    type: Literal["selection.changed"]
    sheet_id: int
    user: PresenceUser
    client_id: str
    ranges: list[dict] | None


class AccessChanged(TypedDict):
    type: Literal["access.changed"]
    sheet_id: int
    role: str
    can_edit: bool


class AccessRevoked(TypedDict):
    type: Literal["access.revoked"]
    sheet_id: int
    message: str


class Heartbeat(TypedDict):
    type: Literal["sheet.heartbeat"]
    sheet_id: int
    version: int


class ErrorReply(TypedDict):
    type: Literal["error"]
    error: str
    message: str


class Pong(TypedDict):
    type: Literal["pong"]
    id: NotRequired[Any]


def server_name() -> str:
    """Names the serving process in `hello`, so tests and operators can tell them apart."""
    return f"{socket.gethostname()}:{os.getpid()}"


def session_tag(session_key: str | None) -> str:
    """A session key's digest: the key itself never travels through the channel layer."""
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


def user_info(user) -> UserInfo:
    from accounts.services import profile_for

    profile = profile_for(user=user)
    return {
        "id": user.id,
        "username": user.get_username(),
        "display_name": profile.display_name,
        "colour": profile.colour,
        "time_zone": profile.time_zone,
    }


def hello(*, user_info: UserInfo, sheet_id: int | None, role: str | None = None) -> Hello:
    message: Hello = {
        "type": "hello",
        "server": server_name(),
        "user": user_info,
        "sheet_id": sheet_id,
        "heartbeat_seconds": settings.HEARTBEAT_SECONDS,
    }
    if sheet_id is not None:
        # A role changed while the socket was down reaches the tab here.
        message["role"] = role
        message["can_edit"] = role in ("owner", "editor")
    return message


def clock_tick(now_ms: int | None = None) -> ClockTick:
    return {
        "type": "clock.tick",
        "now_ms": now_ms if now_ms is not None else int(time.time() * 1000),
    }


def heartbeat(*, sheet_id: int, version: int) -> Heartbeat:
    return {"type": "sheet.heartbeat", "sheet_id": sheet_id, "version": version}


def error_reply(error: str, message: str) -> ErrorReply:
    return {"type": "error", "error": error, "message": message}


def sheet_event(
    event_type: str,
    *,
    sheet_id: int,
    seq: int,
    op_id: str | None,
    client_id: str,
    user,
    **body: Any,
) -> SheetEvent:
    event: dict[str, Any] = {
        "type": event_type,
        "sheet_id": sheet_id,
        "seq": seq,
        "op_id": op_id,
        "broadcaster_id": client_id,
        "user": user_info(user) if user is not None else None,
    }
    event.update(body)
    return event  # type: ignore[return-value]


# --- Broadcasts. Called from services inside transaction.on_commit only.


def _group_send(group: str, event: dict, close_code: int | None = None, **extra: Any) -> None:
    message = {"type": "forward", "event": event, **extra}
    if close_code is not None:
        message["close_code"] = close_code
    try:
        async_to_sync(get_channel_layer().group_send)(group, message)
    except Exception:
        # Called after commit: the change is saved, and tabs catch up from their
        # heartbeat. A failed push (Redis down) must not turn the answer into a 500.
        log.exception("broadcast to %s failed", group)


def broadcast_sheet_event(event: SheetEvent) -> None:
    size = len(json.dumps(event, separators=(",", ":")))
    if size > settings.EVENT_MAX_BYTES:
        # Too big for one frame: tabs see the seq and fetch the change over HTTP.
        small: ChangesAvailable = {
            "type": "changes.available",
            "sheet_id": event["sheet_id"],
            "seq": event["seq"],
        }
        _group_send(sheet_group(event["sheet_id"]), small)
    else:
        _group_send(sheet_group(event["sheet_id"]), event)


def sheet_deleted(*, sheet_id: int, title: str | None = None) -> SheetDeleted:
    name = f"The sheet “{title}”" if title else "This sheet"
    return {"type": "sheet.deleted", "sheet_id": sheet_id, "message": f"{name} was deleted."}


def session_ended(reason: Literal["logged_out", "expired"]) -> SessionEnded:
    message = {
        "logged_out": "You logged out. Log in again to keep working.",
        "expired": "Your session expired. Log in again to keep working.",
    }[reason]
    return {"type": "session.ended", "reason": reason, "message": message}


def broadcast_sheet_deleted(*, sheet_id: int, title: str) -> None:
    event = sheet_deleted(sheet_id=sheet_id, title=title)
    _group_send(sheet_group(sheet_id), event, close_code=CLOSE_NOT_FOUND)


def broadcast_access_changed(*, sheet_id: int, user_id: int, role: str | None) -> None:
    """Tell one user's sockets on a sheet their new role; no role closes them (4403)."""
    if role is None:
        revoked: AccessRevoked = {
            "type": "access.revoked",
            "sheet_id": sheet_id,
            "message": "You no longer have access to this sheet.",
        }
        _group_send(sheet_group(sheet_id), revoked, close_code=CLOSE_FORBIDDEN, only_user=user_id)
    else:
        changed: AccessChanged = {
            "type": "access.changed",
            "sheet_id": sheet_id,
            "role": role,
            "can_edit": role in ("owner", "editor"),
        }
        _group_send(sheet_group(sheet_id), changed, only_user=user_id)


def presence_changed(*, sheet_id: int, users: list[PresenceUser]) -> PresenceChanged:
    return {"type": "presence.changed", "sheet_id": sheet_id, "users": users}


async def abroadcast_presence(*, sheet_id: int, users: list[PresenceUser]) -> None:
    await get_channel_layer().group_send(
        sheet_group(sheet_id),
        {"type": "forward", "event": presence_changed(sheet_id=sheet_id, users=users)},
    )


MAX_SELECTION_RANGES = 20


def clean_selection(message: dict) -> tuple[str, list[dict] | None]:
    """(client_id, ranges) of a `presence.select` message, or ValueError saying why."""
    client_id = message.get("client_id", "")
    if not isinstance(client_id, str) or len(client_id) > 64:
        raise ValueError("client_id must be a string of at most 64 characters.")
    ranges = message.get("ranges")
    if ranges is None:
        return client_id, None
    if not isinstance(ranges, list) or len(ranges) > MAX_SELECTION_RANGES:
        raise ValueError(f"ranges must be null or a list of at most {MAX_SELECTION_RANGES}.")
    cleaned = []
    for r in ranges:
        ends = [r.get(end) if isinstance(r, dict) else None for end in ("from", "to")]
        if not all(
            isinstance(e, dict)
            and all(isinstance(e.get(k), str) and 0 < len(e[k]) <= 64 for k in ("row", "col"))
            for e in ends
        ):
            raise ValueError('Each range is {"from": {"row", "col"}, "to": {"row", "col"}}.')
        cleaned.append(
            {
                end: {"row": e["row"], "col": e["col"]}
                for end, e in zip(("from", "to"), ends, strict=True)
            }
        )
    return client_id, cleaned


async def abroadcast_selection(
    *,
    sheet_id: int,
    user: PresenceUser,
    client_id: str,
    ranges: list[dict] | None,
    sender: str,
) -> None:
    event: SelectionChanged = {
        "type": "selection.changed",
        "sheet_id": sheet_id,
        "user": user,
        "client_id": client_id,
        "ranges": ranges,
    }
    # Everyone on the sheet but the socket that sent it.
    await get_channel_layer().group_send(
        sheet_group(sheet_id), {"type": "forward", "event": event, "skip_channel": sender}
    )


def broadcast_profile_updated(*, user) -> None:
    event: ProfileUpdated = {"type": "profile.updated", "user": user_info(user)}
    _group_send(user_group(user.id), event)


def broadcast_session_ended(*, user_id: int, session_key: str | None) -> None:
    event = session_ended("logged_out")
    # Only the sockets of the session that logged out close; other browsers stay.
    _group_send(
        user_group(user_id),
        event,
        close_code=CLOSE_UNAUTHENTICATED,
        session=session_tag(session_key),
    )


def broadcast_clock_tick() -> ClockTick:
    tick = clock_tick()
    async_to_sync(get_channel_layer().group_send)(clock_group(), {"type": "forward", "event": tick})
    return tick


async def abroadcast_clock_tick() -> ClockTick:
    tick = clock_tick()
    await get_channel_layer().group_send(clock_group(), {"type": "forward", "event": tick})
    return tick
