"""Views (GET /api/sheets/<id>/rows?view=<json>) on a 1,000,000 × 20 sheet
on PostgreSQL: the first window sorted by a number column and filtered to
about half the rows, beside the unsorted first window in the same run.

    scripts/with_services.bash .venv/bin/python bench/viewquery.py
    scripts/with_services.bash .venv/bin/python bench/viewquery.py --rows 100000

Setup as bench/windows.py's (its make_sheet: COPY of random typed values,
then VACUUM ANALYZE); the number column holds values uniform in ±1,000,000,
so `> 0` keeps about half the rows. Each window (limit 500) is asked
`--repeat` times after one warm-up through Django's test client in this
process (the view, the queries and the JSON; no server process, no
network): the time to the answer's first piece (the head) and to its
last byte, median and max. The first-ever sorted open (its index not built
yet: it starts the build) and the first open at a version (the count not
known: the block says `count: null`) are asked once each, unwarmed, and
then the view's count alone (`count=only`, as the client asks it beside
the first block), which keeps it for later blocks.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from bench.windows import bench_sheet, ensure_database, setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ensure_database()
    setup_django()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from sheets import viewindex
    from sheets.models import Column

    assert connection.vendor == "postgresql", "DATABASE_URL must name PostgreSQL"
    user, sheet_id = bench_sheet("view", "View bench", args.rows)
    number = str(Column.objects.filter(sheet_id=sheet_id, type="number").first().id)
    half = {"column": number, "op": ">", "value": 0}
    sorted_half = {"sort": [{"column": number}], "filters": [half]}
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    def url(view: dict | None, at: int = 0) -> str:
        found = f"/api/sheets/{sheet_id}/rows?limit=500&at={at}"
        return found if view is None else found + "&view=" + quote(json.dumps(view))

    def ask(address: str) -> tuple[float, float, dict]:
        """(ms to the first piece, ms to the last byte, the answer)."""
        t0 = time.perf_counter()
        response = client.get(address)
        pieces = iter(response.streaming_content)
        body = next(pieces)
        t1 = time.perf_counter()
        body += b"".join(pieces)
        answer = json.loads(body)
        assert response.status_code == 200 and len(answer["rows"]) == 500, answer
        return (t1 - t0) * 1000, (time.perf_counter() - t0) * 1000, answer

    def report(label: str, address: str, repeat: int = args.repeat, warm: bool = True) -> None:
        if warm:
            ask(address)
        runs = [ask(address) for _ in range(repeat)]
        heads, totals = [r[0] for r in runs], [r[1] for r in runs]
        count = runs[-1][2].get("count", runs[-1][2]["row_count"])
        print(
            f"{label}: first piece median {statistics.median(heads):,.0f} ms "
            f"(max {max(heads):,.0f}), whole answer median {statistics.median(totals):,.0f} ms "
            f"(max {max(totals):,.0f}); count {'null' if count is None else f'{count:,}'}"
        )

    def report_count(label: str, view: dict) -> None:
        address = f"/api/sheets/{sheet_id}/rows?count=only&view=" + quote(json.dumps(view))
        t0 = time.perf_counter()
        response = client.get(address)
        took = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, response.content
        print(f"{label}: {took:,.0f} ms; count {response.json()['count']:,}")

    print("load average at the start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    report("unsorted (no view)", url(None))
    # The first view sorted by the column: no index yet (its build starts), no count cached.
    report("sorted + filtered, first-ever open (index being built)", url(sorted_half), 1, False)
    started = time.perf_counter()
    viewindex.settle()
    built = ", ".join(viewindex.names(sheet_id))
    print(
        f"  the index ({built}) was ready {time.perf_counter() - started:.1f} s after that answer"
    )
    cache.clear()  # a later open at a new version: the count is not known
    report("sorted + filtered, index ready, count not known", url(sorted_half), 1, False)
    report_count("  its count=only (counted, kept for the version)", sorted_half)
    report("sorted + filtered, index ready, count cached", url(sorted_half))
    report("sorted by number (no filter)", url({"sort": [{"column": number}]}))
    cache.clear()
    report("filtered to half (no sort), count not known", url({"filters": [half]}), 1, False)
    report("filtered to half (no sort)", url({"filters": [half]}))
    # About the middle of the half: OFFSET walks the index to it.
    report("sorted + filtered, at rows/4", url(sorted_half, args.rows // 4))
    report("unsorted (no view), again", url(None))
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
