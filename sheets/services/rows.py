"""Rows: inserted with client-made ids after a given row, deleted by id."""

from typing import Any

from django.conf import settings

from sheets.models import Row, Sheet
from sheets.services.core import (
    ORDER_GAP,
    OpError,
    _apply_values,
    _clean_cells,
    _columns_by_id,
    _id_list,
    _run_op,
    parse_uuid,
)


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
    rows = list(locked.rows.order_by("order").only("id", "order"))
    for i, row in enumerate(rows):
        row.order = (i + 1) * ORDER_GAP
    Row.objects.bulk_update(rows, ["order"], batch_size=2000)


def rows_insert(
    *, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None, rows: Any
) -> dict:
    """Insert rows with client-made ids, each after a given row (null: at the top)."""
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
        raw_values = spec.get("values") or {}
        if not isinstance(raw_values, dict):
            raise OpError("invalid_row", "values must be an object keyed by column id.")
        specs.append(
            (
                str(parse_uuid(spec["id"], "row id")),
                str(parse_uuid(after, "after")) if after is not None else None,
                {str(parse_uuid(k, "column id")): v for k, v in raw_values.items()},
            )
        )
    new_ids = [s[0] for s in specs]
    if len(set(new_ids)) != len(new_ids):
        raise OpError("duplicate_id", "Each new row needs its own id.", status=409)

    def apply(locked: Sheet) -> dict:
        if Row.objects.filter(id__in=new_ids).exists():
            raise OpError("id_taken", "A row with that id exists already.", status=409)
        if locked.rows.count() + len(specs) > settings.MAX_ROWS_PER_SHEET:
            raise OpError(
                "too_many_rows", f"A sheet holds at most {settings.MAX_ROWS_PER_SHEET} rows."
            )
        columns = _columns_by_id(locked)
        errors: list[dict] = []
        inserted = []
        for chain in _chains(specs):
            keys = order_keys(locked, chain[0][1], len(chain))
            new_rows = []
            for (row_id, after, raw), key in zip(chain, keys, strict=True):
                row = Row(id=row_id, sheet=locked, order=key)
                committed = _apply_values(row, _clean_cells(columns, raw, row_id, errors))
                new_rows.append(row)
                inserted.append(
                    {
                        "id": row_id,
                        "after": after,
                        "values": {k: v for k, v in committed.items() if v is not None},
                    }
                )
            Row.objects.bulk_create(new_rows, batch_size=1000)
        undo = {
            "kind": "rows_insert",
            "rows": [{"id": r["id"], "values": r["values"]} for r in inserted],
        }
        return {"event": ("rows.inserted", {"rows": inserted}), "errors": errors, "undo": undo}

    return _run_op(sheet, user, client_id, op_id, apply, base_version)


def rows_delete(
    *, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None, rows: Any
) -> dict:
    ids = _id_list(rows, "rows")

    def apply(locked: Sheet) -> dict:
        existing, undo = delete_rows(locked, ids)
        return {"event": ("rows.deleted", {"rows": existing}), "undo": undo}

    return _run_op(sheet, user, client_id, op_id, apply, base_version)


def delete_rows(locked: Sheet, ids: list[str]) -> tuple[list[str], dict]:
    """Delete those of `ids` that exist: (deleted ids, how to undo it)."""
    gone = list(locked.rows.filter(id__in=ids).values_list("id", "order", "values"))
    if not gone:
        raise OpError("row_not_found", "Those rows no longer exist.", status=409)
    deleted = [str(row_id) for row_id, _, _ in gone]
    locked.rows.filter(id__in=deleted).delete()
    restore = [{"id": str(i), "order": o, "values": v} for i, o, v in gone]
    return deleted, {"kind": "rows_delete", "rows": restore}
