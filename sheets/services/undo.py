"""Per-user undo and redo through the server (docs/protocol.md, "Undo and redo").

Each op that can be reverted keeps, with its change-log entry, how to revert it
(`Change.undo`, written by the op itself). Undo reverts the user's latest change
on the sheet not yet reverted; redo reverts the user's latest undo, until they
make a new change. A revert is an op like any other: one transaction, a new
change-log entry, an ordinary event that every tab applies.

Nothing is reverted blindly: when someone changed the same cells, rows or
columns since, the revert is refused with who did it, and that change leaves the
user's stack so the next undo goes on to the one before.
"""

from typing import Any

from django.conf import settings

from sheets import values
from sheets.models import Change, Row, Sheet
from sheets.services.columns import delete_columns, place_columns
from sheets.services.core import (
    OpError,
    _columns_by_id,
    _run_op,
    parse_uuid,
    same_value,
)
from sheets.services.rows import delete_rows, order_keys

# How far back a refusal looks for who changed what (newest first).
_BLAME_SCAN = 500


class Conflict(Exception):
    """The revert would overwrite someone's later change."""

    def __init__(self, what: str, *, cells=(), rows=(), columns=()):
        super().__init__(what)
        self.what = what
        self.cells = {tuple(c) for c in cells}
        self.rows = set(rows)
        self.columns = set(columns)


def sheet_undo(*, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None) -> dict:
    """Revert the user's latest change on the sheet that is not reverted yet."""
    return _revert_latest(sheet, user, client_id, op_id, base_version, redo=False)


def sheet_redo(*, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None) -> dict:
    """Revert the user's latest undo, unless they changed the sheet since."""
    return _revert_latest(sheet, user, client_id, op_id, base_version, redo=True)


def _revert_latest(sheet, user, client_id, op_id, base_version, *, redo: bool) -> dict:
    verb = "redo" if redo else "undo"
    op_uuid = parse_uuid(op_id, "op_id")
    refusals: list[str] = []

    def apply(locked: Sheet) -> dict:
        if Change.objects.filter(sheet=locked, refused_op=op_uuid).exists():
            refusals.append(f"Can't {verb}: what it would change was changed since.")
            return {"event": None}
        target = _latest(locked, user, redo=redo)
        if target is None:
            raise OpError(f"nothing_to_{verb}", f"Nothing of yours to {verb} here.", status=409)
        try:
            event_type, body, inverse = REVERTERS[target.undo["kind"]](locked, target.undo)
        except Conflict as conflict:
            # Off the stack, so the next undo reaches the change before it.
            target.reverted = True
            target.refused_op = op_uuid
            target.save(update_fields=["reverted", "refused_op"])
            who = _who_changed(locked, target, conflict)
            by = f" by {who}" if who else ""
            refusals.append(f"Can't {verb}: {conflict.what} changed since{by}.")
            return {"event": None}
        target.reverted = True
        target.save(update_fields=["reverted"])
        return {"event": (event_type, body), "undo": inverse, "kind": verb, "undo_of": target}

    result = _run_op(sheet, user, client_id, str(op_uuid), apply, base_version)
    if refusals:
        # The refusal itself was committed (the change left the stack).
        raise OpError("undo_conflict", refusals[0], status=409)
    return result


def _latest(locked: Sheet, user, *, redo: bool) -> Change | None:
    mine = Change.objects.filter(sheet=locked, user=user, reverted=False, undo__isnull=False)
    if not redo:
        return mine.exclude(kind="undo").order_by("-seq").first()
    # A new change of the user's ends what can be redone.
    last_new = (
        Change.objects.filter(sheet=locked, user=user, kind="do")
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return mine.filter(kind="undo", seq__gt=last_new or 0).order_by("-seq").first()


def _who_changed(locked: Sheet, target: Change, conflict: Conflict) -> str | None:
    """The name of whoever last touched what the conflict is about, if the
    recent change log tells."""
    later = Change.objects.filter(sheet=locked, seq__gt=target.seq, payload__isnull=False).defer(
        "undo", "response"
    )
    for change in later.select_related("user").order_by("-seq")[:_BLAME_SCAN]:
        if change.user is not None and _touches(change.payload, conflict):
            return change.user.get_username()
    return None


def _touches(event: dict, conflict: Conflict) -> bool:
    kind = event.get("type")
    if kind == "cells.changed":
        return any(
            (c["row"], c["col"]) in conflict.cells
            or c["row"] in conflict.rows
            or c["col"] in conflict.columns
            for c in event.get("changes", [])
        )
    if kind == "rows.deleted":
        deleted = set(event.get("rows", []))
        return bool(deleted & (conflict.rows | {r for r, _ in conflict.cells}))
    if kind in ("columns.deleted", "column.updated"):
        ids = set(event.get("columns", [])) | {(event.get("column") or {}).get("id")}
        return bool(ids & (conflict.columns | {c for _, c in conflict.cells}))
    return kind == "sheet.reset"


def _fits(column_type: str, value: Any) -> bool:
    """`value` is what that column type stores as it is."""
    try:
        return same_value(values.clean(column_type, value), value)
    except values.InvalidValue:
        return False


def _same_row_values(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)


# --- Reverters: (locked sheet, undo spec) -> (event type, body, undo spec of the revert)


def _revert_cells(locked: Sheet, spec: dict) -> tuple[str, dict, dict]:
    cells = spec["cells"]
    columns = _columns_by_id(locked)
    rows = {str(r.id): r for r in locked.rows.filter(id__in={c["row"] for c in cells})}
    for cell in cells:
        row, column = rows.get(cell["row"]), columns.get(cell["col"])
        if (
            row is None
            or column is None
            or not same_value(row.values.get(cell["col"]), cell["after"])
            or (cell["before"] is not None and not _fits(column.type, cell["before"]))
        ):
            raise Conflict("a cell it changed was", cells=[(cell["row"], cell["col"])])
    changes, inverse = [], []
    for cell in cells:
        row, before = rows[cell["row"]], cell["before"]
        if before is None:
            row.values.pop(cell["col"], None)
        else:
            row.values[cell["col"]] = before
        changes.append({"row": cell["row"], "col": cell["col"], "value": before})
        inverse.append({**cell, "before": cell["after"], "after": before})
    Row.objects.bulk_update(list(rows.values()), ["values"])
    return "cells.changed", {"changes": changes}, {"kind": "cells", "cells": inverse}


def _revert_rows_insert(locked: Sheet, spec: dict) -> tuple[str, dict, dict]:
    wanted = {r["id"]: r["values"] for r in spec["rows"]}
    current = dict(locked.rows.filter(id__in=list(wanted)).values_list("id", "values"))
    if not current:
        raise Conflict("the rows it inserted were", rows=wanted)
    for row_id, now in current.items():
        if not _same_row_values(now, wanted[str(row_id)]):
            raise Conflict("a row it inserted was", rows=[str(row_id)])
    deleted, inverse = delete_rows(locked, [str(i) for i in current])
    return "rows.deleted", {"rows": deleted}, inverse


def _restore_before_holder(locked: Sheet, row: Row) -> None:
    """A row inserted since the delete took this row's old order key (a
    delete, then an insert at that spot: the new key is the same midpoint).
    Two rows on one key would sit in either order, and tabs could differ from
    the database: the restored row goes just before the row holding its key,
    right after the row that was before it."""
    before = (
        locked.rows.filter(order__lt=row.order).order_by("-order").values_list("id", flat=True)
    ).first()
    row.order = order_keys(locked, None if before is None else str(before), 1)[0]
    row.save(force_insert=True)


def _revert_rows_delete(locked: Sheet, spec: dict) -> tuple[str, dict, dict]:
    restore = sorted(spec["rows"], key=lambda r: r["order"])
    ids = [r["id"] for r in restore]
    if Row.objects.filter(id__in=ids).exists():
        raise Conflict("a row it deleted was", rows=ids)
    if locked.rows.count() + len(restore) > settings.MAX_ROWS_PER_SHEET:
        raise OpError("too_many_rows", f"A sheet holds at most {settings.MAX_ROWS_PER_SHEET} rows.")
    columns = _columns_by_id(locked)
    new_rows = [
        Row(
            id=r["id"],
            sheet=locked,
            order=r["order"],
            # Values of columns deleted or retyped since stay out.
            values={
                c: v for c, v in r["values"].items() if c in columns and _fits(columns[c].type, v)
            },
        )
        for r in restore
    ]
    orders = [r.order for r in new_rows]
    taken = set(locked.rows.filter(order__in=orders).values_list("order", flat=True))
    Row.objects.bulk_create([r for r in new_rows if r.order not in taken], batch_size=1000)
    for row in new_rows:
        if row.order in taken:
            _restore_before_holder(locked, row)
    # Tabs place rows by the row before them, in turn: read both off the
    # order keys as stored (a renumbering may have moved them all).
    restored = {str(r.id): r for r in new_rows}
    inserted = []
    previous = None
    for row_id in locked.rows.order_by("order", "id").values_list("id", flat=True).iterator(5000):
        row_id = str(row_id)
        if row_id in restored:
            inserted.append({"id": row_id, "after": previous, "values": restored[row_id].values})
        previous = row_id

    inverse = {
        "kind": "rows_insert",
        "rows": [{"id": r["id"], "values": r["values"]} for r in inserted],
    }
    return "rows.inserted", {"rows": inserted}, inverse


def _revert_columns_insert(locked: Sheet, spec: dict) -> tuple[str, dict, dict]:
    ids = spec["columns"]
    present = [str(i) for i in locked.columns.filter(id__in=ids).values_list("id", flat=True)]
    if not present:
        raise Conflict("the columns it inserted were", columns=ids)
    for column_id in present:
        if locked.rows.filter(values__has_key=column_id).exists():
            raise Conflict("a column it inserted was", columns=[column_id])
    deleted, inverse = delete_columns(locked, present)
    return "columns.deleted", {"columns": deleted}, inverse


def _revert_columns_delete(locked: Sheet, spec: dict) -> tuple[str, dict, dict]:
    ids = [c["id"] for c in spec["columns"]]
    placed = place_columns(locked, spec["columns"], lost_after_at_end=True)
    rows = {str(r.id): r for r in locked.rows.filter(id__in={v["row"] for v in spec["values"]})}
    restored = []
    for cell in spec["values"]:
        row = rows.get(cell["row"])
        if row is not None:
            row.values[cell["col"]] = cell["value"]
            restored.append(cell)
    Row.objects.bulk_update(list(rows.values()), ["values"], batch_size=2000)
    body = {"columns": placed, "values": restored}
    return "columns.inserted", body, {"kind": "columns_insert", "columns": ids}


def _revert_column_update(locked: Sheet, spec: dict) -> tuple[str, dict, dict]:
    column_id, before, after = spec["column"], spec["before"], spec["after"]
    column = locked.columns.filter(id=column_id).first()
    if column is None or (column.name, column.type) != (after["name"], after["type"]):
        raise Conflict("the column was", columns=[column_id])
    for row in locked.rows.filter(values__has_key=column_id).only("id", "values").iterator(2000):
        now, row_id = row.values[column_id], str(row.id)
        if row_id in after["values"]:
            if not same_value(now, after["values"][row_id]):
                raise Conflict("a cell it changed was", cells=[(row_id, column_id)])
        elif not _fits(before["type"], now):
            raise Conflict("a cell in the column was", cells=[(row_id, column_id)])
    rows = {str(r.id): r for r in locked.rows.filter(id__in=list(before["values"]))}
    touched = []
    for row_id, old in before["values"].items():
        row = rows.get(row_id)
        if row is None:
            continue
        if old is None:
            row.values.pop(column_id, None)
        else:
            row.values[column_id] = old
        touched.append(row)
    Row.objects.bulk_update(touched, ["values"], batch_size=2000)
    column.name, column.type = before["name"], before["type"]
    column.save(update_fields=["name", "type"])
    body = {
        "column": {"id": column_id, "name": column.name, "type": column.type},
        "values": {str(row.id): before["values"][str(row.id)] for row in touched},
    }
    inverse = {"kind": "column_update", "column": column_id, "before": after, "after": before}
    return "column.updated", body, inverse


REVERTERS = {
    "cells": _revert_cells,
    "rows_insert": _revert_rows_insert,
    "rows_delete": _revert_rows_delete,
    "columns_insert": _revert_columns_insert,
    "columns_delete": _revert_columns_delete,
    "column_update": _revert_column_update,
}
