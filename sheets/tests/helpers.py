"""Small helpers the sheet tests share: new ids, a sheet's ids in order, its
state, and calls to the JSON API."""

import json
import uuid

from channels.db import database_sync_to_async
from django.test import Client

from sheets import selectors, services
from sheets.models import Change, Row, Sheet


def new_id() -> str:
    return str(uuid.uuid4())


def col_ids(sheet: Sheet) -> list[str]:
    return [str(i) for i in sheet.columns.order_by("position").values_list("id", flat=True)]


def row_ids(sheet: Sheet) -> list[str]:
    return [str(i) for i in sheet.rows.order_by("order").values_list("id", flat=True)]


def cell(sheet: Sheet, row: str, col: str):
    return Row.objects.get(pk=row).values.get(col)


def version(sheet: Sheet) -> int:
    return Sheet.objects.get(pk=sheet.pk).version


def sheet_state(sheet: Sheet) -> dict:
    """All a write could change (title, version, columns, rows, the change
    log): equal before and after a refused call."""
    fresh = Sheet.objects.get(pk=sheet.pk)
    return {
        "snapshot": selectors.sheet_snapshot(sheet=fresh),
        "changes": Change.objects.filter(sheet=fresh).count(),
    }


def update(sheet, user, changes, op_id=None, client_id="tab-1"):
    return services.cells_update(
        sheet=sheet, user=user, client_id=client_id, op_id=op_id or new_id(), changes=changes
    )


def fill_column(sheet, user, col: str, texts: list[str]) -> list[str]:
    """Type `texts` into column `col` of the sheet's first rows; their row ids."""
    rows = row_ids(sheet)[: len(texts)]
    update(
        sheet, user, [{"row": r, "col": col, "value": t} for r, t in zip(rows, texts, strict=True)]
    )
    return rows


def insert_rows(sheet, user, rows, op_id=None):
    return services.rows_insert(
        sheet=sheet, user=user, client_id="tab-1", op_id=op_id or new_id(), rows=rows
    )


def insert_columns(sheet, user, columns, op_id=None):
    return services.columns_insert(
        sheet=sheet, user=user, client_id="tab-1", op_id=op_id or new_id(), columns=columns
    )


@database_sync_to_async
def logged_in_client(user) -> Client:
    """A test client logged in as `user`, made from async code."""
    client = Client()
    client.force_login(user)
    return client


# --- The JSON API


def post(client: Client, url: str, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **extra)


def call(client: Client, method: str, url: str, body=None):
    """GET with no body, or POST a JSON body."""
    if method == "get":
        return client.get(url)
    return post(client, url, body if body is not None else {})


def cells_body(sheet: Sheet, value="x", **extra) -> dict:
    change = {"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": value}
    return {"client_id": "tab-1", "op_id": new_id(), "changes": [change], **extra}


def assert_json_error(response, status: int, error: str | None = None) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert not response.has_header("Location")
    body = response.json()
    if error is not None:
        assert body["error"] == error
    assert body["message"]
    return body


async def sheet_tabs(ws_connect, user, sheet, count: int = 2) -> list:
    """`count` sockets of `user` on the sheet, each past its hello."""
    tabs = [await ws_connect(f"/ws/sheet/{sheet.id}/", user=user) for _ in range(count)]
    for tab in tabs:
        await tab.receive_type("hello")
    return tabs


# The fields of a sheet's classic snapshot (GET /api/sheets/<id>/).
SNAPSHOT_KEYS = {
    "id",
    "title",
    "frozen_columns",
    "version",
    "row_count",
    "columns",
    "views",
    "rows",
}
