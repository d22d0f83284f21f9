"""channels-redis, hardened for tabs that stay open all day."""

import asyncio
import logging

import redis.exceptions
from channels_redis.core import RedisChannelLayer

log = logging.getLogger(__name__)


class ResilientRedisChannelLayer(RedisChannelLayer):
    """A Redis restart or a read timeout does not end every consumer of the
    process: receive() waits and tries again. Group memberships lost with Redis
    come back through the consumers' periodic re-join; tabs catch up on missed
    events from their heartbeat."""

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
