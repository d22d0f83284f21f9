"""Presence lists people in order of first arrival, whichever backend holds it
(the embedded default's memory, or Redis with `REDIS_URL`): a tab refreshing
its presence does not move its user to the end."""

import uuid

from sheets import presence


async def test_a_refresh_keeps_the_order_of_first_arrival():
    store = presence.backend()
    sheet_id = uuid.uuid4().int % 10**9  # a sheet no other test uses
    try:
        await store.touch(sheet_id, 1, "tab-a", 30)
        await store.touch(sheet_id, 2, "tab-b", 30)
        await store.touch(sheet_id, 3, "tab-c", 30)
        await store.touch(sheet_id, 1, "tab-a", 30)  # Ann's heartbeat
        await store.touch(sheet_id, 2, "tab-b2", 30)  # Bob's second tab
        assert await store.users(sheet_id) == [1, 2, 3]
        # Someone who leaves and comes back arrives again.
        await store.leave(sheet_id, 1, "tab-a")
        await store.touch(sheet_id, 1, "tab-a", 30)
        assert await store.users(sheet_id) == [2, 3, 1]
    finally:
        for user_id, channel in ((1, "tab-a"), (2, "tab-b"), (2, "tab-b2"), (3, "tab-c")):
            await store.leave(sheet_id, user_id, channel)
