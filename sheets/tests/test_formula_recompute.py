"""A whole formula column computed again (a formula change): every row, in
batches, writing only the cells that changed, with the same values and totals
as computing each row alone would give."""

import random

import pytest

from sheets import services
from sheets.io import writer
from sheets.models import Column, Row
from sheets.services import bulk_rows
from sheets.services.totals import add_value, aggregate, empty_aggregates
from sheets.tests.formula_sheets import add_formula, set_summary, snapshot
from sheets.tests.helpers import new_id

pytestmark = pytest.mark.django_db


def _big_sheet(user, rows: int):
    """Item, Price, Qty; every seventh Qty empty."""
    rng = random.Random(5)
    data = (
        (i + 2, [f"item {i}", str(rng.randrange(1, 500)), "" if i % 7 == 0 else str(i % 9)])
        for i in range(rows)
    )
    columns = [
        {"name": "Item", "type": "text"},
        {"name": "Price", "type": "number"},
        {"name": "Qty", "type": "number"},
    ]
    sheet, _ = writer.sheet_import_new(owner=user, title="Big", columns=columns, rows=data)
    return sheet, {c.name: str(c.id) for c in sheet.columns.all()}


def _change(sheet, user, col: str, formula: str) -> dict:
    return services.column_update(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, formula=formula
    )


def test_a_formula_change_over_several_batches_computes_every_row(user):
    rows = 2 * bulk_rows.BATCH + 17
    sheet, cols = _big_sheet(user, rows)
    ratio = add_formula(sheet, user, "Ratio", "=[Price] / [Qty]")["id"]
    label = add_formula(sheet, user, "Label", '=IF(ISERROR([Ratio]), "none", [Item])')["id"]
    set_summary(sheet, user, ratio, "max")
    answer = _change(sheet, user, ratio, '=IF([Qty] > 4, [Price] * [Qty], "")')
    assert answer["event"]["recomputed"] == [ratio, label]
    found = list(Row.objects.filter(sheet=sheet).values_list("values", flat=True))
    assert len(found) == rows
    for values in found:
        price, qty, item = values[cols["Price"]], values.get(cols["Qty"]), values[cols["Item"]]
        if qty is not None and qty > 4:
            assert values[ratio] == price * qty
        else:
            # An empty result is no cell at all (a blank, not a stored "").
            assert ratio not in values
        assert values[label] == item
    largest = max(v[ratio] for v in found if ratio in v)
    assert answer["event"]["totals"] == {ratio: largest}
    assert Column.objects.get(pk=ratio).aggregates == aggregate(
        Column.objects.get(pk=ratio), [v.get(ratio) for v in found]
    )


def test_errors_read_by_a_formula_propagate_in_a_whole_column_change(user):
    sheet, _ = _big_sheet(user, 30)
    ratio = add_formula(sheet, user, "Ratio", "=[Price] / [Qty]")["id"]
    double = add_formula(sheet, user, "Double", "=[Ratio] * 2")["id"]
    _change(sheet, user, double, "=[Ratio] * 3")
    rows = [r["values"] for r in snapshot(sheet)["rows"]]
    errors = [v for v in rows if isinstance(v[ratio], dict)]
    assert {v[ratio]["error"] for v in errors} == {"#DIV/0!"}
    assert all(v[double] == v[ratio] for v in errors)
    numbers = [v for v in rows if not isinstance(v[ratio], dict)]
    assert numbers
    assert all(v[double] == v[ratio] * 3 for v in numbers)


def test_a_formula_reading_many_columns_is_computed_from_whole_rows(user, sheet):
    # Past bulk_rows' limit on the cells read one by one, whole rows are read.
    count = bulk_rows.MOST_KEYS + 5
    specs = [{"id": new_id(), "name": f"N{i}", "type": "number"} for i in range(count)]
    services.columns_insert(sheet=sheet, user=user, client_id="t", op_id=new_id(), columns=specs)
    row = str(sheet.rows.order_by("order").first().id)
    changes = [{"row": row, "col": s["id"], "value": i} for i, s in enumerate(specs)]
    services.cells_update(sheet=sheet, user=user, client_id="t", op_id=new_id(), changes=changes)
    total = add_formula(sheet, user, "Sum", "=" + " + ".join(f"[N{i}]" for i in range(count)))
    _change(sheet, user, total["id"], "=1 + " + " + ".join(f"[N{i}]" for i in range(count)))
    values = Row.objects.get(pk=row).values
    assert values[total["id"]] == 1 + sum(range(count))
    assert all(values[s["id"]] == i for i, s in enumerate(specs))


@pytest.mark.parametrize(
    "cells",
    [
        [3, 1.5, None, 3, 0.1, 0.2, -7, 2.0, True, "x", None],
        [1e300, 1e-300, 5, 5.0, -5, 1.1, 2.2, 3.3],
        [],
        [None, "a", True, False],
    ],
)
@pytest.mark.parametrize("column_type", ["number", "date", "checkbox"])
def test_a_column_added_up_at_once_matches_adding_each_cell(cells, column_type):
    column = Column(type=column_type)
    one_by_one = empty_aggregates()
    for value in cells:
        add_value(column, one_by_one, value)
    assert aggregate(column, cells) == one_by_one


def test_dates_added_up_at_once_match_adding_each_cell():
    column = Column(type="date")
    cells = ["2024-03-01", "2023-12-31", None, "2024-03-01", "2025-01-01T10:00:00", "x"]
    one_by_one = empty_aggregates()
    for value in cells:
        add_value(column, one_by_one, value)
    assert aggregate(column, cells) == one_by_one
    assert one_by_one["min"] == "2023-12-31"
