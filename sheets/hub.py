"""The periodic work of one server process, for all its sockets at once.

Every socket registers here on connect and leaves on disconnect. While the
process has sockets, the hub runs, per period and per process (not per socket):

- every HEARTBEAT_SECONDS: one query for the versions of the sheets open here,
  one `sheet.heartbeat` per sheet to this process's sockets on it (its own
  group, realtime.process_sheet_group), and one presence round trip that keeps
  live sockets present and drops expired ones (sheets/presence.py);
- every GROUP_REJOIN_SECONDS: one query for the sessions of all its sockets
  (an ended one gets `session.ended`, then 4401), and, on channels-redis's core
  layer, the group re-join after a Redis restart (the pub/sub layer
  re-subscribes by itself);
- with CLOCK_IN_PROCESS, the clock (sheets/clock.py), and with it the daily
  refresh of the formulas that read TODAY() or NOW().

When the last socket leaves, its tasks are cancelled and awaited; the next
socket starts them again. One hub per event loop (tests run several loops).
"""

import asyncio
import contextlib
import logging
import time
import weakref
from importlib import import_module
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from accounts import realtime as users_wire
from sheets import clock, presence, realtime, selectors
from sheets.presence_store import PresenceUser

log = logging.getLogger(__name__)


class Socket(Protocol):
    """What the hub reads of a consumer (sheets/consumers.py)."""

    channel_name: str
    sheet_id: int | None
    user_id: int
    session_key: str | None
    joined: list[str]
    last_heard: float
    present: bool
    presence_user: PresenceUser


@database_sync_to_async
def _sheet_versions(sheet_ids: list[int]) -> dict[int, int]:
    return selectors.sheet_versions(sheet_ids=sheet_ids)


@database_sync_to_async
def _live_sessions(pairs: set[tuple[str | None, int]]) -> set[tuple[str | None, int]]:
    """The (session key, user id) pairs whose session is still that user's:
    one query for them all when sessions are in the database."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = {key for key, _ in pairs if key}
    if hasattr(store_class, "get_model_class"):
        rows = store_class.get_model_class().objects.filter(
            session_key__in=keys, expire_date__gt=timezone.now()
        )
        decode = store_class().decode
        data = {key: decode(raw) for key, raw in rows.values_list("session_key", "session_data")}
    else:
        data = {key: store_class(key).load() for key in keys}
    return {(k, user) for k, user in pairs if k in data and data[k].get(SESSION_KEY) == str(user)}


class Hub:
    def __init__(self) -> None:
        self.sockets: set[Socket] = set()
        self.by_sheet: dict[int, set[Socket]] = {}
        self.tasks: list[asyncio.Task] = []

    def register(self, socket: Socket) -> None:
        self.sockets.add(socket)
        if socket.sheet_id is not None:
            self.by_sheet.setdefault(socket.sheet_id, set()).add(socket)
        if not self.tasks:
            self.tasks = [
                asyncio.create_task(self._every(lambda: settings.HEARTBEAT_SECONDS, self.beat)),
                asyncio.create_task(self._every(lambda: settings.GROUP_REJOIN_SECONDS, self.check)),
            ]
            if settings.CLOCK_IN_PROCESS:
                self.tasks.append(asyncio.create_task(clock.run_forever()))

    def forget(self, socket: Socket) -> list[asyncio.Task]:
        """Drop `socket`; when it was the last, cancel the hub's tasks (returned,
        for the caller to await)."""
        self.sockets.discard(socket)
        if socket.sheet_id is not None:
            on_sheet = self.by_sheet.get(socket.sheet_id, set())
            on_sheet.discard(socket)
            if not on_sheet:
                self.by_sheet.pop(socket.sheet_id, None)
        if self.sockets or not self.tasks:
            return []
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task.cancel()
        return tasks

    async def unregister(self, socket: Socket) -> None:
        tasks = self.forget(socket)
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _every(self, seconds, work) -> None:
        while True:
            await asyncio.sleep(seconds())
            try:
                await work()
            except Exception:
                # A database or Redis hiccup must not end the hub: log, go on.
                log.exception("hub: %s failed", work.__name__)
            # redis-py can swallow a cancellation that lands mid-command.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise asyncio.CancelledError

    async def beat(self) -> None:
        """Heartbeats, then presence, for every sheet open in this process."""
        if not self.by_sheet:
            return
        sheet_ids = list(self.by_sheet)
        versions = await _sheet_versions(sheet_ids)
        for sheet_id in sheet_ids:
            group = realtime.process_sheet_group(sheet_id)
            if sheet_id in versions:
                beat = realtime.heartbeat(sheet_id=sheet_id, version=versions[sheet_id])
                await users_wire.agroup_send(group, beat)
            else:  # gone without its broadcast (or the broadcast was lost)
                gone = realtime.sheet_deleted(sheet_id=sheet_id)
                await users_wire.agroup_send(group, gone, close_code=realtime.CLOSE_NOT_FOUND)
        # A tab answers heartbeats with "alive"; one silent for a whole
        # presence window (network gone without a close) is left to expire.
        heard_since = time.monotonic() - presence.ttl()
        await presence.refresh(
            {
                sheet_id: [
                    (s.presence_user, s.channel_name)
                    for s in sockets
                    if s.present and s.last_heard >= heard_since
                ]
                for sheet_id, sockets in self.by_sheet.items()
            }
        )

    async def check(self) -> None:
        """End the sockets whose session ended; re-join groups if the layer needs it."""
        sockets = list(self.sockets)
        if not sockets:
            return
        live = await _live_sessions({(s.session_key, s.user_id) for s in sockets})
        layer = get_channel_layer()
        ended = users_wire.group_message(
            users_wire.session_ended("expired"), close_code=users_wire.CLOSE_UNAUTHENTICATED
        )
        for socket in sockets:
            if (socket.session_key, socket.user_id) not in live:
                await layer.send(socket.channel_name, ended)
        if getattr(layer, "rejoins_groups", False):
            # Redis restarts and group_expiry drop memberships; tabs stay open all day.
            for socket in sockets:
                with contextlib.suppress(Exception):
                    for group in socket.joined:
                        await layer.group_add(group, socket.channel_name)


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This event loop's hub."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]
