"""Find (GET /api/sheets/<id>/find): cells whose shown text holds the query,
in row then column order, with their row numbers; reads only."""

import pytest

from sheets import find, services
from sheets.tests.helpers import (
    assert_json_error,
    col_ids,
    insert_rows,
    new_id,
    row_ids,
    sheet_state,
    update,
    version,
)

pytestmark = pytest.mark.django_db


def found(client, sheet, q, **params) -> dict:
    response = client.get(f"/api/sheets/{sheet.id}/find", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def cells(answer: dict) -> list[tuple[str, str, int]]:
    return [(m["row"], m["col"], m["row_number"]) for m in answer["matches"]]


@pytest.fixture
def filled(typed_sheet, user):
    """Columns A text, B number, C date, D checkbox, E text, a few cells filled."""
    rows = row_ids(typed_sheet)
    a, b, c, d, e = col_ids(typed_sheet)
    update(
        typed_sheet,
        user,
        [
            {"row": rows[1], "col": a, "value": "Paid rent"},
            {"row": rows[1], "col": e, "value": "RENT again"},
            {"row": rows[4], "col": b, "value": 1299.50},
            {"row": rows[6], "col": c, "value": "2026-12-04"},
            {"row": rows[7], "col": d, "value": True},
            {"row": rows[9], "col": a, "value": "parent"},
            {"row": rows[12], "col": b, "value": 42},
        ],
    )
    return typed_sheet


def test_matches_text_in_row_then_column_order_ignoring_case(auth_client, filled):
    rows, (a, _, _, _, e) = row_ids(filled), col_ids(filled)
    answer = found(auth_client, filled, "rEnT")
    assert cells(answer) == [(rows[1], a, 1), (rows[1], e, 1), (rows[9], a, 9)]
    assert answer["count"] == 3
    assert answer["more"] is False
    assert answer["query"] == "rEnT"
    assert answer["seq"] == version(filled)


def test_numbers_match_as_shown_and_dates_as_their_text(auth_client, filled):
    rows, (_, b, c, _, _) = row_ids(filled), col_ids(filled)
    assert cells(found(auth_client, filled, "1299.5")) == [(rows[4], b, 4)]
    assert cells(found(auth_client, filled, "99.5")) == [(rows[4], b, 4)]
    assert cells(found(auth_client, filled, "42")) == [(rows[12], b, 12)]
    assert cells(found(auth_client, filled, "2026-12")) == [(rows[6], c, 6)]


def test_checkboxes_are_not_text(auth_client, filled):
    assert found(auth_client, filled, "true")["matches"] == []


def test_formula_results_match(auth_client, filled, user):
    a, _, _, _, e = col_ids(filled)
    services.column_update(
        sheet=filled, user=user, client_id="", op_id=new_id(), column=e,
        type="formula", formula='=[A] & "-ok"',
    )  # fmt: skip
    rows = row_ids(filled)
    answer = found(auth_client, filled, "rent-OK")
    assert cells(answer) == [(rows[1], e, 1), (rows[9], e, 9)]


def test_like_wildcards_are_plain_text(auth_client, sheet, user):
    rows, (a, *_) = row_ids(sheet), col_ids(sheet)
    update(
        sheet,
        user,
        [
            {"row": rows[2], "col": a, "value": "50% off_now"},
            {"row": rows[3], "col": a, "value": "500 offxnow"},
        ],
    )
    assert cells(found(auth_client, sheet, "0% off_")) == [(rows[2], a, 2)]
    assert cells(found(auth_client, sheet, 'a"b\\')) == []


def test_row_numbers_follow_inserts_and_deletes(auth_client, sheet, user):
    rows, (a, *_) = row_ids(sheet), col_ids(sheet)
    update(sheet, user, [{"row": rows[10], "col": a, "value": "needle"}])
    new = [new_id(), new_id(), new_id()]
    insert_rows(
        sheet,
        user,
        [
            {"id": new[0], "after": None},
            {"id": new[1], "after": rows[3]},
            {"id": new[2], "after": rows[15]},
        ],
    )
    assert cells(found(auth_client, sheet, "needle")) == [(rows[10], a, 12)]
    services.rows_delete(sheet=sheet, user=user, client_id="", op_id=new_id(), rows=rows[:5])
    assert cells(found(auth_client, sheet, "needle")) == [(rows[10], a, 7)]


def test_limit_cuts_the_matches_not_the_count(auth_client, sheet, user):
    rows, cols = row_ids(sheet), col_ids(sheet)
    update(
        sheet,
        user,
        [{"row": r, "col": c, "value": f"x{i}"} for i, r in enumerate(rows) for c in cols],
    )
    answer = found(auth_client, sheet, "X1", limit=3)
    assert answer["count"] == 11 * len(cols)  # x1, x10 … x19
    assert [m["row_number"] for m in answer["matches"]] == [1, 1, 1]
    assert [m["col"] for m in answer["matches"]] == cols[:3]


def test_count_stops_at_the_cap(auth_client, sheet, user, monkeypatch):
    monkeypatch.setattr(find, "COUNT_CAP", 7)
    rows, (a, b, *_) = row_ids(sheet), col_ids(sheet)
    update(sheet, user, [{"row": r, "col": c, "value": "same"} for r in rows[:5] for c in (a, b)])
    answer = found(auth_client, sheet, "same", limit=2)
    assert (answer["count"], answer["more"], len(answer["matches"])) == (7, True, 2)
    update(
        sheet,
        user,
        [
            {"row": rows[4], "col": b, "value": "other"},
            {"row": rows[4], "col": a, "value": "other"},
            {"row": rows[3], "col": b, "value": "other"},
        ],
    )
    answer = found(auth_client, sheet, "same")
    assert (answer["count"], answer["more"]) == (7, False)


def test_values_of_deleted_columns_are_not_found(auth_client, sheet, user):
    rows, (_, b, *_) = row_ids(sheet), col_ids(sheet)
    update(sheet, user, [{"row": rows[0], "col": b, "value": "gone"}])
    services.columns_delete(sheet=sheet, user=user, client_id="", op_id=new_id(), columns=[b])
    assert found(auth_client, sheet, "gone")["matches"] == []


def test_a_viewer_may_find(client_for, other_user, sheet, user):
    rows, (a, *_) = row_ids(sheet), col_ids(sheet)
    update(sheet, user, [{"row": rows[0], "col": a, "value": "hello"}])
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="viewer")
    assert cells(found(client_for(other_user), sheet, "hell")) == [(rows[0], a, 0)]


def test_another_users_sheet_is_not_found(auth_client, foreign_sheet):
    response = auth_client.get(f"/api/sheets/{foreign_sheet.id}/find", {"q": "x"})
    assert_json_error(response, 404, "not_found")
    assert_json_error(auth_client.get("/api/sheets/999999/find", {"q": "x"}), 404, "not_found")


def test_anonymous_gets_401_and_post_405(client, auth_client, sheet):
    assert_json_error(client.get(f"/api/sheets/{sheet.id}/find", {"q": "x"}), 401)
    response = auth_client.post(f"/api/sheets/{sheet.id}/find?q=x")
    assert_json_error(response, 405, "method_not_allowed")


@pytest.mark.parametrize(
    "params,error",
    [
        ({}, "invalid_query"),
        ({"q": ""}, "invalid_query"),
        ({"q": "x" * 201}, "invalid_query"),
        ({"q": "a\x00b"}, "invalid_query"),
        ({"q": "x", "limit": "0"}, "invalid_limit"),
        ({"q": "x", "limit": "1001"}, "invalid_limit"),
        ({"q": "x", "limit": "ten"}, "invalid_limit"),
        ({"q": "x", "limit": "²"}, "invalid_limit"),
    ],
)
def test_bad_params_are_400(auth_client, sheet, params, error):
    response = auth_client.get(f"/api/sheets/{sheet.id}/find", params)
    assert_json_error(response, 400, error)


def test_the_longest_query_and_limit_are_taken(auth_client, sheet):
    answer = found(auth_client, sheet, "y" * 200, limit=1000)
    assert answer["count"] == 0


def test_find_writes_nothing(auth_client, filled):
    before = sheet_state(filled)
    found(auth_client, filled, "rent")
    found(auth_client, filled, "nothing here")
    assert sheet_state(filled) == before


def test_text_beyond_ascii_is_found(auth_client, sheet, user):
    rows, (a, *_) = row_ids(sheet), col_ids(sheet)
    update(sheet, user, [{"row": rows[5], "col": a, "value": "Café «Zürich» 東京"}])
    assert cells(found(auth_client, sheet, "fé «zü")) == [(rows[5], a, 5)]
    assert cells(found(auth_client, sheet, "東京")) == [(rows[5], a, 5)]
