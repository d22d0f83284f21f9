"""Writing many new rows at once, for the import: straight into the table
inside the caller's transaction, without building model instances.

The ORM's bulk_create spends more time building 100,000 `Row` instances and
their SQL than the database spends storing them. Here rows go out as plain
tuples: one COPY for the whole import on PostgreSQL (the server stores one
batch while Python prepares the next), an executemany per batch elsewhere.
Their cells arrive already JSON-encoded (sheets/io/cleaning.py `encode_rows`),
either just cleaned or from the preview's row cache (sheets/io/preview_cache.py).

Below that, the import's rows a batch at a time (`BATCH_ROWS`), never all of
them at once: the preview's cached rows as they are (`write_cached`, in a
savepoint undone if the cache turns out damaged), or the file's rows cleaned
and encoded as they are read (`cleaned_batches`); `write_rows` holds the row
limit and reports progress per batch.
"""

import contextlib
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from sheets.io.cleaning import BATCH_ROWS, clean_columns, encode_rows
from sheets.io.preview_cache import CacheDamaged, CachedRows
from sheets.models import Row, Sheet
from sheets.services.core import ORDER_GAP, OpError

log = logging.getLogger(__name__)

_VERSION_VARIANT = (0x7 << 76) | (0b10 << 62)


def new_row_ids(count: int) -> list[str]:
    """`count` UUIDv7 (RFC 9562), increasing: a millisecond timestamp, then a
    random start plus a counter. Rows written together sit together in the
    primary key's index instead of all over it (random ids made a third of
    PostgreSQL's time for an import)."""
    ms = time.time_ns() // 1_000_000
    start = int.from_bytes(os.urandom(9), "big") >> 1  # 71 random bits: room to count
    out = []
    for i in range(count):
        n = start + i
        rand_a, rand_b = (n >> 62) & 0xFFF, n & ((1 << 62) - 1)
        out.append(f"{(ms << 80) | _VERSION_VARIANT | (rand_a << 64) | rand_b:032x}")
    return out


@contextlib.contextmanager
def row_writer(sheet_id: int) -> Iterator[Callable[[list[str], float], None]]:
    """`write(encoded, first_order)`: new rows of the sheet, one per item of
    `encoded` (a row's `Row.values` as JSON text, see `encode_rows`), ordered
    from `first_order` on, `ORDER_GAP` apart."""
    quote = connection.ops.quote_name
    table = quote(Row._meta.db_table)
    names = ", ".join(
        quote(Row._meta.get_field(f).column) for f in ("id", "sheet", "order", "values")
    )

    def records(encoded: list[str], first_order: float) -> list[tuple]:
        return [
            (row_id, sheet_id, first_order + ORDER_GAP * i, text)
            for i, (row_id, text) in enumerate(zip(new_row_ids(len(encoded)), encoded, strict=True))
        ]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:

                def write(encoded: list[str], first_order: float) -> None:
                    for record in records(encoded, first_order):
                        copy.write_row(record)

                yield write
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES (%s, %s, %s, %s)"
            yield lambda encoded, first_order: cursor.executemany(
                sql, records(encoded, first_order)
            )


# --- The import's rows, a batch at a time (sheets/io/writer.py `sheet_import`).

MAX_ERRORS = 100
Batches = Iterator[tuple[int, list[str] | None]]


def write_cached(
    locked: Sheet,
    cached: CachedRows,
    skip_bad: bool,
    start: float,
    present: int,
    progress: Callable[[int], None] | None,
) -> int | None:
    """Insert the preview's rows as they are; None (and nothing written) if
    the cache turns out damaged once read, or holds a row the database
    refuses (its CRC-32 is only known at the end)."""
    batches = ((len(b), b) for b in cached.batches(BATCH_ROWS, skip_bad=skip_bad))
    try:
        with transaction.atomic():  # a savepoint: a damaged cache's rows go
            return write_rows(locked, batches, start, present, progress)
    except (CacheDamaged, DatabaseError):
        log.warning(
            "import row cache %s is not the one previewed: reading the upload",
            cached.path,
            exc_info=True,
        )
        cached.used, cached.skipped = False, 0
        return None


def write_rows(
    locked: Sheet,
    batches: Batches,
    start: float,
    present: int,
    progress: Callable[[int], None] | None,
) -> int:
    """Insert the batches' encoded rows (a batch of None: only counted) and
    hold the row limit."""
    limit = settings.MAX_ROWS_PER_SHEET - present
    count = 0
    with row_writer(locked.id) as write:
        for size, encoded in batches:
            if count + size > limit:
                raise OpError(
                    "too_many_rows",
                    f"A sheet holds at most {settings.MAX_ROWS_PER_SHEET:,} rows.",
                )
            if encoded is not None:
                write(encoded, start + ORDER_GAP * (count + 1))
            count += size
            if progress is not None:
                progress(count)
    return count


def cleaned_batches(
    rows: Iterable[tuple[int, list[str]]],
    cleaners: list[tuple[int, Any]],
    on_error: str,
    outcome: dict[str, int],
) -> Batches:
    """(size, encoded rows) per `BATCH_ROWS` rows of the file. A row with a
    bad value is left out (`on_error` "skip") or written with that cell
    empty ("empty"), counted in `outcome`. Otherwise, after a bad value
    nothing is kept (size, None) but every row is still checked, so every
    error is counted: OpError at the end."""
    errors: list[dict] = []
    error_count = 0
    rows = iter(rows)
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        numbers = [number for number, _ in batch]
        cells = [row for _, row in batch]
        cleaned, bad = clean_columns(cells, cleaners, numbers)
        size = len(cells)
        if bad and on_error == "skip":
            dropped = {e["row"] for e in bad}
            kept = [i for i, number in enumerate(numbers) if number not in dropped]
            cleaned = [(key, kind, [stored[i] for i in kept]) for key, kind, stored in cleaned]
            outcome["skipped"] += size - len(kept)
            size = len(kept)
        elif bad and on_error == "empty":
            outcome["emptied"] += len(bad)
        elif bad:
            error_count += len(bad)
            errors.extend(bad[: MAX_ERRORS - len(errors)])
        yield size, None if error_count else encode_rows(size, cleaned)
    if error_count:
        raise OpError(
            "invalid_values",
            f"{error_count:,} value(s) do not fit their column; nothing was imported.",
            status=422,
            errors=errors,
            count=error_count,
        )
