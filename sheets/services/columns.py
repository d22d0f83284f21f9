"""Columns: insert, delete, rename and type change (converting every value).

Undo kinds "columns_insert", "columns_delete" and "column_update"; events
`columns.inserted`, `columns.deleted` and `column.updated`.
"""

from typing import Any

from django.conf import settings

from proj.text import refusal
from sheets import op_registry, realtime, values
from sheets.models import Column, ColumnType, Row, Sheet
from sheets.op_registry import Conflict
from sheets.services.core import (
    ORDER_GAP,
    OpError,
    clean_id_list,
    fits,
    parse_uuid,
    run_op,
    same_value,
)

MAX_NAME_CHARS = 100


def clean_column_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise OpError("invalid_name", "A column needs a name.")
    if message := refusal(name, "A column name"):
        raise OpError("invalid_name", message)
    if len(name.strip()) > MAX_NAME_CHARS:
        raise OpError("invalid_name", f"A column name is at most {MAX_NAME_CHARS} characters.")
    return name.strip()


def clean_column_type(column_type: Any) -> str:
    if column_type not in ColumnType.values:
        raise OpError("invalid_type", f"A column type is one of: {', '.join(ColumnType.values)}.")
    return column_type


def columns_insert(
    *, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None, columns: Any
) -> dict:
    if not isinstance(columns, list) or not columns:
        raise OpError("invalid_columns", "columns must be a non-empty list.")
    specs = []
    for spec in columns:
        if not isinstance(spec, dict) or "id" not in spec:
            raise OpError("invalid_column", 'Each column is {"id", "name", "type", "after"}.')
        after = spec.get("after")
        specs.append(
            {
                "id": str(parse_uuid(spec["id"], "column id")),
                "after": str(parse_uuid(after, "after")) if after is not None else None,
                "name": clean_column_name(spec.get("name")),
                "type": clean_column_type(spec.get("type", "text")),
            }
        )
    new_ids = [s["id"] for s in specs]
    if len(set(new_ids)) != len(new_ids):
        raise OpError("duplicate_id", "Each new column needs its own id.", status=409)

    def apply(locked: Sheet) -> dict:
        placed = place_columns(locked, specs)
        undo = {"kind": "columns_insert", "columns": new_ids}
        return {"event": realtime.columns_inserted(placed), "undo": undo}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def place_columns(locked: Sheet, specs: list[dict], *, lost_after_at_end: bool = False) -> list:
    """Create columns {"id", "name", "type", "after"} in order. A column to go
    after that is gone refuses the op, or with `lost_after_at_end` puts it last.
    Returns the specs with the `after` each column really got."""
    new_ids = [s["id"] for s in specs]
    if Column.objects.filter(id__in=new_ids).exists():
        raise OpError("id_taken", "A column with that id exists already.", status=409)
    existing = list(locked.columns.order_by("position"))
    if len(existing) + len(specs) > settings.MAX_COLUMNS_PER_SHEET:
        raise OpError(
            "too_many_columns",
            f"A sheet holds at most {settings.MAX_COLUMNS_PER_SHEET} columns.",
        )
    placed = []
    for spec in specs:
        index = 0
        if spec["after"] is not None:
            index = next(
                (i + 1 for i, c in enumerate(existing) if str(c.id) == spec["after"]), None
            )
            if index is None and lost_after_at_end:
                index = len(existing)
            elif index is None:
                raise OpError(
                    "column_not_found",
                    "The column to insert after no longer exists.",
                    status=409,
                    column=spec["after"],
                )
        column = Column(id=spec["id"], sheet=locked, name=spec["name"], type=spec["type"])
        existing.insert(index, column)
        placed.append({**spec, "after": str(existing[index - 1].id) if index else None})
    # Columns are few: renumbering them all keeps positions simple.
    for i, column in enumerate(existing):
        column.position = (i + 1) * ORDER_GAP
    Column.objects.bulk_create([c for c in existing if str(c.id) in new_ids])
    Column.objects.bulk_update([c for c in existing if str(c.id) not in new_ids], ["position"])
    return placed


def delete_columns(locked: Sheet, ids: list[str]) -> tuple[list[str], dict]:
    """Delete those of `ids` that exist, and their values: (deleted ids, how to undo it)."""
    order = list(locked.columns.order_by("position"))
    gone = [c for c in order if str(c.id) in ids]
    if not gone:
        raise OpError("column_not_found", "Those columns no longer exist.", status=409)
    deleted = [str(c.id) for c in gone]
    # Restored in this order, each after the column that preceded it.
    restore = []
    for column in gone:
        index = order.index(column)
        after = str(order[index - 1].id) if index else None
        restore.append(
            {"id": str(column.id), "name": column.name, "type": column.type, "after": after}
        )
    locked.columns.filter(id__in=deleted).delete()
    stripped = _strip_values(locked, deleted)
    return deleted, {"kind": "columns_delete", "columns": restore, "values": stripped}


def columns_delete(
    *, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None, columns: Any
) -> dict:
    ids = clean_id_list(columns, "columns")

    def apply(locked: Sheet) -> dict:
        existing, undo = delete_columns(locked, ids)
        return {"event": realtime.columns_deleted(existing), "undo": undo}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def _strip_values(locked: Sheet, column_ids: list[str]) -> list[dict]:
    """Remove the columns' values from every row; the removed cells."""
    touched, removed = [], []
    for row in locked.rows.only("id", "values").iterator(chunk_size=2000):
        if any(c in row.values for c in column_ids):
            for c in column_ids:
                if c in row.values:
                    removed.append({"row": str(row.id), "col": c, "value": row.values.pop(c)})
            touched.append(row)
    Row.objects.bulk_update(touched, ["values"], batch_size=2000)
    return removed


def column_update(
    *,
    sheet: Sheet,
    user,
    client_id: str,
    op_id: Any,
    column: Any,
    name: Any = None,
    type: Any = None,
    base_version: Any = None,
) -> dict:
    """Rename a column and/or change its type. A type change converts every
    value or, if any value does not convert, refuses with the list of them."""
    column_id = str(parse_uuid(column, "column"))
    new_name = clean_column_name(name) if name is not None else None
    new_type = clean_column_type(type) if type is not None else None
    if new_name is None and new_type is None:
        raise OpError("invalid_update", "Give a new name, a new type, or both.")

    def apply(locked: Sheet) -> dict:
        col = locked.columns.filter(id=column_id).first()
        if col is None:
            raise OpError("column_not_found", "That column no longer exists.", status=409)
        before = {"name": col.name, "type": col.type}
        converted: dict[str, Any] = {}
        old_values: dict[str, Any] = {}
        if new_type is not None and new_type != col.type:
            converted, old_values = _convert_column(locked, col, new_type)
            col.type = new_type
        if new_name is not None:
            col.name = new_name
        col.save(update_fields=["name", "type"])
        event = realtime.column_updated(
            {"id": column_id, "name": col.name, "type": col.type}, converted
        )
        undo = {
            "kind": "column_update",
            "column": column_id,
            "before": {**before, "values": old_values},
            "after": {"name": col.name, "type": col.type, "values": converted},
        }
        return {"event": event, "undo": undo}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def _convert_column(
    locked: Sheet, col: Column, new_type: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Convert the column's values to `new_type`: ({row: new}, {row: old}) of
    the cells that changed, or OpError listing the values that cannot convert."""
    key = str(col.id)
    failures, converted, originals, touched = [], {}, {}, []
    for row in locked.rows.filter(values__has_key=key).only("id", "values").iterator(2000):
        old = row.values[key]
        try:
            new = values.convert(old, col.type, new_type)
        except values.InvalidValue as exc:
            failures.append({"row": str(row.id), "value": old, "message": exc.message})
            continue
        if new is values.EMPTY:
            new = None
        if not same_value(new, old):
            if new is None:
                row.values.pop(key)
            else:
                row.values[key] = new
            converted[str(row.id)] = new
            originals[str(row.id)] = old
            touched.append(row)
    if failures:
        raise OpError(
            "not_convertible",
            f"{len(failures)} value(s) cannot become {new_type}; fix them first.",
            status=422,
            values=failures[:100],
            count=len(failures),
        )
    Row.objects.bulk_update(touched, ["values"], batch_size=2000)
    return converted, originals


def revert_columns_insert(locked: Sheet, spec: dict) -> tuple[realtime.ColumnsDeleted, dict]:
    """Delete the columns it inserted, unless someone typed into one since."""
    ids = spec["columns"]
    present = [str(i) for i in locked.columns.filter(id__in=ids).values_list("id", flat=True)]
    if not present:
        raise Conflict("the columns it inserted were", columns=ids)
    for column_id in present:
        if locked.rows.filter(values__has_key=column_id).exists():
            raise Conflict("a column it inserted was", columns=[column_id])
    deleted, inverse = delete_columns(locked, present)
    return realtime.columns_deleted(deleted), inverse


def revert_columns_delete(locked: Sheet, spec: dict) -> tuple[realtime.ColumnsInserted, dict]:
    """Put the deleted columns back where they were, with the values of rows still there."""
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
    event = realtime.columns_inserted(placed, restored)
    return event, {"kind": "columns_insert", "columns": ids}


def revert_column_update(locked: Sheet, spec: dict) -> tuple[realtime.ColumnUpdated, dict]:
    """Give the column its name, type and values back, unless it changed since."""
    column_id, before, after = spec["column"], spec["before"], spec["after"]
    column = locked.columns.filter(id=column_id).first()
    if column is None or (column.name, column.type) != (after["name"], after["type"]):
        raise Conflict("the column was", columns=[column_id])
    for row in locked.rows.filter(values__has_key=column_id).only("id", "values").iterator(2000):
        now, row_id = row.values[column_id], str(row.id)
        if row_id in after["values"]:
            if not same_value(now, after["values"][row_id]):
                raise Conflict("a cell it changed was", cells=[(row_id, column_id)])
        elif not fits(before["type"], now):
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
    event = realtime.column_updated(
        {"id": column_id, "name": column.name, "type": column.type},
        {str(row.id): before["values"][str(row.id)] for row in touched},
    )
    inverse = {"kind": "column_update", "column": column_id, "before": after, "after": before}
    return event, inverse


def _summary_updated(event: dict) -> str:
    column = event.get("column", {})
    return f"changed column {column.get('name', '')} ({column.get('type', '')})"


op_registry.register_event(
    realtime.COLUMNS_INSERTED,
    summary=lambda e: "added column " + ", ".join(c.get("name", "") for c in e.get("columns", [])),
    touches=lambda e, conflict: False,
)
op_registry.register_event(
    realtime.COLUMNS_DELETED,
    summary=lambda e: f"deleted {op_registry.plural(len(e.get('columns', [])), 'column')}",
    touches=lambda e, conflict: not conflict.column_ids().isdisjoint(e.get("columns", [])),
)
op_registry.register_event(
    realtime.COLUMN_UPDATED,
    summary=_summary_updated,
    touches=lambda e, conflict: (e.get("column") or {}).get("id") in conflict.column_ids(),
)
op_registry.register_reverter("columns_insert", revert_columns_insert)
op_registry.register_reverter("columns_delete", revert_columns_delete)
op_registry.register_reverter("column_update", revert_column_update)
