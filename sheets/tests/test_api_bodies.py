"""The JSON API's answers to malformed bodies (docs/protocol.md): JSON errors,
and nothing written."""

import pytest

from sheets.models import Sheet
from sheets.tests.helpers import (
    assert_json_error,
    cell,
    cells_body,
    col_ids,
    new_id,
    post,
    row_ids,
    sheet_state,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body", ["{", "not json", b"\xff\xfe", "", "[1, 2]", "null", '"text"', "12"]
)
def test_body_that_is_not_a_json_object_is_400(auth_client, sheet, body):
    before = sheet_state(sheet)
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", body)
    assert_json_error(response, 400, "invalid_json")
    assert sheet_state(sheet) == before


@pytest.mark.parametrize(
    ("patch", "error"),
    [
        ({"op_id": None}, "missing_field"),
        ({"changes": None}, "missing_field"),
        ({"changes": "abc"}, "invalid_changes"),
        ({"changes": {"row": 1}}, "invalid_changes"),
        ({"changes": []}, "invalid_changes"),
        ({"changes": [1]}, "invalid_change"),
        ({"changes": [{"row": "not-a-uuid", "col": "x", "value": 1}]}, "invalid_id"),
        ({"op_id": "not-a-uuid"}, "invalid_id"),
        ({"op_id": 12}, "invalid_id"),
        ({"client_id": ["a"]}, "invalid_client_id"),
        ({"client_id": "x" * 65}, "invalid_client_id"),
    ],
)
def test_wrong_types_are_400(auth_client, sheet, patch, error):
    body = cells_body(sheet)
    for key, value in patch.items():
        if value is None:
            del body[key]
        else:
            body[key] = value
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", body)
    assert_json_error(response, 400, error)
    assert Sheet.objects.get(pk=sheet.pk).version == 0


@pytest.mark.parametrize("value", [{"a": 1}, [1]])
def test_value_that_is_an_object_or_list_is_400(auth_client, sheet, value):
    before = sheet_state(sheet)
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", cells_body(sheet, value))
    assert_json_error(response, 400, "invalid_change")
    assert sheet_state(sheet) == before


def test_unknown_row_and_column_ids_are_per_cell_errors(auth_client, sheet):
    body = cells_body(sheet)
    body["changes"] = [
        {"row": new_id(), "col": col_ids(sheet)[0], "value": "a"},
        {"row": row_ids(sheet)[0], "col": new_id(), "value": "b"},
    ]
    before = sheet_state(sheet)
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", body)
    assert response.status_code == 422
    answer = response.json()
    assert sorted(e["error"] for e in answer["errors"]) == ["column_not_found", "row_not_found"]
    assert (answer["applied"], answer["event"]) == (False, None)
    assert sheet_state(sheet) == before


def test_all_invalid_cells_are_422_and_nothing_is_applied(auth_client, sheet, user):
    col = col_ids(sheet)[0]
    post(
        auth_client,
        f"/api/sheets/{sheet.id}/columns/update",
        {"op_id": new_id(), "column": col, "type": "number"},
    )
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", cells_body(sheet, "abc"))
    assert response.status_code == 422
    answer = response.json()
    assert answer["applied"] is False
    assert answer["event"] is None
    assert answer["version"] == 1
    assert answer["errors"] == [
        {
            "row": row_ids(sheet)[0],
            "col": col,
            "error": "not_a_number",
            "message": "“abc” is not a number.",
        }
    ]
    assert Sheet.objects.get(pk=sheet.pk).version == 1


def test_number_string_is_answered_with_the_committed_number(auth_client, sheet):
    col = col_ids(sheet)[0]
    post(
        auth_client,
        f"/api/sheets/{sheet.id}/columns/update",
        {"op_id": new_id(), "column": col, "type": "number"},
    )
    body = cells_body(sheet, "12")
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", body)
    assert response.status_code == 200
    assert response.json()["event"]["changes"][0]["value"] == 12
    assert cell(sheet, body["changes"][0]["row"], col) == 12


def test_body_over_the_upload_limit_is_413(auth_client, sheet, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", cells_body(sheet, "x" * 2000))
    assert_json_error(response, 413, "too_large")
    assert Sheet.objects.get(pk=sheet.pk).version == 0


def test_body_over_the_limit_is_413_with_csrf_checks_on(client_for, user, sheet, settings):
    client = client_for(user, enforce_csrf_checks=True)
    client.get("/sheets/")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = sheet_state(sheet)
    response = post(
        client,
        f"/api/sheets/{sheet.id}/cells",
        cells_body(sheet, "x" * 2000),
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert_json_error(response, 413, "too_large")
    assert sheet_state(sheet) == before


def test_too_many_changes_is_413(auth_client, sheet, settings):
    settings.MAX_CHANGES_PER_OP = 2
    body = cells_body(sheet)
    body["changes"] = body["changes"] * 3
    before = sheet_state(sheet)
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", body)
    assert_json_error(response, 413, "too_many_changes")
    assert sheet_state(sheet) == before
