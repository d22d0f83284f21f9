"""Row windows: a block of a sheet's rows in order, read by keyset and
streamed as compact JSON (docs/protocol.md, "Row windows").

A block is found by the rows' order key and id (the `row_sheet_order_id`
index), never by OFFSET over the rows it skips, so the first, a middle and
the last block of a million rows cost the same. Only a jump to row number K
walks the index to K (from whichever end is nearer), without reading rows.

The answer is written while the rows are read, a chunk at a time from the
database cursor, inside one consistent read (selectors.consistent_read):
the version (`seq`), the row count and the rows all belong to one moment,
and on SQLite the read holds no write lock.
"""

import hashlib
import json
import logging
import math
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet

from sheets import selectors, viewindex, viewquery
from sheets.models import Row, Sheet
from sheets.refusals import RequestRefused
from sheets.selectors import consistent_read
from sheets.viewspec import ViewSpec

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 500
CHUNK_ROWS = 2000  # rows per database fetch and per piece of the answer
VIEW_COUNT_SECONDS = 600  # a view's count kept this long at one version
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


class WindowError(RequestRefused):
    """A malformed window request: answered 400 with this message."""


Key = tuple[float, str | None]  # (position, row id or None: any row at that position)


@dataclass(frozen=True)
class Window:
    """Which rows: from row number `at` (0 = the first; None with `end`: the
    last rows), or just after / just before a row's key."""

    limit: int
    at: int | None = None
    end: bool = False
    after: Key | None = None
    before: Key | None = None


def parse_window(params: Any) -> Window:
    """The window a query string asks for (docs/protocol.md); WindowError if malformed."""
    limit = _limit(params.get("limit"))
    given = [name for name in ("at", "after", "before") if params.get(name) not in (None, "")]
    if len(given) > 1:
        raise WindowError("invalid_window", "Give one of at, after and before, not several.")
    if not given:
        return Window(limit=limit, at=0)
    name = given[0]
    raw = params.get(name)
    if name == "at":
        if raw == "end":
            return Window(limit=limit, end=True)
        return Window(limit=limit, at=_row_number(raw))
    return Window(limit=limit, **{name: _key(name, raw)})


def _limit(raw: str | None) -> int:
    most = settings.ROW_WINDOW_MAX
    if raw in (None, ""):
        return min(DEFAULT_LIMIT, most)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or not 1 <= int(raw) <= most:
        raise WindowError("invalid_limit", f"limit must be a whole number from 1 to {most}.")
    return int(raw)


def _row_number(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise WindowError(
            "invalid_at", "at must be a row number (0 is the first row) or the word end."
        )
    return int(raw)


def _key(name: str, raw: str) -> Key:
    """`<position>` or `<position>,<row id>`, as a block gives them."""
    position, _, row_id = raw.partition(",")
    message = f"{name} must be a row's position, or its position and id: <position>,<row id>."
    try:
        number = float(position)
    except ValueError:
        raise WindowError(f"invalid_{name}", message) from None
    if not math.isfinite(number) or position.strip() != position:
        raise WindowError(f"invalid_{name}", message)
    if not row_id:
        return number, None
    try:
        if len(row_id) != 36:
            raise ValueError
        return number, str(uuid.UUID(row_id))
    except ValueError:
        raise WindowError(f"invalid_{name}", message) from None


# --- The query: a start (inclusive) found cheaply, then one ordered range.


def _above(rows: QuerySet, key: Key, *, inclusive: bool) -> QuerySet:
    """Rows after `key` in (order, id) order; the position bound is what the
    index is searched by, the id only breaks ties at that position."""
    position, row_id = key
    if row_id is None:
        return rows.filter(order__gte=position) if inclusive else rows.filter(order__gt=position)
    tie = Q(id__gte=row_id) if inclusive else Q(id__gt=row_id)
    return rows.filter(order__gte=position).filter(Q(order__gt=position) | tie)


def _below(rows: QuerySet, key: Key) -> QuerySet:
    position, row_id = key
    if row_id is None:
        return rows.filter(order__lt=position)
    return rows.filter(order__lte=position).filter(Q(order__lt=position) | Q(id__lt=row_id))


def _key_at(rows: QuerySet, number: int, count: int) -> Key | None:
    """The key of row `number` (0-based), walking the index from the nearer end."""
    if number >= count:
        return None
    if number <= count // 2:
        found = rows.order_by("order", "id").values_list("order", "id")[number : number + 1]
    else:
        back = count - 1 - number
        found = rows.order_by("-order", "-id").values_list("order", "id")[back : back + 1]
    row = next(iter(found), None)
    return None if row is None else (row[0], str(row[1]))


@dataclass
class _Range:
    rows: QuerySet  # in order, from the first row of the block on
    first: int | None  # the row number of its first row, when known without counting


def _range(sheet: Sheet, window: Window) -> _Range:
    rows = Row.objects.filter(sheet_id=sheet.id)
    ordered = ("order", "id")
    count = sheet.row_count
    if window.after is not None:
        return _Range(_above(rows, window.after, inclusive=False).order_by(*ordered), None)
    if window.before is not None:
        earlier = _below(rows, window.before)
        backwards = earlier.order_by("-order", "-id").values_list("order", "id")
        start = next(iter(backwards[window.limit - 1 : window.limit]), None)
        if start is None:  # fewer than `limit` rows before it: from the first row
            return _Range(earlier.order_by(*ordered), 0)
        inside = _above(earlier, (start[0], str(start[1])), inclusive=True)
        return _Range(inside.order_by(*ordered), None)
    number = max(count - window.limit, 0) if window.end else window.at
    if number == 0:
        return _Range(rows.order_by(*ordered), 0)
    start = _key_at(rows, number, count)
    if start is None:
        return _Range(rows.none(), number)
    return _Range(_above(rows, start, inclusive=True).order_by(*ordered), number)


def _more(rows: QuerySet, edges: "_Edges", window: Window) -> dict[str, bool]:
    """Whether rows exist before and after the block (an index probe each)."""
    if edges.first is None:  # an empty block: every row is on the side it was asked from
        some = rows.exists()
        return {
            "more_before": some and window.before is None,
            "more_after": some and window.before is not None,
        }
    return {
        "more_before": _below(rows, edges.first).exists(),
        "more_after": _above(rows, edges.last, inclusive=False).exists(),
    }


# --- The answer, written as it is read.


@dataclass
class _Edges:
    """The keys of a block's first and last rows, once they are out."""

    first: Key | None = None
    last: Key | None = None
    rows: int = 0  # rows written
    beyond: bool = False  # a row past the block's limit was found (and not written)


def _row_chunks(
    found: QuerySet, column_ids: list[str], edges: _Edges, limit: int | None = None
) -> Iterator[bytes]:
    """The rows as `[row id, position, value per column]` JSON arrays, joined
    by commas, a chunk at a time (up to `limit`: a row past it is noted in
    `edges.beyond`)."""
    pending: list[list] = []
    sep = b""
    for row_id, position, cells in found.values_list("id", "order", "values").iterator(
        chunk_size=CHUNK_ROWS
    ):
        if limit is not None and edges.rows + len(pending) == limit:
            edges.beyond = True
            break
        pending.append([str(row_id), position, *map(cells.get, column_ids)])
        if len(pending) == CHUNK_ROWS:
            yield sep + _piece(pending, edges)
            sep, pending = b",", []
    if pending:
        yield sep + _piece(pending, edges)


def _piece(rows: list[list], edges: _Edges) -> bytes:
    if edges.first is None:
        edges.first = (rows[0][1], rows[0][0])
    edges.last = (rows[-1][1], rows[-1][0])
    edges.rows += len(rows)
    return _encode(rows)[1:-1].encode()


def _answer(head: dict, rows: Iterator[bytes], tail: Any) -> Iterator[bytes]:
    """`{...head, "rows": [...], ...tail()}`: the head's fields first, the
    rows as they come, then what is known only once they are out."""
    yield _encode(head)[:-1].encode() + b',"rows":['
    yield from rows
    yield b"]," + _encode(tail())[1:].encode()


def block_stream(sheet: Sheet, window: Window) -> Iterator[bytes]:
    """One block of rows at one version (docs/protocol.md, "Row windows")."""
    with consistent_read():
        sheet.refresh_from_db(fields=["version", "row_count"])
        column_ids = [str(i) for i in sheet.columns.values_list("id", flat=True)]
        found = _range(sheet, window)
        edges = _Edges()
        head = {
            "seq": sheet.version,
            "row_count": sheet.row_count,
            "first": found.first,
            "columns": column_ids,
        }

        def tail() -> dict:
            return _more(Row.objects.filter(sheet_id=sheet.id), edges, window)

        rows = found.rows[: window.limit]
        yield from _answer(head, _row_chunks(rows, column_ids, edges), tail)


def check_view_window(window: Window) -> None:
    """A view's rows are found by row number only (its order has no keyset yet)."""
    if window.after is not None or window.before is not None:
        raise WindowError(
            "invalid_window", "With a view, give at=K or at=end, not after or before."
        )


def wants_view_count(params: Any) -> bool:
    """`count=only`: the view's count instead of a block; WindowError if
    malformed (it takes no window)."""
    count = params.get("count")
    if count in (None, ""):
        return False
    if count != "only":
        raise WindowError("invalid_count", "count must be the word only.")
    if any(params.get(name) not in (None, "") for name in ("at", "after", "before", "limit")):
        raise WindowError("invalid_count", "count=only takes no at, after, before or limit.")
    return True


def view_count_answer(sheet: Sheet, spec: ViewSpec) -> dict[str, int]:
    """{"seq", "count"}: the view's count at the sheet's version, counted
    once and kept for that version, so later blocks carry it."""
    with consistent_read():
        sheet.refresh_from_db(fields=["version", "row_count"])
        count = _known_count(sheet, spec)
        return {"seq": sheet.version, "count": _counted(sheet, spec) if count is None else count}


def view_block_stream(sheet: Sheet, window: Window, spec: ViewSpec) -> Iterator[bytes]:
    """One block of a view's rows (sheets/viewquery.py) from row number `at`
    of the view's order, with the view's row `count`, at one version. The
    block is OFFSET over the view's ordered rows; on PostgreSQL a big
    sheet's sorted view walks its sort's index (sheets/viewindex.py), once
    built, and stops at the block. A filtered view's count reads every row:
    a block does not wait for it. Unless it is known for this version (or
    the block reaches the view's end) `count` is null, told by `count=only`
    (docs/protocol.md, "Views")."""
    indexed = viewindex.want(sheet, spec)
    with consistent_read():
        sheet.refresh_from_db(fields=["version", "row_count"])
        column_ids = [str(i) for i in sheet.columns.values_list("id", flat=True)]
        count = _known_count(sheet, spec)
        if count is None and window.end:
            count = _counted(sheet, spec)  # the last rows need the count
        first = max(count - window.limit, 0) if window.end else window.at
        head = {"seq": sheet.version, "row_count": sheet.row_count, "first": first}
        if count is not None:
            head["count"] = count
        head["columns"] = column_ids
        if indexed and all(f.column == spec.sort[0].column for f in spec.filters):
            _prefer_index()  # not when another column's filter may leave few rows to find
        # One row past the block says whether more follow when the count is not known.
        rows = viewquery.view_rows(sheet, spec)[first : first + window.limit + 1]
        edges = _Edges()

        def tail() -> dict:
            known = count
            if known is None and not edges.beyond and (edges.rows or not first):
                known = first + edges.rows  # the block reached the view's end: its count
                cache.set(_count_key(sheet, spec), known, VIEW_COUNT_SECONDS)
            out: dict[str, Any] = {"more_before": first > 0 and known != 0}
            if count is None:
                out["count"] = known
            out["more_after"] = edges.beyond if known is None else first + window.limit < known
            return out

        yield from _answer(head, _row_chunks(rows, column_ids, edges, window.limit), tail)


def _count_key(sheet: Sheet, spec: ViewSpec) -> str:
    # The sheet's creation time too: a new database (tests) gives its ids again.
    digest = hashlib.sha1(f"{sheet.created_at.isoformat()}{spec!r}".encode()).hexdigest()
    return f"viewcount:{sheet.id}:{sheet.version}:{digest}"


def _known_count(sheet: Sheet, spec: ViewSpec) -> int | None:
    """The view's count at the sheet's version if known without counting:
    the sheet's row count with no filters, else the count kept for this
    version (every write moves the version on), else None."""
    if not spec.filters:
        return sheet.row_count
    return cache.get(_count_key(sheet, spec))


def _counted(sheet: Sheet, spec: ViewSpec) -> int:
    """The view's count, counted (it reads every row of the sheet) and kept for this version."""
    count = viewquery.view_count(sheet, spec)
    cache.set(_count_key(sheet, spec), count, VIEW_COUNT_SECONDS)
    return count


def _prefer_index() -> None:
    """PostgreSQL, for this transaction: walk the sort's index. Costed by
    the planner, OFFSET far into a million rows looks dearer by the index
    than a scan and sort of them all; measured, it is about half
    (bench/README.md, "Views on 1,000,000 rows"). The first block takes
    the index without this."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('enable_seqscan', 'off', true),"
            " set_config('enable_bitmapscan', 'off', true)"
        )


def snapshot_stream(sheet: Sheet, limit: int | None) -> Iterator[bytes]:
    """The snapshot (the sheet, its columns as selectors.sheet_snapshot gives
    them) with its rows in the block encoding: all of them, or the first
    `limit` (a big sheet's opening; the next blocks come from the window)."""
    with consistent_read():
        columns = selectors.shown_columns(sheet)
        column_ids = [c["id"] for c in columns]
        head = {
            "id": sheet.id,
            "title": sheet.title,
            "frozen_columns": sheet.frozen_columns,
            "version": sheet.version,
            "seq": sheet.version,
            "row_count": sheet.row_count,
            "first": 0,
            "columns": columns,
            "views": selectors.saved_views(sheet, set(column_ids)),
        }
        rows = Row.objects.filter(sheet_id=sheet.id).order_by("order", "id")
        if limit is not None:
            rows = rows[:limit]

        def tail() -> dict:
            return {"more_before": False, "more_after": limit is not None and count > limit}

        count = sheet.row_count
        yield from _answer(head, _row_chunks(rows, column_ids, _Edges()), tail)


# --- Serving a stream: ended cleanly, gzipped where asked, sync or async.


def ended_cleanly(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A stream that fails after its first byte cannot answer an error any
    more (and daphne's reaper breaks on it, docs/operations.md): log it and
    end the body short. The client sees JSON that does not parse and asks again."""
    try:
        yield from chunks
    except Exception:
        log.exception("A streamed row answer failed part way; it was ended short.")
    finally:
        chunks.close()


def gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """gzip at level 1 (about as fast as the JSON is written), flushed per
    chunk so the first rows leave without waiting for the rest."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    try:
        for chunk in chunks:
            yield packer.compress(chunk) + packer.flush(zlib.Z_SYNC_FLUSH)
        yield packer.flush()
    finally:
        chunks.close()


async def in_request_thread(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """The sync stream served under ASGI a piece at a time. Django would
    otherwise read a sync iterator whole into memory first. Each piece is
    made in the request's own thread (thread_sensitive), so the read's
    transaction and cursor stay on one connection; a client that goes away
    closes the stream, which ends the read."""
    step = sync_to_async(next, thread_sensitive=True)
    try:
        while (chunk := await step(chunks, None)) is not None:
            yield chunk
    finally:
        await sync_to_async(chunks.close, thread_sensitive=True)()
