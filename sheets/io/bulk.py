"""Writing many new rows at once, for the import: straight into the table
inside the caller's transaction, without building model instances.

The ORM's bulk_create spends more time building 100,000 `Row` instances and
their SQL than the database spends storing them. Here rows go out as plain
tuples: one COPY for the whole import on PostgreSQL (the server stores one
batch while Python prepares the next), an executemany per batch elsewhere.
Their cells arrive already JSON-encoded (sheets/io/cleaning.py `encode_rows`),
either just cleaned or from the preview's row cache (sheets/io/preview_cache.py).
"""

import contextlib
import os
import time
from collections.abc import Callable, Iterator

from django.db import connection

from sheets.models import Row
from sheets.services.core import ORDER_GAP

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
