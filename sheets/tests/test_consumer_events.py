"""Events on the live channel: sheet ops, deletes, profiles, heartbeats and
clock ticks reach the right sockets, in order, and only after commit."""

import asyncio
import threading
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connection, transaction

from accounts import services as account_services
from conftest import PRESENCE_TYPES
from sheets import realtime, services
from sheets.models import Sheet
from sheets.tests.helpers import logged_in_client

pytestmark = pytest.mark.django_db(transaction=True)


def _first_cell(sheet: Sheet) -> tuple[str, str]:
    row = sheet.rows.order_by("order").values_list("id", flat=True).first()
    col = sheet.columns.order_by("position").values_list("id", flat=True).first()
    return str(row), str(col)


@database_sync_to_async
def _write_cell(sheet: Sheet, user, value, client_id: str = "tab-1") -> dict:
    row, col = _first_cell(sheet)
    return services.cells_update(
        sheet=sheet,
        user=user,
        client_id=client_id,
        op_id=str(uuid.uuid4()),
        changes=[{"row": row, "col": col, "value": value}],
    )


# --- Events


async def test_cells_op_reaches_sheet_socket_with_seq(ws_connect, user, sheet):
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    answer = await _write_cell(sheet, user, "12", client_id="tab-A")
    event = await socket.receive_type("cells.changed")
    assert event == answer["event"]
    assert event["seq"] == answer["version"] == 1
    assert event["sheet_id"] == sheet.id
    assert event["broadcaster_id"] == "tab-A"
    assert event["user"]["id"] == user.id
    row, col = await database_sync_to_async(_first_cell)(sheet)
    assert event["changes"] == [{"row": row, "col": col, "value": "12"}]
    await socket.disconnect()


async def test_cells_op_through_api_reaches_every_tab_of_the_sheet(ws_connect, user, sheet):
    tab1 = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    tab2 = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    for tab in (tab1, tab2):
        await tab.receive_type("hello")
    client = await logged_in_client(user)
    row, col = await database_sync_to_async(_first_cell)(sheet)
    response = await database_sync_to_async(client.post)(
        f"/api/sheets/{sheet.id}/cells",
        {
            "client_id": "tab-1",
            "op_id": str(uuid.uuid4()),
            "changes": [{"row": row, "col": col, "value": "hi"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    # The tab that made the edit gets its own committed event too.
    for tab in (tab1, tab2):
        event = await tab.receive_type("cells.changed")
        assert event["seq"] == 1
        assert event["broadcaster_id"] == "tab-1"
        assert event == response.json()["event"]
        await tab.disconnect()


async def test_sheet_events_stay_in_their_sheet(ws_connect, user, sheet, make_sheet):
    other = await database_sync_to_async(make_sheet)(title="Other")
    elsewhere = await ws_connect(f"/ws/sheet/{other.id}/", user=user)
    live = await ws_connect("/ws/live/", user=user)
    here = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    for socket in (elsewhere, live, here):
        await socket.receive_type("hello")
    await _write_cell(sheet, user, "a")
    await here.receive_type("cells.changed")
    await _write_cell(other, user, "b")
    # The next sheet event each socket sees is its own sheet's.
    assert (await elsewhere.receive_type("cells.changed"))["sheet_id"] == other.id
    await live.assert_nothing_pending()
    await live.ping()
    for socket in (elsewhere, live, here):
        await socket.disconnect()


async def test_events_arrive_in_seq_order(ws_connect, user, sheet):
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    for value in ("1", "2", "3"):
        await _write_cell(sheet, user, value)
    seqs = [(await socket.receive_type("cells.changed"))["seq"] for _ in range(3)]
    assert seqs == [1, 2, 3]
    await socket.disconnect()


async def test_rows_insert_reaches_sheet_socket(ws_connect, user, sheet):
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    new_row = str(uuid.uuid4())
    answer = await database_sync_to_async(services.rows_insert)(
        sheet=sheet,
        user=user,
        client_id="tab-1",
        op_id=str(uuid.uuid4()),
        rows=[{"id": new_row, "after": None, "values": {}}],
    )
    event = await socket.receive_type("rows.inserted")
    assert event == answer["event"]
    position = event["rows"][0]["position"]
    assert isinstance(position, float)
    assert event["rows"] == [{"id": new_row, "after": None, "values": {}, "position": position}]
    await socket.disconnect()


async def test_refused_op_broadcasts_nothing(ws_connect, user, sheet):
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    with pytest.raises(services.OpError):
        await database_sync_to_async(services.rows_insert)(
            sheet=sheet,
            user=user,
            client_id="tab-1",
            op_id=str(uuid.uuid4()),
            rows=[
                {"id": str(uuid.uuid4()), "after": None},
                {"id": str(uuid.uuid4()), "after": str(uuid.uuid4())},
            ],
        )
    await socket.assert_nothing_pending()
    # A later op arrives as seq 1: nothing was committed in between.
    await _write_cell(sheet, user, "x")
    assert (await socket.receive_type("cells.changed"))["seq"] == 1
    await socket.disconnect()


async def test_event_reaches_sockets_only_after_commit(ws_connect, user, sheet):
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    written, release = threading.Event(), threading.Event()

    # Its own thread, not the one `database_sync_to_async` shares with the
    # consumer: that one would be blocked while the transaction is held open.
    @sync_to_async(thread_sensitive=False)
    def op_in_a_transaction_held_open() -> dict:
        try:
            with transaction.atomic():
                row, col = _first_cell(sheet)
                answer = services.cells_update(
                    sheet=sheet,
                    user=user,
                    client_id="tab-1",
                    op_id=str(uuid.uuid4()),
                    changes=[{"row": row, "col": col, "value": "late"}],
                )
                written.set()
                assert release.wait(timeout=10)
            return answer
        finally:
            connection.close()

    op = asyncio.ensure_future(op_in_a_transaction_held_open())
    assert await asyncio.to_thread(written.wait, 10)
    # Written but not committed: nothing may have been sent yet.
    await socket.assert_nothing_pending()
    release.set()
    answer = await op
    assert (await socket.receive_type("cells.changed"))["seq"] == answer["version"]
    await socket.disconnect()


async def test_event_too_large_for_a_frame_is_announced_instead(ws_connect, user, sheet, settings):
    settings.EVENT_MAX_BYTES = 200
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    answer = await _write_cell(sheet, user, "y" * 500)
    assert await socket.receive_type("changes.available") == {
        "type": "changes.available",
        "sheet_id": sheet.id,
        "seq": answer["version"],
    }
    await socket.disconnect()


async def test_sheet_delete_sends_sheet_deleted_then_closes_4404(ws_connect, user, sheet):
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    live = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    await live.receive_type("hello")
    await database_sync_to_async(services.sheet_delete)(sheet=sheet, user=user)
    deleted = await socket.receive_type("sheet.deleted")
    assert deleted["sheet_id"] == sheet.id
    assert "Budget" in deleted["message"]
    assert await socket.receive_close() == realtime.CLOSE_NOT_FOUND
    await socket.disconnect()
    # Sockets that are not on that sheet stay open; the list page hears its list changed.
    changed = await live.receive_type("sheets.changed")
    assert changed == {"type": "sheets.changed", "sheet_id": sheet.id, "reason": "deleted"}
    await live.ping()
    await live.disconnect()


async def test_profile_update_reaches_live_and_sheet_sockets(ws_connect, user, sheet, other_user):
    live = await ws_connect("/ws/live/", user=user)
    on_sheet = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    someone_else = await ws_connect("/ws/live/", user=other_user)
    for socket in (live, on_sheet, someone_else):
        await socket.receive_type("hello")
    await database_sync_to_async(account_services.profile_update)(
        user=user, display_name="Ann B.", colour="#123abc", time_zone="Europe/Paris"
    )
    for socket in (live, on_sheet):
        message = await socket.receive_type("profile.updated")
        assert message["user"] == {
            "id": user.id,
            "username": "ann",
            "display_name": "Ann B.",
            "colour": "#123abc",
            "time_zone": "Europe/Paris",
        }
        await socket.disconnect()
    await someone_else.assert_nothing_pending()
    await someone_else.ping()
    await someone_else.disconnect()


async def test_heartbeat_carries_the_sheet_version(ws_connect, user, sheet, settings):
    settings.HEARTBEAT_SECONDS = 0.05
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    hello = await socket.receive_type("hello")
    assert hello["heartbeat_seconds"] == 0.05
    beat = await socket.receive_type("sheet.heartbeat", skip=("clock.tick", *PRESENCE_TYPES))
    assert beat == {"type": "sheet.heartbeat", "sheet_id": sheet.id, "version": 0}
    await _write_cell(sheet, user, "v")
    # A heartbeat may already be on its way; the one after the event has the new version.
    await socket.receive_type(
        "cells.changed", skip=("clock.tick", "sheet.heartbeat", *PRESENCE_TYPES)
    )
    beat = await socket.receive_type("sheet.heartbeat", skip=("clock.tick", *PRESENCE_TYPES))
    assert beat["version"] == 1
    await socket.disconnect()


async def test_live_socket_gets_no_heartbeat(ws_connect, user, settings):
    settings.HEARTBEAT_SECONDS = 0.01
    settings.CLOCK_IN_PROCESS = False
    socket = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    await socket.assert_nothing_pending(skip=())
    await socket.ping()
    await socket.disconnect()


async def test_heartbeat_on_a_vanished_sheet_closes_4404(ws_connect, user, sheet, settings):
    settings.HEARTBEAT_SECONDS = 0.05
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    # Gone without a broadcast (e.g. the broadcast was lost).
    await database_sync_to_async(Sheet.objects.filter(pk=sheet.pk).delete)()
    assert (await socket.receive_type("sheet.deleted"))["sheet_id"] == sheet.id
    assert await socket.receive_close() == realtime.CLOSE_NOT_FOUND
    await socket.disconnect()


async def test_clock_ticks_arrive_on_live_socket(ws_connect, user, settings):
    settings.CLOCK_INTERVAL_MS = 20
    socket = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    first = await socket.receive_type("clock.tick", skip=())
    second = await socket.receive_type("clock.tick", skip=())
    assert isinstance(first["now_ms"], int)
    assert first["now_ms"] > 1_700_000_000_000
    assert second["now_ms"] >= first["now_ms"]
    await socket.disconnect()
