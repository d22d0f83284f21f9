"""Cell edits: valid cells are applied, the rest answered with per-cell errors.

Undo kind "cells" (how to put the edited cells back); event `cells.changed`.
"""

from typing import Any

from django.conf import settings

from sheets import op_registry
from sheets.models import Row, Sheet
from sheets.op_registry import Conflict
from sheets.realtime import events
from sheets.services.computed import Recalc
from sheets.services.core import (
    OpError,
    apply_values,
    cell_error,
    clean_cells,
    columns_by_id,
    fits,
    parse_uuid,
    run_op,
    same_value,
)


def _changes_by_row(changes: Any) -> dict[str, dict[str, Any]]:
    """{row id: {column id: raw value}} of a well-formed list of changes."""
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
    return by_row


def cells_update(
    *, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None, changes: Any
) -> dict:
    """Apply valid cells, answer the rest with per-cell errors."""
    by_row = _changes_by_row(changes)

    def apply(locked: Sheet) -> dict:
        columns = columns_by_id(locked)
        rows = {str(r.id): r for r in locked.rows.filter(id__in=list(by_row))}
        errors: list[dict] = []
        applied: list[dict] = []
        reverts: list[dict] = []
        touched: list[Row] = []
        rows_before: dict[str, dict] = {}
        for row_id, raw in by_row.items():
            row = rows.get(row_id)
            if row is None:
                errors.extend(
                    cell_error(row_id, col, "row_not_found", "That row no longer exists.")
                    for col in raw
                )
                continue
            cleaned = clean_cells(columns, raw, row_id, errors)
            before = {col: row.values.get(col) for col in cleaned}
            rows_before[row_id] = dict(row.values)
            committed = apply_values(row, cleaned)
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
        recalc = Recalc(locked, columns)
        computed = recalc.rows(touched, rows_before)
        Row.objects.bulk_update(touched, ["values"])
        event = events.cells_changed(applied + computed)
        return {
            "event": events.with_computed(event, totals=recalc.finish()),
            "errors": errors,
            "undo": {"kind": "cells", "cells": reverts} if reverts else None,
        }

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def revert_cells(locked: Sheet, spec: dict) -> tuple[events.CellsChanged, dict]:
    """Put the cells back as they were, unless one changed since."""
    cells = spec["cells"]
    columns = columns_by_id(locked)
    rows = {str(r.id): r for r in locked.rows.filter(id__in={c["row"] for c in cells})}
    for cell in cells:
        row, column = rows.get(cell["row"]), columns.get(cell["col"])
        if (
            row is None
            or column is None
            or not same_value(row.values.get(cell["col"]), cell["after"])
            or (cell["before"] is not None and not fits(column.type, cell["before"]))
        ):
            raise Conflict("a cell it changed was", cells=[(cell["row"], cell["col"])])
    changes, inverse = [], []
    rows_before = {row_id: dict(row.values) for row_id, row in rows.items()}
    for cell in cells:
        row, before = rows[cell["row"]], cell["before"]
        if before is None:
            row.values.pop(cell["col"], None)
        else:
            row.values[cell["col"]] = before
        changes.append({"row": cell["row"], "col": cell["col"], "value": before})
        inverse.append({**cell, "before": cell["after"], "after": before})
    recalc = Recalc(locked, columns)
    changes += recalc.rows(rows.values(), rows_before)
    Row.objects.bulk_update(list(rows.values()), ["values"])
    event = events.with_computed(events.cells_changed(changes), totals=recalc.finish())
    return event, {"kind": "cells", "cells": inverse}


def _touches(event: dict, conflict: Conflict) -> bool:
    rows, columns = conflict.rows, conflict.columns
    return any(
        (c["row"], c["col"]) in conflict.cells or c["row"] in rows or c["col"] in columns
        for c in event.get("changes", [])
    )


op_registry.register_event(
    events.CELLS_CHANGED,
    summary=lambda e: f"edited {op_registry.plural(len(e.get('changes', [])), 'cell')}",
    touches=_touches,
)
op_registry.register_reverter("cells", revert_cells)
