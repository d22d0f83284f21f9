"""Where presence is kept: Redis (shared by every process) or the embedded
default's memory, with one shape (sheets/presence.py says what it means).

Per sheet: the sockets with their expiry, the number of sockets per user (the
count of people is the number of users), the users by arrival, and how each
user is shown (so a snapshot reads no database), and each present user's
latest selection (so a newcomer sees everyone's outline at once, without
every tab sending its selection again on each arrival).
"""

import asyncio
import json
import time
import weakref
from typing import TypedDict

import redis.asyncio as aioredis
from django.conf import settings


class PresenceUser(TypedDict):
    id: int
    display_name: str
    colour: str


def _member(user_id: int, channel: str) -> str:
    return f"{user_id}:{channel}"


# (came back, went, count, seq) per sheet whose people changed.
Changes = dict[int, tuple[list[PresenceUser], list[int], int, int]]


class _Sheet:
    def __init__(self) -> None:
        self.sockets: dict[str, float] = {}  # member -> expiry
        self.per_user: dict[int, int] = {}  # user id -> sockets (in order of arrival)
        self.shown: dict[int, PresenceUser] = {}
        self.selections: dict[int, str] = {}  # user id -> JSON {client_id, ranges}
        self.claims: dict[str, float] = {}


class MemoryPresence:
    def __init__(self) -> None:
        self.sheets: dict[int, _Sheet] = {}
        # Numbers each change, for all sheets and the process's life (see _JOIN).
        self.seq = 0

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def _enter(self, sheet: _Sheet, user: PresenceUser, member: str, expires: float) -> bool:
        """Add or touch an entry; True if it is the user's first socket."""
        fresh = member not in sheet.sockets
        sheet.sockets[member] = expires
        if not fresh:
            return False
        sheet.per_user[user["id"]] = sheet.per_user.get(user["id"], 0) + 1
        sheet.shown[user["id"]] = user
        return sheet.per_user[user["id"]] == 1

    def _exit(self, sheet: _Sheet, member: str) -> int | None:
        """Remove an entry; the user id if it was their last socket."""
        if sheet.sockets.pop(member, None) is None:
            return None
        user_id = int(member.split(":", 1)[0])
        sheet.per_user[user_id] -= 1
        if sheet.per_user[user_id] > 0:
            return None
        del sheet.per_user[user_id]
        sheet.shown.pop(user_id, None)
        sheet.selections.pop(user_id, None)
        return user_id

    async def join(self, sheet_id, user, channel, ttl, limit):
        sheet = self.sheets.setdefault(sheet_id, _Sheet())
        first = self._enter(sheet, user, _member(user["id"], channel), time.time() + ttl)
        sheet.shown[user["id"]] = user
        seq = self._next() if first else self.seq
        recent = list(sheet.per_user)[-limit:][::-1] if limit > 0 else []
        selections = [sheet.selections[i] for i in recent if i in sheet.selections]
        return first, len(sheet.per_user), [sheet.shown[i] for i in recent], selections, seq

    async def leave(self, sheet_id, user_id, channel):
        sheet = self.sheets.get(sheet_id)
        if sheet is None:
            return False, 0, 0
        gone = self._exit(sheet, _member(user_id, channel))
        seq = self._next() if gone is not None else 0
        if not sheet.sockets:
            del self.sheets[sheet_id]
        return gone is not None, len(sheet.per_user), seq

    async def refresh(self, alive, ttl) -> Changes:
        now = time.time()
        changes: Changes = {}
        for sheet_id, entries in alive.items():
            sheet = self.sheets.setdefault(sheet_id, _Sheet())
            came = [
                user
                for user, channel in entries
                if self._enter(sheet, user, _member(user["id"], channel), now + ttl)
            ]
            expired = [m for m, expires in sheet.sockets.items() if expires <= now]
            went = [u for u in (self._exit(sheet, m) for m in expired) if u is not None]
            if came or went:
                changes[sheet_id] = (came, went, len(sheet.per_user), self._next())
            if not sheet.sockets:
                del self.sheets[sheet_id]
        return changes

    async def update(self, sheet_id, user, change, ttl) -> int:
        sheet = self.sheets.get(sheet_id)
        if sheet is None or user["id"] not in sheet.per_user or change in sheet.claims:
            return 0
        now = time.time()
        sheet.claims = {c: t for c, t in sheet.claims.items() if t > now}
        sheet.claims[change] = now + ttl
        sheet.shown[user["id"]] = user
        return self._next()

    async def select(self, sheet_id, user_id, selection, ttl) -> None:
        sheet = self.sheets.get(sheet_id)
        if sheet is None or user_id not in sheet.per_user:
            return
        if selection is None:
            sheet.selections.pop(user_id, None)
        else:
            sheet.selections[user_id] = selection


# KEYS: sockets (zset member -> expiry), per user (hash id -> sockets),
# arrivals (zset id -> time), shown (hash id -> JSON), seq, selections (hash
# id -> JSON). The seq numbers each
# change: pub/sub may hand a socket a message sent before its snapshot, and the
# seq tells it so. Never lower than Redis's clock in microseconds, so it keeps
# growing after a Redis restart loses the key.
_NEXT_SEQ = """
local function next_seq(key)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local seq = math.max(tonumber(redis.call('GET', key) or '0') + 1, now)
  redis.call('SET', key, string.format('%d', seq))
  return seq
end
"""
_JOIN = (
    _NEXT_SEQ
    + """
local first = 0
if redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3]) == 1 then
  if redis.call('HINCRBY', KEYS[2], ARGV[4], 1) == 1 then
    first = 1
    redis.call('ZADD', KEYS[3], ARGV[1], ARGV[4])
  end
end
redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
local seq = tonumber(redis.call('GET', KEYS[5]) or '0')
if first == 1 or seq == 0 then seq = next_seq(KEYS[5]) end
for i = 1, 6 do redis.call('EXPIRE', KEYS[i], ARGV[7]) end
local shown, selections = {}, {}
local ids = redis.call('ZREVRANGE', KEYS[3], 0, tonumber(ARGV[6]) - 1)
if #ids > 0 then
  shown = redis.call('HMGET', KEYS[4], unpack(ids))
  selections = redis.call('HMGET', KEYS[6], unpack(ids))
end
return {first, redis.call('HLEN', KEYS[2]), shown, selections, seq}
"""
)
_LEAVE = (
    _NEXT_SEQ
    + """
local last = 0
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
    redis.call('HDEL', KEYS[2], ARGV[2])
    redis.call('ZREM', KEYS[3], ARGV[2])
    redis.call('HDEL', KEYS[4], ARGV[2])
    redis.call('HDEL', KEYS[6], ARGV[2])
    last = 1
  end
end
local seq = 0
if last == 1 then seq = next_seq(KEYS[5]) end
return {last, redis.call('HLEN', KEYS[2]), seq}
"""
)
# ARGV: now, expiry, keep seconds, then (member, user id, JSON) per live socket.
_REFRESH = (
    _NEXT_SEQ
    + """
local came = {}
for i = 4, #ARGV, 3 do
  if redis.call('ZADD', KEYS[1], ARGV[2], ARGV[i]) == 1 then
    if redis.call('HINCRBY', KEYS[2], ARGV[i + 1], 1) == 1 then
      redis.call('ZADD', KEYS[3], ARGV[1], ARGV[i + 1])
      redis.call('HSET', KEYS[4], ARGV[i + 1], ARGV[i + 2])
      table.insert(came, ARGV[i + 2])
    end
  end
end
local went = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])) do
  redis.call('ZREM', KEYS[1], member)
  local id = string.match(member, '^(%d+):')
  if redis.call('HINCRBY', KEYS[2], id, -1) <= 0 then
    redis.call('HDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
    redis.call('HDEL', KEYS[6], id)
    table.insert(went, id)
  end
end
local seq = 0
if #came > 0 or #went > 0 then seq = next_seq(KEYS[5]) end
for i = 1, 6 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return {came, went, redis.call('HLEN', KEYS[2]), seq}
"""
)
# KEYS: per user, shown, the claim, seq. ARGV: user id, JSON, claim seconds.
_UPDATE = (
    _NEXT_SEQ
    + """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return next_seq(KEYS[4])
"""
)
# KEYS: per user, selections. ARGV: user id, JSON or "" (cleared), keep seconds.
_SELECT = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return 1
"""


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
            client.join_script = client.register_script(_JOIN)
            client.leave_script = client.register_script(_LEAVE)
            client.refresh_script = client.register_script(_REFRESH)
            client.update_script = client.register_script(_UPDATE)
            client.select_script = client.register_script(_SELECT)
        return client

    @staticmethod
    def _keys(sheet_id: int) -> list[str]:
        base = f"gridroom:presence:{sheet_id}"
        parts = ("sockets", "users", "arrivals", "shown", "seq", "selections")
        return [f"{base}:{k}" for k in parts]

    @staticmethod
    def _keep(ttl: float) -> int:
        return max(1, int(ttl * 4))

    async def join(self, sheet_id, user, channel, ttl, limit):
        client = self._redis()
        now = time.time()
        first, count, shown, selections, seq = await client.join_script(
            keys=self._keys(sheet_id),
            args=[now, now + ttl, _member(user["id"], channel), user["id"], json.dumps(user)]
            + [max(1, limit), self._keep(ttl)],
        )
        users = [json.loads(s) for s in shown if s][: max(0, limit)]
        selections = [s for s in selections[: max(0, limit)] if s]
        return bool(first), int(count), users, selections, int(seq)

    async def leave(self, sheet_id, user_id, channel):
        last, count, seq = await self._redis().leave_script(
            keys=self._keys(sheet_id), args=[_member(user_id, channel), user_id]
        )
        return bool(last), int(count), int(seq)

    async def refresh(self, alive, ttl) -> Changes:
        client = self._redis()
        now = time.time()
        sheet_ids = list(alive)
        async with client.pipeline(transaction=False) as pipe:
            for sheet_id in sheet_ids:
                args: list = [now, now + ttl, self._keep(ttl)]
                for user, channel in alive[sheet_id]:
                    args += [_member(user["id"], channel), user["id"], json.dumps(user)]
                await client.refresh_script(keys=self._keys(sheet_id), args=args, client=pipe)
            results = await pipe.execute()
        changes: Changes = {}
        for sheet_id, (came, went, count, seq) in zip(sheet_ids, results, strict=True):
            if came or went:
                came = [json.loads(c) for c in came]
                changes[sheet_id] = (came, [int(w) for w in went], int(count), int(seq))
        return changes

    async def update(self, sheet_id, user, change, ttl) -> int:
        """The change's seq if this call claimed it (and the user is here), else 0."""
        keys = self._keys(sheet_id)
        claim = f"gridroom:presence:{sheet_id}:claim:{change}"
        return int(
            await self._redis().update_script(
                keys=[keys[1], keys[3], claim, keys[4]],
                args=[user["id"], json.dumps(user), int(ttl) + 1],
            )
        )

    async def select(self, sheet_id, user_id, selection, ttl) -> None:
        keys = self._keys(sheet_id)
        await self._redis().select_script(
            keys=[keys[1], keys[5]], args=[user_id, selection or "", self._keep(ttl)]
        )


_backend: MemoryPresence | RedisPresence | None = None


def backend() -> MemoryPresence | RedisPresence:
    global _backend
    if _backend is None:
        _backend = RedisPresence(settings.REDIS_URL) if settings.REDIS_URL else MemoryPresence()
    return _backend
