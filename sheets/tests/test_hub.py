"""The process's hub (sheets/hub.py) and the bounded channels: periodic work
costs per sheet and per process, not per socket; nothing of a socket outlives
it; a socket whose messages were dropped is told to catch up."""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator

import pytest
from channels.db import database_sync_to_async

from accounts import realtime as users_wire
from sheets import realtime, services
from sheets.hub import hub
from sheets.tests.helpers import col_ids, row_ids

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_S = 10  # a backstop only: each wait ends as soon as its condition holds


@contextlib.contextmanager
def counted_queries(settings) -> Iterator[list[str]]:
    """The SQL of every query, from whichever thread (each socket's database
    calls run on a thread of their own): Django logs each one under DEBUG."""
    queries: list[str] = []

    class Record(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            queries.append(str(getattr(record, "sql", "")))

    logger, handler = logging.getLogger("django.db.backends"), Record(logging.DEBUG)
    level = logger.level
    settings.DEBUG = True
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield queries
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        settings.DEBUG = False


def other_tasks() -> set[asyncio.Task]:
    """Every task of the loop but the test's own."""
    return asyncio.all_tasks() - {asyncio.current_task()}


async def test_nothing_of_a_socket_outlives_its_disconnect(ws_connect, user, sheet, settings):
    settings.HEARTBEAT_SECONDS = 0.05
    settings.GROUP_REJOIN_SECONDS = 0.05
    settings.CLOCK_INTERVAL_MS = 20
    before = other_tasks()
    sockets = [await ws_connect(f"/ws/sheet/{sheet.id}/", user=user) for _ in range(3)]
    sockets.append(await ws_connect("/ws/live/", user=user))
    for socket in sockets:
        await socket.receive_type("hello")
    # The periodic work runs (heartbeats, ticks, session checks) while they are open.
    await sockets[0].receive_type("sheet.heartbeat", skip=("clock.tick", "presence.snapshot"))
    await sockets[3].receive_type("clock.tick", skip=())
    assert len(hub().tasks) == 3
    for socket in sockets[1:]:
        await socket.disconnect()
    # The last one is cancelled by its server (as at shutdown): no disconnect() runs.
    sockets[0].comm.future.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sockets[0].comm.future
    assert hub().sockets == set() and hub().by_sheet == {} and hub().tasks == []
    # The hub's tasks are cancelled; one may still be ending (a Redis reply in
    # flight when the cancel came). Wait for them to end, never longer than
    # WAIT_S: a task still running then outlived its socket.
    ending = {t for t in other_tasks() - before if not t.done()} - _layer_tasks()
    if ending:
        await asyncio.wait(ending, timeout=WAIT_S)
    # Only tasks that were there before remain (the layer's own, if any).
    assert {t for t in other_tasks() - before if not t.done()} <= _layer_tasks()


def _layer_tasks() -> set[asyncio.Task]:
    """channels-redis's pub/sub layer keeps one reader task per Redis connection
    for the process's life; it is the layer's, not a socket's."""
    return {t for t in asyncio.all_tasks() if "_do_receiving" in repr(t.get_coro())}


async def test_heartbeat_is_one_version_query_per_period_for_all_sheets(
    ws_connect, user, make_sheet, settings
):
    settings.HEARTBEAT_SECONDS = 0.1
    settings.CLOCK_IN_PROCESS = False
    first, second = [await database_sync_to_async(make_sheet)(title=t) for t in ("A", "B")]
    sockets = [await ws_connect(f"/ws/sheet/{s.id}/", user=user) for s in (first,) * 3]
    sockets += [await ws_connect(f"/ws/sheet/{second.id}/", user=user) for _ in range(2)]
    for socket in sockets:
        await socket.receive_type("hello")
    with counted_queries(settings) as queries:
        for _ in range(3):
            for socket in sockets:
                await socket.receive_type("sheet.heartbeat")
    versions = [sql for sql in queries if '"version"' in sql]
    # One query per period for both sheets (a period may have begun before the
    # count and another after the third beat), not one per socket (5 per period).
    assert 2 <= len(versions) <= 4, versions
    assert all(" IN " in sql for sql in versions)
    for socket in sockets:
        await socket.disconnect()


async def test_a_socket_whose_messages_were_dropped_is_told_to_catch_up(
    ws_connect, user, sheet, settings
):
    settings.CLOCK_IN_PROCESS = False
    settings.HEARTBEAT_SECONDS = 3600
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "proj.channel_layer.LocalChannelLayer", "CONFIG": {"capacity": 3}}
    }

    # Edits the socket will not hear of (made before it opened): version 2.
    @database_sync_to_async
    def edit(value: str) -> None:
        services.cells_update(
            sheet=sheet,
            user=user,
            client_id="tab-1",
            op_id=str(uuid.uuid4()),
            changes=[{"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": value}],
        )

    for value in ("a", "b"):
        await edit(value)
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    await socket.receive_type("presence.snapshot")
    # Ten messages in one go: at most three fit in the socket's queue, the rest are dropped.
    for _ in range(10):
        await users_wire.agroup_send(realtime.clock_group(), realtime.clock_tick())
    ticks = 0
    while (message := await socket.receive())["type"] == "clock.tick":
        ticks += 1
    assert ticks <= 3  # the queue's capacity (its own presence.joined may take a place)
    # Then, at once, a heartbeat with the sheet's version: the tab catches up.
    assert message == {"type": "sheet.heartbeat", "sheet_id": sheet.id, "version": 2}
    await socket.ping()
    # A live socket (no sheet to catch up on) is closed to reconnect and reload.
    live = await ws_connect("/ws/live/", user=user)
    await live.receive_type("hello")
    for _ in range(10):
        await users_wire.agroup_send(realtime.clock_group(), realtime.clock_tick())
    assert await live.receive_close(skip=("clock.tick",)) == realtime.CLOSE_BEHIND
    await live.disconnect()
    await socket.disconnect()


async def test_a_push_that_cannot_reach_redis_is_logged_not_raised(settings, caplog):
    # A real pub/sub layer whose Redis is not there (nothing listens on port 1):
    # a selection or presence change sent from a socket's message must not end
    # that socket, and a saved op's answer must not become a 500.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "proj.channel_layer.PubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    with caplog.at_level(logging.ERROR, logger="accounts.realtime"):
        await users_wire.agroup_send(realtime.sheet_group(1), realtime.clock_tick())
    assert "broadcast to sheet_1 failed" in caplog.text


async def test_a_bounded_queue_wakes_its_reader_drops_when_full_and_survives_a_cancel():
    from proj.channel_layer import BEHIND, BoundedQueue

    queue = BoundedQueue(maxsize=2)
    reader = asyncio.ensure_future(queue.next_or_behind())
    await asyncio.sleep(0)  # the reader waits
    queue.put_nowait("a")
    assert await reader == "a"
    # A cancelled reader leaves no waiter behind: the next one gets the message.
    cancelled = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert queue.waiters == []
    for item in "bcd":  # "d" finds the queue full
        queue.put_nowait(item)
    assert [await queue.next_or_behind() for _ in range(3)] == ["b", "c", BEHIND]
    assert queue.empty() and not queue.behind
