"""The JSON API (docs/protocol.md): shapes, status codes, and that errors are
JSON. Malformed bodies are in test_api_bodies.py."""

import pytest

from accounts.selectors import user_info
from sheets.models import Change, Row, Sheet
from sheets.tests.helpers import (
    SNAPSHOT_KEYS,
    assert_json_error,
    call,
    cell,
    cells_body,
    col_ids,
    new_id,
    post,
    row_ids,
    sheet_state,
)

pytestmark = pytest.mark.django_db

OPS = ["cells", "rows/insert", "rows/delete", "columns/insert", "columns/delete",
       "columns/update", "rename"]  # fmt: skip


# --- Reading


def test_initial_state_has_clock_and_user(auth_client, user, settings):
    response = auth_client.get("/api/initial_state")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"now_ms", "clock_interval_ms", "user"}
    assert isinstance(body["now_ms"], int) and body["now_ms"] > 1_700_000_000_000
    assert body["clock_interval_ms"] == settings.CLOCK_INTERVAL_MS
    assert body["user"] == {
        "id": user.id,
        "username": "ann",
        "display_name": "ann",
        "colour": user.profile.colour,
        "time_zone": "UTC",
    }


def test_snapshot_shape(auth_client, sheet, user):
    rows, cols = row_ids(sheet), col_ids(sheet)
    post(auth_client, f"/api/sheets/{sheet.id}/cells", cells_body(sheet, "Rent"))
    response = auth_client.get(f"/api/sheets/{sheet.id}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SNAPSHOT_KEYS
    assert (body["id"], body["title"], body["version"]) == (sheet.id, "Budget", 1)
    assert body["row_count"] == len(rows) == len(body["rows"])
    assert body["columns"][0] == {
        "id": cols[0],
        "name": "A",
        "type": "text",
        "formula": None,
        "result_type": None,
        "summary": None,
        "width": None,
        "number_format": None,
        "wrap": False,
        "total": None,
    }
    assert [c["id"] for c in body["columns"]] == cols
    assert [r["id"] for r in body["rows"]] == rows
    assert body["rows"][0] == {"id": rows[0], "values": {cols[0]: "Rent"}}
    assert body["rows"][1] == {"id": rows[1], "values": {}}


def test_changes_since_returns_events(auth_client, sheet):
    first = post(auth_client, f"/api/sheets/{sheet.id}/cells", cells_body(sheet, "1")).json()
    second = post(auth_client, f"/api/sheets/{sheet.id}/cells", cells_body(sheet, "2")).json()
    response = auth_client.get(f"/api/sheets/{sheet.id}/changes?since=0")
    assert response.status_code == 200
    assert response.json() == {
        "version": 2,
        "reload": False,
        "changes": [first["event"], second["event"]],
    }
    assert auth_client.get(f"/api/sheets/{sheet.id}/changes?since=1").json()["changes"] == [
        second["event"]
    ]


def test_changes_since_too_far_back_asks_for_reload(auth_client, sheet, settings):
    settings.CATCHUP_MAX_CHANGES = 1
    for value in ("1", "2"):
        post(auth_client, f"/api/sheets/{sheet.id}/cells", cells_body(sheet, value))
    body = auth_client.get(f"/api/sheets/{sheet.id}/changes?since=0").json()
    assert body == {"version": 2, "reload": True, "changes": []}


@pytest.mark.parametrize(
    "query", ["", "?since=", "?since=abc", "?since=-1", "?since=1.5", "?since=%C2%B2",
              "?since=%D9%A1", "?since=9999999999999999999999", "?since=+1"]
)  # fmt: skip
def test_changes_since_needs_a_non_negative_integer(auth_client, sheet, query):
    response = auth_client.get(f"/api/sheets/{sheet.id}/changes{query}")
    assert_json_error(response, 400, "invalid_since")


# --- Who may call


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/initial_state"),
        ("get", "/api/sheets/{id}/"),
        ("get", "/api/sheets/{id}/changes?since=0"),
        *[("post", f"/api/sheets/{{id}}/{op}") for op in OPS],
    ],
)
def test_anonymous_api_call_is_json_401_without_redirect(client, sheet, method, path):
    before = sheet_state(sheet)
    response = call(client, method, path.format(id=sheet.id))
    assert_json_error(response, 401, "unauthenticated")
    assert sheet_state(sheet) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/sheets/{id}/"),
        ("get", "/api/sheets/{id}/changes?since=0"),
        *[("post", f"/api/sheets/{{id}}/{op}") for op in OPS],
    ],
)
def test_another_users_sheet_is_json_404(client_for, other_user, sheet, method, path):
    client = client_for(other_user)
    response = call(client, method, path.format(id=sheet.id), cells_body(sheet))
    assert_json_error(response, 404, "not_found")
    assert Sheet.objects.get(pk=sheet.pk).version == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/sheets/999999/"), ("get", "/api/sheets/999999/changes?since=0"),
     ("post", "/api/sheets/999999/cells")],
)  # fmt: skip
def test_nonexistent_sheet_is_json_404(auth_client, method, path):
    response = call(auth_client, method, path)
    assert_json_error(response, 404, "not_found")


def test_unknown_api_path_is_json_404(auth_client):
    assert_json_error(auth_client.get("/api/nothing-here"), 404, "not_found")


def test_csrf_failure_is_json_403(client_for, user, sheet):
    client = client_for(user, enforce_csrf_checks=True)
    response = post(client, f"/api/sheets/{sheet.id}/cells", cells_body(sheet))
    assert_json_error(response, 403, "csrf_failed")
    assert Sheet.objects.get(pk=sheet.pk).version == 0


def test_csrf_token_header_lets_the_write_through(client_for, user, sheet):
    client = client_for(user, enforce_csrf_checks=True)
    client.get("/sheets/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    body = cells_body(sheet, "through")
    response = post(client, f"/api/sheets/{sheet.id}/cells", body, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["applied"]) == (1, True)
    change = body["changes"][0]
    assert cell(sheet, change["row"], change["col"]) == "through"


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/initial_state"), ("post", "/api/sheets/{id}/"),
     ("get", "/api/sheets/{id}/cells"), ("put", "/api/sheets/{id}/rename")],
)  # fmt: skip
def test_wrong_method_is_405(auth_client, sheet, method, path):
    before = sheet_state(sheet)
    response = getattr(auth_client, method)(path.format(id=sheet.id))
    assert_json_error(response, 405, "method_not_allowed")
    assert response.has_header("Allow")
    assert sheet_state(sheet) == before


# --- Answers


def test_cells_answer_shape(auth_client, sheet, user):
    body = cells_body(sheet, "hello")
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", body)
    assert response.status_code == 200
    answer = response.json()
    assert answer == {
        "version": 1,
        "applied": True,
        "errors": [],
        "event": {
            "type": "cells.changed",
            "sheet_id": sheet.id,
            "seq": 1,
            "op_id": body["op_id"],
            "broadcaster_id": "tab-1",
            "user": user_info(user=user),
            "changes": body["changes"],
        },
    }


def test_replay_returns_the_same_body(auth_client, sheet):
    body = cells_body(sheet)
    first = post(auth_client, f"/api/sheets/{sheet.id}/cells", body)
    again = post(auth_client, f"/api/sheets/{sheet.id}/cells", body)
    assert again.status_code == first.status_code == 200
    replayed = again.json()
    assert replayed.pop("replayed") is True
    assert replayed == first.json()
    assert Change.objects.filter(sheet=sheet).count() == 1
    assert Sheet.objects.get(pk=sheet.pk).version == 1


def test_missing_client_id_is_allowed(auth_client, sheet):
    body = cells_body(sheet)
    del body["client_id"]
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", body)
    assert response.status_code == 200
    assert response.json()["event"]["broadcaster_id"] == ""


def test_every_op_endpoint_applies_its_op(auth_client, sheet):
    url = f"/api/sheets/{sheet.id}"
    rows, cols = row_ids(sheet), col_ids(sheet)
    new_row, new_col = new_id(), new_id()
    steps = [
        ("rows/insert", {"rows": [{"id": new_row, "after": rows[0], "values": {cols[0]: "v"}}]},
         "rows.inserted"),
        ("rows/delete", {"rows": [rows[1]]}, "rows.deleted"),
        ("columns/insert", {"columns": [{"id": new_col, "name": "Qty", "type": "number",
                                         "after": cols[0]}]}, "columns.inserted"),
        ("columns/update", {"column": new_col, "name": "Quantity"}, "column.updated"),
        ("columns/delete", {"columns": [cols[4]]}, "columns.deleted"),
        ("rename", {"title": "Plan"}, "sheet.renamed"),
    ]  # fmt: skip
    for seq, (op, fields, event_type) in enumerate(steps, start=1):
        response = post(auth_client, f"{url}/{op}", {"client_id": "t", "op_id": new_id(), **fields})
        assert response.status_code == 200, (op, response.json())
        answer = response.json()
        assert (answer["version"], answer["applied"]) == (seq, True)
        assert (answer["event"]["type"], answer["event"]["seq"]) == (event_type, seq)
    snapshot = auth_client.get(f"{url}/").json()
    assert snapshot["title"] == "Plan"
    assert [c["id"] for c in snapshot["columns"]] == [cols[0], new_col, *cols[1:4]]
    assert snapshot["columns"][1] == {
        "id": new_col,
        "name": "Quantity",
        "type": "number",
        "formula": None,
        "result_type": None,
        "summary": None,
        "width": None,
        "number_format": None,
        "wrap": False,
        "total": None,
    }
    assert [r["id"] for r in snapshot["rows"]] == [rows[0], new_row, *rows[2:]]
    assert snapshot["rows"][1]["values"] == {cols[0]: "v"}


def test_taken_row_id_is_409(auth_client, sheet):
    taken = row_ids(sheet)[0]
    before = sheet_state(sheet)
    response = post(
        auth_client,
        f"/api/sheets/{sheet.id}/rows/insert",
        {"op_id": new_id(), "rows": [{"id": taken, "after": None}]},
    )
    assert_json_error(response, 409, "id_taken")
    assert sheet_state(sheet) == before


def test_column_type_change_that_does_not_convert_is_422_with_values(auth_client, sheet):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    post(auth_client, f"/api/sheets/{sheet.id}/cells", cells_body(sheet, "abc"))
    before = sheet_state(sheet)
    response = post(
        auth_client,
        f"/api/sheets/{sheet.id}/columns/update",
        {"op_id": new_id(), "column": col, "type": "number"},
    )
    body = assert_json_error(response, 422, "not_convertible")
    assert body["count"] == 1
    assert body["values"] == [{"row": row, "value": "abc", "message": "“abc” is not a number."}]
    assert Row.objects.get(pk=row).values == {col: "abc"}
    assert sheet_state(sheet) == before


def test_failed_rows_insert_writes_no_row(auth_client, sheet):
    first = new_id()
    response = post(
        auth_client,
        f"/api/sheets/{sheet.id}/rows/insert",
        {
            "op_id": new_id(),
            "rows": [{"id": first, "after": None}, {"id": new_id(), "after": new_id()}],
        },
    )
    assert_json_error(response, 409, "row_not_found")
    assert not Row.objects.filter(pk=first).exists()
    assert Sheet.objects.get(pk=sheet.pk).version == 0
