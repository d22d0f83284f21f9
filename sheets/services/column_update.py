"""A column's update: its name, its type (converting every value), its
formula, its footer summary, its width in the grid, how its numbers are
shown, whether its text wraps. Undo kind "column_update"; event `column.updated`.

A formula change, and a type change to or from formula, compute the whole
column in the op and say so in the event (`recomputed`: tabs fetch the
values) instead of listing every cell. A rename rewrites, as shown, every
formula that reads the column (they are stored by column id); a type change
computes the formulas reading the column again.
"""

from typing import Any

from sheets import column_shown, op_registry, values
from sheets import number_format as number_formats  # `number_format` is the op's field
from sheets.models import FORMULA, Column, Row, Sheet
from sheets.op_registry import Conflict
from sheets.realtime import events
from sheets.services import bulk_rows, computed
from sheets.services.columns import clean_column_name, clean_column_type
from sheets.services.core import (
    OpError,
    columns_by_id,
    fits,
    parse_uuid,
    run_op,
    same_value,
)
from sheets.services.totals import clean_summary, rebuild

# `summary`, `width` or `number_format` not given, as opposed to null (none, the default width).
UNSET: Any = object()
# Each field of a column's state and its value in an undo record that lacks it
# (records made before the column had a width or a number format).
_STATE = {
    "name": "",
    "type": "",
    "formula": "",
    "summary": "",
    "width": None,
    "number_format": None,
    "wrap": False,
}
# A column's width in pixels: narrower hides its header, wider than a screen.
MIN_WIDTH, MAX_WIDTH = 40, 1000


def clean_width(raw: Any) -> int | None:
    """A column width: whole pixels within the bounds, or null (the default)."""
    if raw is None:
        return None
    if raw.__class__ is not int or not MIN_WIDTH <= raw <= MAX_WIDTH:
        raise OpError(
            "invalid_width",
            f"A column width is null or a whole number of pixels from {MIN_WIDTH} to {MAX_WIDTH}.",
        )
    return raw


def clean_number_format(raw: Any) -> dict | None:
    """A number format (sheets/number_format.py), or null: numbers as stored."""
    try:
        return number_formats.clean(raw)
    except number_formats.InvalidNumberFormat as exc:
        raise OpError("invalid_number_format", exc.message) from None


def clean_wrap(raw: Any) -> bool:
    """Whether the column's text wraps: true or false, nothing else."""
    if raw.__class__ is not bool:
        raise OpError("invalid_wrap", "wrap is true (long text wraps) or false.")
    return raw


def _state(column: Column) -> dict[str, Any]:
    return {field: getattr(column, field) for field in _STATE}


def _spec_state(spec: dict) -> dict[str, Any]:
    return {field: spec.get(field, default) for field, default in _STATE.items()}


def _same_state(column: Column, spec: dict) -> bool:
    return _state(column) == _spec_state(spec)


def _set_state(column: Column, state: dict) -> None:
    for field in _STATE:
        setattr(column, field, state[field])
    if column.type != FORMULA:
        column.result_type = ""
    column.save(update_fields=[*_STATE, "result_type"])


def column_update(
    *,
    sheet: Sheet,
    user,
    client_id: str,
    op_id: Any,
    column: Any,
    name: Any = None,
    type: Any = None,
    formula: Any = None,
    summary: Any = UNSET,
    width: Any = UNSET,
    number_format: Any = UNSET,
    wrap: Any = UNSET,
    base_version: Any = None,
) -> dict:
    """Rename a column, change its type or formula, choose its footer
    summary (null: none), its width (null: the default) or how its numbers
    are shown (null: as stored; number columns and number formulas only), or
    whether its long text wraps. A
    type change converts every value or, if any value does not convert,
    refuses with the list of them."""
    column_id = str(parse_uuid(column, "column"))
    new_name = clean_column_name(name) if name is not None else None
    new_type = clean_column_type(type) if type is not None else None
    text = computed.clean_formula_text(formula) if formula is not None else None
    new_summary = clean_summary(summary) if summary is not UNSET else None
    new_width = clean_width(width) if width is not UNSET else UNSET
    new_format = clean_number_format(number_format) if number_format is not UNSET else UNSET
    new_wrap = clean_wrap(wrap) if wrap is not UNSET else UNSET
    if (new_name, new_type, text, new_summary) == (None, None, None, None) and (
        new_width is UNSET and new_format is UNSET and new_wrap is UNSET
    ):
        raise OpError(
            "invalid_update",
            "Give a new name, type, formula, summary, width, number format or wrap.",
        )
    if text is not None and new_type not in (None, FORMULA):
        raise OpError("invalid_formula", 'Only a column of type "formula" has a formula.')

    def apply(locked: Sheet) -> dict:
        columns = columns_by_id(locked)
        col = columns.get(column_id)
        if col is None:
            raise OpError("column_not_found", "That column no longer exists.", status=409)
        before = {**_state(col), "values": {}}
        target = _state(col)
        if new_name is not None:
            target["name"] = new_name
        if new_summary is not None:
            target["summary"] = new_summary
        if new_width is not UNSET:
            target["width"] = new_width
        if new_format is not UNSET:
            target["number_format"] = new_format
        if new_wrap is not UNSET:
            target["wrap"] = new_wrap
        target_type = new_type or col.type
        if text is not None and target_type != FORMULA:
            raise OpError("invalid_formula", 'Only a column of type "formula" has a formula.')
        if target_type == FORMULA:
            if text is None and col.type != FORMULA:
                raise OpError("invalid_formula", 'A formula column needs a "formula".')
            if text is not None:
                # The formula may name the column as renamed (and make a cycle so).
                columns[column_id] = Column(id=col.id, name=target["name"], type=FORMULA)
                target["formula"] = computed.compile_for(columns, column_id, text).stored
        else:
            target["formula"] = ""
        target["type"] = target_type
        formatted = new_format is not UNSET and new_format is not None
        if formatted and target_type != FORMULA:
            _refuse_format_of(target_type, None)  # before anything is written
        old_values, converted = _become(locked, col, target)
        before["values"] = old_values
        event = _event(locked, col, before, converted)
        if formatted:
            # A formula's result type is known once compiled: the transaction takes the write back.
            _refuse_format_of(event["column"]["type"], event["column"]["result_type"])
        undo = {
            "kind": "column_update",
            "column": column_id,
            "before": before,
            "after": {**_state(col), "values": converted},
        }
        return {"event": event, "undo": undo}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def _refuse_format_of(column_type: str, result_type: str | None) -> None:
    if not number_formats.applies_to(column_type, result_type):
        raise OpError(
            "invalid_number_format",
            "A number format is for number columns and for formula columns"
            " whose results are numbers.",
        )


def _become(locked: Sheet, col: Column, target: dict) -> tuple[dict[str, Any], dict[str, Any]]:
    """Give the column the `target` state (its name, type, formula, summary,
    width, number format and wrap), converting or dropping its values:
    ({row: old value} of the plain values it replaced, {row: new value} of
    those it converted)."""
    old_values: dict[str, Any] = {}
    converted: dict[str, Any] = {}
    key = str(col.id)
    if target["type"] == FORMULA:
        if col.type != FORMULA:
            old_values = _strip(locked, key)
    elif col.type == FORMULA:
        converted = _from_formula(locked, col, target["type"])
    elif target["type"] != col.type:
        converted, old_values = _convert_column(locked, col, target["type"])
    _set_state(col, target)
    return old_values, converted


def _event(locked: Sheet, col: Column, before: dict, converted: dict) -> events.ColumnUpdated:
    """column.updated, with what the update made computed again."""
    key = str(col.id)
    whole = col.type == FORMULA and (before["type"] != FORMULA or before["formula"] != col.formula)
    from_formula = before["type"] == FORMULA and col.type != FORMULA
    retyped = whole or before["type"] != col.type
    recomputed, totals = computed.recompute_columns(locked, [key] if retyped else [])
    if from_formula:
        recomputed = [key, *recomputed]
    if key not in totals and (col.summary != before["summary"] or (retyped and col.summary)):
        # The aggregates are read again (none kept without a summary).
        rebuild(locked, [col])
        totals = {**totals, key: column_shown.totals_of(locked, [col]).get(key)}
    columns = columns_by_id(locked)
    formulas = {}
    if before["name"] != col.name or retyped:
        formulas = column_shown.formulas_shown(columns, computed.dependents(columns, [key]))
    shown = column_shown.column_info(columns[key], column_shown.names_of(columns))
    body = events.column_updated(shown, {} if from_formula else converted)
    return events.with_computed(body, totals=totals, formulas=formulas, recomputed=recomputed)


def _strip(locked: Sheet, key: str) -> dict[str, Any]:
    """Remove the column's cells from every row: {row: value} of those removed."""
    removed, touched = {}, []
    for row in (
        Row.objects.filter(sheet_id=locked.id, values__has_key=key)
        .only("id", "values")
        .iterator(2000)
    ):
        removed[str(row.id)] = row.values.pop(key)
        touched.append(row)
    bulk_rows.save_values([(r.pk, r.values) for r in touched])
    return removed


def _put(locked: Sheet, key: str, cells: dict[str, Any]) -> None:
    rows = list(Row.objects.filter(sheet_id=locked.id, id__in=list(cells)).only("id", "values"))
    for row in rows:
        value = cells[str(row.id)]
        if value is None:
            row.values.pop(key, None)
        else:
            row.values[key] = value
    bulk_rows.save_values([(r.pk, r.values) for r in rows])


def _kind_of(col: Column, value: Any) -> str:
    """The value type a computed value is, to convert it."""
    if value.__class__ is bool:
        return "checkbox"
    if value.__class__ in (int, float):
        return "number"
    if col.result_type == "date" and len(value) == 10:
        return "date"
    return "text"


def _from_formula(locked: Sheet, col: Column, new_type: str) -> dict[str, Any]:
    """A formula column's computed values kept as plain `new_type` values
    (an error cell becomes empty): {row: value}, or OpError listing those
    that cannot be."""
    key = str(col.id)
    failures, kept, touched = [], {}, []
    for row in (
        Row.objects.filter(sheet_id=locked.id, values__has_key=key)
        .only("id", "values")
        .iterator(2000)
    ):
        value = row.values[key]
        new: Any = None
        if value.__class__ is not dict:
            try:
                new = values.convert(value, _kind_of(col, value), new_type)
            except values.InvalidValue as exc:
                failures.append({"row": str(row.id), "value": value, "message": exc.message})
                continue
            if new is values.EMPTY:
                new = None
        if new is None:
            row.values.pop(key)
        else:
            row.values[key] = new
            kept[str(row.id)] = new
        touched.append(row)
    _refuse(failures, new_type)
    bulk_rows.save_values([(r.pk, r.values) for r in touched])
    return kept


def _refuse(failures: list[dict], new_type: str) -> None:
    if failures:
        raise OpError(
            "not_convertible",
            f"{len(failures)} value(s) cannot become {new_type}; fix them first.",
            status=422,
            values=failures[:100],
            count=len(failures),
        )


def _convert_column(
    locked: Sheet, col: Column, new_type: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Convert the column's values to `new_type`: ({row: new}, {row: old}) of
    the cells that changed, or OpError listing the values that cannot convert."""
    key = str(col.id)
    failures, converted, originals, touched = [], {}, {}, []
    for row in (
        Row.objects.filter(sheet_id=locked.id, values__has_key=key)
        .only("id", "values")
        .iterator(2000)
    ):
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
    _refuse(failures, new_type)
    bulk_rows.save_values([(r.pk, r.values) for r in touched])
    return converted, originals


def revert_column_update(locked: Sheet, spec: dict) -> tuple[events.ColumnUpdated, dict]:
    """Give the column its name, type, formula, summary, width, number
    format and values back, unless it changed since."""
    column_id, before, after = spec["column"], spec["before"], spec["after"]
    column = locked.columns.filter(id=column_id).first()
    if column is None or not _same_state(column, after):
        raise Conflict("the column was", columns=[column_id])
    if column.type != FORMULA:
        # Values typed since into the column would be lost: refuse.
        for row in (
            Row.objects.filter(sheet_id=locked.id, values__has_key=column_id)
            .only("id", "values")
            .iterator(2000)
        ):
            now, row_id = row.values[column_id], str(row.id)
            if row_id in after["values"]:
                if not same_value(now, after["values"][row_id]):
                    raise Conflict("a cell it changed was", cells=[(row_id, column_id)])
            elif not fits(before["type"], now):
                raise Conflict("a cell in the column was", cells=[(row_id, column_id)])
    state = _spec_state(before)
    shown_before = _state(column)
    both_plain = column.type != FORMULA and state["type"] != FORMULA
    if (column.type == FORMULA) != (state["type"] == FORMULA):
        _strip(locked, column_id)
    if state["type"] != FORMULA:
        _put(locked, column_id, before["values"])
    _set_state(column, state)
    event = _event(locked, column, shown_before, before["values"] if both_plain else {})
    inverse = {"kind": "column_update", "column": column_id, "before": after, "after": before}
    return event, inverse


def _summary_updated(event: dict) -> str:
    column = event.get("column", {})
    return f"changed column {column.get('name', '')} ({column.get('type', '')})"


op_registry.register_event(
    events.COLUMN_UPDATED,
    summary=_summary_updated,
    touches=lambda e, conflict: (e.get("column") or {}).get("id") in conflict.column_ids(),
)
op_registry.register_reverter("column_update", revert_column_update)
