"""PostgreSQL indexes for views' sorts: one partial expression index per
(sheet, sorted column, column type, direction), over exactly the expressions
the view's ORDER BY uses (sheets/viewquery.py, compiled by the same code),
so that a sorted view's block walks the index and stops at its LIMIT
instead of sorting every row of the sheet. A later sort key is then an
incremental sort within equal values of the first.

An index is built when a view of a big sheet (VIEW_INDEX_MIN_ROWS) first
sorts by its column: CREATE INDEX CONCURRENTLY in a thread of its own, off
the request (whose read cannot wait for it: the build waits for every read
older than it to end), so that request, and those until the build ends,
sort the rows without it. It is dropped with its sheet (sheet_delete) and,
once its column is gone or of another type, when the sheet's next index is
built. Indexes are found by name in pg_class; there is no table of them.

Small sheets get none: a sort of a few thousand rows is fast without one,
and every partial index on sheets_row is a predicate checked on each row
written to any sheet.

SQLite: none. Its sort of a view has no index (see bench/README.md).
"""

import hashlib
import logging
import threading
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from sheets.models import Row, Sheet
from sheets.viewspec import SortKey, ViewSpec

log = logging.getLogger(__name__)

_PREFIX = "gv_"
_PREFIX_LIKE = "gv\\_"  # in LIKE, _ is any one character
MIN_ROWS = 10_000  # sheets smaller get no index (settings.VIEW_INDEX_MIN_ROWS)
_building: dict[str, threading.Thread] = {}  # by index name, in this process
_lock = threading.Lock()


def index_name(sheet_id: int, key: SortKey) -> str:
    """`gv_<sheet>_<digest of column, type, direction>` (within 63 bytes)."""
    what = f"{key.column}:{key.type}:{'desc' if key.descending else 'asc'}"
    return f"{_PREFIX}{sheet_id}_{hashlib.sha1(what.encode()).hexdigest()[:16]}"


def index_sql(sheet_id: int, key: SortKey) -> tuple[str, list]:
    """CREATE INDEX CONCURRENTLY for one sort key: the ORDER BY of a view
    sorted by that key alone, compiled as the view's query compiles it, and
    its WHERE on the sheet, as the view's query writes it."""
    from sheets import viewquery  # it imports this module

    rows = Row.objects.filter(sheet_id=sheet_id).order_by(
        *viewquery.order_by_key(key), "order", "id"
    )
    compiler = rows.query.get_compiler(connection=connection)
    parts, params = [], []
    for _, (sql, part_params, _) in compiler.get_order_by():
        parts.append(f"({sql.removesuffix(' ASC').removesuffix(' DESC')})")
        parts[-1] += " DESC" if sql.endswith(" DESC") else " ASC"
        params.extend(part_params)
    name = index_name(sheet_id, key)
    table = connection.ops.quote_name(Row._meta.db_table)
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
        f"({', '.join(parts)}) WHERE {connection.ops.quote_name('sheet_id')} = {int(sheet_id)}",
        params,
    )


def _state(name: str) -> str | None:
    """'ready', 'building', 'failed' (an invalid index no build is making), or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid, EXISTS (SELECT 1 FROM pg_stat_progress_create_index p"
            " WHERE p.index_relid = c.oid)"
            " FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = %s",
            [name],
        )
        found = cursor.fetchone()
    if found is None:
        return None
    valid, in_progress = found
    return "ready" if valid else "building" if in_progress else "failed"


def want(sheet: Sheet, spec: ViewSpec) -> bool:
    """Have the index of the view's first sort key built if it is not
    (in a thread: this returns at once). True when it is ready now."""
    if connection.vendor != "postgresql" or not spec.sort:
        return False
    if sheet.row_count < getattr(settings, "VIEW_INDEX_MIN_ROWS", MIN_ROWS):
        return False
    key = spec.sort[0]
    name = index_name(sheet.id, key)
    state = _state(name)
    if state in ("ready", "building"):
        return state == "ready"
    with _lock:
        if name in _building:
            return False
        sql, params = index_sql(sheet.id, key)
        thread = threading.Thread(
            target=_build, args=(sheet.id, name, sql, params, state == "failed"), daemon=True
        )
        _building[name] = thread
    thread.start()
    return False


def _build(sheet_id: int, name: str, sql: str, params: list, failed: bool) -> None:
    try:
        if failed:
            _drop([name])
        _drop(_stale(sheet_id))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    except Exception:
        log.exception("The view index %s was not built.", name)
    finally:
        with _lock:
            _building.pop(name, None)
        connection.close()  # this thread's own


def _stale(sheet_id: int) -> list[str]:
    """The sheet's indexes whose column is gone or is sorted as another type now."""
    from sheets.models import Column
    from sheets.viewspec import value_type

    current = {
        index_name(sheet_id, SortKey(column=str(c.id), type=value_type(c), descending=d))
        for c in Column.objects.filter(sheet_id=sheet_id)
        for d in (False, True)
    }
    return [n for n in names(sheet_id) if n not in current]


def names(sheet_id: int) -> list[str]:
    """The view indexes of a sheet that exist (built, being built or failed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'i' AND relname LIKE %s",
            [f"{_PREFIX_LIKE}{int(sheet_id)}\\_%"],
        )
        return [r[0] for r in cursor.fetchall()]


def _drop(found: list[str]) -> None:
    with connection.cursor() as cursor:
        for name in found:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {connection.ops.quote_name(name)}")


def drop_with_sheet(sheet_id: int) -> None:
    """Once the sheet's delete is committed, its view indexes are dropped (in a thread)."""
    if connection.vendor != "postgresql":
        return

    def drop() -> None:
        try:
            _drop(names(sheet_id))
        except Exception:
            log.exception("The view indexes of sheet %s were not dropped.", sheet_id)
        finally:
            with _lock:
                _building.pop(f"drop {sheet_id}", None)
            connection.close()

    def start() -> None:
        thread = threading.Thread(target=drop, daemon=True)
        with _lock:
            _building[f"drop {sheet_id}"] = thread
        thread.start()

    transaction.on_commit(start)


def sheet_deleted(sender: Any, instance: Sheet, **kwargs: Any) -> None:
    """post_delete of a Sheet (sheets/apps.py): however it goes (its delete
    op, its owner's account deleted, the admin), its view indexes go too."""
    drop_with_sheet(instance.id)


def settle(timeout: float = 600) -> None:
    """Wait for the builds and drops this process started (tests, benches)."""
    with _lock:
        running = list(_building.values())
    for thread in running:
        thread.join(timeout)
