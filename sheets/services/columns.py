"""Columns: insert and delete (a column's update is services/column_update.py).

Undo kinds "columns_insert" and "columns_delete"; events `columns.inserted`
and `columns.deleted`. A formula column is inserted with its formula and
computed whole; deleting a column that formulas read turns those uses into
#REF! (computed again in the same op), and undoing the delete brings the
values back.
"""

from typing import Any

from django.conf import settings

from sheets import column_shown, op_registry
from sheets.models import COLUMN_TYPES, FORMULA, Column, Row, Sheet
from sheets.op_registry import Conflict
from sheets.realtime import events
from sheets.services import bulk_rows, computed
from sheets.services.core import (
    ORDER_GAP,
    OpError,
    clean_id_list,
    clean_label,
    columns_by_id,
    parse_uuid,
    run_op,
)
from sheets.services.totals import rebuild

MAX_NAME_CHARS = 100


def clean_column_name(name: Any) -> str:
    return clean_label(
        name,
        error="invalid_name",
        missing="A column needs a name.",
        what="A column name",
        max_chars=MAX_NAME_CHARS,
    )


def clean_column_type(column_type: Any) -> str:
    if column_type not in COLUMN_TYPES:
        raise OpError("invalid_type", f"A column type is one of: {', '.join(COLUMN_TYPES)}.")
    return column_type


def clean_formula_spec(column_type: str, formula: Any) -> str | None:
    """The formula text a formula column is given (None for other types)."""
    if column_type != FORMULA:
        if formula is not None:
            raise OpError("invalid_formula", 'Only a column of type "formula" has a formula.')
        return None
    if formula is None:
        raise OpError("invalid_formula", 'A formula column needs a "formula", e.g. "=[A] * 2".')
    return computed.clean_formula_text(formula)


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
        column_type = clean_column_type(spec.get("type", "text"))
        specs.append(
            {
                "id": str(parse_uuid(spec["id"], "column id")),
                "after": str(parse_uuid(after, "after")) if after is not None else None,
                "name": clean_column_name(spec.get("name")),
                "type": column_type,
                "text": clean_formula_spec(column_type, spec.get("formula")),
            }
        )
    new_ids = [s["id"] for s in specs]
    if len(set(new_ids)) != len(new_ids):
        raise OpError("duplicate_id", "Each new column needs its own id.", status=409)

    def apply(locked: Sheet) -> dict:
        placed = place_columns(locked, specs)
        recomputed, totals = computed.recompute_columns(locked, new_ids)
        undo = {"kind": "columns_insert", "columns": new_ids}
        event = events.columns_inserted(placed)
        return {
            "event": events.with_computed(event, recomputed=recomputed, totals=totals),
            "undo": undo,
        }

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def place_columns(locked: Sheet, specs: list[dict], *, lost_after_at_end: bool = False) -> list:
    """Create columns {"id", "name", "type", "after"} in order, a formula
    column with its formula as typed ("text") or as stored ("formula"), and
    optionally its "summary". A column to go after that is gone refuses the
    op, or with `lost_after_at_end` puts it last. Formulas are compiled
    against every column, the new ones included. Returns the columns as
    shown, with the `after` each really got."""
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
        column = Column(
            id=spec["id"],
            sheet=locked,
            name=spec["name"],
            type=spec["type"],
            formula=spec.get("formula") or "",
            summary=spec.get("summary") or "",
            width=spec.get("width"),  # an undone delete's; a new column's is the default
            number_format=spec.get("number_format"),  # the same
            wrap=spec.get("wrap") is True,  # the same
        )
        existing.insert(index, column)
        placed.append((column, str(existing[index - 1].id) if index else None))
    everything = {str(c.id): c for c in existing}
    for spec in specs:
        if spec.get("text"):
            formula = computed.compile_for(everything, spec["id"], spec["text"])
            everything[spec["id"]].formula = formula.stored
    computed.result_types(everything)
    # Columns are few: renumbering them all keeps positions simple.
    for i, column in enumerate(existing):
        column.position = (i + 1) * ORDER_GAP
    Column.objects.bulk_create([c for c in existing if str(c.id) in new_ids])
    Column.objects.bulk_update(
        [c for c in existing if str(c.id) not in new_ids], ["position", "result_type"]
    )
    names = column_shown.names_of(everything)
    return [{**column_shown.column_info(c, names), "after": after} for c, after in placed]


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
            {
                "id": str(column.id),
                "name": column.name,
                "type": column.type,
                "after": after,
                "formula": column.formula,
                "summary": column.summary,
                "width": column.width,
                "number_format": column.number_format,
                "wrap": column.wrap,
            }
        )
    locked.columns.filter(id__in=deleted).delete()
    # A formula column's cells are computed again when it comes back.
    plain = [str(c.id) for c in gone if c.type != FORMULA]
    stripped = _strip_values(locked, deleted)
    kept = [cell for cell in stripped if cell["col"] in plain]
    return deleted, {"kind": "columns_delete", "columns": restore, "values": kept}


def _after_columns_changed(locked: Sheet, body: Any, ids: list[str]) -> Any:
    """The event of columns deleted or back: the formulas reading them
    (#REF! or their names again) computed whole, with their new text."""
    columns = columns_by_id(locked)
    readers = computed.dependents(columns, ids)
    recomputed, totals = computed.recompute_columns(locked, [*readers, *ids])
    formulas = column_shown.formulas_shown(columns, readers)
    return events.with_computed(body, totals=totals, formulas=formulas, recomputed=recomputed)


def columns_delete(
    *, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None, columns: Any
) -> dict:
    ids = clean_id_list(columns, "columns")

    def apply(locked: Sheet) -> dict:
        existing, undo = delete_columns(locked, ids)
        event = _after_columns_changed(locked, events.columns_deleted(existing), existing)
        return {"event": event, "undo": undo}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def _strip_values(locked: Sheet, column_ids: list[str]) -> list[dict]:
    """Remove the columns' values from every row; the removed cells."""
    touched, removed = [], []
    for row in (
        Row.objects.filter(sheet_id=locked.id).only("id", "values").iterator(chunk_size=2000)
    ):
        if any(c in row.values for c in column_ids):
            for c in column_ids:
                if c in row.values:
                    removed.append({"row": str(row.id), "col": c, "value": row.values.pop(c)})
            touched.append(row)
    bulk_rows.save_values([(r.pk, r.values) for r in touched])
    return removed


def revert_columns_insert(locked: Sheet, spec: dict) -> tuple[events.ColumnsDeleted, dict]:
    """Delete the columns it inserted, unless someone typed into one since."""
    ids = spec["columns"]
    present = [str(i) for i in locked.columns.filter(id__in=ids).values_list("id", flat=True)]
    if not present:
        raise Conflict("the columns it inserted were", columns=ids)
    typed = locked.columns.filter(id__in=present).exclude(type=FORMULA)
    for column_id in (str(i) for i in typed.values_list("id", flat=True)):
        if locked.rows.filter(values__has_key=column_id).exists():
            raise Conflict("a column it inserted was", columns=[column_id])
    deleted, inverse = delete_columns(locked, present)
    return _after_columns_changed(locked, events.columns_deleted(deleted), deleted), inverse


def revert_columns_delete(locked: Sheet, spec: dict) -> tuple[events.ColumnsInserted, dict]:
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
    rebuild(locked, [c for c in locked.columns.filter(id__in=ids) if c.summary])
    event = _after_columns_changed(locked, events.columns_inserted(placed, restored), ids)
    return event, {"kind": "columns_insert", "columns": ids}


op_registry.register_event(
    events.COLUMNS_INSERTED,
    summary=lambda e: "added column " + ", ".join(c.get("name", "") for c in e.get("columns", [])),
    touches=lambda e, conflict: False,
)
op_registry.register_event(
    events.COLUMNS_DELETED,
    summary=lambda e: f"deleted {op_registry.plural(len(e.get('columns', [])), 'column')}",
    touches=lambda e, conflict: not conflict.column_ids().isdisjoint(e.get("columns", [])),
)
op_registry.register_reverter("columns_insert", revert_columns_insert)
op_registry.register_reverter("columns_delete", revert_columns_delete)
