"""Find (GET /api/sheets/<id>/find) on a 1,000,000 × 20 sheet on PostgreSQL:
a text present in 10 rows, one in every row (the count stops at 10,000) and
one in none; for each, the first page (the first match in hand), the count
(count=only) and a floor: the same prefilter counted in bare SQL.

    scripts/with_services.bash .venv/bin/python bench/find.py
    scripts/with_services.bash .venv/bin/python bench/find.py --rows 100000

Setup as bench/windows.py's (its make_sheet: COPY, then VACUUM ANALYZE), the
10 rows spread evenly from the top to the last row. Each query is asked
`--repeat` times after one warm-up through Django's test client in this
process (the view, the queries and the JSON; no server process, no network):
the time until the answer is in hand (median, max).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from bench.windows import bench_sheet, ensure_database, setup_django  # noqa: E402

NEEDLE = "Needle"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ensure_database()
    setup_django()
    from django.db import connection
    from django.test import Client

    assert connection.vendor == "postgresql", "DATABASE_URL must name PostgreSQL"
    step = args.rows // 10
    far = {step // 2 + i * step for i in range(10)}

    def value(kind: str, r: int, c: int):
        if kind == "text" and c == 0 and r in far:
            return f"{NEEDLE} {r}"
        return {"text": f"item {r}-{c}", "number": r * 0.5, "date": "2026-01-02"}.get(kind, False)

    user, sheet_id = bench_sheet("find", "Find bench", args.rows, value)
    client = Client(HTTP_HOST="localhost")
    print("load average at the start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    client.force_login(user)
    from sheets import find
    from sheets.models import Row

    def timed(ask) -> tuple[list[float], object]:
        times, result = [], None
        for i in range(args.repeat + 1):
            t0 = time.perf_counter()
            result = ask()
            if i:
                times.append((time.perf_counter() - t0) * 1000)
        return times, result

    def show(what: str, times: list[float], tail: str) -> None:
        print(
            f"  {what}: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms; {tail}"
        )

    def floor(q: str) -> int:
        prefilter = find._prefilter(q)
        with connection.cursor() as cursor:
            sql, params = (
                Row.objects.filter(sheet_id=sheet_id).filter(prefilter).query.sql_with_params()
            )
            cursor.execute(f"SELECT count(*) FROM ({sql}) AS found", params)
            return cursor.fetchone()[0]

    for label, q in [("in 10 rows", "needle"), ("in every row", "item"), ("in none", "nowhere")]:
        url = f"/api/sheets/{sheet_id}/find?q={q}"
        print(f"q={q!r} ({label}):")
        times, page = timed(lambda: client.get(url))  # noqa: B023
        assert page.status_code == 200, page.content
        body = page.json()
        first = body["matches"][0]["row_number"] if body["matches"] else None
        show("first page", times, f"{len(body['matches'])} matches, first at row {first}")
        times, counted = timed(lambda: client.get(url + "&count=only"))  # noqa: B023
        body = counted.json()
        show("count", times, f"count {body['count']:,}{'+' if body['more'] else ''}")
        times, rows = timed(lambda: floor(q))  # noqa: B023
        show("floor, SQL count(*) of the prefilter", times, f"{rows:,} rows")
        print("  load average: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
