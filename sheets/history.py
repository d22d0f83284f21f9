"""What the history panel says about each change: who, when (in the viewer's
time zone), which cells (column name and row) went from what to what, and
whether it can be reverted.

Old values live in each change's undo record (`Change.undo`), which may hold a
whole deleted column. It is never loaded whole here: the database hands over
its kind, its first few items and how many there are (JSON path reads on both
SQLite and PostgreSQL), so a page of entries costs the same whatever the
changes' sizes.
"""

import datetime
import zoneinfo
from typing import Any

from django.db.models import Case, Exists, F, Func, IntegerField, JSONField, OuterRef, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from sheets import op_registry
from sheets.models import Change, Row, Sheet

# Cells (rows, columns) listed per change; the rest are counted ("and 9 more").
DETAIL_ITEMS = 3
# A value is shown up to this many characters.
VALUE_CHARS = 60
_LISTS = ("cells", "rows", "columns")


# The pieces of an undo record an entry reads, in this order.
_PIECES = [
    ("undo_kind", ("kind",)),
    *((f"{name}_{i}", (name, str(i))) for name in _LISTS for i in range(DETAIL_ITEMS)),
    *(
        (f"{side}_{field}", (side, field))
        for side in ("before", "after")
        for field in ("name", "type")
    ),
]


class _UndoPieces(Func):
    """The pieces of `undo` named in _PIECES, as one JSON array: SQLite parses
    the record once for all of them (json_extract with several paths)."""

    output_field = JSONField()

    def __init__(self):
        super().__init__(F("undo"))

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # ("cells", "0") is $.cells[0]; ("before", "name") is $.before.name
        paths = ["$" + "".join(f"[{k}]" if k.isdigit() else f".{k}" for k in p) for _, p in _PIECES]
        return f"JSON_EXTRACT({sql}, {', '.join(['%s'] * len(paths))})", (*params, *paths)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        parts = ", ".join(f"({sql} #> %s)" for _ in _PIECES)
        return f"JSONB_BUILD_ARRAY({parts})", tuple(
            p for _, path in _PIECES for p in (*params, list(path))
        )


class _ListLength(Func):
    """How many items the undo record's list holds (its first of cells, rows, columns)."""

    output_field = IntegerField()

    def __init__(self):
        super().__init__(F("undo"))

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        each = [f"JSON_ARRAY_LENGTH({sql}, %s)" for _ in _LISTS]
        return f"COALESCE({', '.join(each)})", tuple(
            p for name in _LISTS for p in (*params, f"$.{name}")
        )

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        each = [f"JSONB_ARRAY_LENGTH({sql} -> %s)" for _ in _LISTS]
        return f"COALESCE({', '.join(each)})", tuple(p for name in _LISTS for p in (*params, name))


class _PayloadHead(Func):
    """The event without its long lists (`changes`, `rows`, `values`: a paste
    or an undone delete holds thousands), plus `n_changes` and `n_rows`, how
    many items those two held: all a summary reads (op_registry.summary)."""

    output_field = JSONField()

    def __init__(self):
        super().__init__(F("payload"))

    def as_sqlite(self, compiler, connection, **extra):
        p, params = compiler.compile(self.source_expressions[0])
        rows_list = f"json_type({p}, '$.rows') = 'array'"
        sql = (
            f"json_set(json_remove({p}, '$.changes', '$.values',"
            f" CASE WHEN {rows_list} THEN '$.rows' ELSE '$.n_rows' END),"
            f" '$.n_changes', json_array_length({p}, '$.changes'),"
            f" '$.n_rows', CASE WHEN {rows_list} THEN json_array_length({p}, '$.rows') END)"
        )
        return sql, params * sql.count(p)

    def as_postgresql(self, compiler, connection, **extra):
        p, params = compiler.compile(self.source_expressions[0])
        rows_list = f"jsonb_typeof({p} -> 'rows') = 'array'"
        changes_list = f"jsonb_typeof({p} -> 'changes') = 'array'"
        sql = (
            f"(({p} - 'changes' - 'values')"
            f" - (CASE WHEN {rows_list} THEN 'rows' ELSE '' END)::text)"
            f" || jsonb_build_object("
            f"'n_changes', CASE WHEN {changes_list} THEN jsonb_array_length({p} -> 'changes') END,"
            f" 'n_rows', CASE WHEN {rows_list} THEN jsonb_array_length({p} -> 'rows') END)"
        )
        return sql, params * sql.count(p)


def _summary_event(head: dict) -> dict:
    """An event a summary reads as it would the whole one: the long lists
    stand in as lists of as many items."""
    event = dict(head)
    for key in ("changes", "rows"):
        count = event.pop(f"n_{key}", None)
        if count is not None:
            event[key] = [None] * count
    return event


def zone_of(user) -> datetime.tzinfo:
    """The user's own time zone (their profile's), else the server's."""
    name = getattr(getattr(user, "profile", None), "time_zone", "")
    try:
        return zoneinfo.ZoneInfo(name) if name else timezone.get_current_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def when_text(when: datetime.datetime, zone: datetime.tzinfo, now=None) -> str:
    """ "at 14:05" today (in `zone`), "on 2 Dec at 14:05" before."""
    local = when.astimezone(zone)
    today = (now or timezone.now()).astimezone(zone).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"at {clock}"
    return f"on {local.day} {local.strftime('%b')} at {clock}"


def value_text(value: Any) -> str:
    """A cell value as the panel shows it (as text: the template escapes it)."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    text = str(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def recent_changes(*, sheet: Sheet, limit: int = 50) -> list[dict[str, Any]]:
    """The newest change-log entries, newest first: who did what, when, with
    the cells it changed (old → new) and whether it can still be reverted."""
    reverted = Exists(Change.objects.filter(undo_of=OuterRef("pk")))
    changes = list(
        sheet.changes.select_related("user__profile")
        .defer("undo", "response", "payload")
        .annotate(
            has_revert=reverted,
            head=_PayloadHead(),
            undo_pieces=_UndoPieces(),
            undo_items=_ListLength(),
        )
        .order_by("-seq")[:limit]
    )
    for change in changes:
        pieces = change.undo_pieces if isinstance(change.undo_pieces, list) else []
        for (name, _), value in zip(_PIECES, pieces, strict=False):
            setattr(change, name, value)
        for name, _ in _PIECES[len(pieces) :]:
            setattr(change, name, None)
    names = dict(sheet.columns.values_list("id", "name"))
    columns = {str(k): v for k, v in names.items()}
    rows = _row_numbers(sheet, changes)
    out = []
    now = timezone.now()
    for change in changes:
        profile = getattr(change.user, "profile", None) if change.user else None
        payload = change.head or {}
        lines, more = _details(change, columns, rows) if change.head else ([], 0)
        out.append(
            {
                "seq": change.seq,
                "who": profile.display_name if profile else "someone",
                "colour": profile.colour if profile else "#888888",
                "when": change.created_at,
                "just_now": now - change.created_at < datetime.timedelta(minutes=1),
                "what": op_registry.summary(_summary_event(payload)) if payload else "(pruned)",
                "kind": payload.get("kind", "do"),
                "reverts": payload.get("reverts"),
                "reverted": change.has_revert,
                "can_revert": bool(payload and change.undo_kind) and not change.has_revert,
                "lines": lines,
                "more": more,
            }
        )
    return out


def _row_ids(change: Change) -> list[str]:
    ids = []
    for i in range(DETAIL_ITEMS):
        cell = getattr(change, f"cells_{i}")
        row = getattr(change, f"rows_{i}")
        if isinstance(cell, dict) and "row" in cell:
            ids.append(cell["row"])
        if isinstance(row, dict) and "id" in row:
            ids.append(row["id"])
    return ids


def _row_numbers(sheet: Sheet, changes: list[Change]) -> dict[str, int]:
    """{row id: its place in the sheet now, from 1} of the rows the entries name."""
    wanted = {i for change in changes for i in _row_ids(change)}
    if not wanted:
        return {}
    # Numbered over the whole sheet, then picked: a WHERE on the ids would run
    # before the numbering, so the pick goes through the window (a QUALIFY).
    number = Window(RowNumber(), order_by=F("order").asc())  # the snapshot's order
    numbered = (
        Row.objects.filter(sheet=sheet)
        .annotate(number=Case(When(id__in=wanted, then=number)))
        .filter(number__isnull=False)
        .values_list("id", "number")
    )
    return {str(row_id): number for row_id, number in numbered}


def _row_label(rows: dict[str, int], row_id: str) -> str:
    number = rows.get(row_id)
    return f"row {number}" if number is not None else "a deleted row"


def _row_preview(values: dict, columns: dict[str, str]) -> str:
    shown = [f"{columns[c]}: {value_text(v)}" for c, v in values.items() if c in columns]
    return "; ".join(shown[:DETAIL_ITEMS]) or "(empty)"


def _details(change: Change, columns: dict[str, str], rows: dict[str, int]) -> tuple[list, int]:
    """([{"where", "old", "new"}], how many more) of one change, by its undo kind."""
    kind = change.undo_kind
    items = {name: _first(change, name) for name in _LISTS}
    lines: list[dict[str, str]] = []
    if kind == "cells":
        for cell in items["cells"]:
            column = columns.get(cell.get("col"), "a deleted column")
            lines.append(
                {
                    "where": f"{column}, {_row_label(rows, cell.get('row'))}",
                    "old": value_text(cell.get("before")),
                    "new": value_text(cell.get("after")),
                }
            )
        return lines, (change.undo_items or 0) - len(lines)
    if kind in ("rows_insert", "rows_delete"):
        for row in items["rows"]:
            shown = _row_preview(row.get("values") or {}, columns)
            label = _row_label(rows, row.get("id"))
            gone = kind == "rows_delete"
            lines.append(
                {
                    "where": label,
                    "old": shown if gone else "(no row)",
                    "new": "(deleted)" if gone else shown,
                }
            )
        return lines, (change.undo_items or 0) - len(lines)
    if kind in ("columns_insert", "columns_delete"):
        for column in items["columns"]:
            if kind == "columns_delete" and isinstance(column, dict):
                lines.append({"where": "column", "old": column.get("name", ""), "new": "(deleted)"})
            else:
                name = columns.get(str(column), "a column deleted since")
                lines.append({"where": "column", "old": "(no column)", "new": name})
        return lines, (change.undo_items or 0) - len(lines)
    if kind == "column_update":
        for field in ("name", "type"):
            old, new = getattr(change, f"before_{field}"), getattr(change, f"after_{field}")
            if old != new:
                lines.append({"where": f"column {field}", "old": old, "new": new})
    return lines, 0


def _first(change: Change, name: str) -> list:
    """The first items of the undo record's list `name`, as read."""
    items = [getattr(change, f"{name}_{i}") for i in range(DETAIL_ITEMS)]
    return [item for item in items if item is not None]
