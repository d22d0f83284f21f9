"""Who has a sheet open right now, and which cells they have selected.

Per sheet: one entry per open socket (user id + channel name) with an expiry
that the process's hub pushes forward (sheets/hub.py), a count of sockets per
user (so the number of people is O(1) to read), the users in order of
arrival and how each is shown. A tab that vanishes without a clean close drops
out when its entry expires. With REDIS_URL it lives in Redis, changed by Lua
scripts so that processes never count a socket twice; the embedded default is
one process and keeps the same shape in memory (sheets/presence_store.py).

Only changes travel (docs/protocol.md, "Presence"): the joiner gets a
`presence.snapshot`; the sheet's group hears `presence.joined` for a user's
first socket, `presence.left` for their last, `presence.updated` when a
present user's name or colour changes.
"""

import json
import logging
from typing import Literal, TypedDict

from django.conf import settings

from accounts import realtime as users_wire
from sheets import realtime
from sheets.presence_store import PresenceUser, backend

log = logging.getLogger(__name__)


def ttl() -> float:
    """How long a socket counts as present without a heartbeat."""
    return settings.PRESENCE_TTL_SECONDS


# --- The messages.


class ShownSelection(TypedDict):
    user_id: int
    client_id: str
    ranges: list[dict]


class PresenceSnapshot(TypedDict):
    type: Literal["presence.snapshot"]
    sheet_id: int
    count: int
    users: list[PresenceUser]
    selections: list[ShownSelection]


class PresenceJoined(TypedDict):
    type: Literal["presence.joined"]
    sheet_id: int
    user: PresenceUser
    count: int


class PresenceLeft(TypedDict):
    type: Literal["presence.left"]
    sheet_id: int
    user_id: int
    count: int


class PresenceUpdated(TypedDict):
    type: Literal["presence.updated"]
    sheet_id: int
    user: PresenceUser


class SelectionChanged(TypedDict):
    type: Literal["selection.changed"]
    sheet_id: int
    user: PresenceUser
    client_id: str
    ranges: list[dict] | None


def presence_user(info: users_wire.UserInfo | PresenceUser) -> PresenceUser:
    return {"id": info["id"], "display_name": info["display_name"], "colour": info["colour"]}


def snapshot(
    *,
    sheet_id: int,
    count: int,
    users: list[PresenceUser],
    selections: list[ShownSelection],
) -> PresenceSnapshot:
    return {
        "type": "presence.snapshot",
        "sheet_id": sheet_id,
        "count": count,
        "users": users,
        "selections": selections,
    }


def joined(*, sheet_id: int, user: PresenceUser, count: int) -> PresenceJoined:
    return {"type": "presence.joined", "sheet_id": sheet_id, "user": user, "count": count}


def left(*, sheet_id: int, user_id: int, count: int) -> PresenceLeft:
    return {"type": "presence.left", "sheet_id": sheet_id, "user_id": user_id, "count": count}


def updated(*, sheet_id: int, user: PresenceUser) -> PresenceUpdated:
    return {"type": "presence.updated", "sheet_id": sheet_id, "user": user}


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
    # Kept for whoever opens the sheet later: their snapshot shows it.
    kept = None
    if ranges is not None:
        kept = json.dumps({"user_id": user["id"], "client_id": client_id, "ranges": ranges})
    try:
        await backend().select(sheet_id, user["id"], kept, ttl())
    except Exception:
        # As for a push (accounts/realtime.agroup_send): a Redis hiccup costs a
        # newcomer an outline, never the sender's socket.
        log.exception("keeping a selection failed")
    event: SelectionChanged = {
        "type": "selection.changed",
        "sheet_id": sheet_id,
        "user": user,
        "client_id": client_id,
        "ranges": ranges,
    }
    # Everyone on the sheet but the socket that sent it.
    await users_wire.agroup_send(realtime.sheet_group(sheet_id), event, skip_channel=sender)


# --- What sheet sockets and the hub call: change the entries, tell the sheet's group.


async def join(sheet_id: int, user: PresenceUser, channel: str) -> tuple[PresenceSnapshot, int]:
    """Enter `channel` of `user`; tell the others if it is the user's first
    socket here. Returns the snapshot for the joiner and its seq: presence
    messages up to that seq are in the snapshot, so the socket skips them
    (with pub/sub a message sent before the join can reach it after)."""
    first, count, users, selections, seq = await backend().join(
        sheet_id, user, channel, ttl(), settings.PRESENCE_SNAPSHOT_USERS
    )
    if user["id"] not in {u["id"] for u in users}:  # a second tab of an early arrival
        users = [user, *users][: max(1, settings.PRESENCE_SNAPSHOT_USERS)]
    if first:
        await users_wire.agroup_send(
            realtime.sheet_group(sheet_id),
            joined(sheet_id=sheet_id, user=user, count=count),
            presence_seq=seq,
        )
    shown = [json.loads(s) for s in selections]
    return snapshot(sheet_id=sheet_id, count=count, users=users, selections=shown), seq


async def leave(sheet_id: int, user_id: int, channel: str) -> None:
    last, count, seq = await backend().leave(sheet_id, user_id, channel)
    if last:
        await users_wire.agroup_send(
            realtime.sheet_group(sheet_id),
            left(sheet_id=sheet_id, user_id=user_id, count=count),
            presence_seq=seq,
        )


async def refresh(alive: dict[int, list[tuple[PresenceUser, str]]]) -> None:
    """Keep the listed sockets present, per sheet (every sheet of the process,
    including those whose sockets all went silent), and drop expired entries:
    one round trip for them all. Tells each sheet who came back or left."""
    changes = await backend().refresh(alive, ttl())
    for sheet_id, (came, went, count, seq) in changes.items():
        group = realtime.sheet_group(sheet_id)
        for user in came:
            message = joined(sheet_id=sheet_id, user=user, count=count)
            await users_wire.agroup_send(group, message, presence_seq=seq)
        for gone in went:
            message = left(sheet_id=sheet_id, user_id=gone, count=count)
            await users_wire.agroup_send(group, message, presence_seq=seq)


async def profile_changed(sheet_id: int, user: PresenceUser, change: str) -> None:
    """A present user's name or colour changed: one `presence.updated` per
    sheet, sent by whichever of the user's sockets claims `change` first."""
    if seq := await backend().update(sheet_id, user, change, ttl()):
        await users_wire.agroup_send(
            realtime.sheet_group(sheet_id), updated(sheet_id=sheet_id, user=user), presence_seq=seq
        )
