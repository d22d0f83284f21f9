"""The clock refreshes the formulas that read TODAY() once per server date,
and when it starts, in a thread of its own: the ticks go on meanwhile.

The clock loop is the real one (sheets/clock.py run_forever), ticking every
20 ms; only its idea of the time is the test's, moved on by whole days."""

import asyncio
import datetime
import logging
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import connection, transaction
from django.utils import timezone

from sheets import clock
from sheets.models import Column, Sheet
from sheets.realtime import events
from sheets.services import sheet_refresh_formulas
from sheets.tests.formula_sheets import add_formula, priced_sheet, values_of

pytestmark = pytest.mark.django_db(transaction=True)


class Calendar:
    """The clock's `now`: the server's time, `days` later."""

    def __init__(self) -> None:
        self.days = 0

    def __call__(self) -> datetime.datetime:
        return timezone.localtime() + datetime.timedelta(days=self.days)

    def date(self) -> str:
        return self().date().isoformat()


@pytest.fixture
def quick_clock(settings):
    settings.CLOCK_INTERVAL_MS = 20
    # The sockets must not start a clock of their own (the hub's, embedded default).
    settings.CLOCK_IN_PROCESS = False


@pytest.fixture
async def start_clock(quick_clock):
    """Start the real clock loop; its daily refresh reads the test's calendar."""
    tasks: list[asyncio.Task] = []

    def start(calendar: Calendar) -> clock.DailyRefresh:
        daily = clock.DailyRefresh(calendar)
        tasks.append(asyncio.create_task(clock.run_forever(daily)))
        return daily

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _finish(socket, daily: clock.DailyRefresh) -> None:
    """Let the clock tick until its refresh is over (its thread done)."""
    try:
        async with asyncio.timeout(10):
            while daily.task is None or not daily.task.done():
                await _ticks(socket, 1)
    except TimeoutError:
        raise AssertionError("waited 10 s for the refresh to finish") from None


def dated_sheet(sheet, user) -> str:
    priced_sheet(sheet, user)
    return add_formula(sheet, user, "Day", "=TODAY()")["id"]


_dated_sheet = database_sync_to_async(dated_sheet)


@database_sync_to_async
def _refreshes(sheet) -> list[str]:
    """The dates the sheet's refreshes were for, oldest first."""
    changes = sheet.changes.filter(payload__type=events.COLUMNS_RECOMPUTED).order_by("seq")
    return [c.response["day"] for c in changes]


async def _ticks(socket, count: int) -> None:
    for _ in range(count):
        await socket.receive_type("clock.tick", skip=("sheet.heartbeat", "presence.snapshot"))


async def test_a_date_formula_is_refreshed_once_when_the_date_changes(
    ws_connect, start_clock, user, sheet
):
    day = await _dated_sheet(sheet, user)
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    calendar = Calendar()
    today = calendar.date()
    daily = start_clock(calendar)
    # On start: the sheet was not refreshed for today.
    first = await socket.receive_type("columns.recomputed")
    assert first["columns"] == [day]
    assert first["user"] is None
    await _finish(socket, daily)

    calendar.days = 1
    tomorrow = calendar.date()
    second = await socket.receive_type("columns.recomputed")
    assert second["seq"] == first["seq"] + 1
    assert await database_sync_to_async(values_of)(sheet, day) == [tomorrow] * 3
    await _finish(socket, daily)
    assert daily.done_for.isoformat() == tomorrow

    # The same date goes on: many checks, no second refresh...
    await _ticks(socket, 20)
    assert await _refreshes(sheet) == [today, tomorrow]
    # ...until the next one.
    calendar.days = 2
    third = await socket.receive_type("columns.recomputed")
    assert third["seq"] == second["seq"] + 1
    await _finish(socket, daily)
    assert await _refreshes(sheet) == [today, tomorrow, calendar.date()]
    await socket.disconnect()


async def test_on_start_only_the_sheets_not_refreshed_today_are_refreshed(
    ws_connect, start_clock, user, make_sheet
):
    done = await database_sync_to_async(make_sheet)(title="Done")
    pending = await database_sync_to_async(make_sheet)(title="Pending")
    await _dated_sheet(done, user)
    await _dated_sheet(pending, user)
    await database_sync_to_async(sheet_refresh_formulas)(sheet=done)
    sockets = {}
    for sheet in (done, pending):
        sockets[sheet.id] = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
        await sockets[sheet.id].receive_type("hello")
    calendar = Calendar()
    daily = start_clock(calendar)
    await sockets[pending.id].receive_type("columns.recomputed")
    await _finish(sockets[pending.id], daily)
    calendar.days = 1
    for socket in sockets.values():
        await socket.receive_type("columns.recomputed")
    await _finish(sockets[pending.id], daily)
    today, tomorrow = Calendar().date(), calendar.date()
    assert await _refreshes(done) == [today, tomorrow]
    assert await _refreshes(pending) == [today, tomorrow]
    for socket in sockets.values():
        await socket.disconnect()


async def test_ticks_go_on_while_a_refresh_waits_for_its_sheet(
    ws_connect, start_clock, user, sheet
):
    day = await _dated_sheet(sheet, user)
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    locked, release = threading.Event(), threading.Event()

    def hold_the_sheet() -> None:
        # Another op's transaction on the sheet, as long as the test says.
        try:
            with transaction.atomic():
                Sheet.objects.select_for_update().get(pk=sheet.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_sheet)
    holder.start()
    try:
        assert await asyncio.to_thread(locked.wait, 5), "the sheet was not locked"
        daily = start_clock(Calendar())
        # Were the refresh on the clock's loop, it would stop the ticks until the lock goes.
        await _ticks(socket, 10)
        assert await _refreshes(sheet) == []
    finally:
        release.set()
        await asyncio.to_thread(holder.join, 10)
    event = await socket.receive_type("columns.recomputed")
    assert event["columns"] == [day]
    await _finish(socket, daily)
    await socket.disconnect()


async def test_a_sheet_that_cannot_be_refreshed_is_logged_and_the_others_are(
    ws_connect, start_clock, user, make_sheet
):
    broken = await database_sync_to_async(make_sheet)(title="Broken")
    fine = await database_sync_to_async(make_sheet)(title="Fine")
    col = await _dated_sheet(broken, user)
    await _dated_sheet(fine, user)
    # A stored formula that no longer parses (say, written by hand in the database).
    await database_sync_to_async(Column.objects.filter(pk=col).update)(formula="=TODAY() +")
    socket = await ws_connect(f"/ws/sheet/{fine.id}/", user=user)
    await socket.receive_type("hello")
    with ErrorsOf("sheets.services.refresh") as errors:
        daily = start_clock(Calendar())
        await socket.receive_type("columns.recomputed")
        await _finish(socket, daily)
    assert errors.messages == [f"The date formulas of sheet {broken.id} could not be refreshed"]
    assert daily.done_for is None  # tried again later
    assert await _refreshes(broken) == []
    assert await _refreshes(fine) == [Calendar().date()]
    # ...and the clock goes on.
    await _ticks(socket, 5)
    await socket.disconnect()


class ErrorsOf(logging.Handler):
    """The messages logged at ERROR by one logger while attached (on that
    logger: the server's start may configure the root logger's handlers again)."""

    def __init__(self, name: str) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []
        self.logger = logging.getLogger(name)

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> "ErrorsOf":
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)
