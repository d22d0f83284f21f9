"""The committed sheet events (docs/protocol.md, "Events"): what each op
tells every tab of the sheet, with its `seq`. Part of the sheet wire, the
`sheets.realtime` package (its `__init__` has the group names, the other
messages and the broadcasts). Builders read no database: callers pass what
an event shows.
"""

from typing import Any, Literal, NotRequired, TypedDict

from accounts.realtime import UserInfo

# The op that makes
# an event builds its body here; the op runner (services/core.run_op) wraps it in
# the SheetEvent envelope. Every type is listed once, in SHEET_EVENT_TYPES.

CELLS_CHANGED = "cells.changed"
ROWS_INSERTED = "rows.inserted"
ROWS_DELETED = "rows.deleted"
COLUMNS_INSERTED = "columns.inserted"
COLUMNS_DELETED = "columns.deleted"
COLUMN_UPDATED = "column.updated"
SHEET_RENAMED = "sheet.renamed"
SHEET_FROZEN = "sheet.frozen"
# An import replaced or appended rows wholesale: tabs fetch the snapshot.
SHEET_RESET = "sheet.reset"
# Whole formula columns were computed again (TODAY/NOW refreshed): tabs fetch their values.
COLUMNS_RECOMPUTED = "columns.recomputed"
# A shared view was saved (new or changed) or deleted (services/saved_views.py).
VIEW_SAVED = "view.saved"
VIEW_DELETED = "view.deleted"
# Every row got a new place ("Sort the sheet", or its undo): tabs reload their rows.
ROWS_SORTED = "rows.sorted"

SHEET_EVENT_TYPES = (
    CELLS_CHANGED,
    ROWS_INSERTED,
    ROWS_DELETED,
    COLUMNS_INSERTED,
    COLUMNS_DELETED,
    COLUMN_UPDATED,
    SHEET_RENAMED,
    SHEET_FROZEN,
    SHEET_RESET,
    COLUMNS_RECOMPUTED,
    VIEW_SAVED,
    VIEW_DELETED,
    ROWS_SORTED,
)


class SheetEvent(TypedDict):
    """Every committed op: the envelope, then the fields of its body (below).
    `seq` is the sheet version the op produced; `kind` marks an undo, a redo
    or a revert from history, and `reverts` is the seq of the change it reverted."""

    type: str
    sheet_id: int
    seq: int
    op_id: str | None
    broadcaster_id: str
    user: UserInfo | None
    kind: NotRequired[Literal["undo", "redo", "revert"]]
    reverts: NotRequired[int]
    # Any event may also carry what the op changed besides its own writes
    # (`with_computed`): the totals, the formulas shown, whole columns to fetch.
    totals: NotRequired[dict[str, Any]]
    formulas: NotRequired[dict[str, "FormulaShown"]]
    recomputed: NotRequired[list[str]]


class CellValue(TypedDict):
    row: str
    col: str
    value: Any  # None: the cell is now empty


class CellsChanged(TypedDict):
    type: str
    changes: list[CellValue]


def cells_changed(changes: list[CellValue]) -> CellsChanged:
    return {"type": CELLS_CHANGED, "changes": changes}


class InsertedRow(TypedDict):
    id: str
    after: str | None  # the row it goes after; None: at the top
    values: dict[str, Any]
    # Its order key: a tab holding only some rows (row windows) tells from it
    # whether the row is above, inside or below what it holds.
    position: float


class RowsInserted(TypedDict):
    type: str
    rows: list[InsertedRow]
    # Every row's position changed (float keys ran out at one spot): a tab's
    # keys of other rows are stale; it reads its windows again.
    renumbered: NotRequired[bool]


def rows_inserted(rows: list[InsertedRow], *, renumbered: bool = False) -> RowsInserted:
    event: RowsInserted = {"type": ROWS_INSERTED, "rows": rows}
    if renumbered:
        event["renumbered"] = True
    return event


class RowsDeleted(TypedDict):
    type: str
    rows: list[str]
    positions: list[float]  # each deleted row's order key, as `rows`


def rows_deleted(rows: list[str], positions: list[float]) -> RowsDeleted:
    return {"type": ROWS_DELETED, "rows": rows, "positions": positions}


class ColumnInfo(TypedDict):
    """A column as the snapshot and the column events show it."""

    id: str
    name: str
    type: str  # text, number, date, checkbox or formula
    formula: str | None  # a formula column's formula, with current names
    result_type: str | None  # a formula column's: number, text, date, checkbox or mixed
    summary: str | None  # the footer total's kind (sheets/services/totals.py)
    width: int | None  # pixels in the grid; None: the grid's default
    number_format: dict | None  # how numbers are shown (sheets/number_format.py); None: as stored
    wrap: bool  # long text wraps and its row grows to fit


def column_info(
    *,
    id: str,
    name: str,
    type: str,
    formula: str | None,
    result_type: str | None,
    summary: str | None,
    width: int | None = None,
    number_format: dict | None = None,
    wrap: bool = False,
) -> ColumnInfo:
    return {
        "id": id,
        "name": name,
        "type": type,
        "formula": formula,
        "result_type": result_type,
        "summary": summary,
        "width": width,
        "number_format": number_format,
        "wrap": wrap,
    }


class PlacedColumn(ColumnInfo):
    after: str | None  # the column it goes after; None: first


class ColumnsInserted(TypedDict):
    type: str
    columns: list[PlacedColumn]
    values: NotRequired[list[CellValue]]  # an undone delete brings its cells back


def columns_inserted(
    columns: list[PlacedColumn], values: list[CellValue] | None = None
) -> ColumnsInserted:
    event: ColumnsInserted = {"type": COLUMNS_INSERTED, "columns": columns}
    if values is not None:
        event["values"] = values
    return event


class ColumnsDeleted(TypedDict):
    type: str
    columns: list[str]


def columns_deleted(columns: list[str]) -> ColumnsDeleted:
    return {"type": COLUMNS_DELETED, "columns": columns}


class ColumnUpdated(TypedDict):
    type: str
    column: ColumnInfo
    values: dict[str, Any]  # {row id: converted value} of the cells a type change changed


def column_updated(column: ColumnInfo, values: dict[str, Any]) -> ColumnUpdated:
    return {"type": COLUMN_UPDATED, "column": column, "values": values}


class SheetRenamed(TypedDict):
    type: str
    title: str


def sheet_renamed(title: str) -> SheetRenamed:
    return {"type": SHEET_RENAMED, "title": title}


class SheetFrozen(TypedDict):
    type: str
    columns: int  # how many columns, from the left, stay in place


def sheet_frozen(columns: int) -> SheetFrozen:
    return {"type": SHEET_FROZEN, "columns": columns}


class SheetReset(TypedDict):
    type: str
    reason: Literal["import"]
    mode: Literal["append", "replace"]
    rows: int
    added_columns: list[str]


def sheet_reset(
    *, mode: Literal["append", "replace"], rows: int, added_columns: list[str] | None = None
) -> SheetReset:
    return {
        "type": SHEET_RESET,
        "reason": "import",
        "mode": mode,
        "rows": rows,
        "added_columns": added_columns or [],
    }


class ColumnsRecomputed(TypedDict):
    type: str
    columns: list[str]  # formula columns whose every cell may have changed: fetch them
    reason: Literal["today"]


def columns_recomputed(columns: list[str]) -> ColumnsRecomputed:
    return {"type": COLUMNS_RECOMPUTED, "columns": columns, "reason": "today"}


class SavedViewSpec(TypedDict):
    sort: list[dict[str, Any]]  # as a view's sort (sheets/viewspec.py)
    filters: list[dict[str, Any]]  # as a view's filters
    hidden: list[str]  # column ids not shown
    order: list[str]  # column ids shown first, in this order; the rest follow in the sheet's


class SavedViewInfo(TypedDict):
    """A shared view as the snapshot and view.saved show it."""

    id: str
    name: str
    spec: SavedViewSpec
    created_by: int | None  # the user's id


class ViewSaved(TypedDict):
    type: str
    view: SavedViewInfo  # the whole view as it is now: add it or replace the one of its id


def view_saved(view: SavedViewInfo) -> ViewSaved:
    return {"type": VIEW_SAVED, "view": view}


class ViewDeleted(TypedDict):
    type: str
    view: str  # its id


def view_deleted(view_id: str) -> ViewDeleted:
    return {"type": VIEW_DELETED, "view": view_id}


class FormulaShown(TypedDict):
    formula: str | None
    result_type: str | None


def with_computed(
    body: Any,
    *,
    totals: dict[str, Any] | None = None,
    formulas: dict[str, FormulaShown] | None = None,
    recomputed: list[str] | None = None,
) -> Any:
    """An event body with what the op computed besides its own writes:
    `totals` {column id: footer total} that changed, `formulas` {column id:
    formula and result type} shown differently now (a referenced column
    renamed, deleted or back), `recomputed` formula columns computed whole
    (tabs fetch their values). Empty ones are left out."""
    if totals:
        body["totals"] = totals
    if formulas:
        body["formulas"] = formulas
    if recomputed:
        body["recomputed"] = recomputed
    return body


class SortKeyInfo(TypedDict):
    column: str
    descending: bool


class RowsSorted(TypedDict):
    """The rows' order changed for everyone. It lists no row ids (a sheet may
    hold a million rows): tabs reload the rows they hold, as after an import."""

    type: str
    sort: list[SortKeyInfo]  # the keys sorted by; [] for an undo back to the order before
    rows: int  # how many rows were placed


def rows_sorted(sort: list[SortKeyInfo], rows: int) -> RowsSorted:
    return {"type": ROWS_SORTED, "sort": sort, "rows": rows}


SheetEventBody = (
    CellsChanged
    | RowsInserted
    | RowsDeleted
    | ColumnsInserted
    | ColumnsDeleted
    | ColumnUpdated
    | SheetRenamed
    | SheetFrozen
    | SheetReset
    | ColumnsRecomputed
    | ViewSaved
    | ViewDeleted
    | RowsSorted
)


def sheet_event(
    body: SheetEventBody,
    *,
    sheet_id: int,
    seq: int,
    op_id: str | None,
    client_id: str,
    user: UserInfo | None,
    kind: str = "do",
    reverts: int | None = None,
) -> SheetEvent:
    """The event as broadcast and kept in the change log: envelope, then body."""
    event: dict[str, Any] = {
        "type": body["type"],
        "sheet_id": sheet_id,
        "seq": seq,
        "op_id": op_id,
        "broadcaster_id": client_id,
        "user": user,
    }
    event.update(body)
    if kind != "do":
        event["kind"] = kind
    if reverts is not None:
        event["reverts"] = reverts
    return event  # type: ignore[return-value]
