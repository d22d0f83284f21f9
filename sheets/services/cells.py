"""Cell edits: valid cells are applied, the rest answered with per-cell errors."""

from typing import Any

from django.conf import settings

from sheets.models import Row, Sheet
from sheets.services.core import (
    OpError,
    _apply_values,
    _clean_cells,
    _columns_by_id,
    _run_op,
    cell_error,
    parse_uuid,
    same_value,
)


def cells_update(
    *, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None, changes: Any
) -> dict:
    """Apply valid cells, answer the rest with per-cell errors."""
    if not isinstance(changes, list) or not changes:
        raise OpError("invalid_changes", "changes must be a non-empty list.")
    if len(changes) > settings.MAX_CHANGES_PER_OP:
        raise OpError(
            "too_many_changes",
            f"At most {settings.MAX_CHANGES_PER_OP} cells per op; split the change.",
            status=413,
        )
    by_row: dict[str, dict[str, Any]] = {}
    for change in changes:
        if not isinstance(change, dict) or not {"row", "col", "value"} <= change.keys():
            raise OpError("invalid_change", 'Each change is {"row": id, "col": id, "value": v}.')
        row_id = str(parse_uuid(change["row"], "row"))
        col_id = str(parse_uuid(change["col"], "col"))
        value = change["value"]
        if value is not None and not isinstance(value, str | int | float | bool):
            raise OpError("invalid_change", "A value is a string, number, boolean or null.")
        by_row.setdefault(row_id, {})[col_id] = value

    def apply(locked: Sheet) -> dict:
        columns = _columns_by_id(locked)
        rows = {str(r.id): r for r in locked.rows.filter(id__in=list(by_row))}
        errors: list[dict] = []
        applied: list[dict] = []
        reverts: list[dict] = []
        touched: list[Row] = []
        for row_id, raw in by_row.items():
            row = rows.get(row_id)
            if row is None:
                errors.extend(
                    cell_error(row_id, col, "row_not_found", "That row no longer exists.")
                    for col in raw
                )
                continue
            cleaned = _clean_cells(columns, raw, row_id, errors)
            before = {col: row.values.get(col) for col in cleaned}
            committed = _apply_values(row, cleaned)
            if committed:
                touched.append(row)
                applied.extend(
                    {"row": row_id, "col": col, "value": v} for col, v in committed.items()
                )
                reverts.extend(
                    {"row": row_id, "col": col, "before": before[col], "after": v}
                    for col, v in committed.items()
                    if not same_value(before[col], v)
                )
        if not applied:
            return {"event": None, "errors": errors}
        Row.objects.bulk_update(touched, ["values"])
        return {
            "event": ("cells.changed", {"changes": applied}),
            "errors": errors,
            "undo": {"kind": "cells", "cells": reverts} if reverts else None,
        }

    return _run_op(sheet, user, client_id, op_id, apply, base_version)
