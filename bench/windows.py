"""Row windows on a 1,000,000 × 20 sheet, beside the whole snapshot of a
100,000 × 20 sheet, on PostgreSQL, through a real server process.

    scripts/with_services.bash .venv/bin/python bench/windows.py
    scripts/with_services.bash .venv/bin/python bench/windows.py --rows 200000 --servers uvicorn

Setup (not timed as the app would do it): a sheet made through the services
with 20 typed columns, then its rows written straight into the table with
COPY (sheets/io/bulk.py, the import's writer) and its stored row count set
to match; VACUUM ANALYZE, as autovacuum would after a big import. Then each
server (gunicorn, production's HTTP path; uvicorn, the embedded default's
ASGI path) is started on a free port with one process, and each request is
made `--repeat` times after one warm-up, as a browser would (gzip accepted,
the session cookie): time to first byte and to the last byte, median and
max, the bytes on the wire, and the server process's RSS before, after and
at its peak during that request's runs (VmHWM, reset before each). The
load average is printed before and after.
"""

import argparse
import datetime
import gzip
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

COLUMNS = 20
TYPES = ["text", "number", "date", "checkbox"]


def ensure_database() -> None:
    """The database DATABASE_URL names (scripts/with_services.bash makes the
    server, not the database)."""
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    options = db.get("OPTIONS", {})
    admin = {
        "host": db["HOST"] or options.get("host"),
        "port": db["PORT"] or options.get("port", 5432),
        "user": db["USER"],
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_sheet(owner, title: str, rows: int, value=None) -> int:
    """A sheet of `rows` rows × COLUMNS typed columns, every row filled:
    `value(kind, row, col)` for the cell at `row` (from 0, the sheet's first
    row) of a column of type `kind`, mixed random values by default. Works on
    SQLite too (bench/bigsheet.py)."""
    from django.db import connection, transaction
    from django.db.models import F

    from sheets import services
    from sheets.io.bulk import row_writer
    from sheets.models import Row, Sheet
    from sheets.services.core import ORDER_GAP

    sheet = services.sheet_create(owner=owner, title=title)
    columns = [{"id": str(c.id), "type": "text"} for c in sheet.columns.all()]
    for _ in range(COLUMNS - len(columns)):
        spec = {"id": str(uuid.uuid4()), "type": TYPES[len(columns) % len(TYPES)]}
        spec.update(name=f"{spec['type']} {len(columns)}", after=columns[-1]["id"])
        services.columns_insert(
            sheet=sheet, user=owner, client_id="", op_id=str(uuid.uuid4()), columns=[spec]
        )
        columns.append(spec)
    rng = random.Random(42)
    day = datetime.date(2020, 1, 1)

    def random_value(kind: str, r: int, c: int):
        if kind == "number":
            return round(rng.uniform(-1e6, 1e6), 2)
        if kind == "date":
            return (day + datetime.timedelta(days=rng.randrange(3000))).isoformat()
        if kind == "checkbox":
            return rng.random() < 0.5
        return f"item {r}-{c}"

    value = value or random_value

    def cells(r: int) -> dict:
        return {col["id"]: value(col["type"], r, c) for c, col in enumerate(columns)}

    present = list(Row.objects.filter(sheet=sheet).order_by("order"))  # sheet_create's rows
    for r, row in enumerate(present):
        row.values = cells(r)
    Row.objects.bulk_update(present, ["values"])
    new = rows - len(present)
    start = len(present) * ORDER_GAP
    batch = 20_000
    with transaction.atomic():
        with row_writer(sheet.id) as write:  # one COPY: no other query until it ends
            for first in range(0, new, batch):
                encoded = [
                    json.dumps(cells(len(present) + r))
                    for r in range(first, min(first + batch, new))
                ]
                write(encoded, start + ORDER_GAP * (first + 1))
        Sheet.objects.filter(pk=sheet.pk).update(row_count=F("row_count") + new)
    with connection.cursor() as cursor:
        vacuum = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
        cursor.execute(f"{vacuum} sheets_row")
    return sheet.id


def bench_sheet(prefix: str, title: str, rows: int, value=None) -> tuple:
    """A new user and a sheet of theirs of `rows` × 20 (make_sheet), its making timed and told."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(f"{prefix}{time.time_ns()}", password="x")
    started = time.perf_counter()
    sheet_id = make_sheet(user, title, rows, value)
    print(f"{rows:,} rows × 20 made in {time.perf_counter() - started:.0f} s")
    return user, sheet_id


def session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid: int) -> dict:
    """Resident memory now and at its peak (MiB)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(rest.split()[0]) / 1024
    return found


class Server:
    def __init__(self, kind: str):
        self.kind = kind
        self.port = free_port()
        venv = REPO / ".venv" / "bin"
        if kind == "gunicorn":
            command = [
                str(venv / "gunicorn"),
                "proj.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                "1",
                "--no-control-socket",
                "--timeout",
                "300",
            ]
        else:
            command = [
                str(venv / "uvicorn"),
                "proj.embedded:application",
                "--port",
                str(self.port),
                "--lifespan",
                "off",
            ]
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-windows-{kind}.log", "w")
        self.process = subprocess.Popen(
            command, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}/accounts/login/", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"{kind} did not start; see {self.log.name}") from None
                time.sleep(0.2)

    def worker_pid(self) -> int:
        if self.kind != "gunicorn":
            return self.process.pid
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return int(children.read_text().split()[0])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def fetch(http: httpx.Client, url: str) -> dict:
    """One GET as a browser makes it: seconds to the first and the last byte."""
    started = time.perf_counter()
    first = None
    wire = bytearray()
    with http.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200, response.read()[:300]
        for chunk in response.iter_raw():
            if first is None:
                first = time.perf_counter() - started
            wire += chunk
        encoded = response.headers.get("Content-Encoding")
    total = time.perf_counter() - started
    body = gzip.decompress(bytes(wire)) if encoded == "gzip" else bytes(wire)
    return {"first": first, "total": total, "wire": len(wire), "body": body}


def reset_peak(pid: int) -> None:
    """Start the process's peak RSS (VmHWM) afresh (Linux: clear_refs 5), so
    each request's peak is its own; left as is where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def measure(server: Server, cookie: str, name: str, path: str, repeat: int) -> dict:
    pid = server.worker_pid()
    reset_peak(pid)
    before = memory(pid)
    with httpx.Client(base_url=server.url, cookies={"sessionid": cookie}, timeout=600) as http:
        fetch(http, path)  # warm-up
        runs = [fetch(http, path) for _ in range(repeat)]
    after = memory(pid)
    answer = json.loads(runs[-1]["body"])
    return {
        "name": name,
        "rows": len(answer["rows"]),
        "first_ms": statistics.median(r["first"] for r in runs) * 1000,
        "total_ms": statistics.median(r["total"] for r in runs) * 1000,
        "max_ms": max(r["total"] for r in runs) * 1000,
        "wire_kb": runs[-1]["wire"] / 1024,
        "json_kb": len(runs[-1]["body"]) / 1024,
        "rss_before": before["VmRSS"],
        "rss_after": after["VmRSS"],
        "rss_peak": after["VmHWM"],
        "answer": answer,
    }


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--snapshot-rows", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--servers", default="gunicorn,uvicorn")
    args = parser.parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit(
            "Run it on PostgreSQL: scripts/with_services.bash .venv/bin/python bench/windows.py"
        )
    print(f"load average at start: {os.getloadavg()}")
    ensure_database()
    setup_django()
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(f"bench{time.time_ns()}", password="x" * 20)
    started = time.perf_counter()
    big = make_sheet(user, "Million", args.rows)
    print(f"setup: {args.rows:,} × {COLUMNS} rows written in {time.perf_counter() - started:.0f} s")
    small = make_sheet(user, "Hundred thousand", args.snapshot_rows)
    cookie = session_cookie(user)
    lim = args.limit
    middle = args.rows // 2
    for kind in args.servers.split(","):
        server = Server(kind)
        try:
            print(f"\n## {kind} (1 process), {args.repeat} runs each after a warm-up")
            results = []
            rows_url = f"/api/sheets/{big}/rows?limit={lim}"
            steps = [
                ("open: snapshot head + first block", f"/api/sheets/{big}/?rows=block&limit={lim}"),
                ("first block (at=0)", f"{rows_url}&at=0"),
                (f"middle block, jump (at={middle:,})", f"{rows_url}&at={middle}"),
                ("last block (at=end)", f"{rows_url}&at=end"),
            ]
            for name, path in steps:
                results.append(measure(server, cookie, name, path, args.repeat))
            mid = results[2]["answer"]["rows"][-1]
            last = results[3]["answer"]["rows"][0]
            for name, path in [
                ("middle block, scroll (after=key)", f"{rows_url}&after={mid[1]},{mid[0]}"),
                ("block before the last (before=key)", f"{rows_url}&before={last[1]},{last[0]}"),
                (
                    f"whole snapshot {args.snapshot_rows:,} rows (?rows=block, streamed)",
                    f"/api/sheets/{small}/?rows=block",
                ),
                (
                    f"whole snapshot {args.snapshot_rows:,} rows (?rows=arrays, today's)",
                    f"/api/sheets/{small}/?rows=arrays",
                ),
            ]:
                results.append(measure(server, cookie, name, path, args.repeat))
            print(
                "| request | rows | first byte ms (p50) | last byte ms (p50) | max ms "
                "| on the wire KiB | JSON KiB | RSS before → after MiB | RSS peak MiB |"
            )
            print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
            for r in results:
                print(
                    f"| {r['name']} | {r['rows']:,} | {r['first_ms']:.1f} | {r['total_ms']:.1f} "
                    f"| {r['max_ms']:.1f} | {r['wire_kb']:,.0f} | {r['json_kb']:,.0f} "
                    f"| {r['rss_before']:.0f} → {r['rss_after']:.0f} | {r['rss_peak']:.0f} |"
                )
        finally:
            server.stop()
    print(f"\nload average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
