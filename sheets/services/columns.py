"""Columns: insert, delete, rename and type change (converting every value)."""

from typing import Any

from django.conf import settings

from sheets import values
from sheets.models import Column, ColumnType, Row, Sheet
from sheets.services.core import ORDER_GAP, OpError, _id_list, _run_op, parse_uuid, same_value


def _clean_column_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise OpError("invalid_name", "A column needs a name.")
    if len(name.strip()) > 100:
        raise OpError("invalid_name", "A column name is at most 100 characters.")
    return name.strip()


def _clean_column_type(column_type: Any) -> str:
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
                "name": _clean_column_name(spec.get("name")),
                "type": _clean_column_type(spec.get("type", "text")),
            }
        )
    new_ids = [s["id"] for s in specs]
    if len(set(new_ids)) != len(new_ids):
        raise OpError("duplicate_id", "Each new column needs its own id.", status=409)

    def apply(locked: Sheet) -> dict:
        placed = place_columns(locked, specs)
        undo = {"kind": "columns_insert", "columns": new_ids}
        return {"event": ("columns.inserted", {"columns": placed}), "undo": undo}

    return _run_op(sheet, user, client_id, op_id, apply, base_version)


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
    ids = _id_list(columns, "columns")

    def apply(locked: Sheet) -> dict:
        existing, undo = delete_columns(locked, ids)
        return {"event": ("columns.deleted", {"columns": existing}), "undo": undo}

    return _run_op(sheet, user, client_id, op_id, apply, base_version)


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
    new_name = _clean_column_name(name) if name is not None else None
    new_type = _clean_column_type(type) if type is not None else None
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
        body = {
            "column": {"id": column_id, "name": col.name, "type": col.type},
            "values": converted,
        }
        undo = {
            "kind": "column_update",
            "column": column_id,
            "before": {**before, "values": old_values},
            "after": {"name": col.name, "type": col.type, "values": converted},
        }
        return {"event": ("column.updated", body), "undo": undo}

    return _run_op(sheet, user, client_id, op_id, apply, base_version)


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
