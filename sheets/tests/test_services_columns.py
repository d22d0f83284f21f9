"""Columns through sheets.services: insert, delete, rename and type change."""

import uuid

import pytest

from sheets import selectors, services
from sheets.models import Column, Row
from sheets.services import OpError
from sheets.tests.helpers import (
    cell,
    col_ids,
    fill_column,
    insert_columns,
    insert_rows,
    new_id,
    row_ids,
    update,
    version,
)

pytestmark = pytest.mark.django_db


# --- Columns


def test_column_is_inserted_at_the_left_or_after_a_column(sheet, user):
    before = col_ids(sheet)
    left, middle = new_id(), new_id()
    answer = insert_columns(
        sheet,
        user,
        [
            {"id": left, "name": "First", "type": "number", "after": None},
            {"id": middle, "name": "Mid", "type": "date", "after": before[1]},
        ],
    )
    assert col_ids(sheet) == [left, before[0], before[1], middle, *before[2:]]
    assert answer["event"]["type"] == "columns.inserted"
    assert answer["event"]["columns"] == [
        {
            "id": left,
            "after": None,
            "name": "First",
            "type": "number",
            "formula": None,
            "result_type": None,
            "summary": None,
            "width": None,
            "number_format": None,
            "wrap": False,
        },
        {
            "id": middle,
            "after": before[1],
            "name": "Mid",
            "type": "date",
            "formula": None,
            "result_type": None,
            "summary": None,
            "width": None,
            "number_format": None,
            "wrap": False,
        },
    ]
    assert Column.objects.get(pk=middle).type == "date"


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"id": "bad", "name": "N"}, "invalid_id"),
        ({"id": str(uuid.uuid4()), "name": ""}, "invalid_name"),
        ({"id": str(uuid.uuid4()), "name": "x" * 101}, "invalid_name"),
        ({"id": str(uuid.uuid4()), "name": "N", "type": "sum"}, "invalid_type"),
        ({"id": str(uuid.uuid4()), "name": "N", "type": "formula"}, "invalid_formula"),
    ],
)
def test_malformed_column_insert_is_400(sheet, user, spec, error):
    with pytest.raises(OpError) as info:
        insert_columns(sheet, user, [spec])
    assert (info.value.status, info.value.error) == (400, error)


def test_column_id_taken_or_repeated_is_409(sheet, user):
    taken = col_ids(sheet)[0]
    with pytest.raises(OpError) as info:
        insert_columns(sheet, user, [{"id": taken, "name": "N"}])
    assert (info.value.status, info.value.error) == (409, "id_taken")
    twice = new_id()
    with pytest.raises(OpError) as info:
        insert_columns(sheet, user, [{"id": twice, "name": "N"}, {"id": twice, "name": "M"}])
    assert (info.value.status, info.value.error) == (409, "duplicate_id")


def test_column_insert_after_a_missing_column_is_409_and_writes_nothing(sheet, user):
    first = new_id()
    with pytest.raises(OpError) as info:
        insert_columns(
            sheet,
            user,
            [{"id": first, "name": "A"}, {"id": new_id(), "name": "B", "after": new_id()}],
        )
    assert info.value.status == 409
    assert not Column.objects.filter(pk=first).exists()
    assert version(sheet) == 0


def test_deleting_a_column_strips_its_values(sheet, user):
    row = row_ids(sheet)[0]
    a, b = col_ids(sheet)[:2]
    update(
        sheet, user, [{"row": row, "col": a, "value": "x"}, {"row": row, "col": b, "value": "y"}]
    )
    answer = services.columns_delete(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), columns=[a]
    )
    assert answer["event"]["columns"] == [a]
    assert a not in col_ids(sheet)
    assert Row.objects.get(pk=row).values == {b: "y"}
    snapshot = selectors.sheet_snapshot(sheet=sheet)
    assert snapshot["rows"][0]["values"] == {b: "y"}


def test_deleting_only_missing_columns_is_409(sheet, user):
    with pytest.raises(OpError) as info:
        services.columns_delete(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), columns=[new_id()]
        )
    assert info.value.status == 409


def test_column_is_renamed(sheet, user):
    col = col_ids(sheet)[0]
    answer = services.column_update(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, name="  Item "
    )
    assert Column.objects.get(pk=col).name == "Item"
    assert answer["event"]["type"] == "column.updated"
    assert answer["event"]["column"] == {
        "id": col,
        "name": "Item",
        "type": "text",
        "formula": None,
        "result_type": None,
        "summary": None,
        "width": None,
        "number_format": None,
        "wrap": False,
    }
    assert answer["event"]["values"] == {}


def test_column_update_needs_a_name_or_a_type(sheet, user):
    with pytest.raises(OpError) as info:
        services.column_update(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col_ids(sheet)[0]
        )
    assert info.value.status == 400


def test_update_of_a_missing_column_is_409(sheet, user):
    with pytest.raises(OpError) as info:
        services.column_update(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), column=new_id(), name="N"
        )
    assert info.value.status == 409


def test_type_change_converts_every_value(sheet, user):
    col = col_ids(sheet)[0]
    rows = fill_column(sheet, user, col, ["12", " 2.5 ", "   "])
    answer = services.column_update(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, type="number"
    )
    assert answer["event"]["column"]["type"] == "number"
    assert answer["event"]["values"] == {rows[0]: 12, rows[1]: 2.5, rows[2]: None}
    assert cell(sheet, rows[0], col) == 12
    assert cell(sheet, rows[1], col) == 2.5
    assert col not in Row.objects.get(pk=rows[2]).values
    assert Column.objects.get(pk=col).type == "number"


def test_type_change_that_does_not_convert_is_422_and_changes_nothing(sheet, user):
    col = col_ids(sheet)[0]
    rows = fill_column(sheet, user, col, ["12", "abc", "x1"])
    before = version(sheet)
    with pytest.raises(OpError) as info:
        services.column_update(
            sheet=sheet,
            user=user,
            client_id="t",
            op_id=new_id(),
            column=col,
            type="number",
            name="N",
        )
    error = info.value
    assert (error.status, error.error) == (422, "not_convertible")
    details = error.as_dict()
    assert details["count"] == 2
    assert sorted((v["row"], v["value"]) for v in details["values"]) == sorted(
        [(rows[1], "abc"), (rows[2], "x1")]
    )
    assert all(v["message"] for v in details["values"])
    column = Column.objects.get(pk=col)
    assert (column.type, column.name) == ("text", "A")
    assert cell(sheet, rows[0], col) == "12"
    assert version(sheet) == before


def test_not_convertible_lists_at_most_100_values(sheet, user):
    col = col_ids(sheet)[0]
    rows = [new_id() for _ in range(120)]
    insert_rows(sheet, user, [{"id": r, "after": None, "values": {col: "abc"}} for r in rows])
    with pytest.raises(OpError) as info:
        services.column_update(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, type="date"
        )
    details = info.value.as_dict()
    assert details["count"] == 120
    assert len(details["values"]) == 100
