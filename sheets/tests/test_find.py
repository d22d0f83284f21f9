"""Find (GET /api/sheets/<id>/find): cells whose shown text holds the query,
in row then column order, with their row numbers, a page at a time; and
their count (count=only). Reads only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sheets import find, services
from sheets.tests.helpers import (
    assert_json_error,
    cell,
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


def counted(client, sheet, q) -> tuple[int, bool]:
    response = client.get(f"/api/sheets/{sheet.id}/find", {"q": q, "count": "only"})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["query"] == q
    assert answer["seq"] == version(sheet)
    return answer["count"], answer["more"]


def cells(answer: dict) -> list[tuple[str, str, int]]:
    return [(m["row"], m["col"], m["row_number"]) for m in answer["matches"]]


def every_page(client, sheet, q, **params) -> tuple[list[tuple[str, str, int]], int]:
    """All matches, page after page as the find box reads them; and the pages."""
    matches, pages, after = [], 0, ""
    while True:
        answer = found(client, sheet, q, after=after, **params)
        matches += cells(answer)
        pages += 1
        if answer["next"] is None:
            return matches, pages
        assert answer["matches"], "a page that is not the last holds a match"
        after = answer["next"]


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
    assert answer["next"] is None
    assert answer["query"] == "rEnT"
    assert counted(auth_client, filled, "rEnT") == (3, False)
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
    # A page ends at a row's end: all of row 1's cells, then row 10 next.
    assert [m["row_number"] for m in answer["matches"]] == [1] * len(cols)
    assert [m["col"] for m in answer["matches"]] == cols
    assert counted(auth_client, sheet, "X1") == (11 * len(cols), False)  # x1, x10 … x19
    second = found(auth_client, sheet, "X1", limit=3, after=answer["next"])
    assert [m["row_number"] for m in second["matches"]] == [10] * len(cols)


def test_count_stops_at_the_cap(auth_client, sheet, user, monkeypatch):
    monkeypatch.setattr(find, "COUNT_CAP", 7)
    rows, (a, b, *_) = row_ids(sheet), col_ids(sheet)
    update(sheet, user, [{"row": r, "col": c, "value": "same"} for r in rows[:5] for c in (a, b)])
    assert counted(auth_client, sheet, "same") == (7, True)
    update(
        sheet,
        user,
        [
            {"row": rows[4], "col": b, "value": "other"},
            {"row": rows[4], "col": a, "value": "other"},
            {"row": rows[3], "col": b, "value": "other"},
        ],
    )
    assert counted(auth_client, sheet, "same") == (7, False)


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
        ({"q": "x", "after": "1.0"}, "invalid_after"),
        ({"q": "x", "after": "x,00000000-0000-0000-0000-000000000000"}, "invalid_after"),
        ({"q": "x", "after": "nan,00000000-0000-0000-0000-000000000000"}, "invalid_after"),
        ({"q": "x", "after": "1.0,not-a-row"}, "invalid_after"),
        ({"q": "x", "count": "all"}, "invalid_count"),
        ({"q": "x", "count": "only", "limit": "3"}, "invalid_count"),
        (
            {"q": "x", "count": "only", "after": "1.0,00000000-0000-0000-0000-000000000000"},
            "invalid_count",
        ),
        ({"count": "only"}, "invalid_query"),
    ],
)
def test_bad_params_are_400(auth_client, sheet, params, error):
    response = auth_client.get(f"/api/sheets/{sheet.id}/find", params)
    assert_json_error(response, 400, error)


def test_the_longest_query_and_limit_are_taken(auth_client, sheet):
    answer = found(auth_client, sheet, "y" * 200, limit=1000)
    assert answer["matches"] == []
    assert answer["next"] is None


def test_find_writes_nothing(auth_client, filled):
    before = sheet_state(filled)
    found(auth_client, filled, "rent")
    found(auth_client, filled, "nothing here")
    counted(auth_client, filled, "rent")
    found(
        auth_client,
        filled,
        "rent",
        limit=1,
        after=found(auth_client, filled, "rent", limit=1)["next"],
    )
    assert sheet_state(filled) == before


def test_text_beyond_ascii_is_found(auth_client, sheet, user):
    rows, (a, *_) = row_ids(sheet), col_ids(sheet)
    update(sheet, user, [{"row": rows[5], "col": a, "value": "Café «Zürich» 東京"}])
    assert cells(found(auth_client, sheet, "fé «zü")) == [(rows[5], a, 5)]
    assert cells(found(auth_client, sheet, "東京")) == [(rows[5], a, 5)]


TRICKY = [
    'say "hi"',
    "back\\slash",
    "tab\there",
    "Kelvin \u212a here",
    "\u0130stanbul",
    "Straße",
    "ÉCOLE",
    "line\nbreak",
    "50% off_now",
    '{"json": 1}',
]
NUMBERS = [1e20, -1.5e-05, 12.0, 1299.5, 2**60, 9007199254740993.0, 0.1 + 0.2, 7]


def test_matches_are_the_exact_rule_whatever_the_json_text(auth_client, typed_sheet, user):
    """The database's test of a row's JSON text passes over no match: every
    query gives what the rule (shown text holds the query, case aside) gives
    cell by cell. What each query is:
    quotes, backslashes, control characters, characters written escaped in
    JSON or lower-cased to ASCII by Python, and numbers whose JSON text is
    not what the grid shows."""
    rows, (a, b, *_) = row_ids(typed_sheet), col_ids(typed_sheet)
    values = [(a, t) for t in TRICKY] + [(b, n) for n in NUMBERS]
    update(
        typed_sheet,
        user,
        [{"row": rows[i], "col": c, "value": v} for i, (c, v) in enumerate(values)],
    )
    stored = {(rows[i], c): cell(typed_sheet, rows[i], c) for i, (c, _) in enumerate(values)}
    shown = {key: find._shown(v) for key, v in stored.items()}
    queries = [
        '"hi"', "k\\s", "\\", "\t", "k", "KELVIN K", "i", "istanbul", "İST", "STRASSE", "straße",
        "école", "\n", "%", "_", '": 1', "json", "e+20", "20", "1e", "-05", "1.5e", "12", "12.0",
        "99.5", "2.0", "1152921504606846976", "0.30000000000000004", "7", "hi", "00000",
    ]  # fmt: skip
    for q in queries:
        want = [
            (r, c, rows.index(r))
            for (r, c), text in shown.items()
            if text is not None and q.lower() in text.lower()
        ]
        assert cells(found(auth_client, typed_sheet, q)) == want, q
        assert counted(auth_client, typed_sheet, q) == (len(want), False), q
    assert any(cells(found(auth_client, typed_sheet, q)) for q in queries)


def test_a_page_stops_at_the_first_chunk_holding_a_match(auth_client, sheet, user, monkeypatch):
    monkeypatch.setattr(find, "CHUNK_ROWS", 4)
    rows, (a, *_) = row_ids(sheet), col_ids(sheet)
    far = [5, 6, 17]
    update(sheet, user, [{"row": rows[n], "col": a, "value": f"needle {n}"} for n in far])
    with CaptureQueriesContext(connection) as read:
        first = found(auth_client, sheet, "NEEDLE")
    # Rows 0-3 hold none, rows 4-7 hold two: the page is answered there,
    # without reading on to row 17.
    assert cells(first) == [(rows[5], a, 5), (rows[6], a, 6)]
    assert first["next"] is not None
    assert not any("needle 17" in q["sql"] for q in read.captured_queries)
    rest = found(auth_client, sheet, "NEEDLE", after=first["next"])
    assert cells(rest) == [(rows[17], a, 17)]
    assert counted(auth_client, sheet, "needle") == (3, False)


def test_pages_walk_every_match_with_its_row_number(auth_client, sheet, user, monkeypatch):
    rows, cols = row_ids(sheet), col_ids(sheet)
    wanted = [
        (r, c, n)
        for n, r in enumerate(rows)
        for c in cols
        if (n * len(cols) + cols.index(c)) % 3 == 0
    ]
    update(sheet, user, [{"row": r, "col": c, "value": f"v{n}"} for r, c, n in wanted])
    whole, pages = every_page(auth_client, sheet, "v", limit=1000)
    assert (whole, pages) == (wanted, 1)
    assert len(wanted) > 10
    monkeypatch.setattr(find, "CHUNK_ROWS", 3)
    for limit in (1, 2, 5):
        assert every_page(auth_client, sheet, "v", limit=limit)[0] == wanted, limit
    assert every_page(auth_client, sheet, "v", limit=1)[1] >= len(rows) // 3


def test_a_page_after_a_deleted_row_goes_on_from_its_place(auth_client, sheet, user):
    rows, (a, *_) = row_ids(sheet), col_ids(sheet)
    update(sheet, user, [{"row": rows[n], "col": a, "value": "needle"} for n in (2, 3, 9)])
    first = found(auth_client, sheet, "needle", limit=1)
    assert cells(first) == [(rows[2], a, 2)]
    services.rows_delete(sheet=sheet, user=user, client_id="", op_id=new_id(), rows=[rows[2]])
    rest = found(auth_client, sheet, "needle", after=first["next"])
    assert cells(rest) == [(rows[3], a, 2), (rows[9], a, 8)]


def test_the_count_reads_past_rows_the_prefilter_let_through(auth_client, sheet, user, monkeypatch):
    """Rows whose JSON text holds the query but no cell that shows it (here:
    values a deleted column left) are not counted, however many they are."""
    monkeypatch.setattr(find, "COUNT_CAP", 3)
    rows, (a, b, *_) = row_ids(sheet), col_ids(sheet)
    update(sheet, user, [{"row": r, "col": b, "value": "zz left"} for r in rows[:8]])
    services.columns_delete(sheet=sheet, user=user, client_id="", op_id=new_id(), columns=[b])
    update(sheet, user, [{"row": rows[n], "col": a, "value": "zz"} for n in (9, 12)])
    assert counted(auth_client, sheet, "ZZ") == (2, False)
    update(sheet, user, [{"row": rows[n], "col": a, "value": "zz"} for n in (13, 14)])
    assert counted(auth_client, sheet, "ZZ") == (3, True)
    assert cells(found(auth_client, sheet, "zz"))[0] == (rows[9], a, 9)
