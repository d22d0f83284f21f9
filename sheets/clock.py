"""The server clock: every CLOCK_INTERVAL_MS, store the time and send it to the `clock` group.

Production runs it as its own program (`manage.py run_clock`); the embedded
default runs it inside the server process, in the hub (sheets/hub.py), which
runs while the process has sockets (Channels' router has no start-up hook).
"""

import asyncio
import logging

from django.conf import settings
from django.core.cache import cache

from sheets import realtime

log = logging.getLogger(__name__)
LAST_TICK_KEY = "clock:last_tick_ms"


async def tick() -> int:
    message = await realtime.abroadcast_clock_tick()
    await cache.aset(LAST_TICK_KEY, message["now_ms"], timeout=60)
    return message["now_ms"]


async def run_forever() -> None:
    interval = settings.CLOCK_INTERVAL_MS / 1000
    while True:
        try:
            await tick()
        except Exception:
            # A Redis restart must not end the clock: log, wait, go on.
            log.exception("clock tick failed")
        # redis-py can swallow a cancellation that lands mid-command; the clock
        # must still stop when cancelled (loop shutdown waits for it).
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError
        await asyncio.sleep(interval)
