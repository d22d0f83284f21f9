"""A small priced sheet for the formula and totals tests: Item (text), Price
and Qty (numbers), three rows, plus helpers to add formula columns and read
what tabs would see."""

import uuid

from sheets import selectors, services
from sheets.models import Sheet
from sheets.tests.helpers import new_id, row_ids

PRICES = [(2, 3), (1.5, 4), (10, None)]


def priced_sheet(sheet: Sheet, user) -> dict[str, str]:
    """Turn the default sheet into Item, Price, Qty with three rows; {name: column id}."""
    cols = [str(c.id) for c in sheet.columns.order_by("position")]
    services.columns_delete(sheet=sheet, user=user, client_id="t", op_id=new_id(), columns=cols[3:])
    for col, name, kind in zip(
        cols, ["Item", "Price", "Qty"], ["text", "number", "number"], strict=False
    ):
        services.column_update(
            sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, name=name, type=kind
        )
    rows = row_ids(sheet)
    services.rows_delete(sheet=sheet, user=user, client_id="t", op_id=new_id(), rows=rows[3:])
    changes = []
    for row, (price, qty) in zip(rows, PRICES, strict=False):
        changes.append({"row": row, "col": cols[1], "value": price})
        changes.append({"row": row, "col": cols[2], "value": qty})
    services.cells_update(sheet=sheet, user=user, client_id="t", op_id=new_id(), changes=changes)
    return {"Item": cols[0], "Price": cols[1], "Qty": cols[2]}


def add_formula(sheet: Sheet, user, name: str, formula: str, after: str | None = None) -> dict:
    col = str(uuid.uuid4())
    answer = services.columns_insert(
        sheet=sheet,
        user=user,
        client_id="t",
        op_id=new_id(),
        columns=[{"id": col, "name": name, "type": "formula", "formula": formula, "after": after}],
    )
    return {"id": col, "answer": answer}


def snapshot(sheet: Sheet) -> dict:
    return selectors.sheet_snapshot(sheet=Sheet.objects.get(pk=sheet.pk))


def column(sheet: Sheet, col: str) -> dict:
    found = [c for c in snapshot(sheet)["columns"] if c["id"] == col]
    assert found, f"no column {col}"
    return found[0]


def values_of(sheet: Sheet, col: str) -> list:
    """The column's values, row by row, as the snapshot has them."""
    return [r["values"].get(col) for r in snapshot(sheet)["rows"]]


def set_summary(sheet: Sheet, user, col: str, kind: str | None) -> dict:
    return services.column_update(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, summary=kind
    )
