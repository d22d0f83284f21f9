"""What an op keeps up to date besides the cells it writes: the cells of
formula columns (docs/formulas.md) and the column totals (services/totals.py).

A formula column computes each row from that row's other cells; the
evaluator is sheets.formulas. Here: compiling a formula against the sheet's
columns (refusing syntax errors and cycles), the order formula columns are
computed in (a formula may read another formula column), computing the
formula cells of the rows an op touched (`Recalc`), and computing whole
columns again (`recompute_columns`) after a formula change, a type change,
a delete or its undo.

A computed value is stored in `Row.values` like any value: None (empty) is
absent, numbers, text, booleans, dates as "YYYY-MM-DD" (a date and time as
"YYYY-MM-DDTHH:MM:SS"), and an error as {"error": "#DIV/0!", "message": "..."}.
"""

import datetime
import math
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

from sheets.column_shown import limits, load, names_of, totals_of
from sheets.formulas import (
    ErrorValue,
    Formula,
    FormulaSyntaxError,
    compile_formula,
)
from sheets.models import FORMULA, Column, Row, Sheet
from sheets.realtime import events
from sheets.services import bulk_rows
from sheets.services.core import OpError, columns_by_id
from sheets.services.totals import Tally, aggregate, rebuild, save_aggregates

_VOLATILE = re.compile(r"\b(TODAY|NOW)\s*\(", re.IGNORECASE)


def clean_formula_text(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip().startswith("="):
        raise OpError("invalid_formula", 'A formula is text that starts with "=".')
    if len(raw) > settings.FORMULA_MAX_LENGTH:
        raise OpError(
            "formula_too_long",
            f"A formula is at most {settings.FORMULA_MAX_LENGTH:,} characters.",
        )
    return raw.strip()


def compile_for(columns: dict[str, Column], column_id: str, text: str) -> Formula:
    """The formula of column `column_id` in a sheet with `columns` (the
    column itself may be new): refused with the syntax error, or with the
    cycle it would make, naming its columns."""
    by_name: dict[str, str] = {}
    for col_id, column in columns.items():
        by_name.setdefault(column.name, col_id)
    try:
        formula = compile_formula(text, by_name, limits())
    except FormulaSyntaxError as exc:
        raise OpError(
            "formula_syntax",
            exc.message,
            position=exc.position,
            expected=list(exc.expected),
        ) from None
    except ValueError as exc:  # a limit of sheets.formulas.Limits
        raise OpError("formula_too_complex", str(exc)) from None
    cycle = _cycle(columns, column_id, formula.references)
    if cycle:
        names = [columns[c].name if c in columns else "?" for c in cycle]
        raise OpError(
            "formula_cycle",
            "The formula would use its own result: " + " → ".join(f"[{n}]" for n in names) + ".",
            columns=cycle,
        )
    return formula


def _references(columns: dict[str, Column]) -> dict[str, frozenset[str]]:
    return {
        k: load(c.formula).references for k, c in columns.items() if c.type == FORMULA and c.formula
    }


def _cycle(columns: dict[str, Column], start: str, refs: Iterable[str]) -> list[str]:
    """The columns of the cycle `start` would be in, reading `refs` ([] if none)."""
    graph = _references(columns)
    graph[start] = frozenset(refs)
    path: list[str] = [start]
    seen: set[str] = set()

    def walk(node: str) -> bool:
        for ref in sorted(graph.get(node, ())):
            if ref == start:
                return True
            if ref in graph and ref not in seen:
                seen.add(ref)
                path.append(ref)
                if walk(ref):
                    return True
                path.pop()
        return False

    return [*path, start] if walk(start) else []


def order(columns: dict[str, Column]) -> list[str]:
    """Formula columns, each after the formula columns it reads."""
    graph = _references(columns)
    done: list[str] = []
    placed: set[str] = set()

    def place(node: str, trail: frozenset[str]) -> None:
        if node in placed or node in trail:
            return
        for ref in sorted(graph[node]):
            if ref in graph:
                place(ref, trail | {node})
        placed.add(node)
        done.append(node)

    for node in graph:
        place(node, frozenset())
    return done


def dependents(columns: dict[str, Column], ids: Iterable[str]) -> set[str]:
    """Formula columns that read any of `ids`, directly or through another formula."""
    graph = _references(columns)
    found: set[str] = set()
    frontier = set(ids)
    while frontier:
        frontier = {k for k, refs in graph.items() if refs & frontier and k not in found}
        found |= frontier
    return found


def result_types(columns: dict[str, Column]) -> list[Column]:
    """Infer every formula column's result type, in dependency order; the
    columns whose type changed (not saved)."""
    changed = []
    for col_id in order(columns):
        column = columns[col_id]
        inferred = load(column.formula).result_type(column_types(columns))
        if inferred != column.result_type:
            column.result_type = inferred
            changed.append(column)
    return changed


def column_types(columns: dict[str, Column]) -> dict[str, str]:
    return {k: c.result_type if c.type == FORMULA else c.type for k, c in columns.items()}


def stored_result(value: Any) -> Any:
    """The stored form of an evaluator result (None: empty)."""
    cls = value.__class__
    if cls is float:
        if math.isfinite(value):
            return value
        return {"error": "#NUM!", "message": "The result is not a finite number."}
    if cls is int or cls is bool or (cls is str and value):
        return value
    if value is None or value == "":
        return None
    if isinstance(value, ErrorValue):
        return {"error": value.code, "message": value.message}
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _input(value: Any) -> Any:
    """A stored value as the evaluator reads it (an error cell is an error)."""
    if value.__class__ is dict:
        return ErrorValue(value.get("error", "#VALUE!"), value.get("message", ""))
    return value


class Recalc:
    """The formula cells and totals of one op. `rows` after the op changed
    rows in memory (before saving them), `removed` for deleted rows, then
    `finish` for the totals to send."""

    def __init__(
        self,
        locked: Sheet,
        columns: dict[str, Column] | None = None,
        now: datetime.datetime | None = None,
    ):
        self.locked = locked
        self.columns = columns if columns is not None else columns_by_id(locked)
        self.limits = limits()
        self.types = column_types(self.columns)
        # TODAY() and NOW(): the server's local time, or the time the daily refresh is for.
        now = timezone.localtime(now).replace(tzinfo=None, microsecond=0)
        self.today, self.now = now.date(), now
        # (column id, its formula bound to this op's columns and clock) in dependency order.
        self.plan = []
        names = names_of(self.columns)
        for col_id in order(self.columns):
            formula = load(self.columns[col_id].formula, names)
            gone = frozenset(r for r in formula.references if r not in self.columns)
            run = formula.bind(
                types=self.types, today=self.today, now=self.now, limits=self.limits, missing=gone
            )
            self.plan.append((col_id, run))
        self.tally = Tally(locked, self.columns)

    def compute(self, cells: dict[str, Any], only: set[str] | None = None) -> dict[str, Any]:
        """Compute a row's formula cells (those in `only`, or all) into its
        `cells` (Row.values); {column id: value} of those that changed."""
        changed: dict[str, Any] = {}
        if not self.plan:
            return changed
        inputs = {k: _input(v) if v.__class__ is dict else v for k, v in cells.items()}
        for col_id, run in self.plan:
            if only is not None and col_id not in only:
                continue
            value = run(inputs)
            kind = value.__class__
            # Numbers are most results, and finite once evaluated: stored as they are.
            if not (kind is float or kind is int):
                value = stored_result(value)
                kind = value.__class__
            old = cells.get(col_id)
            if value is None:
                cells.pop(col_id, None)
                inputs.pop(col_id, None)
            else:
                cells[col_id] = value
                inputs[col_id] = _input(value) if kind is dict else value
            if not (old == value and old.__class__ is kind):
                changed[col_id] = value
        return changed

    def rows(self, rows: Iterable[Row], before: dict[str, dict]) -> list[events.CellValue]:
        """Compute the formula cells of rows an op wrote (`before`: each
        row's values before the op, {} for a new row); the formula cells that
        changed, for the event."""
        out: list[events.CellValue] = []
        for row in rows:
            row_id = str(row.id)
            for col_id, value in self.compute(row.values).items():
                out.append({"row": row_id, "col": col_id, "value": value})
            self.tally.row(before.get(row_id, {}), row.values)
        return out

    def removed(self, values: Iterable[dict]) -> None:
        for gone in values:
            self.tally.row(gone, {})

    def finish(self) -> dict[str, Any]:
        return self.tally.finish()


def recompute_columns(
    locked: Sheet,
    ids: Iterable[str],
    *,
    after_order: float | None = None,
    now: datetime.datetime | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """Compute every cell of the formula columns `ids` and of those reading
    them (with `after_order`, only in the rows placed after it), reading of
    each row only the cells those formulas read; (their ids, {column id:
    total} of those with a summary). Result types are inferred again first;
    TODAY() and NOW() read `now` (by default, the server's time)."""
    columns = columns_by_id(locked)
    wanted = {i for i in ids if i in columns and columns[i].type == FORMULA}
    wanted |= dependents(columns, wanted | set(ids))
    for column in result_types(columns):
        column.save(update_fields=["result_type"])
    if not wanted:
        return [], {}
    recalc = Recalc(locked, columns, now)
    recalc.plan = [(col_id, run) for col_id, run in recalc.plan if col_id in wanted]
    read = set(wanted)
    for col_id in wanted:
        read |= load(columns[col_id].formula).references & columns.keys()
    # The totals of whole columns are counted from the values computed (an
    # import's rows alone are not the whole column: those are read again after).
    summed = [columns[c] for c in wanted if columns[c].summary]
    counted: dict[str, list] = {str(c.id): [] for c in summed}

    def compute(batch: list[bulk_rows.Cells]) -> list[bulk_rows.Changed]:
        out = []
        for row_id, cells in batch:
            if changed := recalc.compute(cells):
                out.append((row_id, cells, changed))
            for col_id, found in counted.items():
                found.append(cells.get(col_id))
        return out

    bulk_rows.rewrite_rows(locked, sorted(read), compute, after_order=after_order)
    if after_order is None:
        for column in summed:
            column.aggregates = aggregate(column, counted[str(column.id)])
        save_aggregates(summed)
    else:
        rebuild(locked, summed)
    return [c for c, _ in recalc.plan], totals_of(locked, summed)


def settle_import(locked: Sheet, after_order: float | None) -> None:
    """After an import wrote rows (those after `after_order`, or all):
    compute their formula cells, and read every total again."""
    columns = columns_by_id(locked)
    formulas = [k for k, c in columns.items() if c.type == FORMULA]
    recompute_columns(locked, formulas, after_order=after_order)
    rebuild(locked, [c for c in columns_by_id(locked).values() if c.summary])


def is_volatile(column: Column) -> bool:
    """A formula reading TODAY() or NOW(): its values change with the date."""
    return column.type == FORMULA and bool(_VOLATILE.search(column.formula))
