"""The channel layers Gridroom runs on (docs/operations.md, "Live sockets").

- `LocalChannelLayer`: the embedded default's, in one process. A group send
  puts the same message object in each member's queue: no copy, no scan.
- `PubSubChannelLayer` (REDIS_URL, GRIDROOM_CHANNEL_LAYER=pubsub): one PUBLISH
  per group send; each process gets it once and hands it to its own sockets.
- `ResilientRedisChannelLayer` (GRIDROOM_CHANNEL_LAYER=core): channels-redis's
  list-per-channel layer, kept for comparison.

The first two bound each channel's queue. A message to a full queue is
dropped and the channel is marked behind; once its consumer has read what
was queued, its next receive is a `channel.behind` message (BEHIND), so the
tab is told to catch up instead of staying stale. Messages are shared between
recipients: consumers treat them as read-only.
"""

import asyncio
import collections
import logging
import os
import threading
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import redis.exceptions
from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
from django.conf import settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# What a consumer receives after messages to it were dropped (the handler is
# `channel_behind`).
BEHIND = {"type": "channel.behind"}


class BoundedQueue:
    """A channel's queue: full means the message is dropped and `behind` set.

    The part of asyncio.Queue the layers use (put_nowait, get, empty, full,
    qsize), kept per socket with one deque instead of asyncio.Queue's four:
    0.9 KB against 3.3 KB each, which at 1,000 sockets is 2.4 MB."""

    __slots__ = ("maxsize", "items", "waiters", "behind")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.items: collections.deque = collections.deque()
        self.waiters: list[asyncio.Future] = []  # receives waiting (one, a consumer's)
        self.behind = False

    def qsize(self) -> int:
        return len(self.items)

    def empty(self) -> bool:
        return not self.items

    def full(self) -> bool:
        return len(self.items) >= self.maxsize

    def put_nowait(self, item) -> None:
        if self.full():
            self.behind = True
            return
        self.items.append(item)
        self._wake_next()

    async def get(self):
        while not self.items:
            waiter = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in self.waiters:
                    self.waiters.remove(waiter)
                # Woken and cancelled at once: the wake-up goes to the next reader.
                if waiter.done() and not waiter.cancelled() and self.items:
                    self._wake_next()
                raise
        return self.items.popleft()

    def _wake_next(self) -> None:
        while self.waiters:
            waiter = self.waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return

    async def next_or_behind(self):
        """What a receive returns: the next message, else BEHIND once if
        messages were dropped, else the next message when it comes."""
        if self.empty() and self.behind:
            self.behind = False
            return BEHIND
        return await self.get()


class LocalChannelLayer(BaseChannelLayer):
    """In-process layer: groups are sets of channel names, each channel a
    bounded queue. Nothing is copied or scanned per message."""

    extensions = ["groups", "flush"]

    def __init__(self, capacity: int = 1000, **kwargs) -> None:
        super().__init__(capacity=capacity, **kwargs)
        self.channels: dict[str, BoundedQueue] = {}
        self.groups: dict[str, set[str]] = {}
        self.memberships: dict[str, set[str]] = {}  # channel -> its groups

    def _queue(self, channel: str) -> BoundedQueue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = BoundedQueue(maxsize=self.capacity)
        return queue

    async def new_channel(self, prefix: str = "specific.") -> str:
        channel = f"{prefix}local!{uuid.uuid4().hex}"
        self._queue(channel)
        return channel

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        queue = self.channels.get(channel)
        if queue is not None:  # nobody receives on an unknown channel
            queue.put_nowait(message)

    async def receive(self, channel: str) -> dict:
        self.require_valid_channel_name(channel)
        queue = self._queue(channel)
        try:
            return await queue.next_or_behind()
        except asyncio.CancelledError:
            # Channels cancels a consumer's receive when it ends: forget the
            # channel and its groups (a cancelled consumer never discards them).
            self.channels.pop(channel, None)
            for group in list(self.memberships.get(channel, ())):
                await self.group_discard(group, channel)
            raise

    async def group_add(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        self.groups.setdefault(group, set()).add(channel)
        self.memberships.setdefault(channel, set()).add(group)

    async def group_discard(self, group: str, channel: str) -> None:
        joined = self.memberships.get(channel)
        if joined is not None:
            joined.discard(group)
            if not joined:
                del self.memberships[channel]
        members = self.groups.get(group)
        if members is not None:
            members.discard(channel)
            if not members:
                del self.groups[group]

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        for channel in self.groups.get(group, ()):
            queue = self.channels.get(channel)
            if queue is not None:
                queue.put_nowait(message)

    async def flush(self) -> None:
        self.channels.clear()
        self.groups.clear()
        self.memberships.clear()

    async def close(self) -> None:
        pass


class _BoundedPubSubLoopLayer(RedisPubSubLoopLayer):
    """channels-redis's per-loop pub/sub layer with bounded channel queues."""

    capacity = 1000

    async def _subscribe_to_channel(self, channel):  # overrides the library's
        self.channels[channel] = BoundedQueue(maxsize=self.capacity)
        await self._get_shard(channel).subscribe(channel)


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """channels-redis's pub/sub layer (checked against channels-redis 4.3):
    a group send is one PUBLISH; each process subscribes once per group and
    fans out to its own consumers. redis-py subscribes again by itself after
    a reconnect, so memberships survive a Redis restart (messages published
    while Redis was away are lost: tabs catch up from the heartbeat).
    Its queues are unbounded upstream; here they hold `capacity` messages."""

    def __init__(self, *args, capacity: int = 1000, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity

    def _get_layer(self):  # overrides the library's: its per-loop layer, bounded
        layer = super()._get_layer()
        if not isinstance(layer, _BoundedPubSubLoopLayer):
            layer.__class__ = _BoundedPubSubLoopLayer  # same state; bounded queues from now
            layer.capacity = self.capacity
        return layer

    async def receive(self, channel: str) -> dict:
        layer = self._get_layer()
        queue = layer.channels.get(channel)
        if isinstance(queue, BoundedQueue) and queue.empty() and queue.behind:
            queue.behind = False
            return BEHIND
        return await layer.receive(channel)


class ResilientRedisChannelLayer(RedisChannelLayer):
    """A Redis restart or a read timeout does not end every consumer of the
    process: receive() waits and tries again. Group memberships lost with Redis
    come back through the hub's periodic re-join (`rejoins_groups`); tabs catch
    up on missed events from their heartbeat."""

    rejoins_groups = True

    async def receive(self, channel: str) -> dict:
        delay = 0.2
        while True:
            try:
                return await super().receive(channel)
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # redis-py turned our cancellation into this error: stop.
                    raise asyncio.CancelledError from exc
                log.warning("channel layer receive failed (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _brpop_with_clean(self, index, channel, timeout):  # noqa: ASYNC109 (overrides)
        # receive_single() polls Redis in a loop until a message comes. A
        # cancellation that lands just as a reply completes can be swallowed on
        # Python 3.11; the task then stays marked as cancelling, so stop here
        # instead of polling forever for a consumer that is gone.
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError
        return await super()._brpop_with_clean(index, channel, timeout)


# --- Sending from sync code (a gunicorn worker, a management command).

_sender_loop: asyncio.AbstractEventLoop | None = None
_sender_pid = 0
_sender_lock = threading.Lock()


def _sender() -> asyncio.AbstractEventLoop:
    """This process's one loop for sends from sync code, in a thread of its own
    (started on first use, again after a fork)."""
    global _sender_loop, _sender_pid
    with _sender_lock:
        if _sender_loop is None or _sender_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-sender", daemon=True).start()
            _sender_loop, _sender_pid = loop, os.getpid()
        return _sender_loop


def run_from_sync(make_coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a channel-layer coroutine from sync code and wait for it.

    With Redis, on one long-lived loop per process: `async_to_sync` outside an
    ASGI server makes a new loop per call, and the Redis layers keep their
    connections per loop, so every broadcast from a gunicorn worker opened a
    new connection (3-8 ms, against 0.1 ms on a kept one). The in-process
    layers' queues belong to the server's loop: there, `async_to_sync`
    hands the coroutine to that loop as before."""
    if not settings.REDIS_URL:

        async def run() -> T:
            return await make_coroutine()

        return async_to_sync(run)()
    return asyncio.run_coroutine_threadsafe(make_coroutine(), _sender()).result()
