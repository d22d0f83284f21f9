"""The wire of sheet sockets: group names, every message shape, and the broadcast helpers.

The committed sheet events, one builder each, are in `events.py` beside this
file; the rest is here. docs/protocol.md documents each message. Consumers
only forward what is built here and in accounts/realtime.py (the messages
about users, and the one group send): every group message carries its
message's JSON text, made once (accounts.realtime.group_message), plus, for
messages that end a socket, the close code. Builders read no database:
callers pass what a message shows.
"""

import os
import socket
import time
import uuid
from collections.abc import Iterable
from typing import Literal, NotRequired, TypedDict

from django.conf import settings

from accounts import realtime as users_wire
from accounts.realtime import UserInfo
from sheets.models import can_edit, can_manage, role_label
from sheets.realtime import events

# --- Group names (ASCII letters, digits, hyphens, periods, underscores; < 100 chars).
# A user's own group is accounts.realtime.user_group.


def clock_group() -> str:
    return "clock"


def sheet_group(sheet_id: int) -> str:
    return f"sheet_{sheet_id}"


# Names this process's own groups (sheets/hub.py): its heartbeats go to its sockets only.
PROCESS_TAG = uuid.uuid4().hex[:12]


def process_sheet_group(sheet_id: int) -> str:
    """This process's sockets on a sheet: where its hub sends the heartbeat."""
    return f"sheet_{sheet_id}.{PROCESS_TAG}"


# --- Close codes.
CLOSE_UNAUTHENTICATED = users_wire.CLOSE_UNAUTHENTICATED
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
# A live (non-sheet) socket fell behind (its messages were dropped): reconnect.
CLOSE_BEHIND = 4408
CLOSE_TOO_BIG = 4413


# --- Other messages, server -> client.


class Access(TypedDict):
    """What a user may do on a sheet, as the page, `hello` and `access.changed` say it."""

    role: str | None
    can_edit: bool
    can_manage: bool
    role_label: str


def access(role: str | None) -> Access:
    return {
        "role": role,
        "can_edit": can_edit(role),
        "can_manage": can_manage(role),
        "role_label": role_label(role),
    }


class Hello(TypedDict):
    type: Literal["hello"]
    server: str
    user: UserInfo
    sheet_id: int | None
    heartbeat_seconds: int
    # On a sheet socket, the fields of Access.
    role: NotRequired[str | None]
    can_edit: NotRequired[bool]
    can_manage: NotRequired[bool]
    role_label: NotRequired[str]


class ClockTick(TypedDict):
    type: Literal["clock.tick"]
    now_ms: int


class ChangesAvailable(TypedDict):
    """Sent instead of an event too large for one socket frame: fetch it."""

    type: Literal["changes.available"]
    sheet_id: int
    seq: int


SheetsChangedReason = Literal["created", "shared", "unshared", "transferred", "renamed", "deleted"]


class SheetDeleted(TypedDict):
    type: Literal["sheet.deleted"]
    sheet_id: int
    message: str


class AccessChanged(Access):
    type: Literal["access.changed"]
    sheet_id: int


class AccessRevoked(TypedDict):
    type: Literal["access.revoked"]
    sheet_id: int
    message: str


class SheetsChanged(TypedDict):
    """To a user's own group: their list of sheets changed (a sheet shared with them,
    taken away, renamed, created, deleted, its owner changed); list pages re-fetch it."""

    type: Literal["sheets.changed"]
    sheet_id: int
    reason: SheetsChangedReason


class Heartbeat(TypedDict):
    type: Literal["sheet.heartbeat"]
    sheet_id: int
    version: int


class ErrorReply(TypedDict):
    type: Literal["error"]
    error: str
    message: str


def server_name() -> str:
    """Names the serving process in `hello`, so tests and operators can tell them apart."""
    return f"{socket.gethostname()}:{os.getpid()}"


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
        message.update(access(role))
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


def sheet_deleted(*, sheet_id: int, title: str | None = None) -> SheetDeleted:
    name = f"The sheet “{title}”" if title else "This sheet"
    return {"type": "sheet.deleted", "sheet_id": sheet_id, "message": f"{name} was deleted."}


def sheets_changed(*, sheet_id: int, reason: SheetsChangedReason) -> SheetsChanged:
    return {"type": "sheets.changed", "sheet_id": sheet_id, "reason": reason}


# --- Broadcasts. Called from services inside transaction.on_commit only.


def broadcast_sheet_event(event: events.SheetEvent) -> None:
    text = users_wire.to_text(event)  # once, for the size check and every socket
    if len(text) > settings.EVENT_MAX_BYTES:
        # Too big for one frame: tabs see the seq and fetch the change over HTTP.
        small: ChangesAvailable = {
            "type": "changes.available",
            "sheet_id": event["sheet_id"],
            "seq": event["seq"],
        }
        users_wire.group_send(sheet_group(event["sheet_id"]), small)
    else:
        users_wire.group_send(sheet_group(event["sheet_id"]), event, text=text)


def broadcast_sheet_deleted(*, sheet_id: int, title: str) -> None:
    event = sheet_deleted(sheet_id=sheet_id, title=title)
    users_wire.group_send(sheet_group(sheet_id), event, close_code=CLOSE_NOT_FOUND)


def broadcast_access_changed(*, sheet_id: int, user_id: int, role: str | None) -> None:
    """Tell one user's sockets on a sheet their new role; no role closes them (4403)."""
    group = sheet_group(sheet_id)
    if role is None:
        revoked: AccessRevoked = {
            "type": "access.revoked",
            "sheet_id": sheet_id,
            "message": "You no longer have access to this sheet.",
        }
        users_wire.group_send(group, revoked, close_code=CLOSE_FORBIDDEN, only_user=user_id)
    else:
        changed: AccessChanged = {"type": "access.changed", "sheet_id": sheet_id, **access(role)}
        users_wire.group_send(group, changed, only_user=user_id)


def broadcast_sheets_changed(
    *, user_ids: Iterable[int], sheet_id: int, reason: SheetsChangedReason
) -> None:
    """Tell each of these users' sockets (their own group) that their sheet list changed."""
    event = sheets_changed(sheet_id=sheet_id, reason=reason)
    for user_id in sorted(set(user_ids)):
        users_wire.group_send(users_wire.user_group(user_id), event)


async def abroadcast_clock_tick() -> ClockTick:
    tick = clock_tick()
    await users_wire.agroup_send(clock_group(), tick)
    return tick
