"""The live channel (`/ws/live/`, `/ws/sheet/<id>/`) against the real ASGI application.

Every database call from these async tests goes through `database_sync_to_async`,
as the consumer's own calls do; `transaction=True` because broadcasts wait for
real commits.
"""

import asyncio
import json
import threading
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test import Client

from accounts import services as account_services
from sheets import realtime, services
from sheets.models import Sheet

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


@database_sync_to_async
def _logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Handshake and close codes


async def test_live_socket_says_hello_with_server_and_user(ws_connect, user):
    socket = await ws_connect("/ws/live/", user=user)
    hello = await socket.receive()
    assert hello["type"] == "hello"
    assert hello["server"] == realtime.server_name()
    assert ":" in hello["server"]
    assert hello["user"] == {
        "id": user.id,
        "username": "ann",
        "display_name": "ann",
        "colour": user.profile.colour,
        "time_zone": "UTC",
    }
    assert hello["sheet_id"] is None
    assert hello["heartbeat_seconds"] > 0
    await socket.disconnect()


async def test_sheet_socket_says_hello_with_sheet_id(ws_connect, user, sheet):
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    hello = await socket.receive()
    assert hello["type"] == "hello"
    assert hello["sheet_id"] == sheet.id
    assert hello["server"] == realtime.server_name()
    await socket.disconnect()


@pytest.mark.parametrize("path", ["/ws/live/", "/ws/sheet/1/"])
async def test_anonymous_socket_is_accepted_then_closed_4401(ws_connect, path):
    socket = await ws_connect(path)
    assert await socket.receive_close() == realtime.CLOSE_UNAUTHENTICATED
    await socket.disconnect()


async def test_socket_with_unknown_session_is_closed_4401(ws_connect):
    socket = await ws_connect("/ws/live/", session_key="no-such-session")
    assert await socket.receive_close() == realtime.CLOSE_UNAUTHENTICATED
    await socket.disconnect()


async def test_missing_sheet_socket_is_closed_4404(ws_connect, user):
    socket = await ws_connect("/ws/sheet/999999/", user=user)
    assert await socket.receive_close() == realtime.CLOSE_NOT_FOUND
    await socket.disconnect()


async def test_other_users_sheet_socket_is_closed_4404(ws_connect, user, foreign_sheet):
    socket = await ws_connect(f"/ws/sheet/{foreign_sheet.id}/", user=user)
    assert await socket.receive_close() == realtime.CLOSE_NOT_FOUND
    await socket.disconnect()


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost.evil.example", "null"])
async def test_foreign_origin_is_refused(ws_connect, user, origin):
    socket = await ws_connect("/ws/live/", user=user, origin=origin, refused=True)
    assert socket.refusal is not None


async def test_missing_origin_is_refused(ws_connect, user):
    socket = await ws_connect("/ws/live/", user=user, origin=None, refused=True)
    assert socket.refusal is not None


# --- Client -> server messages


async def test_ping_gets_pong_with_same_id(ws_connect, user):
    socket = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    await socket.send_json({"type": "ping", "id": {"n": [1, 2]}})
    assert await socket.receive_type("pong") == {"type": "pong", "id": {"n": [1, 2]}}
    await socket.disconnect()


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ("not json", "bad_message"),
        ("", "bad_message"),
        ("[1, 2]", "bad_message"),
        ('"ping"', "bad_message"),
        ('{"id": 1}', "bad_message"),
        ('{"type": 5}', "bad_message"),
        ('{"type": "dance"}', "unknown_type"),
    ],
)
async def test_malformed_message_gets_error_and_socket_stays_open(ws_connect, user, frame, error):
    socket = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    await socket.comm.send_input({"type": "websocket.receive", "text": frame})
    reply = await socket.receive_type("error")
    assert reply["error"] == error
    assert reply["message"]
    await socket.ping()
    await socket.disconnect()


async def test_binary_frame_that_is_not_utf8_gets_error(ws_connect, user):
    socket = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    await socket.comm.send_to(bytes_data=b"\xff\xfe\x00")
    assert (await socket.receive_type("error"))["error"] == "bad_message"
    await socket.ping()
    await socket.disconnect()


async def test_oversized_frame_closes_socket_1009(ws_connect, user, settings):
    socket = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    padding = "x" * settings.SOCKET_MAX_MESSAGE_BYTES
    await socket.send_json({"type": "ping", "id": padding})
    assert await socket.receive_close() == realtime.CLOSE_TOO_BIG
    await socket.disconnect()


async def test_frame_limit_counts_bytes_not_characters(ws_connect, user, settings):
    socket = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    # Fewer characters than the limit, but three UTF-8 bytes each.
    padding = "€" * (settings.SOCKET_MAX_MESSAGE_BYTES // 2)
    await socket.send_text(json.dumps({"type": "ping", "id": padding}, ensure_ascii=False))
    assert await socket.receive_close() == realtime.CLOSE_TOO_BIG
    await socket.disconnect()


async def test_frame_at_the_limit_is_answered(ws_connect, user, settings):
    socket = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    empty = len(json.dumps({"type": "ping", "id": ""}))
    padding = "x" * (settings.SOCKET_MAX_MESSAGE_BYTES - empty)
    frame = json.dumps({"type": "ping", "id": padding})
    assert len(frame.encode()) == settings.SOCKET_MAX_MESSAGE_BYTES
    await socket.send_text(frame)
    assert (await socket.receive_type("pong"))["id"] == padding
    await socket.disconnect()


# --- Sessions


async def test_logout_ends_that_sessions_sockets_only(ws_connect, user):
    client = await _logged_in_client(user)
    session_key = client.cookies["sessionid"].value
    this_tab = await ws_connect("/ws/live/", session_key=session_key)
    this_sheet_tab = await ws_connect("/ws/live/", session_key=session_key)
    other_browser = await ws_connect("/ws/live/", user=user)
    for socket in (this_tab, this_sheet_tab, other_browser):
        await socket.receive_type("hello")

    response = await database_sync_to_async(client.post)("/accounts/logout/")
    assert response.status_code == 302

    for socket in (this_tab, this_sheet_tab):
        ended = await socket.receive_type("session.ended")
        assert ended["reason"] == "logged_out"
        assert ended["message"]
        assert await socket.receive_close() == realtime.CLOSE_UNAUTHENTICATED
        await socket.disconnect()
    # The other browser heard nothing and still answers.
    await other_browser.ping()
    await other_browser.disconnect()


async def test_logout_signal_path_closes_socket(ws_connect, user):
    client = await _logged_in_client(user)
    key = client.cookies["sessionid"].value
    socket = await ws_connect("/ws/live/", session_key=key)
    await socket.receive_type("hello")
    await database_sync_to_async(realtime.broadcast_session_ended)(user_id=user.id, session_key=key)
    assert (await socket.receive_type("session.ended"))["reason"] == "logged_out"
    assert await socket.receive_close() == realtime.CLOSE_UNAUTHENTICATED
    await socket.disconnect()


async def test_expired_session_is_noticed_and_closed_4401(ws_connect, user, settings):
    settings.GROUP_REJOIN_SECONDS = 0.05
    client = await _logged_in_client(user)
    key = client.cookies["sessionid"].value
    socket = await ws_connect("/ws/live/", session_key=key)
    await socket.receive_type("hello")
    await database_sync_to_async(Session.objects.filter(session_key=key).delete)()
    ended = await socket.receive_type("session.ended")
    assert ended["reason"] == "expired"
    assert await socket.receive_close() == realtime.CLOSE_UNAUTHENTICATED
    await socket.disconnect()


async def test_live_session_survives_group_rejoin(ws_connect, user, settings):
    settings.GROUP_REJOIN_SECONDS = 0.05
    settings.CLOCK_IN_PROCESS = False
    socket = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    await socket.assert_nothing_pending()
    await socket.assert_nothing_pending()
    await socket.ping()
    await database_sync_to_async(account_services.profile_update)(
        user=user, display_name="Ann", colour="#112233", time_zone="UTC"
    )
    assert (await socket.receive_type("profile.updated"))["user"]["display_name"] == "Ann"
    await socket.disconnect()


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
    client = await _logged_in_client(user)
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
    assert event["rows"] == [{"id": new_row, "after": None, "values": {}}]
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
    # Sockets that are not on that sheet stay open.
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
    beat = await socket.receive_type("sheet.heartbeat", skip=("clock.tick", "presence.changed"))
    assert beat == {"type": "sheet.heartbeat", "sheet_id": sheet.id, "version": 0}
    await _write_cell(sheet, user, "v")
    # A heartbeat may already be on its way; the one after the event has the new version.
    await socket.receive_type(
        "cells.changed", skip=("clock.tick", "sheet.heartbeat", "presence.changed")
    )
    beat = await socket.receive_type("sheet.heartbeat", skip=("clock.tick", "presence.changed"))
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
