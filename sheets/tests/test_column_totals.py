"""Column totals: every kind, after every kind of op, equal to the total read
from scratch, and sent in the events and the snapshot."""

import pytest

from sheets import services
from sheets.io import writer
from sheets.models import Column
from sheets.services import OpError
from sheets.services.totals import SUMMARY_KINDS
from sheets.tests.formula_sheets import add_formula, column, priced_sheet, set_summary
from sheets.tests.helpers import insert_rows, new_id, row_ids, sheet_state, update

pytestmark = pytest.mark.django_db


def from_scratch(sheet, col: str, kind: str):
    """The total as a reader of every row would compute it."""
    fresh = Column.objects.get(pk=col)
    cells = [r.values.get(col) for r in sheet.rows.all()]
    numbers = [v for v in cells if v.__class__ in (int, float)]
    if fresh.type == "date":
        numbers = [v for v in cells if isinstance(v, str)]
    filled = [v for v in cells if v is not None]
    checked = sum(1 for v in cells if v is True)
    return {
        "sum": sum(numbers) if numbers else 0,
        "average": sum(numbers) / len(numbers) if numbers else None,
        "min": min(numbers, default=None),
        "max": max(numbers, default=None),
        "count": len(numbers),
        "filled": len(filled),
        "empty": len(cells) - len(filled),
        "checked": checked,
        "percent_checked": round(checked * 100 / len(cells), 2) if cells else None,
    }[kind]


def shown(sheet, col):
    return column(sheet, col)["total"]


def check(sheet, col, kind, answer=None):
    expected = from_scratch(sheet, col, kind)
    assert shown(sheet, col) == pytest.approx(expected)
    if answer is not None and "totals" in answer["event"]:
        assert answer["event"]["totals"][col] == pytest.approx(expected)


@pytest.mark.parametrize("kind", SUMMARY_KINDS)
def test_every_kind_follows_every_op(sheet, user, kind):
    cols = priced_sheet(sheet, user)
    qty = cols["Qty"]
    answer = set_summary(sheet, user, qty, kind)
    assert answer["event"]["column"]["summary"] == kind
    assert qty in answer["event"]["totals"]
    check(sheet, qty, kind, answer)
    rows = row_ids(sheet)
    # A cell edit that moves the largest and the smallest value.
    answer = update(sheet, user, [{"row": rows[1], "col": qty, "value": 1}])
    check(sheet, qty, kind, answer)
    answer = update(sheet, user, [{"row": rows[0], "col": qty, "value": 8}])
    check(sheet, qty, kind, answer)
    # A clear.
    answer = update(sheet, user, [{"row": rows[0], "col": qty, "value": None}])
    check(sheet, qty, kind, answer)
    # Undo of the clear.
    answer = services.sheet_undo(sheet=sheet, user=user, client_id="t", op_id=new_id())
    check(sheet, qty, kind, answer)
    # A row insert, with and without a value.
    answer = insert_rows(
        sheet,
        user,
        [{"id": new_id(), "after": rows[-1], "values": {qty: 20}}, {"id": new_id(), "after": None}],
    )
    check(sheet, qty, kind, answer)
    # A row delete (taking the largest value away) and its undo.
    biggest = row_ids(sheet)[-1]
    answer = services.rows_delete(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), rows=[biggest]
    )
    check(sheet, qty, kind, answer)
    answer = services.sheet_undo(sheet=sheet, user=user, client_id="t", op_id=new_id())
    check(sheet, qty, kind, answer)
    # An import.
    writer.sheet_import(
        sheet=sheet, user=user, mode="append", columns=[{"id": qty}], rows=[(2, ["-4"])]
    )
    check(sheet, qty, kind)
    # A type change: numbers to checkboxes needs 0 and 1 only.
    changes = [{"row": r, "col": qty, "value": i % 2} for i, r in enumerate(row_ids(sheet))]
    answer = update(sheet, user, changes)
    check(sheet, qty, kind, answer)
    answer = services.column_update(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), column=qty, type="checkbox"
    )
    check(sheet, qty, kind, answer)


def test_a_formula_column_total_follows_its_computed_values(sheet, user):
    cols = priced_sheet(sheet, user)
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    answer = set_summary(sheet, user, total, "sum")
    assert answer["event"]["totals"] == {total: 12}
    first = row_ids(sheet)[0]
    answer = update(sheet, user, [{"row": first, "col": cols["Qty"], "value": 10}])
    assert answer["event"]["totals"] == {total: 26}
    answer = services.column_update(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), column=total, formula="=[Price]"
    )
    assert answer["event"]["totals"] == {total: 13.5}
    assert shown(sheet, total) == 13.5


def test_a_summary_is_cleared_with_null_and_unknown_kinds_are_refused(sheet, user):
    cols = priced_sheet(sheet, user)
    set_summary(sheet, user, cols["Price"], "sum")
    answer = set_summary(sheet, user, cols["Price"], None)
    assert answer["event"]["column"]["summary"] is None
    assert answer["event"]["totals"] == {cols["Price"]: None}
    assert Column.objects.get(pk=cols["Price"]).aggregates is None
    before = sheet_state(sheet)
    with pytest.raises(OpError) as refused:
        set_summary(sheet, user, cols["Price"], "median")
    assert refused.value.error == "invalid_summary"
    assert sheet_state(sheet) == before


def test_an_edit_elsewhere_sends_no_totals(sheet, user):
    cols = priced_sheet(sheet, user)
    set_summary(sheet, user, cols["Price"], "sum")
    answer = update(sheet, user, [{"row": row_ids(sheet)[0], "col": cols["Item"], "value": "x"}])
    assert "totals" not in answer["event"]
