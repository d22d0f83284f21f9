"""How a column is shown to tabs: its formula with the current column names
and its footer total. The snapshot (sheets/selectors.py) and the ops that send
column events (sheets/services/) read it; it writes nothing.
"""

import functools
from decimal import Decimal
from typing import Any

from django.conf import settings

from sheets.formulas import Formula, Limits
from sheets.models import FORMULA, Column, Sheet
from sheets.realtime import events

# The totals that count every row, not only the filled cells.
NEEDS_ROW_COUNT = {"empty", "percent_checked"}
_SAFE = 2**53


def limits() -> Limits:
    return Limits(
        max_length=settings.FORMULA_MAX_LENGTH,
        max_depth=settings.FORMULA_MAX_DEPTH,
        max_text=settings.FORMULA_MAX_TEXT,
        max_steps=settings.FORMULA_MAX_STEPS,
    )


@functools.lru_cache(maxsize=1024)
def _load(stored: str, bounds: Limits, names: tuple[tuple[str, str], ...]) -> Formula:
    return Formula.load(stored, bounds, dict(names))


def load(stored: str, names: dict[str, str] | None = None) -> Formula:
    """The compiled formula of a column (compiled once per process and set of
    names). With `names` (column id -> name), its error messages name the
    columns they are about ("[Qty] is blank")."""
    return _load(stored, limits(), tuple(sorted(names.items())) if names else ())


def names_of(columns: dict[str, Column]) -> dict[str, str]:
    return {k: c.name for k, c in columns.items()}


def formula_text(column: Column, names: dict[str, str]) -> str | None:
    """The formula as the user sees it: current column names, #REF! for a deleted one."""
    if column.type != FORMULA:
        return None
    return load(column.formula).to_text(names)


def column_info(column: Column, names: dict[str, str]) -> events.ColumnInfo:
    """A column as the snapshot and the column events show it."""
    return events.column_info(
        id=str(column.id),
        name=column.name,
        type=column.type,
        formula=formula_text(column, names),
        result_type=column.result_type or None if column.type == FORMULA else None,
        summary=column.summary or None,
        width=column.width,
        number_format=column.number_format,
        wrap=column.wrap,
    )


def formulas_shown(columns: dict[str, Column], ids: set[str]) -> dict[str, events.FormulaShown]:
    """{column id: formula and result type} of the columns `ids`, as an event
    carries them when their text changed (a referenced column renamed,
    deleted or back)."""
    names = names_of(columns)
    return {
        k: {"formula": formula_text(c, names), "result_type": c.result_type}
        for k, c in columns.items()
        if k in ids
    }


def total(kind: str, agg: dict[str, Any] | None, rows: int | None) -> Any:
    """The footer value of a summary kind: a number, a date text, or None (nothing to show)."""
    if not kind or agg is None:
        return None
    if kind == "sum":
        return _number(Decimal(agg["sum"]))
    if kind == "average":
        return _number(Decimal(agg["sum"]) / agg["count"]) if agg["count"] else None
    if kind in ("min", "max", "count", "filled", "checked"):
        return agg[kind]
    if kind == "empty":
        return max((rows or 0) - agg["filled"], 0)
    # percent_checked: of every row, as a checkbox column counts an empty cell unchecked.
    return round(agg["checked"] * 100 / rows, 2) if rows else None


def _number(value: Decimal) -> int | float:
    if value == value.to_integral_value() and abs(value) < _SAFE:
        return int(value)
    return float(value)


def row_count(locked: Sheet) -> int:
    return locked.rows.count()


def totals_of(locked: Sheet, columns: list[Column], rows: int | None = None) -> dict[str, Any]:
    """{column id: total} of columns with a summary (rows counted only if one
    needs them and `rows`, the row count read with the sheet, is not given)."""
    if rows is None and any(c.summary in NEEDS_ROW_COUNT for c in columns):
        rows = row_count(locked)
    return {str(c.id): total(c.summary, c.aggregates, rows) for c in columns if c.summary}
