"""Sort the sheet (POST /api/sheets/<id>/rows/sort) on a big sheet on
PostgreSQL: the sort, its undo and its redo through the services, beside a
floor, a bare UPDATE writing the same rows' order key.

    scripts/with_services.bash .venv/bin/python bench/sort_sheet.py
    scripts/with_services.bash .venv/bin/python bench/sort_sheet.py --rows 1000000

Setup as bench/windows.py's (its make_sheet: COPY of random typed values,
then VACUUM ANALYZE). The sort is by a number column (uniform random, so
nearly every row moves); each step is one op (one transaction, committed),
timed from the call to its answer. Two floors: a bare UPDATE moving every
row's `order` by half a step in one statement (every row and its index
entry written again, as the sort writes them: a changed key is no HOT
update; no sort, no join), and the sort's ranked SELECT alone (the
view's ORDER BY in a row_number() window, read to its last row, nothing
written). VACUUM ANALYZE runs before each step, so no step pays
for the dead rows of the one before.
"""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from bench.windows import bench_sheet, ensure_database, setup_django  # noqa: E402


def _load() -> str:
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    ensure_database()
    # The op refuses sheets over GRIDROOM_SORT_SHEET_MAX_ROWS; the bench times it at any size.
    os.environ["GRIDROOM_SORT_SHEET_MAX_ROWS"] = str(args.rows)
    setup_django()
    from django.db import connection, transaction

    from sheets import services
    from sheets.models import Change, Column, Row, Sheet

    assert connection.vendor == "postgresql", "DATABASE_URL must name PostgreSQL"
    user, sheet_id = bench_sheet("sort", "Sort bench", args.rows)
    sheet = Sheet.objects.get(pk=sheet_id)
    number = str(Column.objects.filter(sheet_id=sheet_id, type="number").first().id)
    table = connection.ops.quote_name(Row._meta.db_table)

    def vacuum() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")

    def timed(label: str, step) -> object:
        vacuum()
        t0 = time.perf_counter()
        result = step()
        print(f"{label}: {time.perf_counter() - t0:.2f} s (load average {_load()})")
        return result

    def floor() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE {table} SET "order" = "order" + 0.5 WHERE sheet_id = %s', [sheet_id]
            )

    def ranked_only() -> None:
        from django.db.models import Window
        from django.db.models.functions import RowNumber

        from sheets.viewquery import view_rows
        from sheets.viewspec import SortKey, ViewSpec

        key = SortKey(column=number, type="number", descending=False)
        ordered = view_rows(sheet, ViewSpec(sort=(key,)))
        window = Window(RowNumber(), order_by=list(ordered.query.order_by))
        ranked = ordered.annotate(rank=window).order_by().values("rank")
        sub, params = ranked.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT max(s.rank) FROM ({sub}) AS s", params)
            assert cursor.fetchone()[0] == args.rows

    def op(service, **kwargs):
        return service(sheet=sheet, user=user, client_id="bench", op_id=str(uuid.uuid4()), **kwargs)

    print(f"load average at the start: {_load()}")
    timed("floor: bare UPDATE of every row's order", floor)
    timed("floor: the sort's ranked SELECT alone", ranked_only)
    answer = timed(
        "sort by a number column (rows/sort)",
        lambda: op(services.rows_sort, sort=[{"column": number}]),
    )
    record = Change.objects.get(sheet_id=sheet_id, seq=answer["version"]).undo
    print(f"undo record: {len(json.dumps(record)) / 1e6:.1f} MB of JSON")
    print(f"event: {len(json.dumps(answer['event']))} bytes")
    timed("undo (old keys back)", lambda: op(services.sheet_undo))
    timed("redo (sort again)", lambda: op(services.sheet_redo))
    first = list(Row.objects.filter(sheet_id=sheet_id).order_by("order")[:3])
    values = [r.values[number] for r in first]
    assert values == sorted(values), values
    print(f"load average at the end: {_load()}")


if __name__ == "__main__":
    main()
