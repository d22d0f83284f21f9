"""Column totals: the footer summary an editor picks for a column, kept up to
date by every op without reading every row.

A column with a summary keeps running aggregates (`Column.aggregates`): how
many cells are filled, how many hold a number (or a date, in a date column),
their exact sum (a decimal string: float sums drift), how many are checked,
and the smallest and largest value. An op tells a `Tally` each cell it
changed (old and new value); the tally adjusts the aggregates, and only when
the smallest or largest value leaves does it read the column again to find
the next one. "empty" and "percent_checked" also need the number of rows,
counted (an index count) only when such a total is shown and rows came or went.
"""

import operator
from decimal import Decimal
from typing import Any

from django.db import connection

from sheets.column_shown import NEEDS_ROW_COUNT, totals_of
from sheets.models import Column, Sheet
from sheets.services.core import OpError

# Each footer summary an editor may pick, with its label (the column dialog's
# choices and the footer's wording: "Sum 1,234").
SUMMARIES = (
    ("sum", "Sum"),
    ("average", "Average"),
    ("min", "Min"),
    ("max", "Max"),
    ("count", "Count"),
    ("filled", "Filled"),
    ("empty", "Empty"),
    ("checked", "Checked"),
    ("percent_checked", "Checked %"),
)
SUMMARY_KINDS = tuple(kind for kind, _ in SUMMARIES)


def clean_summary(raw: Any) -> str:
    """The stored summary kind: "" for none (null)."""
    if raw is None:
        return ""
    if raw not in SUMMARY_KINDS:
        raise OpError(
            "invalid_summary",
            f"A summary is null or one of: {', '.join(SUMMARY_KINDS)}.",
        )
    return raw


def _is_date_column(column: Column) -> bool:
    return column.type == "date" or (column.type == "formula" and column.result_type == "date")


def _measure(column: Column, value: Any) -> Any:
    """What a value adds to count/min/max: a number, a date in a date column, or None."""
    if value.__class__ in (int, float):
        return value
    if value.__class__ is str and _is_date_column(column):
        return value[:10] if len(value) >= 10 and value[4:5] == "-" else None
    return None


def empty_aggregates() -> dict[str, Any]:
    return {
        "filled": 0,
        "count": 0,
        "sum": "0",
        "checked": 0,
        # The extremes, and how many cells hold each: one leaving of several is no news.
        "min": None,
        "min_n": 0,
        "max": None,
        "max_n": 0,
    }


def add_value(column: Column, agg: dict[str, Any], value: Any, sign: int = 1) -> bool:
    """Add (sign 1) or take away (sign -1) one cell's value. True when the
    last cell holding an extreme left, so the column must be read again to
    find the next one."""
    if value is None:
        return False
    agg["filled"] += sign
    if value is True:
        agg["checked"] += sign
    measure = _measure(column, value)
    if measure is None:
        return False
    agg["count"] += sign
    if measure.__class__ is not str:
        agg["sum"] = str(Decimal(agg["sum"]) + sign * Decimal(repr(measure)))
    stale = False
    for key, better in (("min", operator.lt), ("max", operator.gt)):
        if sign > 0:
            if agg[key] is None or better(measure, agg[key]):
                agg[key], agg[key + "_n"] = measure, 1
            elif measure == agg[key]:
                agg[key + "_n"] += 1
        elif agg[key] is not None and measure == agg[key]:
            agg[key + "_n"] -= 1
            stale = stale or agg[key + "_n"] < 1
    return stale


def aggregate(column: Column, cells: Any) -> dict[str, Any]:
    """The aggregates of a whole column from its values (None: empty): what
    `add_value` of each would give, a whole list at a time (a column of
    100,000 cells is added up in the time one pass of add_value takes for 10,000)."""
    filled = [value for value in cells if value is not None]
    numbers = [value for value in filled if value.__class__ is int or value.__class__ is float]
    dates = []
    if _is_date_column(column):
        dates = [_measure(column, value) for value in filled if value.__class__ is str]
        dates = [value for value in dates if value is not None]
    agg = empty_aggregates()
    if numbers and dates:  # both kinds in one column: compare them as add_value does
        for value in filled:
            add_value(column, agg, value)
        return agg
    measures = numbers or dates
    agg["filled"] = len(filled)
    agg["checked"] = sum(1 for value in filled if value is True)
    agg["count"] = len(measures)
    # Added in the same order as add_value adds them: the same rounding, the same digits.
    agg["sum"] = str(sum(map(Decimal, map(repr, numbers)), Decimal(agg["sum"])))
    if measures:
        for key, pick in (("min", min), ("max", max)):
            extreme = pick(measures)  # the first of equals, as add_value keeps
            agg[key], agg[key + "_n"] = extreme, measures.count(extreme)
    return agg


class Tally:
    """The totals one op changes: feed it every changed cell, then `finish`."""

    def __init__(self, locked: Sheet, columns: dict[str, Column]):
        self.locked = locked
        self.columns = {k: c for k, c in columns.items() if c.summary and c.aggregates}
        self.changed: set[str] = set()
        self.stale: set[str] = set()
        self.rows_changed = False

    def change(self, col_id: str, old: Any, new: Any) -> None:
        column = self.columns.get(col_id)
        if column is None or (old is new) or (old == new and type(old) is type(new)):
            return
        if add_value(column, column.aggregates, old, -1):
            self.stale.add(col_id)
        add_value(column, column.aggregates, new, 1)
        self.changed.add(col_id)

    def row(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        """A row's values before and after the op ({} for a row inserted or deleted)."""
        if not before or not after:
            self.rows_changed = True
        for col_id in self.columns:
            self.change(col_id, before.get(col_id), after.get(col_id))

    def finish(self) -> dict[str, Any]:
        """Save the changed aggregates; {column id: total} of the totals that
        may have changed."""
        for col_id in self.stale:
            column = self.columns[col_id]
            if column.summary in ("min", "max"):
                column.aggregates = aggregate(column, _cells(self.locked, col_id))
            # Otherwise the extremes wait: choosing min or max reads the column anyway.
        save_aggregates([self.columns[k] for k in self.changed])
        shown = set(self.changed)
        if self.rows_changed:
            shown |= {k for k, c in self.columns.items() if c.summary in NEEDS_ROW_COUNT}
        if not shown:
            return {}
        return totals_of(self.locked, [self.columns[k] for k in shown])


def _cells(locked: Sheet, col_id: str):
    found = locked.rows.filter(values__has_key=col_id).values_list("values", flat=True)
    return (values.get(col_id) for values in found.iterator(chunk_size=5000))


def rebuild(locked: Sheet, columns: list[Column]) -> None:
    """Read the columns' cells again (a summary just chosen, a whole column
    recomputed or converted) and save their aggregates."""
    for column in columns:
        if not column.summary:
            column.aggregates = None
        else:
            column.aggregates = aggregate(column, _cells(locked, str(column.id)))
    save_aggregates(columns)


def save_aggregates(columns: list[Column]) -> None:
    """Write the columns' aggregates: one plain UPDATE each, sent together
    (psycopg pipelines executemany). Every cell edit of a column with a total
    does this; the ORM's bulk_update took most of the time totals add to an edit."""
    if not columns:
        return
    table = connection.ops.quote_name(Column._meta.db_table)
    field, pk = Column._meta.get_field("aggregates"), Column._meta.pk
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET aggregates = %s WHERE id = %s",
            [
                (
                    field.get_db_prep_save(c.aggregates, connection),
                    pk.get_db_prep_value(c.id, connection),
                )
                for c in columns
            ],
        )
