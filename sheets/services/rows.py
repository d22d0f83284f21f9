"""Rows: inserted with client-made ids after a given row, deleted by id.

Undo kinds "rows_insert" and "rows_delete"; events `rows.inserted` and `rows.deleted`.
"""

import uuid
from typing import Any

from django.conf import settings

from sheets import op_registry
from sheets.models import FORMULA, Row, Sheet
from sheets.op_registry import Conflict
from sheets.realtime import events
from sheets.services.computed import Recalc
from sheets.services.core import (
    ORDER_GAP,
    OpError,
    apply_values,
    clean_cells,
    clean_id_list,
    columns_by_id,
    fits,
    parse_uuid,
    run_op,
    same_value,
)
from sheets.services.sort_sheet import reorders


def order_keys(locked: Sheet, after_id: str | None, count: int) -> list[float]:
    """`count` increasing order keys just after row `after_id` (None: at the top),
    without touching other rows: evenly spaced up to the next row."""
    if after_id is None:
        first = locked.rows.order_by("order").values_list("order", flat=True).first()
        low = (first if first is not None else 0.0) - ORDER_GAP * (count + 1)
        high = first
    else:
        low = locked.rows.filter(id=after_id).values_list("order", flat=True).first()
        if low is None:
            raise OpError(
                "row_not_found",
                "The row to insert after no longer exists.",
                status=409,
                row=after_id,
            )
        high = (
            locked.rows.filter(order__gt=low).order_by("order").values_list("order", flat=True)
        ).first()
    if high is None:
        return [low + ORDER_GAP * (i + 1) for i in range(count)]
    step = (high - low) / (count + 1)
    if step <= max(abs(low), abs(high), 1.0) * 1e-12:
        # Float precision ran out between two neighbours (many inserts at one
        # spot): renumber once. Rare, and clients place rows by `after`, not key.
        _renumber_rows(locked)
        return order_keys(locked, after_id, count)
    return [low + step * (i + 1) for i in range(count)]


def _chains(specs: list[tuple]) -> list[list[tuple]]:
    """Runs of rows each inserted after the one before (a paste): one key range each."""
    chains: list[list[tuple]] = []
    for spec in specs:
        if chains and spec[1] is not None and spec[1] == chains[-1][-1][0]:
            chains[-1].append(spec)
        else:
            chains.append([spec])
    return chains


def _renumber_rows(locked: Sheet) -> None:
    rows = list(locked.rows.order_by("order", "id").only("id", "order"))
    for i, row in enumerate(rows):
        row.order = (i + 1) * ORDER_GAP
    Row.objects.bulk_update(rows, ["order"], batch_size=2000)
    # Every row's position changed: the op's event says so (tabs' keys are stale).
    locked.rows_renumbered = True


def _row_specs(rows: Any) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(id, after, {column id: raw value}) of each row of a well-formed insert."""
    if not isinstance(rows, list) or not rows:
        raise OpError("invalid_rows", "rows must be a non-empty list.")
    if len(rows) > settings.MAX_CHANGES_PER_OP:
        raise OpError("too_many_rows", "Too many rows in one op; split it.", status=413)
    specs = []
    for spec in rows:
        if not isinstance(spec, dict) or "id" not in spec:
            raise OpError(
                "invalid_row", 'Each row is {"id": uuid, "after": id|null, "values": {}}.'
            )
        after = spec.get("after")
        raw_values = spec.get("values")
        if raw_values is None:
            raw_values = {}
        if not isinstance(raw_values, dict):
            raise OpError("invalid_row", "values must be an object keyed by column id.")
        specs.append(
            (
                str(parse_uuid(spec["id"], "row id")),
                str(parse_uuid(after, "after")) if after is not None else None,
                {str(parse_uuid(k, "column id")): v for k, v in raw_values.items()},
            )
        )
    return specs


def rows_insert(
    *, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None, rows: Any
) -> dict:
    """Insert rows with client-made ids, each after a given row (null: at the top)."""
    specs = _row_specs(rows)
    new_ids = [s[0] for s in specs]
    if len(set(new_ids)) != len(new_ids):
        raise OpError("duplicate_id", "Each new row needs its own id.", status=409)

    def apply(locked: Sheet) -> dict:
        if Row.objects.filter(id__in=new_ids).exists():
            raise OpError("id_taken", "A row with that id exists already.", status=409)
        if locked.row_count + len(specs) > settings.MAX_ROWS_PER_SHEET:
            raise OpError(
                "too_many_rows", f"A sheet holds at most {settings.MAX_ROWS_PER_SHEET} rows."
            )
        columns = columns_by_id(locked)
        recalc = Recalc(locked, columns)
        errors: list[dict] = []
        inserted = []
        written = []  # (id, the values written), for the undo's check that they are unchanged
        for chain in _chains(specs):
            keys = order_keys(locked, chain[0][1], len(chain))
            new_rows = []
            for (row_id, after, raw), key in zip(chain, keys, strict=True):
                row = Row(id=row_id, sheet=locked, order=key)
                committed = apply_values(row, clean_cells(columns, raw, row_id, errors))
                written.append(
                    {"id": row_id, "values": {k: v for k, v in committed.items() if v is not None}}
                )
                new_rows.append(row)
                inserted.append(
                    {"id": row_id, "after": after, "values": row.values, "position": key}
                )
            recalc.rows(new_rows, {})
            Row.objects.bulk_create(new_rows, batch_size=1000)
        renumbered = getattr(locked, "rows_renumbered", False)
        if renumbered:  # a later chain's renumbering moved the earlier chains' rows too
            now = dict(locked.rows.filter(id__in=new_ids).values_list("id", "order"))
            for row in inserted:
                row["position"] = now[uuid.UUID(row["id"])]
        undo = {"kind": "rows_insert", "rows": written}
        event = events.rows_inserted(inserted, renumbered=renumbered)
        event = events.with_computed(event, totals=recalc.finish())
        return {"event": event, "errors": errors, "undo": undo}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def rows_delete(
    *, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None, rows: Any
) -> dict:
    ids = clean_id_list(rows, "rows")

    def apply(locked: Sheet) -> dict:
        existing, undo = delete_rows(locked, ids)
        return {"event": _deleted_event(locked, existing, undo), "undo": undo}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def delete_rows(locked: Sheet, ids: list[str]) -> tuple[list[str], dict]:
    """Delete those of `ids` that exist: (deleted ids, how to undo it)."""
    gone = list(locked.rows.filter(id__in=ids).values_list("id", "order", "values"))
    if not gone:
        raise OpError("row_not_found", "Those rows no longer exist.", status=409)
    deleted = [str(row_id) for row_id, _, _ in gone]
    locked.rows.filter(id__in=deleted).delete()
    restore = [{"id": str(i), "order": o, "values": v} for i, o, v in gone]
    return deleted, {"kind": "rows_delete", "rows": restore}


def _deleted_event(locked: Sheet, deleted: list[str], undo: dict) -> events.RowsDeleted:
    """The event of rows deleted, with the totals they leave."""
    recalc = Recalc(locked)
    recalc.removed(r["values"] for r in undo["rows"])
    positions = [r["order"] for r in undo["rows"]]
    return events.with_computed(events.rows_deleted(deleted, positions), totals=recalc.finish())


def _same_row_values(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)


def revert_rows_insert(locked: Sheet, spec: dict) -> tuple[events.RowsDeleted, dict]:
    """Delete the rows it inserted, unless one was changed since."""
    wanted = {r["id"]: r["values"] for r in spec["rows"]}
    current = dict(locked.rows.filter(id__in=list(wanted)).values_list("id", "values"))
    if not current:
        raise Conflict("the rows it inserted were", rows=wanted)
    columns = columns_by_id(locked)
    for row_id, now in current.items():
        # Formula cells are computed, not written: only the written cells count.
        written = {k: v for k, v in now.items() if k not in columns or columns[k].type != FORMULA}
        if not _same_row_values(written, wanted[str(row_id)]):
            raise Conflict("a row it inserted was", rows=[str(row_id)])
    deleted, inverse = delete_rows(locked, [str(i) for i in current])
    return _deleted_event(locked, deleted, inverse), inverse


def _restore_before_holder(locked: Sheet, row: Row) -> None:
    """A row inserted since the delete took this row's old order key (a
    delete, then an insert at that spot: the new key is the same midpoint).
    Two rows on one key would sit in either order, and tabs could differ from
    the database: the restored row goes just before the row holding its key,
    right after the row that was before it."""
    before = (
        locked.rows.filter(order__lt=row.order).order_by("-order").values_list("id", flat=True)
    ).first()
    row.order = order_keys(locked, None if before is None else str(before), 1)[0]
    row.save(force_insert=True)


def revert_rows_delete(locked: Sheet, spec: dict) -> tuple[events.RowsInserted, dict]:
    """Put the deleted rows back where they were, unless their ids came back."""
    restore = sorted(spec["rows"], key=lambda r: r["order"])
    ids = [r["id"] for r in restore]
    if Row.objects.filter(id__in=ids).exists():
        raise Conflict("a row it deleted was", rows=ids)
    if locked.row_count + len(restore) > settings.MAX_ROWS_PER_SHEET:
        raise OpError("too_many_rows", f"A sheet holds at most {settings.MAX_ROWS_PER_SHEET} rows.")
    columns = columns_by_id(locked)
    new_rows = [
        Row(
            id=r["id"],
            sheet=locked,
            order=r["order"],
            # Values of columns deleted or retyped since stay out.
            values={
                c: v for c, v in r["values"].items() if c in columns and fits(columns[c].type, v)
            },
        )
        for r in restore
    ]
    kept = {str(r.id): dict(r.values) for r in new_rows}
    recalc = Recalc(locked, columns)
    recalc.rows(new_rows, {})
    orders = [r.order for r in new_rows]
    taken = set(locked.rows.filter(order__in=orders).values_list("order", flat=True))
    Row.objects.bulk_create([r for r in new_rows if r.order not in taken], batch_size=1000)
    for row in new_rows:
        if row.order in taken:
            _restore_before_holder(locked, row)
    # Tabs place rows by the row before them, in turn: read both off the
    # order keys as stored (a renumbering may have moved them all), from the
    # row before the first restored one to the last: a span, not the sheet.
    restored = {str(r.id): r for r in new_rows}
    stored = list(locked.rows.filter(id__in=list(restored)).values_list("order", flat=True))
    low, high = min(stored), max(stored)
    inserted = []
    before = locked.rows.filter(order__lt=low).order_by("-order", "-id")
    previous = next((str(i) for i in before.values_list("id", flat=True)[:1]), None)
    span = locked.rows.filter(order__gte=low, order__lte=high).order_by("order", "id")
    for row_id, position in span.values_list("id", "order").iterator(5000):
        row_id = str(row_id)
        if row_id in restored:
            values = restored[row_id].values
            inserted.append(
                {"id": row_id, "after": previous, "values": values, "position": position}
            )
        previous = row_id

    inverse = {
        "kind": "rows_insert",
        "rows": [{"id": r["id"], "values": kept[r["id"]]} for r in inserted],
    }
    event = events.rows_inserted(inserted, renumbered=getattr(locked, "rows_renumbered", False))
    event = events.with_computed(event, totals=recalc.finish())
    return event, inverse


op_registry.register_event(
    events.ROWS_INSERTED,
    summary=lambda e: f"inserted {op_registry.plural(len(e.get('rows', [])), 'row')}",
    touches=lambda e, conflict: reorders(conflict),
    rows=lambda e, count: count + len(e["rows"]),
)
op_registry.register_event(
    events.ROWS_DELETED,
    summary=lambda e: f"deleted {op_registry.plural(len(e.get('rows', [])), 'row')}",
    touches=lambda e, conflict: (
        reorders(conflict) or not conflict.row_ids().isdisjoint(e.get("rows", []))
    ),
    rows=lambda e, count: count - len(e["rows"]),
)
op_registry.register_reverter("rows_insert", revert_rows_insert)
op_registry.register_reverter("rows_delete", revert_rows_delete)
