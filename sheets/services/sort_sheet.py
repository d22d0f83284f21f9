"""Sort the sheet: every row gets a new place, for everyone, in a view's order
(sheets/viewquery.py), written by one SQL UPDATE whatever the row count.

Undo kinds "rows_sort" (put the rows back in their order before a sort) and
"rows_resort" (sort again by the same keys: the redo); event `rows.sorted`.

The undo record keeps no row ids: the sort gives the row of rank k the order
key k * ORDER_GAP, so the record is the list of the old keys by rank (one
number a row, ~13 MB of JSON for 1,000,000 rows instead of ~50 MB with ids),
and the undo gives the row holding key k * ORDER_GAP its old key back. That
holds while no row came or went and nothing else reordered the rows: an undo
after a row insert, a row delete, an import or another sort is refused
(docs/operations.md, "Sorting the sheet").
"""

import json
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Window
from django.db.models.functions import RowNumber

from sheets import op_registry, viewspec
from sheets.models import Change, Row, Sheet
from sheets.op_registry import Conflict
from sheets.realtime import events
from sheets.services.core import ORDER_GAP, OpError, run_op
from sheets.viewquery import view_rows

# What a refused undo says changed, and what the blame looks for.
ORDER_CHANGED = "the rows' order or the rows themselves were"
# Events after a sort that make its undo record stale: rows came, went or moved.
_REORDERING = (events.ROWS_INSERTED, events.ROWS_DELETED, events.ROWS_SORTED, events.SHEET_RESET)


def _clean_keys(raw: Any) -> list[events.SortKeyInfo]:
    """The request's sort keys, well-formed (the columns are checked on the locked sheet)."""
    if not isinstance(raw, list) or not raw:
        raise OpError("invalid_sort", "sort must be a non-empty list of sort keys.")
    if len(raw) > viewspec.MAX_SORT_KEYS:
        raise OpError("invalid_sort", f"Sort by at most {viewspec.MAX_SORT_KEYS} columns.")
    keys: list[events.SortKeyInfo] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"column", "descending"}:
            raise OpError("invalid_sort", 'Each sort key is {"column": id, "descending": bool}.')
        descending = item.get("descending", False)
        if not isinstance(descending, bool) or not isinstance(item.get("column"), str):
            raise OpError("invalid_sort", 'Each sort key is {"column": id, "descending": bool}.')
        keys.append({"column": item["column"], "descending": descending})
    return keys


def _spec(locked: Sheet, keys: list[events.SortKeyInfo]) -> viewspec.ViewSpec:
    """The keys as a view's sort, checked against the sheet's columns by the views' own rules."""
    sort = [{"column": k["column"], "dir": "desc" if k["descending"] else "asc"} for k in keys]
    raw = {"sort": sort}
    try:
        return viewspec.parse_view(json.dumps(raw), list(locked.columns.all()))
    except viewspec.ViewSpecError as exc:
        raise OpError(exc.error, exc.message) from None


def _sort(locked: Sheet, keys: list[events.SortKeyInfo]) -> tuple[events.RowsSorted, dict]:
    """Give every row its key in the sort's order: (event body, undo record)."""
    if locked.row_count > settings.SORT_SHEET_MAX_ROWS:
        raise OpError(
            "sheet_too_big_to_sort",
            f"Sorting for everyone works on sheets of up to {settings.SORT_SHEET_MAX_ROWS:,}"
            " rows. Sort A → Z in your own view instead: it changes only what you see.",
        )
    ordered = view_rows(locked, _spec(locked, keys))
    ranked = ordered.annotate(rank=Window(RowNumber(), order_by=list(ordered.query.order_by)))
    sub, params = ranked.order_by().values("id", "order", "rank").query.sql_with_params()
    table = connection.ops.quote_name(Row._meta.db_table)
    update = f'UPDATE {table} SET "order" = s.rank * %s FROM ({sub}) AS s WHERE {table}.id = s.id'
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(update + ' RETURNING s.rank, s."order"', [ORDER_GAP, *params])
            pairs = cursor.fetchall()
            old = [0.0] * len(pairs)
            for rank, order in pairs:
                old[rank - 1] = order
        else:  # SQLite's RETURNING names only the updated table: read the old keys first
            cursor.execute(f'SELECT s."order" FROM ({sub}) AS s ORDER BY s.rank', params)
            old = [order for (order,) in cursor.fetchall()]
            cursor.execute(update, [ORDER_GAP, *params])
    # The seq this op's change gets (run_op bumps the version once, after apply).
    undo = {"kind": "rows_sort", "seq": locked.version + 1, "sort": keys, "orders": old}
    return events.rows_sorted(keys, len(old)), undo


def rows_sort(
    *, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None, sort: Any
) -> dict:
    """Sort the sheet's rows for everyone by 1 to 5 columns, as a view sorts them."""
    keys = _clean_keys(sort)

    def apply(locked: Sheet) -> dict:
        event, undo = _sort(locked, keys)
        return {"event": event, "undo": undo}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def revert_rows_sort(locked: Sheet, spec: dict) -> tuple[events.RowsSorted, dict]:
    """Put every row back at its key from before the sort, unless rows came,
    went or moved since (the record names rows by their place, not by id)."""
    later = Change.objects.filter(sheet=locked, seq__gt=spec["seq"], payload__type__in=_REORDERING)
    orders = spec["orders"]
    if later.exists() or locked.row_count != len(orders):
        raise Conflict(ORDER_CHANGED)
    table = connection.ops.quote_name(Row._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f'UPDATE {table} SET "order" = o.old'
                " FROM unnest(%s::double precision[]) WITH ORDINALITY AS o(old, k)"
                f' WHERE {table}.sheet_id = %s AND {table}."order" = o.k * %s',
                [orders, locked.id, ORDER_GAP],
            )
        else:
            cursor.execute(
                f'UPDATE {table} SET "order" = o.value FROM json_each(%s) AS o'
                f' WHERE {table}.sheet_id = %s AND {table}."order" = (o.key + 1) * %s',
                [json.dumps(orders), locked.id, ORDER_GAP],
            )
        placed = cursor.rowcount
    if placed != len(orders):
        raise Conflict(ORDER_CHANGED)  # rolls back with the op: nothing moved
    return events.rows_sorted([], placed), {"kind": "rows_resort", "sort": spec["sort"]}


def revert_rows_resort(locked: Sheet, spec: dict) -> tuple[events.RowsSorted, dict]:
    """The redo: sort again by the same keys, unless a column of them is gone."""
    have = {str(i) for i in locked.columns.values_list("id", flat=True)}
    gone = [k["column"] for k in spec["sort"] if k["column"] not in have]
    if gone:
        raise Conflict("a column it sorted by was", columns=gone)
    return _sort(locked, spec["sort"])


def _summary(event: dict) -> str:
    if not event.get("sort"):
        return "put the rows back in their order before a sort"
    return f"sorted the sheet by {op_registry.plural(len(event['sort']), 'column')}"


def reorders(conflict: Conflict) -> bool:
    """The refused undo is a sort's: any event that moved rows is in its way."""
    return conflict.what == ORDER_CHANGED


op_registry.register_event(
    events.ROWS_SORTED,
    summary=_summary,
    touches=lambda e, conflict: reorders(conflict),
)
op_registry.register_reverter("rows_sort", revert_rows_sort)
op_registry.register_reverter("rows_resort", revert_rows_resort)
