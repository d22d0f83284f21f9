"""Who has a sheet open right now, and which cells they have selected.

Per sheet, one entry per open socket (user id + channel name) with an expiry
that the socket's heartbeat pushes forward. A tab that vanishes without a clean
close drops out when its entry expires. With REDIS_URL the entries are a Redis
sorted set shared by every process; the embedded default is one process, so
its memory is the shared state there. The two messages about it
(presence.changed, selection.changed) are built and sent here, on the sheet's
group (sheets/realtime.py).
"""

import asyncio
import time
import weakref
from typing import Literal, TypedDict

import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from accounts import selectors as users_selectors
from sheets import realtime


def _member(user_id: int, channel: str) -> str:
    return f"{user_id}:{channel}"


def _users(members: list[str]) -> list[int]:
    """User ids in order of first arrival, once each."""
    seen: dict[int, None] = {}
    for member in members:
        seen.setdefault(int(member.split(":", 1)[0]), None)
    return list(seen)


class MemoryPresence:
    def __init__(self) -> None:
        self.sheets: dict[int, dict[str, float]] = {}

    async def touch(self, sheet_id: int, user_id: int, channel: str, ttl: float) -> None:
        # Updated in place: a dict keeps its first insertion's place, so the
        # order stays that of first arrival (as the Redis backend's scores do).
        self.sheets.setdefault(sheet_id, {})[_member(user_id, channel)] = time.time() + ttl

    async def leave(self, sheet_id: int, user_id: int, channel: str) -> None:
        self.sheets.get(sheet_id, {}).pop(_member(user_id, channel), None)

    async def users(self, sheet_id: int) -> list[int]:
        now = time.time()
        entries = self.sheets.get(sheet_id, {})
        for member in [m for m, expires in entries.items() if expires <= now]:
            del entries[member]
        return _users(list(entries))


class RedisPresence:
    def __init__(self, url: str) -> None:
        self.url = url
        # One client per event loop: tests run several loops in one process.
        self.clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _redis(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        client = self.clients.get(loop)
        if client is None:
            client = self.clients[loop] = aioredis.from_url(self.url, decode_responses=True)
        return client

    @staticmethod
    def _key(sheet_id: int) -> str:
        return f"gridroom:presence:{sheet_id}"

    async def touch(self, sheet_id: int, user_id: int, channel: str, ttl: float) -> None:
        key = self._key(sheet_id)
        async with self._redis().pipeline() as pipe:
            # Score = first arrival keeps the order stable; expiry lives in a second set.
            pipe.zadd(key, {_member(user_id, channel): time.time()}, nx=True)
            pipe.zadd(key + ":expires", {_member(user_id, channel): time.time() + ttl})
            pipe.expire(key, int(ttl * 4))
            pipe.expire(key + ":expires", int(ttl * 4))
            await pipe.execute()

    async def leave(self, sheet_id: int, user_id: int, channel: str) -> None:
        key = self._key(sheet_id)
        async with self._redis().pipeline() as pipe:
            pipe.zrem(key, _member(user_id, channel))
            pipe.zrem(key + ":expires", _member(user_id, channel))
            await pipe.execute()

    async def users(self, sheet_id: int) -> list[int]:
        key = self._key(sheet_id)
        client = self._redis()
        expired = await client.zrangebyscore(key + ":expires", "-inf", time.time())
        if expired:
            async with client.pipeline() as pipe:
                pipe.zrem(key, *expired)
                pipe.zrem(key + ":expires", *expired)
                await pipe.execute()
        return _users(await client.zrange(key, 0, -1))


_backend: MemoryPresence | RedisPresence | None = None


def backend() -> MemoryPresence | RedisPresence:
    global _backend
    if _backend is None:
        _backend = RedisPresence(settings.REDIS_URL) if settings.REDIS_URL else MemoryPresence()
    return _backend


def ttl() -> float:
    """How long a socket counts as present without a heartbeat."""
    return settings.PRESENCE_TTL_SECONDS


# --- The messages.


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


def presence_changed(*, sheet_id: int, users: list[PresenceUser]) -> PresenceChanged:
    return {"type": "presence.changed", "sheet_id": sheet_id, "users": users}


async def abroadcast_presence(*, sheet_id: int, users: list[PresenceUser]) -> None:
    await get_channel_layer().group_send(
        realtime.sheet_group(sheet_id),
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
        realtime.sheet_group(sheet_id), {"type": "forward", "event": event, "skip_channel": sender}
    )


# --- What sheet sockets call: update the entries, tell the sheet's group.


@database_sync_to_async
def _users_info(user_ids: list[int]) -> list[PresenceUser]:
    return [
        {"id": u["id"], "display_name": u["display_name"], "colour": u["colour"]}
        for u in users_selectors.users_info(user_ids=user_ids)
    ]


async def announce(sheet_id: int) -> list[int]:
    """Send who is here to every socket on the sheet; returns the user ids."""
    user_ids = await backend().users(sheet_id)
    await abroadcast_presence(sheet_id=sheet_id, users=await _users_info(user_ids))
    return user_ids


async def join(sheet_id: int, user_id: int, channel: str) -> list[int]:
    await backend().touch(sheet_id, user_id, channel, ttl())
    return await announce(sheet_id)


async def refresh(
    sheet_id: int, user_id: int, channel: str, last_seen: list[int], *, touch: bool = True
) -> None:
    """Keep this socket present (unless `touch` is off: its tab went silent);
    announce when entries expired since `last_seen`."""
    if touch:
        await backend().touch(sheet_id, user_id, channel, ttl())
    if await backend().users(sheet_id) != last_seen:
        await announce(sheet_id)


async def leave(sheet_id: int, user_id: int, channel: str) -> None:
    await backend().leave(sheet_id, user_id, channel)
    await announce(sheet_id)
