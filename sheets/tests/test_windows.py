"""Row windows (GET /api/sheets/<id>/rows) and the snapshot in the block
encoding (?rows=block): keyset blocks read at one version, streamed."""

import gzip
import json

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient

from sheets import selectors, services, windows
from sheets.models import Row, Sheet
from sheets.tests.helpers import SNAPSHOT_KEYS, col_ids, insert_rows, new_id, row_ids, update

pytestmark = pytest.mark.django_db

ROWS = 23


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of a few rows, so every answer here is written in several pieces."""
    monkeypatch.setattr(windows, "CHUNK_ROWS", 4)


@pytest.fixture
def tall(sheet, user):
    """The sheet with ROWS rows, each numbered in its first column (0, 1, ...)."""
    last = row_ids(sheet)[-1]
    extra = [new_id() for _ in range(ROWS - services.DEFAULT_ROWS)]
    insert_rows(
        sheet, user, [{"id": r, "after": p} for r, p in zip(extra, [last, *extra], strict=False)]
    )
    col = col_ids(sheet)[0]
    update(
        sheet, user, [{"row": r, "col": col, "value": str(i)} for i, r in enumerate(row_ids(sheet))]
    )
    return sheet


def read(response) -> dict:
    assert response.status_code == 200, response.content
    assert response.streaming
    body = b"".join(response.streaming_content)
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)


def window(client, sheet, **params) -> dict:
    return read(client.get(f"/api/sheets/{sheet.id}/rows", params))


def numbers(block: dict) -> list[str]:
    """The first column's value of each row of a block: its row number here."""
    return [row[2] for row in block["rows"]]


def key(row: list) -> str:
    return f"{row[1]},{row[0]}"


def test_the_first_block_carries_version_count_columns_and_rows(auth_client, tall):
    block = window(auth_client, tall, limit=5)
    fresh = Sheet.objects.get(pk=tall.pk)
    assert block["seq"] == fresh.version
    assert block["row_count"] == ROWS
    assert block["columns"] == col_ids(tall)
    assert block["first"] == 0
    assert [r[0] for r in block["rows"]] == row_ids(tall)[:5]
    assert numbers(block) == ["0", "1", "2", "3", "4"]
    assert all(len(r) == 2 + len(block["columns"]) for r in block["rows"])
    assert (block["more_before"], block["more_after"]) == (False, True)


def test_after_walks_every_row_once_in_order(auth_client, tall):
    seen: list[str] = []
    block = window(auth_client, tall, limit=4)
    while True:
        seen += numbers(block)
        if not block["more_after"]:
            break
        block = window(auth_client, tall, limit=4, after=key(block["rows"][-1]))
        assert block["first"] is None and block["more_before"]
    assert seen == [str(i) for i in range(ROWS)]


def test_before_walks_back_from_the_end(auth_client, tall):
    block = window(auth_client, tall, limit=5, at="end")
    assert block["first"] == ROWS - 5
    assert (block["more_before"], block["more_after"]) == (True, False)
    seen = numbers(block)
    while block["more_before"]:
        block = window(auth_client, tall, limit=5, before=key(block["rows"][0]))
        seen = numbers(block) + seen
    assert seen == [str(i) for i in range(ROWS)]
    assert block["first"] == 0  # fewer than a block was left before: from the first row


@pytest.mark.parametrize("at", [0, 1, 7, 11, 12, 19, ROWS - 1])
def test_at_starts_at_that_row_number(auth_client, tall, at):
    block = window(auth_client, tall, limit=3, at=at)
    assert block["first"] == at
    assert numbers(block) == [str(i) for i in range(at, min(at + 3, ROWS))]
    assert block["more_before"] == (at > 0)
    assert block["more_after"] == (at + 3 < ROWS)


def test_at_past_the_end_is_an_empty_block(auth_client, tall):
    block = window(auth_client, tall, at=ROWS + 5)
    assert block["rows"] == [] and block["first"] == ROWS + 5
    assert (block["more_before"], block["more_after"]) == (True, False)


def test_a_position_alone_is_a_key(auth_client, tall):
    third = window(auth_client, tall, limit=3)["rows"][2]
    block = window(auth_client, tall, limit=2, after=str(third[1]))
    assert numbers(block) == ["3", "4"]


def test_rows_sharing_a_position_are_each_read_once(auth_client, tall, user):
    # Two rows on one order key cannot come from the ops; written here to
    # prove the row id breaks the tie in every direction.
    ids = row_ids(tall)
    Row.objects.filter(pk__in=ids[5:9]).update(order=Row.objects.get(pk=ids[5]).order)
    expected = [str(i) for i in range(ROWS)]
    ordered = [
        n
        for _, _, n in sorted(
            (r.order, str(r.id), r.values[col_ids(tall)[0]]) for r in Row.objects.filter(sheet=tall)
        )
    ]
    assert sorted(ordered) == sorted(expected)
    seen: list[str] = []
    block = window(auth_client, tall, limit=2)
    while True:
        seen += numbers(block)
        if not block["more_after"]:
            break
        block = window(auth_client, tall, limit=2, after=key(block["rows"][-1]))
    assert seen == ordered
    back = window(auth_client, tall, limit=2, at="end")
    seen = numbers(back)
    while back["more_before"]:
        back = window(auth_client, tall, limit=2, before=key(back["rows"][0]))
        seen = numbers(back) + seen
    assert seen == ordered


def test_a_block_shows_inserts_and_deletes_and_the_count(auth_client, tall, user):
    ids = row_ids(tall)
    services.rows_delete(sheet=tall, user=user, client_id="", op_id=new_id(), rows=ids[:2])
    new = new_id()
    insert_rows(tall, user, [{"id": new, "after": ids[4]}])
    block = window(auth_client, tall, limit=4)
    assert [r[0] for r in block["rows"]] == [ids[2], ids[3], ids[4], new]
    assert block["row_count"] == ROWS - 1
    assert block["seq"] == Sheet.objects.get(pk=tall.pk).version


def test_a_viewer_reads_windows(client_for, tall, user, other_user):
    services.sheet_share(sheet=tall, user=user, who=other_user.username, role="viewer")
    block = window(client_for(other_user), tall, limit=2)
    assert numbers(block) == ["0", "1"]


def test_another_users_sheet_is_not_found(auth_client, foreign_sheet):
    response = auth_client.get(f"/api/sheets/{foreign_sheet.id}/rows")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert auth_client.get("/api/sheets/999999/rows").status_code == 404


def test_anonymous_and_post_are_refused(client, auth_client, sheet):
    assert client.get(f"/api/sheets/{sheet.id}/rows").status_code == 401
    assert auth_client.post(f"/api/sheets/{sheet.id}/rows").status_code == 405


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"limit": "0"}, "invalid_limit"),
        ({"limit": "5001"}, "invalid_limit"),
        ({"limit": "ten"}, "invalid_limit"),
        ({"at": "-1"}, "invalid_at"),
        ({"at": "last"}, "invalid_at"),
        ({"after": "abc"}, "invalid_after"),
        ({"after": "nan"}, "invalid_after"),
        ({"after": "inf"}, "invalid_after"),
        ({"after": " 1"}, "invalid_after"),
        ({"before": "1,not-a-uuid"}, "invalid_before"),
        ({"after": "1", "before": "2"}, "invalid_window"),
        ({"at": "1", "after": "2"}, "invalid_window"),
    ],
)
def test_bad_parameters_are_400_with_a_message(auth_client, sheet, params, error):
    response = auth_client.get(f"/api/sheets/{sheet.id}/rows", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == error and body["message"]


def test_a_gzip_client_gets_gzip_when_the_app_compresses(auth_client, tall, settings):
    settings.ROWS_GZIP = True
    plain = window(auth_client, tall)
    response = auth_client.get(f"/api/sheets/{tall.id}/rows", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert read(response) == plain


def test_behind_a_compressing_proxy_the_app_does_not_gzip(auth_client, tall, settings):
    settings.ROWS_GZIP = False
    response = auth_client.get(f"/api/sheets/{tall.id}/rows", HTTP_ACCEPT_ENCODING="gzip")
    assert not response.has_header("Content-Encoding")
    assert len(read(response)["rows"]) == ROWS


# --- The snapshot in the block encoding.


def test_the_block_snapshot_matches_the_snapshot(auth_client, tall):
    classic = auth_client.get(f"/api/sheets/{tall.id}/").json()
    block = read(auth_client.get(f"/api/sheets/{tall.id}/", {"rows": "block"}))
    for field in ("id", "title", "version", "columns", "row_count"):
        assert block[field] == classic[field]
    assert block["seq"] == classic["version"] and block["first"] == 0
    assert len(block["rows"]) == ROWS
    ids = [c["id"] for c in block["columns"]]
    for row, old in zip(block["rows"], classic["rows"], strict=True):
        assert row[0] == old["id"]
        shown = {c: v for c, v in zip(ids, row[2:], strict=True) if v is not None}
        assert shown == old["values"]
    assert (block["more_before"], block["more_after"]) == (False, False)


def test_the_block_snapshot_may_hold_only_the_first_rows(auth_client, tall):
    block = read(auth_client.get(f"/api/sheets/{tall.id}/", {"rows": "block", "limit": "6"}))
    assert numbers(block) == [str(i) for i in range(6)]
    assert block["row_count"] == ROWS and block["more_after"]
    bad = auth_client.get(f"/api/sheets/{tall.id}/", {"rows": "block", "limit": "0"})
    assert bad.status_code == 400


def test_the_classic_snapshot_is_unchanged_but_for_the_count(auth_client, sheet):
    body = auth_client.get(f"/api/sheets/{sheet.id}/").json()
    assert set(body) == SNAPSHOT_KEYS
    assert set(body["rows"][0]) == {"id", "values"}
    assert body == {**selectors.sheet_snapshot(sheet=sheet)}


# --- Under ASGI (the embedded default), the stream is served a piece at a time.


@pytest.mark.django_db(transaction=True)
async def test_windows_stream_under_asgi(user, tall):
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get(f"/api/sheets/{tall.id}/rows", {"limit": "9", "at": "3"})
    assert response.status_code == 200
    pieces = [piece async for piece in response.streaming_content]
    assert len(pieces) > 2  # written as read, not in one piece
    # The test client keeps the request's connection open (Django's server
    # closes it at request_finished): close it in that thread.
    await sync_to_async(connections.close_all, thread_sensitive=True)()
    block = json.loads(b"".join(pieces))
    assert numbers(block) == [str(i) for i in range(3, 12)]
