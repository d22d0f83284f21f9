"""Cell edits through sheets.services: values per column type, per-cell errors."""

import pytest

from sheets.models import Change, Row
from sheets.services import OpError
from sheets.tests.helpers import cell, col_ids, new_id, row_ids, update, version

pytestmark = pytest.mark.django_db


# --- Cells: values per column type


@pytest.mark.parametrize(
    ("column", "raw", "committed"),
    [
        (0, "hello", "hello"),
        (0, 42, "42"),
        (0, "=1+1", "=1+1"),
        (1, "12", 12),
        (1, 2.5, 2.5),
        (1, "-1.5e3", -1500),
        (2, "2024-02-29", "2024-02-29"),
        (3, True, True),
        (3, "no", False),
    ],
)
def test_valid_value_is_committed_in_its_stored_form(typed_sheet, user, column, raw, committed):
    row = row_ids(typed_sheet)[0]
    col = col_ids(typed_sheet)[column]
    answer = update(typed_sheet, user, [{"row": row, "col": col, "value": raw}])
    assert answer["applied"] is True
    assert answer["errors"] == []
    assert answer["event"]["changes"] == [{"row": row, "col": col, "value": committed}]
    stored = cell(typed_sheet, row, col)
    assert stored == committed
    assert type(stored) is type(committed)


@pytest.mark.parametrize(
    ("column", "raw", "error"),
    [
        (0, "a\x00b", "invalid_text"),
        (0, "x" * 10_001, "too_long"),
        (1, "abc", "not_a_number"),
        (1, True, "not_a_number"),
        (1, float("nan"), "not_a_number"),
        (1, float("inf"), "not_a_number"),
        (2, "2023-02-29", "not_a_date"),
        (3, "maybe", "not_a_checkbox"),
    ],
)
def test_invalid_value_is_refused_and_nothing_changes(typed_sheet, user, column, raw, error):
    row = row_ids(typed_sheet)[0]
    col = col_ids(typed_sheet)[column]
    before = version(typed_sheet)
    answer = update(typed_sheet, user, [{"row": row, "col": col, "value": raw}])
    assert answer["applied"] is False
    assert answer["event"] is None
    assert answer["version"] == before
    assert [e["error"] for e in answer["errors"]] == [error]
    assert answer["errors"][0]["row"] == row
    assert answer["errors"][0]["col"] == col
    assert answer["errors"][0]["message"]
    assert cell(typed_sheet, row, col) is None
    assert version(typed_sheet) == before
    assert Change.objects.filter(sheet=typed_sheet).count() == before


def test_valid_cells_are_applied_and_invalid_ones_reported(typed_sheet, user):
    row = row_ids(typed_sheet)[0]
    text, number = col_ids(typed_sheet)[:2]
    before = version(typed_sheet)
    answer = update(
        typed_sheet,
        user,
        [{"row": row, "col": text, "value": "ok"}, {"row": row, "col": number, "value": "x"}],
    )
    assert answer["applied"] is True
    assert answer["version"] == before + 1
    assert answer["event"]["changes"] == [{"row": row, "col": text, "value": "ok"}]
    assert [(e["col"], e["error"]) for e in answer["errors"]] == [(number, "not_a_number")]
    assert cell(typed_sheet, row, text) == "ok"
    assert cell(typed_sheet, row, number) is None


@pytest.mark.parametrize("empty", [None, ""])
def test_null_or_empty_string_clears_a_cell(sheet, user, empty):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    update(sheet, user, [{"row": row, "col": col, "value": "x"}])
    answer = update(sheet, user, [{"row": row, "col": col, "value": empty}])
    assert answer["event"]["changes"] == [{"row": row, "col": col, "value": None}]
    assert col not in Row.objects.get(pk=row).values


def test_unknown_row_or_column_is_a_per_cell_error(sheet, user):
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    ghost_row, ghost_col = new_id(), new_id()
    answer = update(
        sheet,
        user,
        [
            {"row": ghost_row, "col": col, "value": "a"},
            {"row": row, "col": ghost_col, "value": "b"},
            {"row": row, "col": col, "value": "c"},
        ],
    )
    assert answer["applied"] is True
    assert sorted(e["error"] for e in answer["errors"]) == ["column_not_found", "row_not_found"]
    assert answer["event"]["changes"] == [{"row": row, "col": col, "value": "c"}]


def test_row_of_another_sheet_is_not_written(sheet, make_sheet, user):
    other = make_sheet(title="Other")
    foreign_row = row_ids(other)[0]
    answer = update(sheet, user, [{"row": foreign_row, "col": col_ids(sheet)[0], "value": "x"}])
    assert answer["applied"] is False
    assert answer["errors"][0]["error"] == "row_not_found"
    assert Row.objects.get(pk=foreign_row).values == {}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ([], "invalid_changes"),
        ("not a list", "invalid_changes"),
        ({"row": "x"}, "invalid_changes"),
        (["not an object"], "invalid_change"),
        ([{"row": "r", "col": "c"}], "invalid_change"),
        ([{"row": "nope", "col": "nope", "value": 1}], "invalid_id"),
        ([{"row": 5, "col": 6, "value": 1}], "invalid_id"),
    ],
)
def test_malformed_changes_are_refused_with_400(sheet, user, changes, error):
    with pytest.raises(OpError) as info:
        update(sheet, user, changes)
    assert (info.value.status, info.value.error) == (400, error)
    assert version(sheet) == 0


@pytest.mark.parametrize("value", [{"a": 1}, [1, 2]])
def test_value_must_be_a_scalar(sheet, user, value):
    change = {"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": value}
    with pytest.raises(OpError) as info:
        update(sheet, user, [change])
    assert (info.value.status, info.value.error) == (400, "invalid_change")


def test_too_many_changes_in_one_op_is_413(sheet, user, settings):
    settings.MAX_CHANGES_PER_OP = 3
    row, col = row_ids(sheet)[0], col_ids(sheet)[0]
    with pytest.raises(OpError) as info:
        update(sheet, user, [{"row": row, "col": col, "value": str(i)} for i in range(4)])
    assert info.value.status == 413
    assert version(sheet) == 0


@pytest.mark.parametrize("client_id", [5, None, "x" * 65])
def test_client_id_must_be_a_short_string(sheet, user, client_id):
    change = {"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}
    with pytest.raises(OpError) as info:
        update(sheet, user, [change], client_id=client_id)
    assert (info.value.status, info.value.error) == (400, "invalid_client_id")


def test_malformed_op_id_is_400(sheet, user):
    change = {"row": row_ids(sheet)[0], "col": col_ids(sheet)[0], "value": "x"}
    with pytest.raises(OpError) as info:
        update(sheet, user, [change], op_id="not-a-uuid")
    assert (info.value.status, info.value.error) == (400, "invalid_id")
