"""Hostile bodies against the JSON API: each is refused with a JSON 400 that
says why, the sheet is left as it was, and the next good request is served."""

import json
import uuid

import pytest
from django.test import Client

from sheets.models import Sheet
from sheets.tests.helpers import col_ids, new_id, row_ids

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def post(client: Client, url: str, body: str | bytes):
    return client.post(url, body, content_type="application/json")


def state(client: Client, sheet: Sheet) -> tuple[int, dict]:
    """The sheet's version and its snapshot as a tab would load it."""
    response = client.get(f"/api/sheets/{sheet.id}/")
    assert response.status_code == 200
    return Sheet.objects.get(pk=sheet.pk).version, response.json()


def assert_refused(response, error: str) -> dict:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    return body


def assert_still_serves(client: Client, sheet: Sheet) -> None:
    """A good edit right after is applied."""
    change = {"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "fine"}
    body = {"client_id": "tab-1", "op_id": new_id(), "changes": [change]}
    response = post(client, f"/api/sheets/{sheet.id}/cells", json.dumps(body))
    assert response.status_code == 200, response.content
    assert response.json()["applied"] is True


def cells_text(sheet: Sheet, value_json: str) -> str:
    """A cells body whose one value is the JSON text `value_json`, as sent."""
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    return (
        f'{{"client_id": "tab-1", "op_id": "{new_id()}", '
        f'"changes": [{{"row": "{row}", "col": "{col}", "value": {value_json}}}]}}'
    )


# --- Nesting


@pytest.mark.parametrize("where", ["body", "cell value"])
def test_deeply_nested_json_is_a_json_400_and_changes_nothing(auth_client, sheet, where):
    before = state(auth_client, sheet)
    body = DEEP if where == "body" else cells_text(sheet, DEEP)
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", body)
    assert "32 levels" in assert_refused(response, "too_deeply_nested")["message"]
    assert state(auth_client, sheet) == before
    assert_still_serves(auth_client, sheet)


def test_nesting_just_past_the_limit_is_refused_and_at_the_limit_is_parsed(auth_client, sheet):
    from sheets.browser_json import MAX_DEPTH

    url = f"/api/sheets/{sheet.id}/cells"
    # The body object and the list of changes and the change are three levels.
    past = "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)
    assert_refused(post(auth_client, url, cells_text(sheet, past)), "too_deeply_nested")
    at = "[" * (MAX_DEPTH - 3) + "]" * (MAX_DEPTH - 3)
    # Parsed, then refused by the cell rules (a value is never a list).
    assert post(auth_client, url, cells_text(sheet, at)).json()["error"] != "too_deeply_nested"


def test_deep_nesting_on_every_op_endpoint_is_a_json_400(auth_client, sheet):
    before = state(auth_client, sheet)
    for op in ("rows/insert", "rows/delete", "columns/update", "rename", "undo"):
        response = post(auth_client, f"/api/sheets/{sheet.id}/{op}", DEEP)
        assert_refused(response, "too_deeply_nested")
    assert state(auth_client, sheet) == before
    assert_still_serves(auth_client, sheet)


# --- Invalid Unicode


@pytest.mark.parametrize(
    "value",
    [r'"a\ud800b"', r'"\udfff"', r'"x\ud83d"', r'{"\ud800": 1}', r'["ok", "\udc00"]'],
)
def test_lone_surrogate_in_a_cell_is_a_json_400_and_changes_nothing(auth_client, sheet, value):
    before = state(auth_client, sheet)
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", cells_text(sheet, value))
    assert "Unicode" in assert_refused(response, "invalid_unicode")["message"]
    assert state(auth_client, sheet) == before
    assert_still_serves(auth_client, sheet)


def test_lone_surrogate_in_a_title_is_refused(auth_client, sheet):
    before = state(auth_client, sheet)
    body = f'{{"op_id": "{new_id()}", "title": "Budget \\ud800"}}'
    assert_refused(post(auth_client, f"/api/sheets/{sheet.id}/rename", body), "invalid_unicode")
    assert state(auth_client, sheet) == before
    assert Sheet.objects.get(pk=sheet.pk).title == "Budget"


def test_surrogate_pair_is_one_character_and_stored(auth_client, sheet):
    response = post(
        auth_client, f"/api/sheets/{sheet.id}/cells", cells_text(sheet, r'"\ud83d\ude00"')
    )
    assert response.status_code == 200
    rows = state(auth_client, sheet)[1]["rows"]
    assert any("\U0001f600" in row["values"].values() for row in rows)


# --- Ids


# Other spellings of a UUID that uuid.UUID takes, and near misses.
SPELLINGS = {
    "urn": lambda u: u.urn,
    "braces": lambda u: f"{{{u}}}",
    "no hyphens": lambda u: u.hex,
    "no hyphens, upper case": lambda u: u.hex.upper(),
    "leading space": lambda u: f" {u}",
    "trailing newline": lambda u: f"{u}\n",
    "underscores": lambda u: str(u).replace("-", "_"),
    "plus sign": lambda u: "+" + str(u)[1:],
    "fullwidth letter": lambda u: "\uff41" + str(u)[1:],
    "too short": lambda u: str(u)[:-1],
}


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("field", ["op_id", "row", "col"])
def test_id_not_written_8_4_4_4_12_is_refused(auth_client, sheet, field, spelling):
    change = {"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}
    body = {"client_id": "tab-1", "op_id": new_id(), "changes": [change]}
    # The same op, row or column in another spelling.
    if field == "op_id":
        body["op_id"] = SPELLINGS[spelling](uuid.UUID(body["op_id"]))
    else:
        change[field] = SPELLINGS[spelling](uuid.UUID(change[field]))
    before = state(auth_client, sheet)
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", json.dumps(body))
    assert "8-4-4-4-12" in assert_refused(response, "invalid_id")["message"]
    assert state(auth_client, sheet) == before
    assert_still_serves(auth_client, sheet)


@pytest.mark.parametrize("spelling", ["urn", "braces", "no hyphens"])
def test_row_delete_with_other_id_spellings_deletes_nothing(auth_client, sheet, spelling):
    raw = SPELLINGS[spelling](uuid.UUID(row_ids(sheet)[0]))
    before = state(auth_client, sheet)
    body = json.dumps({"op_id": new_id(), "rows": [raw]})
    response = post(auth_client, f"/api/sheets/{sheet.id}/rows/delete", body)
    assert_refused(response, "invalid_id")
    assert state(auth_client, sheet) == before
    assert_still_serves(auth_client, sheet)


def test_uppercase_canonical_id_is_the_same_row(auth_client, sheet):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    change = {"row": row.upper(), "col": col.upper(), "value": "upper"}
    body = {"client_id": "tab-1", "op_id": new_id().upper(), "changes": [change]}
    response = post(auth_client, f"/api/sheets/{sheet.id}/cells", json.dumps(body))
    assert response.status_code == 200 and response.json()["applied"] is True
    rows = {r["id"]: r for r in state(auth_client, sheet)[1]["rows"]}
    assert rows[row]["values"][col] == "upper"
