"""Reading and writing the values of many rows at once, for the ops that
touch every row of a sheet (a formula computed whole, a column converted or
stripped). The ORM's bulk_update builds a CASE of every row, and a row at a
time is a round trip each: here a batch is one statement.

On PostgreSQL `rewrite_rows` reads only the cells it is asked for and sends
each batch's UPDATE in pipeline mode: while Python computes a batch, the
server writes the one before and reads the next (two cores at work, not one
after the other).
"""

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from sheets.models import Row, Sheet

BATCH = 5000
# jsonb_build_array takes at most 100 arguments: past this, whole rows are read.
MOST_KEYS = 90
_cursor_names = itertools.count()

# (row id, its cells): all its values, or on PostgreSQL only the keys asked
# for (an absent cell is None).
Cells = tuple[Any, dict[str, Any]]
# (row id, its cells after the change, {column id: new value, None: cleared}).
Changed = tuple[Any, dict[str, Any], dict[str, Any]]


def save_values(rows: list[tuple[Any, dict]]) -> None:
    """Write rows' whole `values` ((id, values) each), a batch per statement."""
    for start in range(0, len(rows), BATCH):
        _save_whole(rows[start : start + BATCH])


def rewrite_rows(
    locked: Sheet,
    keys: list[str],
    change: Callable[[list[Cells]], list[Changed]],
    *,
    after_order: float | None = None,
) -> None:
    """Read the cells `keys` of every row of the sheet (with `after_order`,
    only of the rows placed after it), a batch at a time; `change` changes
    a batch's cells and returns the rows it changed, which are written back."""
    if connection.vendor != "postgresql":
        rows = Row.objects.filter(sheet_id=locked.id)
        if after_order is not None:
            rows = rows.filter(order__gt=after_order)
        for batch in _whole_rows(rows):
            _save_whole([(pk, cells) for pk, cells, _ in change(batch)])
        return
    name = f"gridroom_rows_{next(_cursor_names)}"
    connection.ensure_connection()
    raw = connection.connection
    # Server-side binding for the writes: Django's cursor would write each
    # batch's JSON into the statement's text, for the server to parse as SQL.
    with connection.cursor() as reader, psycopg.Cursor(raw) as writer, raw.pipeline():
        reader.execute(*_declare(name, locked, keys, after_order))
        fetch = f"FETCH {BATCH} FROM {name}"
        reader.execute(fetch)
        pending: list[Changed] = []
        while found := reader.fetchall():
            # Queued, not awaited: the server writes the last batch and reads
            # the next while this one is computed.
            if pending:
                writer.execute(*_patch_statement(pending))
            reader.execute(fetch)
            pending = change(_decode(found, keys))
        if pending:
            writer.execute(*_patch_statement(pending))
        reader.execute(f"CLOSE {name}")


def _declare(
    name: str, locked: Sheet, keys: list[str], after_order: float | None
) -> tuple[str, list]:
    table = connection.ops.quote_name(Row._meta.db_table)
    values, order = (connection.ops.quote_name(n) for n in ("values", "order"))
    if len(keys) > MOST_KEYS:
        cells, params = f"{values}::text", []
    else:
        cells = "jsonb_build_array(" + ", ".join([f"{values} -> %s"] * len(keys)) + ")::text"
        params = list(keys)
    where, params = "sheet_id = %s", [*params, locked.id]
    if after_order is not None:
        where, params = f"{where} AND {order} > %s", [*params, after_order]
    select = f"SELECT id::text, {cells} FROM {table} WHERE {where}"
    return f"DECLARE {name} NO SCROLL CURSOR FOR {select}", params


def _decode(found: list[tuple[str, str]], keys: list[str]) -> list[Cells]:
    """One JSON decode per batch: one per row costs more than the decoding."""
    decoded = json.loads("[" + ",".join(text for _, text in found) + "]")
    ids = (row_id for row_id, _ in found)
    if len(keys) > MOST_KEYS:
        return list(zip(ids, decoded, strict=True))
    return [
        (row_id, dict(zip(keys, cells, strict=True)))
        for row_id, cells in zip(ids, decoded, strict=True)
    ]


def _patch_statement(rows: list[Changed]) -> tuple[str, list]:
    """One UPDATE merging each row's changed cells into its values: only those
    keys travel, as {row id: {column id: value, or null: cleared}}. Stored
    values never hold null (an empty cell is absent), so stripping nulls
    clears exactly the cells cleared; a batch that clears none skips it."""
    table = connection.ops.quote_name(Row._meta.db_table)
    values = connection.ops.quote_name("values")
    batch = _dumps({str(pk): changed for pk, _, changed in rows})
    merged = f"{table}.{values} || v.patch"
    if any(None in changed.values() for _, _, changed in rows):
        merged = f"jsonb_strip_nulls({merged})"
    query = (
        f"UPDATE {table} SET {values} = {merged} "
        f"FROM jsonb_each(%s::jsonb) AS v(id, patch) WHERE {table}.id = v.id::uuid"
    )
    return query, [batch]


# The values are plain JSON made here: no need to look for reference cycles.
_dumps = json.JSONEncoder(check_circular=False).encode


def _whole_rows(rows) -> Iterator[list[Cells]]:
    """(id, values) of each row, a batch at a time."""
    texts = rows.annotate(text=Cast("values", TextField())).values_list("id", "text")
    found = texts.iterator(chunk_size=BATCH)
    while batch := list(itertools.islice(found, BATCH)):
        decoded = json.loads("[" + ",".join(text for _, text in batch) + "]")
        yield list(zip((row_id for row_id, _ in batch), decoded, strict=True))


def _save_whole(rows: list[tuple[Any, dict]]) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(Row._meta.db_table)
    values = connection.ops.quote_name("values")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One JSON document for the batch: the driver's escaping of a
            # text array, element by element, cost more than the UPDATE.
            batch = json.dumps([{"id": str(pk), "cells": cells} for pk, cells in rows])
            cursor.execute(
                f"UPDATE {table} SET {values} = v.cells FROM jsonb_to_recordset(%s::jsonb) "
                f"AS v(id uuid, cells jsonb) WHERE {table}.id = v.id",
                [batch],
            )
        else:
            id_field = Row._meta.pk
            cursor.executemany(
                f"UPDATE {table} SET {values} = %s WHERE id = %s",
                [
                    (json.dumps(cells), id_field.get_db_prep_value(pk, connection))
                    for pk, cells in rows
                ],
            )
