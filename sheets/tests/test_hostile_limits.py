"""Every limit at its value and one past it, through the JSON API and the
socket: at the limit the request is served; one past it is refused with its
status and error, nothing changes, and the next good request is served.
The limits are set small here (settings overrides) so each is cheap to reach."""

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from sheets import realtime, services
from sheets.models import Sheet
from sheets.services.columns import MAX_NAME_CHARS
from sheets.services.sheets import MAX_TITLE_CHARS
from sheets.tests.helpers import assert_json_error, col_ids, new_id, post, row_ids, sheet_state

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Limit:
    setting: str | None  # None: a limit of the code, not a setting
    value: int
    # (sheet, n) -> (op path, body): a request of size n (the limit, or one past it).
    request: Callable[[Sheet, int], tuple[str, dict | str]]
    status: int  # the answer one past the limit
    error: str


def _padded_cells(sheet: Sheet, n: int) -> str:
    """A good cells body of exactly n bytes (JSON allows trailing spaces)."""
    text = json.dumps(_cells(sheet, ["x"]))
    return text + " " * (n - len(text.encode()))


def _cells(sheet: Sheet, texts: list[str]) -> dict:
    rows, col = row_ids(sheet), col_ids(sheet)[0]
    changes = [{"row": rows[i], "col": col, "value": t} for i, t in enumerate(texts)]
    return {"client_id": "tab-1", "op_id": new_id(), "changes": changes}


def _new_rows(n: int) -> dict:
    after, rows = None, []
    for _ in range(n):
        rows.append({"id": new_id(), "after": after, "values": {}})
        after = rows[-1]["id"]
    return {"op_id": new_id(), "rows": rows}


def _new_columns(n: int) -> dict:
    return {
        "op_id": new_id(),
        "columns": [{"id": new_id(), "name": f"N{i}", "type": "text"} for i in range(n)],
    }


DEFAULT_ROWS, DEFAULT_COLUMNS = services.DEFAULT_ROWS, len(services.DEFAULT_COLUMNS)

LIMITS = {
    "body bytes": Limit(
        "DATA_UPLOAD_MAX_MEMORY_SIZE",
        2048,
        lambda s, n: ("cells", _padded_cells(s, n)),
        413,
        "too_large",
    ),
    "cells per op": Limit(
        "MAX_CHANGES_PER_OP",
        3,
        lambda s, n: ("cells", _cells(s, ["x"] * n)),
        413,
        "too_many_changes",
    ),
    "rows inserted per op": Limit(
        "MAX_CHANGES_PER_OP", 3, lambda s, n: ("rows/insert", _new_rows(n)), 413, "too_many_rows"
    ),
    "rows deleted per op": Limit(
        "MAX_CHANGES_PER_OP",
        3,
        lambda s, n: ("rows/delete", {"op_id": new_id(), "rows": row_ids(s)[:n]}),
        413,
        "too_many_rows",
    ),
    "columns deleted per op": Limit(
        "MAX_CHANGES_PER_OP",
        3,
        lambda s, n: ("columns/delete", {"op_id": new_id(), "columns": col_ids(s)[:n]}),
        413,
        "too_many_columns",
    ),
    "characters in a cell": Limit(
        "MAX_CELL_CHARS", 10, lambda s, n: ("cells", _cells(s, ["x" * n])), 422, "too_long"
    ),
    "characters in a title": Limit(
        None,
        MAX_TITLE_CHARS,
        lambda s, n: ("rename", {"op_id": new_id(), "title": "t" * n}),
        400,
        "invalid_title",
    ),
    "characters in a column name": Limit(
        None,
        MAX_NAME_CHARS,
        lambda s, n: (
            "columns/update",
            {"op_id": new_id(), "column": col_ids(s)[0], "name": "c" * n},
        ),
        400,
        "invalid_name",
    ),
    "rows per sheet": Limit(
        "MAX_ROWS_PER_SHEET",
        DEFAULT_ROWS + 1,
        lambda s, n: ("rows/insert", _new_rows(n - DEFAULT_ROWS)),
        400,
        "too_many_rows",
    ),
    "columns per sheet": Limit(
        "MAX_COLUMNS_PER_SHEET",
        DEFAULT_COLUMNS + 1,
        lambda s, n: ("columns/insert", _new_columns(n - DEFAULT_COLUMNS)),
        400,
        "too_many_columns",
    ),
}


def assert_still_serves(client: Client, sheet: Sheet) -> None:
    response = post(client, f"/api/sheets/{sheet.id}/cells", _cells(sheet, ["fine"]))
    assert response.status_code == 200, response.content
    assert response.json()["applied"] is True


def _send(client: Client, sheet: Sheet, limit: Limit, n: int):
    op, body = limit.request(sheet, n)
    return post(client, f"/api/sheets/{sheet.id}/{op}", body)


@pytest.mark.parametrize("name", LIMITS)
def test_at_the_limit_is_served(auth_client, sheet, settings, name):
    limit = LIMITS[name]
    if limit.setting is not None:
        setattr(settings, limit.setting, limit.value)
    version = sheet_state(sheet)["snapshot"]["version"]
    response = _send(auth_client, sheet, limit, limit.value)
    assert response.status_code == 200, response.content
    assert response.json()["applied"] is True
    assert sheet_state(sheet)["snapshot"]["version"] == version + 1


@pytest.mark.parametrize("name", LIMITS)
def test_one_past_the_limit_is_refused_and_changes_nothing(auth_client, sheet, settings, name):
    limit = LIMITS[name]
    if limit.setting is not None:
        setattr(settings, limit.setting, limit.value)
    before = sheet_state(sheet)
    response = _send(auth_client, sheet, limit, limit.value + 1)
    if limit.status == 422:  # an op of cells: refused cell by cell
        assert response.status_code == 422
        body = response.json()
        assert body["applied"] is False
        assert [e["error"] for e in body["errors"]] == [limit.error]
        assert all(e["message"] for e in body["errors"])
    else:
        assert_json_error(response, limit.status, limit.error)
    assert sheet_state(sheet) == before
    assert_still_serves(auth_client, sheet)


# --- The socket's frame size


@database_sync_to_async
def sheet_version(sheet: Sheet) -> int:
    return Sheet.objects.get(pk=sheet.pk).version


def ping_frame(size: int, char: str = "x") -> str:
    """A ping of exactly `size` bytes of UTF-8 (`char` is 1 or 2 bytes)."""
    empty = '{"type": "ping", "id": ""}'
    width = len(char.encode())
    frame = empty[:-2] + char * ((size - len(empty)) // width) + '"}'
    frame = frame[:-2] + "x" * (size - len(frame.encode())) + '"}'
    assert len(frame.encode()) == size
    return frame


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("char", ["x", "é"])
async def test_a_frame_at_the_limit_is_served_and_one_byte_past_closes_the_socket(
    ws_connect, user, sheet, settings, char
):
    limit = settings.SOCKET_MAX_MESSAGE_BYTES
    before = await sheet_version(sheet)
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    other = await ws_connect(f"/ws/sheet/{sheet.id}/", user=user)
    await socket.receive_type("hello")
    await other.receive_type("hello")
    await socket.send_text(ping_frame(limit, char))
    assert len((await socket.receive_type("pong"))["id"]) > limit // 2 - 30
    await socket.send_text(ping_frame(limit + 1, char))
    # The close code is the wire module's (docs/protocol.md).
    assert await socket.receive_close() == realtime.CLOSE_TOO_BIG
    await other.ping()
    assert await sheet_version(sheet) == before
    await socket.disconnect()
    await other.disconnect()
