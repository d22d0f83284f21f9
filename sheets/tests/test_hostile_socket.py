"""Hostile frames on the live socket: each gets an error reply, the socket
stays open, the sheet is unchanged and other tabs are still served."""

import pytest
from channels.db import database_sync_to_async

from sheets.browser_json import MAX_DEPTH
from sheets.models import Sheet

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def sheet_version(sheet: Sheet) -> int:
    return Sheet.objects.get(pk=sheet.pk).version


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        # Under the 16 KiB frame limit, far past the parser's recursion limit.
        ("[" * 8000 + "]" * 8000, f"{MAX_DEPTH} levels"),
        ('{"type": "ping", "id": ' + "[" * 8000 + "]" * 8000 + "}", f"{MAX_DEPTH} levels"),
        ('{"type": "ping", "id": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}", "levels"),
        ('{"type": "ping", "id": "a\\ud800b"}', "Unicode"),
        ('{"type": "presence.select", "client_id": "\\udc00", "ranges": []}', "Unicode"),
        ('{"type\\ud800": "ping"}', "Unicode"),
    ],
)
async def test_hostile_frame_gets_error_and_everything_goes_on(
    ws_connect, user, sheet, frame, words
):
    before = await sheet_version(sheet)
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    other = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    await other.receive_type("hello")
    await socket.send_text(frame)
    reply = await socket.receive_type("error")
    assert reply["error"] == "bad_message"
    assert words in reply["message"]
    await socket.ping()
    await other.ping(2)
    assert await sheet_version(sheet) == before
    await socket.disconnect()
    await other.disconnect()


async def test_surrogate_pair_in_a_ping_is_echoed(ws_connect, user):
    socket = await ws_connect("/ws/live/", user=user)
    await socket.receive_type("hello")
    await socket.send_text('{"type": "ping", "id": "\\ud83d\\ude00"}')
    assert (await socket.receive_type("pong"))["id"] == "\U0001f600"
    await socket.disconnect()
