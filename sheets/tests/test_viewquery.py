"""A view's rows (sheets/viewquery.py) and its windows (GET
/api/sheets/<id>/rows?view=<json>): every filter operator per type, sort
keys with blanks and other values, the row order as the last tie-break, and
each malformed view a 400 that changes nothing."""

import json

import pytest

from sheets import services, viewquery
from sheets.models import Column, Sheet
from sheets.tests.helpers import col_ids, insert_rows, new_id, row_ids, sheet_state, update
from sheets.tests.test_windows import read
from sheets.viewspec import parse_view

pytestmark = pytest.mark.django_db

# Rows 0-9 of the typed sheet (text, number, date, checkbox); rows 10-19 are empty.
TEXTS = ["banana", "Apple", "cherry", "apple pie", "50% off_now", "600 offxnow", "Äpfel", None, "b"]
NUMBERS = [10, -2.5, 0, 1299.5, 10, 3, None, 7, 1e-7]
DATES = ["2026-12-04", "2025-01-31", "2026-12-05", None, "2026-12-04", "2024-02-29"]
CHECKS = [True, False, True, None, False]
FILLED = range(len(TEXTS))
EMPTY_ROWS = list(range(len(TEXTS), services.DEFAULT_ROWS))


@pytest.fixture
def filled(typed_sheet, user):
    rows, cols = row_ids(typed_sheet), col_ids(typed_sheet)
    changes = [
        {"row": rows[i], "col": cols[c], "value": v}
        for c, values in enumerate([TEXTS, NUMBERS, DATES, CHECKS])
        for i, v in enumerate(values)
        if v is not None
    ]
    update(typed_sheet, user, changes)
    return typed_sheet


def columns(sheet: Sheet) -> list[Column]:
    return list(Column.objects.filter(sheet=sheet))


def order(sheet: Sheet, spec: dict) -> list[int]:
    """The view's rows, as their row numbers in the sheet."""
    number = {r: i for i, r in enumerate(row_ids(sheet))}
    checked = parse_view(json.dumps(spec), columns(sheet))
    found = [
        number[str(r)] for r in viewquery.view_rows(sheet, checked).values_list("id", flat=True)
    ]
    assert viewquery.view_count(sheet, checked) == len(found)
    return found


def matching(sheet: Sheet, col: int, op: str, value=None) -> set[int]:
    item = {"column": col_ids(sheet)[col], "op": op} | ({} if value is None else {"value": value})
    return set(order(sheet, {"filters": [item]}))


def sort(sheet: Sheet, *keys: tuple[int, str]) -> list[int]:
    cols = col_ids(sheet)
    return order(sheet, {"sort": [{"column": cols[c], "dir": d} for c, d in keys]})


def empty(values: list) -> set[int]:
    return {i for i, v in enumerate(values) if v is None} | set(range(len(values), 20))


# --- Filters, every operator per type


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("contains", "APP", {1, 3}),
        ("contains", "äPF", {6}),  # case is ignored beyond ASCII too
        ("contains", "0% off_", {4}),  # % and _ are plain characters
        ("contains", "_", {4}),
        ("is", "apple", {1}),
        ("is", "b", {8}),
        ("is", "app", set()),
    ],
)
def test_text_filters(filled, op, value, expected):
    assert matching(filled, 0, op, value) == expected


def test_text_is_empty_and_not_empty(filled):
    assert matching(filled, 0, "is_empty") == empty(TEXTS)
    assert matching(filled, 0, "not_empty") == set(FILLED) - {7}


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("=", 10, {0, 4}),
        ("=", 1299.5, {3}),
        ("=", 1e-7, {8}),
        ("!=", 10, set(range(20)) - {0, 4}),  # empty cells are not 10 either
        ("<", 0, {1}),
        ("<=", 0, {1, 2}),
        (">", 7, {0, 3, 4}),
        (">=", 7, {0, 3, 4, 7}),
        ("between", [0, 7], {2, 5, 7, 8}),
        ("between", [-2.5, -2.5], {1}),
    ],
)
def test_number_filters(filled, op, value, expected):
    assert matching(filled, 1, op, value) == expected


def test_number_is_empty_and_not_empty(filled):
    assert matching(filled, 1, "is_empty") == empty(NUMBERS)
    assert matching(filled, 1, "not_empty") == set(FILLED) - {6}


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("before", "2026-12-04", {1, 5}),
        ("after", "2026-12-04", {2}),
        ("between", ["2026-12-04", "2026-12-05"], {0, 2, 4}),
        ("between", ["2024-02-29", "2025-01-31"], {1, 5}),
    ],
)
def test_date_filters(filled, op, value, expected):
    assert matching(filled, 2, op, value) == expected


def test_date_is_empty_and_not_empty(filled):
    assert matching(filled, 2, "is_empty") == empty(DATES)
    assert matching(filled, 2, "not_empty") == {0, 1, 2, 4, 5}


def test_checkbox_filters(filled):
    assert matching(filled, 3, "checked") == {0, 2}
    assert matching(filled, 3, "not_checked") == set(range(20)) - {0, 2}  # cleared is unchecked


def test_filters_combine_with_and(filled):
    cols = col_ids(filled)
    spec = {
        "filters": [
            {"column": cols[1], "op": ">=", "value": 0},
            {"column": cols[3], "op": "not_checked"},
            {"column": cols[0], "op": "contains", "value": "0"},
        ]
    }
    assert order(filled, spec) == [4, 5]


# --- Sort


def test_numbers_sort_as_numbers_with_blanks_last_both_ways(filled):
    filled_rows = [0, 1, 2, 3, 4, 5, 7, 8]
    ascending = sorted(filled_rows, key=lambda i: NUMBERS[i])  # stable: row order breaks ties
    descending = sorted(filled_rows, key=lambda i: -NUMBERS[i])
    assert sort(filled, (1, "asc")) == [*ascending, 6, *EMPTY_ROWS]
    assert sort(filled, (1, "desc")) == [*descending, 6, *EMPTY_ROWS]
    assert ascending[:3] == [1, 2, 8] and descending[:3] == [3, 0, 4]


def test_text_sorts_without_regard_to_case(filled):
    ascending, descending = sort(filled, (0, "asc")), sort(filled, (0, "desc"))
    # Where Äpfel goes among the others is the database's collation (SQLite: after z).
    assert [i for i in ascending if i != 6] == [4, 5, 1, 3, 8, 0, 2, 7, *EMPTY_ROWS]
    assert [i for i in descending if i != 6] == [2, 0, 8, 3, 1, 5, 4, 7, *EMPTY_ROWS]
    assert ascending.index(6) < ascending.index(7) and descending.index(6) < descending.index(7)


def test_dates_sort_as_dates_and_checkboxes_unchecked_first(filled):
    blanks = [3, *range(6, 20)]
    assert sort(filled, (2, "asc")) == [5, 1, 0, 4, 2, *blanks]
    assert sort(filled, (2, "desc")) == [2, 0, 4, 1, 5, *blanks]
    assert sort(filled, (3, "asc")) == [1, 4, 0, 2, 3, *range(5, 20)]
    assert sort(filled, (3, "desc")) == [0, 2, 1, 4, 3, *range(5, 20)]


def test_later_keys_order_the_rows_equal_on_earlier_ones(filled):
    # Dates: 0 and 4 share 2026-12-04; the number key (10 and 10) ties too,
    # the checkbox key then puts 4 (unchecked) first when ascending.
    assert sort(filled, (2, "desc"), (1, "asc"), (3, "asc"))[:4] == [2, 4, 0, 1]
    assert sort(filled, (2, "desc"), (1, "asc"), (3, "desc"))[:4] == [2, 0, 4, 1]
    assert sort(filled, (1, "desc"), (0, "asc"))[:3] == [3, 4, 0]
    assert sort(filled, (1, "desc"), (0, "desc"))[:3] == [3, 0, 4]


def test_the_row_order_breaks_ties_and_is_the_order_of_no_sort(filled, user):
    rows = row_ids(filled)
    new = new_id()
    insert_rows(filled, user, [{"id": new, "after": rows[0]}])  # row 1 now, no values
    assert order(filled, {}) == list(range(21))
    # Rows 1 (the new one), 7 and 10-20 have no number: they tie, in row order.
    by_number = sort(filled, (1, "asc"))
    assert by_number[-13:] == [1, 7, *range(10, 21)]
    assert by_number == order(
        filled, {"sort": [{"column": col_ids(filled)[1]}]}
    )  # asc: the default


# --- Other values: a formula column whose results are not all of its type


@pytest.fixture
def with_errors(filled, user):
    """Column E: =10 / [B], a number column whose cells are errors where B is 0 or empty."""
    services.column_update(
        sheet=filled, user=user, client_id="", op_id=new_id(), column=col_ids(filled)[4],
        type="formula", formula="=10 / [B]",
    )  # fmt: skip
    return filled


def test_other_values_sort_after_the_columns_own_both_ways(with_errors):
    assert Column.objects.get(pk=col_ids(with_errors)[4]).result_type == "number"
    # 10 / B: -4, 0.0077, 1, 1, 1.43, 3.33, 1e8; B 0 or empty: #DIV/0!, in row order.
    errors = [2, 6, *range(9, 20)]
    assert sort(with_errors, (4, "asc")) == [1, 3, 0, 4, 7, 5, 8, *errors]
    assert sort(with_errors, (4, "desc")) == [8, 5, 7, 0, 4, 3, 1, *errors]


def test_other_values_match_no_comparison_and_are_not_empty(with_errors):
    assert matching(with_errors, 4, ">", 1) == {5, 7, 8}
    assert matching(with_errors, 4, "=", 1) == {0, 4}
    assert matching(with_errors, 4, "!=", 1) == set(range(20)) - {0, 4}
    assert matching(with_errors, 4, "is_empty") == set()


def test_a_blank_formula_result_is_empty(filled, user):
    cols = col_ids(filled)
    services.column_update(
        sheet=filled, user=user, client_id="", op_id=new_id(), column=cols[4],
        type="formula", formula="=[B]",
    )  # fmt: skip
    assert matching(filled, 4, "is_empty") == empty(NUMBERS)
    assert sort(filled, (4, "desc"))[-12:] == [6, *EMPTY_ROWS]


# --- Windows of a view: GET /api/sheets/<id>/rows?view=<json>


def view_window(client, sheet, spec, **params):
    view = spec if isinstance(spec, str) else json.dumps(spec)
    return client.get(f"/api/sheets/{sheet.id}/rows", {"view": view, **params})


def positive_by_number_desc(sheet) -> dict:
    cols = col_ids(sheet)
    return {
        "sort": [{"column": cols[1], "dir": "desc"}],
        "filters": [{"column": cols[1], "op": ">", "value": 0}],
    }


def test_a_window_of_a_view_is_its_order_from_at(auth_client, filled):
    rows = row_ids(filled)
    expected = [3, 0, 4, 7, 5, 8]  # B > 0, largest first
    block = read(view_window(auth_client, filled, positive_by_number_desc(filled), limit=4))
    assert [r[0] for r in block["rows"]] == [rows[i] for i in expected[:4]]
    assert [r[3] for r in block["rows"]] == [NUMBERS[i] for i in expected[:4]]
    assert block["columns"] == col_ids(filled)
    # A filtered view's count is not waited for: null until counted (count=only).
    assert (block["count"], block["row_count"], block["first"]) == (None, 20, 0)
    assert (block["more_before"], block["more_after"]) == (False, True)
    assert block["seq"] == Sheet.objects.get(pk=filled.pk).version
    middle = read(view_window(auth_client, filled, positive_by_number_desc(filled), at=2, limit=3))
    assert [r[0] for r in middle["rows"]] == [rows[i] for i in expected[2:5]]
    assert (middle["first"], middle["more_before"], middle["more_after"]) == (2, True, True)


def test_the_last_window_of_a_view_and_past_its_end(auth_client, filled):
    rows, spec = row_ids(filled), positive_by_number_desc(filled)
    end = read(
        view_window(auth_client, filled, spec, at="end", limit=4, HTTP_ACCEPT_ENCODING="gzip")
    )
    assert [r[0] for r in end["rows"]] == [rows[i] for i in [4, 7, 5, 8]]
    assert (end["first"], end["more_before"], end["more_after"]) == (2, True, False)
    past = read(view_window(auth_client, filled, spec, at=50))
    assert past["rows"] == [] and past["count"] == 6  # counted for the end, kept
    assert (past["first"], past["more_before"], past["more_after"]) == (50, True, False)


def test_a_view_that_matches_nothing_is_an_empty_window(auth_client, filled):
    spec = {"filters": [{"column": col_ids(filled)[0], "op": "is", "value": "nothing"}]}
    block = read(view_window(auth_client, filled, spec))
    assert (block["rows"], block["count"], block["more_before"], block["more_after"]) == (
        [],
        0,
        False,
        False,
    )


def test_a_window_follows_the_sheet_as_it_changes(auth_client, filled, user):
    rows, cols = row_ids(filled), col_ids(filled)
    update(filled, user, [{"row": rows[6], "col": cols[1], "value": 5000}])
    block = read(view_window(auth_client, filled, positive_by_number_desc(filled), limit=2))
    assert [r[0] for r in block["rows"]] == [rows[6], rows[3]]
    assert (
        view_window(auth_client, filled, positive_by_number_desc(filled), count="only").json()[
            "count"
        ]
        == 7
    )


def test_count_only_counts_the_view_and_later_blocks_carry_it(auth_client, filled, user):
    spec = positive_by_number_desc(filled)
    seq = Sheet.objects.get(pk=filled.pk).version
    assert read(view_window(auth_client, filled, spec, limit=2))["count"] is None
    response = view_window(auth_client, filled, spec, count="only")
    assert response.status_code == 200 and response.json() == {"seq": seq, "count": 6}
    block = read(view_window(auth_client, filled, spec, limit=2))
    assert (block["count"], block["more_after"]) == (6, True)
    # A write moves the version on: the next block does not wait for the new count.
    rows, cols = row_ids(filled), col_ids(filled)
    update(filled, user, [{"row": rows[6], "col": cols[1], "value": 5000}])
    after = read(view_window(auth_client, filled, spec, limit=2))
    assert (after["count"], after["seq"], after["more_after"]) == (None, seq + 1, True)
    assert view_window(auth_client, filled, spec, count="only").json() == {
        "seq": seq + 1,
        "count": 7,
    }


def test_a_block_that_reaches_the_views_end_tells_its_count(auth_client, filled):
    spec = positive_by_number_desc(filled)
    whole = read(view_window(auth_client, filled, spec, at=2, limit=4))
    assert (whole["count"], whole["more_before"], whole["more_after"]) == (6, True, False)
    exact = read(view_window(auth_client, filled, positive_by_number_desc(filled), limit=6))
    assert (len(exact["rows"]), exact["count"], exact["more_after"]) == (6, 6, False)


def test_a_block_past_the_end_of_an_uncounted_view_has_no_count(auth_client, filled):
    block = read(view_window(auth_client, filled, positive_by_number_desc(filled), at=9))
    assert (block["rows"], block["count"], block["more_after"]) == ([], None, False)


def test_no_filters_count_is_the_row_count(auth_client, filled):
    spec = {"sort": [{"column": col_ids(filled)[1], "dir": "asc"}]}
    assert read(view_window(auth_client, filled, spec, limit=2))["count"] == 20
    assert view_window(auth_client, filled, spec, count="only").json()["count"] == 20


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"count": "all"}, "invalid_count"),
        ({"count": "only", "limit": 5}, "invalid_count"),
        ({"count": "only", "at": 0}, "invalid_count"),
        ({"count": "only", "view": "{"}, "invalid_view"),
        ({"count": "only", "view": ""}, "invalid_count"),
    ],
)
def test_a_malformed_count_is_a_400_that_changes_nothing(auth_client, filled, params, error):
    params = {"view": json.dumps(positive_by_number_desc(filled)), **params}
    before = sheet_state(filled)
    response = auth_client.get(f"/api/sheets/{filled.id}/rows", params)
    assert response.status_code == 400
    assert response.json()["error"] == error and response.json()["message"]
    assert sheet_state(filled) == before


def test_a_viewer_may_count_and_another_users_sheet_is_not_found(
    client_for, auth_client, filled, foreign_sheet, user, other_user
):
    services.sheet_share(sheet=filled, user=user, who=other_user.username, role="viewer")
    counted = view_window(
        client_for(other_user), filled, positive_by_number_desc(filled), count="only"
    )
    assert counted.json()["count"] == 6
    foreign = view_window(auth_client, foreign_sheet, {}, count="only")
    assert foreign.status_code == 404 and foreign.json()["error"] == "not_found"


def test_no_view_or_an_empty_one_is_the_plain_window(auth_client, filled):
    plain = read(auth_client.get(f"/api/sheets/{filled.id}/rows", {"limit": 3}))
    assert "count" not in plain
    unsorted = read(view_window(auth_client, filled, {}, limit=3))
    assert [r[0] for r in unsorted["rows"]] == [r[0] for r in plain["rows"]] == row_ids(filled)[:3]
    assert unsorted["count"] == 20


@pytest.mark.parametrize(
    ("view", "error"),
    [
        ("{", "invalid_view"),
        ("[]", "invalid_view"),
        ('{"sort": [{"column": "00000000-0000-0000-0000-000000000000"}]}', "unknown_column"),
        ({"filters": [{"column": None, "op": "contains", "value": "a"}]}, "unknown_column"),
        ({"filters": [{"column": 1, "op": "contains", "value": "1"}]}, "invalid_operator"),
        ({"filters": [{"column": 1, "op": ">", "value": "1"}]}, "invalid_value"),
        ({"filters": [{"column": 2, "op": "after", "value": "tomorrow"}]}, "invalid_value"),
        ({"sort": [{"column": 0}] * 6}, "invalid_sort"),
        ({"filters": [{"column": 3, "op": "checked"}] * 21}, "invalid_filters"),
        ("{" + " " * 20_000 + "}", "invalid_view"),
    ],
)
def test_a_malformed_view_is_a_400_that_changes_nothing(auth_client, filled, view, error):
    if isinstance(view, dict):  # column numbers stand for the sheet's columns, None for none
        cols = [*col_ids(filled), "no-such-column"]
        view = {
            part: [
                {**item, "column": cols[-1 if item["column"] is None else item["column"]]}
                for item in items
            ]
            for part, items in view.items()
        }
    before = sheet_state(filled)
    response = view_window(auth_client, filled, view)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == error and body["message"]
    assert sheet_state(filled) == before


@pytest.mark.parametrize("param", ["after", "before"])
def test_a_view_is_read_by_row_number_only(auth_client, filled, param):
    key = f"1024.0,{row_ids(filled)[3]}"
    response = view_window(auth_client, filled, {}, **{param: key})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_window"


def test_another_users_sheet_is_not_found_with_a_view(auth_client, foreign_sheet):
    response = view_window(auth_client, foreign_sheet, {})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_viewer_may_read_a_view(client_for, filled, user, other_user):
    services.sheet_share(sheet=filled, user=user, who=other_user.username, role="viewer")
    block = read(view_window(client_for(other_user), filled, positive_by_number_desc(filled)))
    assert [r[0] for r in block["rows"]] == [row_ids(filled)[i] for i in [3, 0, 4, 7, 5, 8]]
