"""The live channel (`/ws/live/`, `/ws/sheet/<id>/`) against the real ASGI
application: handshake and close codes, client messages, sessions. Events
that reach sockets are in test_consumer_events.py.

Every database call from these async tests goes through `database_sync_to_async`,
as the consumer's own calls do; `transaction=True` because broadcasts wait for
real commits.
"""

import json

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session

from accounts import realtime as users_wire
from accounts import services as account_services
from sheets import realtime
from sheets.tests.helpers import logged_in_client

pytestmark = pytest.mark.django_db(transaction=True)


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


async def test_oversized_frame_closes_socket_too_big(ws_connect, user, settings):
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
    client = await logged_in_client(user)
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
    client = await logged_in_client(user)
    key = client.cookies["sessionid"].value
    socket = await ws_connect("/ws/live/", session_key=key)
    await socket.receive_type("hello")
    end_session = database_sync_to_async(users_wire.broadcast_session_ended)
    await end_session(user_id=user.id, session_key=key)
    assert (await socket.receive_type("session.ended"))["reason"] == "logged_out"
    assert await socket.receive_close() == realtime.CLOSE_UNAUTHENTICATED
    await socket.disconnect()


async def test_expired_session_is_noticed_and_closed_4401(ws_connect, user, settings):
    settings.GROUP_REJOIN_SECONDS = 0.05
    client = await logged_in_client(user)
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
