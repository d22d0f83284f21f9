"""The server clock: every CLOCK_INTERVAL_MS, store the time and send it to the `clock` group;
and once a day, when the server's date changes (and when the clock starts), the
refresh of the formulas that read TODAY() or NOW() (sheets/services/refresh.py).

Production runs it as its own program (`manage.py run_clock`); the embedded
default runs it inside the server process, in the hub (sheets/hub.py), which
runs while the process has sockets (Channels' router has no start-up hook).
"""

import asyncio
import contextlib
import datetime
import logging
import time
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from sheets import realtime
from sheets.services import refresh_volatile_formulas

log = logging.getLogger(__name__)
LAST_TICK_KEY = "clock:last_tick_ms"
# A refresh that failed is tried again after this long, not at every tick.
REFRESH_RETRY_SECONDS = 600

Now = Callable[[], datetime.datetime]


async def tick() -> int:
    message = await realtime.abroadcast_clock_tick()
    await cache.aset(LAST_TICK_KEY, message["now_ms"], timeout=60)
    return message["now_ms"]


class DailyRefresh:
    """Starts the refresh of date formulas once per server date, in a thread
    of its own: it may take seconds on big sheets, and the ticks go on.
    `now` is the server's local time; `task` the refresh running or last
    run; `done_for` the date of the last one that refreshed every sheet."""

    def __init__(self, now: Now) -> None:
        self.now = now
        self.done_for: datetime.date | None = None
        self.task: asyncio.Task | None = None
        self.retry_at = 0.0

    def check(self) -> None:
        """Start the refresh if the date changed since the last one (or none ran yet)."""
        if self.task is not None and not self.task.done():
            return
        moment = self.now()
        if moment.date() == self.done_for or time.monotonic() < self.retry_at:
            return
        self.task = asyncio.create_task(self._run(moment))

    async def _run(self, moment: datetime.datetime) -> None:
        # Not thread-sensitive: the sockets' own database calls must not queue behind it.
        refresh = sync_to_async(_refresh_in_thread, thread_sensitive=False)
        try:
            done = await refresh(moment)
        except Exception:
            log.exception("The daily refresh of date formulas failed; trying again soon")
            self.retry_at = time.monotonic() + REFRESH_RETRY_SECONDS
            return
        if done["failed"]:
            # Logged sheet by sheet; those refreshed already are skipped next time.
            self.retry_at = time.monotonic() + REFRESH_RETRY_SECONDS
        else:
            self.done_for = moment.date()
        log.info("Date formulas refreshed for %s: %s", moment.date(), done)

    async def stop(self) -> None:
        # The thread finishes its sheet's transaction by itself; only the wait is dropped.
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def _refresh_in_thread(moment: datetime.datetime) -> dict[str, int]:
    try:
        return refresh_volatile_formulas(now=moment)
    finally:
        # The pool's thread may wait a day for the next refresh: not with a
        # database connection open.
        connections.close_all()


async def run_forever(daily: DailyRefresh | None = None) -> None:
    """Tick until cancelled, refreshing date formulas by `daily` (a test
    gives its own, with its own idea of the time)."""
    interval = settings.CLOCK_INTERVAL_MS / 1000
    daily = daily or DailyRefresh(timezone.localtime)
    try:
        while True:
            try:
                await tick()
            except Exception:
                # A Redis restart must not end the clock: log, wait, go on.
                log.exception("clock tick failed")
            daily.check()
            # redis-py can swallow a cancellation that lands mid-command; the clock
            # must still stop when cancelled (loop shutdown waits for it).
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise asyncio.CancelledError
            await asyncio.sleep(interval)
    finally:
        await daily.stop()
