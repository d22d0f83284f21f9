"""Import and export speed of a 100,000-row × 20-column CSV (made here), beside
PostgreSQL's COPY of the same file as the floor.

    .venv/bin/python bench/import_export.py                               (SQLite)
    scripts/with_services.bash .venv/bin/python bench/import_export.py    (PostgreSQL, + COPY)

Options: --rows 100000 --columns 20. Each step runs in a process of its own
through the code the pages use (sheets/io/: writer.py, jobs.py, export.py);
its peak memory is that process's max RSS, and "growth" is the peak minus the
RSS it had just before the step began (Django loaded, the database open).
"""

import argparse
import csv
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on sys.path, and this file's name
# would shadow the django-import-export package: the repository instead.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]


def make_csv(path: Path, rows: int, columns: int) -> None:
    """Mixed columns, as a real sheet has: text, numbers, dates, checkboxes, codes."""
    rng = random.Random(42)
    kinds = ["text", "number", "date", "checkbox", "code"]
    day = datetime.date(2020, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([f"{kinds[c % 5]} {c}" for c in range(columns)])
        for r in range(rows):
            out = []
            for c in range(columns):
                kind = kinds[c % 5]
                if kind == "text":
                    out.append(f"item {r}-{c} {'lorem ipsum'[: rng.randrange(12)]}")
                elif kind == "number":
                    out.append(str(round(rng.uniform(-1e6, 1e6), 2)))
                elif kind == "date":
                    out.append((day + datetime.timedelta(days=rng.randrange(3000))).isoformat())
                elif kind == "checkbox":
                    out.append(rng.choice(["true", "false"]))
                else:
                    out.append(f"{rng.randrange(100000):06d}")
            writer.writerow(out)


def rss_mib() -> float:
    """This process's peak resident memory so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- Steps, each in a child process.


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
    import django

    django.setup()


def step_migrate(args) -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts import services as accounts

    user = accounts.user_signup(
        username=f"bench{uuid.uuid4().hex[:6]}", email="", password=uuid.uuid4().hex
    )
    return {"user": user.id}


def step_preview(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from sheets.io import jobs, writer

    user = get_user_model().objects.get(pk=args.user)
    start_rss = current_rss_mib()
    started = time.perf_counter()
    with open(args.file, "rb") as f:
        job = writer.import_job_create(user=user, sheet=None, upload=File(f, name="bench.csv"))
    jobs.run_job(job.id)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == "ready", job.error
    assert job.preview["error_count"] == 0
    return {
        "job": str(job.id),
        "seconds": seconds,
        "peak": rss_mib(),
        "growth": rss_mib() - start_rss,
        "types": [m["type"] for m in job.preview["mapping"]],
        "cache_bytes": job.preview["cache"]["bytes"],
    }


def step_import(args) -> dict:
    from sheets.io import jobs, writer
    from sheets.models import ImportJob

    job = ImportJob.objects.select_related("user").get(pk=args.job)
    start_rss = current_rss_mib()
    # The job's own progress reports (one per batch written): when the last
    # row was sent, and the RSS as the rows go in (flat is the point).
    sent, curve, report = [0.0], [], jobs.set_progress

    def watched(job_id, phase, done, total) -> None:
        report(job_id, phase, done, total)
        if phase == jobs.IMPORTING and done:
            sent[0] = time.perf_counter() - started
            curve.append((done / total, current_rss_mib() - start_rss))

    jobs.set_progress = watched
    wal = _wal_position()
    started = time.perf_counter()
    assert writer.import_job_confirm(job=job, user=job.user, mode=None)
    jobs.run_job(job.id)
    seconds = time.perf_counter() - started
    wal_bytes = _wal_position() - wal if wal is not None else None
    job.refresh_from_db()
    assert job.status == "done", job.error
    return {
        "sheet": job.sheet_id,
        "rows": job.result["rows"],
        "from_cache": job.result.get("from_cache"),
        "seconds": seconds,
        "sent": sent[0],
        "wal_bytes": wal_bytes,
        "peak": rss_mib(),
        "growth": rss_mib() - start_rss,
        "growth_curve": [
            next(g for share, g in curve if share >= mark) for mark in (0.1, 0.5, 1.0)
        ],
    }


def _wal_position() -> int | None:
    """PostgreSQL's WAL write position in bytes (None on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")
        return int(cursor.fetchone()[0])


def step_export_csv(args) -> dict:
    from sheets.io import export
    from sheets.models import Sheet

    sheet = Sheet.objects.get(pk=args.sheet)
    start_rss = current_rss_mib()
    started = time.perf_counter()
    chunks = export.csv_chunks(sheet)
    size = len(next(chunks))
    first = time.perf_counter() - started
    growth = []
    for i, chunk in enumerate(chunks):
        size += len(chunk)
        if i % 20 == 0:
            growth.append(current_rss_mib() - start_rss)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "first_chunk": first,
        "bytes": size,
        "peak": rss_mib(),
        "growth": rss_mib() - start_rss,
        # RSS above the start at 10 %, 50 % and 100 % of the rows: flat is the point.
        "growth_curve": [growth[len(growth) // 10], growth[len(growth) // 2], growth[-1]],
    }


def step_export_xlsx(args) -> dict:
    from sheets.io import export
    from sheets.models import Sheet

    sheet = Sheet.objects.get(pk=args.sheet)
    start_rss = current_rss_mib()
    started = time.perf_counter()
    size = sum(len(c) for c in export.xlsx_chunks(sheet))
    return {
        "seconds": time.perf_counter() - started,
        "bytes": size,
        "peak": rss_mib(),
        "growth": rss_mib() - start_rss,
    }


def step_copy(args) -> dict:
    """The floors. COPY of the same file into a table of 20 text columns; the
    imported rows copied within PostgreSQL into a table shaped like ours
    (uuid key, jsonb cells, the same index): what storing them costs at all;
    and those rows' JSON text sent by COPY into a table like ours with its
    foreign key too: the server's share of our import (parsing the jsonb,
    checking each row's sheet at commit), with no Python at all."""
    import psycopg
    from django.conf import settings

    with open(args.file, newline="") as f:
        header = next(csv.reader(f))
    columns = ", ".join(f"c{i} text" for i in range(len(header)))
    with psycopg.connect(conninfo(settings.DATABASES["default"])) as conn:
        conn.execute(f"CREATE TABLE floor ({columns})")
        conn.execute(
            "CREATE TABLE floor_rows (id uuid PRIMARY KEY, sheet_id bigint, "
            '"order" double precision, "values" jsonb)'
        )
        conn.execute('CREATE INDEX ON floor_rows (sheet_id, "order")')
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy("COPY floor FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                with open(args.file, "rb") as f:
                    while block := f.read(1 << 20):
                        copy.write(block)
        conn.commit()
        copied = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute(
            'INSERT INTO floor_rows SELECT id, sheet_id, "order", "values" FROM sheets_row '
            "WHERE sheet_id = %s",
            [int(args.sheet)],
        )
        conn.commit()
        stored = time.perf_counter() - started
        conn.execute(
            "CREATE TABLE floor_json (id uuid PRIMARY KEY, sheet_id bigint REFERENCES "
            'sheets_sheet (id) DEFERRABLE INITIALLY DEFERRED, "order" double precision, '
            '"values" jsonb)'
        )
        conn.execute('CREATE INDEX ON floor_json (sheet_id, "order")')
        conn.commit()
        # The rows' text goes through a file (a million rows' JSON is ~1 GB).
        with tempfile.TemporaryFile(dir=Path(args.file).parent) as text:
            with conn.cursor().copy(
                'COPY (SELECT id, sheet_id, "order", "values"::text FROM sheets_row '
                "WHERE sheet_id = %s) TO STDOUT",
                [int(args.sheet)],
            ) as copy:
                for block in copy:
                    text.write(block)
            text.seek(0)
            started = time.perf_counter()
            with conn.cursor().copy("COPY floor_json FROM STDIN") as copy:
                while block := text.read(1 << 20):
                    copy.write(block)
            conn.commit()
            sent = time.perf_counter() - started
    return {"seconds": copied, "store_seconds": stored, "json_seconds": sent, "peak": rss_mib()}


def step_insert_loop(args) -> dict:
    """SQLite's floor: the same file read by `csv` and inserted by a plain
    executemany loop, a batch at a time in one transaction, into a table
    shaped like ours (uuid key, the row's cells as JSON text keyed by a
    column id, the same index), with no cleaning or types at all."""
    import sqlite3

    from django.conf import settings

    db = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    db.execute(
        'CREATE TABLE floor_rows (id char(32) PRIMARY KEY, sheet_id integer, "order" real, '
        '"values" text)'
    )
    db.execute('CREATE INDEX floor_rows_order ON floor_rows (sheet_id, "order")')
    insert = "INSERT INTO floor_rows VALUES (?, ?, ?, ?)"
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    started = time.perf_counter()
    with open(args.file, newline="", encoding="utf-8") as f:
        records = csv.reader(f)
        keys = [str(uuid.uuid4()) for _ in next(records)]
        db.execute("BEGIN")
        batch = []
        for number, record in enumerate(records, 1):
            batch.append(
                (uuid.uuid4().hex, 1, float(number), encode(dict(zip(keys, record, strict=True))))
            )
            if len(batch) == 2000:
                db.executemany(insert, batch)
                batch = []
        db.executemany(insert, batch)
        db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.execute("DROP TABLE floor_rows")
    return {"seconds": seconds, "peak": rss_mib()}


def conninfo(db: dict, **override) -> str:
    """libpq connection string of a Django database dict (host may be in OPTIONS)."""
    import psycopg

    options = db.get("OPTIONS", {})
    params = {
        "dbname": db["NAME"],
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "host": db["HOST"] or options.get("host"),
        "port": db["PORT"] or options.get("port"),
        **override,
    }
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v})


STEPS = {
    "migrate": step_migrate,
    "preview": step_preview,
    "import": step_import,
    "export-csv": step_export_csv,
    "export-xlsx": step_export_xlsx,
    "copy": step_copy,
    "insert-loop": step_insert_loop,
}


def child(args) -> None:
    setup_django()
    cpu = time.process_time()
    result = STEPS[args.step](args)
    # CPU seconds of this process (the database server's are not in it): a
    # figure that holds even when other work shares the machine.
    result["cpu"] = time.process_time() - cpu
    print(json.dumps(result))


# --- The run.


def run_step(step: str, env: dict, **extra) -> dict:
    command = [sys.executable, __file__, "--step", step]
    for key, value in extra.items():
        command += [f"--{key}", str(value)]
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"step {step} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _postgres_database(env: dict) -> tuple[str, str] | None:
    """A fresh database beside the one DATABASE_URL names: (its URL, its name)."""
    url = env.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = conninfo(db, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    path = url.split("?", 1)
    path[0] = path[0][: path[0].rindex("/") + 1] + name
    return "?".join(path), name


def _drop_database(name: str) -> None:
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(conninfo(db, dbname="postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument(
        "--no-export", action="store_true", help="preview, import and floors only (1M rows)"
    )
    parser.add_argument("--step", choices=list(STEPS))
    for name in ("file", "user", "job", "sheet"):
        parser.add_argument(f"--{name}")
    args = parser.parse_args()
    if args.step:
        return child(args)

    with tempfile.TemporaryDirectory(prefix="gridroom-bench-") as tmp:
        path = Path(tmp) / "bench.csv"
        make_csv(path, args.rows, args.columns)
        env = {
            **os.environ,
            "GRIDROOM_DATA_DIR": tmp,
            "GRIDROOM_IMPORT_RUNNER": "inline",
            "GRIDROOM_MAX_ROWS_PER_SHEET": str(max(500_000, args.rows)),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        made = _postgres_database(env)
        if made:
            env["DATABASE_URL"] = made[0]
        backend = "PostgreSQL" if made else "SQLite"
        print("load average at the start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
        size = path.stat().st_size
        print(f"{args.rows:,} rows × {args.columns} columns, {size / 2**20:.1f} MiB; {backend}")
        user = run_step("migrate", env)["user"]
        preview = run_step("preview", env, file=path, user=user)
        imported = run_step("import", env, job=preview["job"])
        out_csv = out_xlsx = None
        if not args.no_export:
            out_csv = run_step("export-csv", env, sheet=imported["sheet"])
            out_xlsx = run_step("export-xlsx", env, sheet=imported["sheet"])
        if made:
            floor = run_step("copy", env, file=path, sheet=imported["sheet"])
        else:
            floor = run_step("insert-loop", env, file=path)
        report(args, backend, size, preview, imported, out_csv, out_xlsx, floor)
        if made:
            _drop_database(made[1])


def report(args, backend, size, preview, imported, out_csv, out_xlsx, floor) -> None:
    rows = args.rows
    lines = [
        "| step | seconds | rows/s | CPU s (app) | peak RSS MiB | growth MiB |",
        "| --- | --- | --- | --- | --- | --- |",
    ]

    def line(name: str, r: dict) -> None:
        lines.append(
            f"| {name} | {r['seconds']:.2f} | {rows / r['seconds']:,.0f} | {r['cpu']:.2f} | "
            f"{r['peak']:.0f} | {r.get('growth', float('nan')):.0f} |"
        )

    line("preview (read, sniff, validate, infer types, keep the encoded rows)", preview)
    line("import (confirm → committed)", imported)
    if backend == "SQLite":
        line("csv read + executemany of the same rows as JSON (floor)", floor)
    else:
        line("PostgreSQL COPY of the same file (floor)", floor)
        line(
            "PostgreSQL storing the imported rows in our table's shape (floor 2)",
            {**floor, "seconds": floor["store_seconds"]},
        )
        line(
            "COPY of the imported rows' JSON into our table's shape and key (floor 3)",
            {**floor, "seconds": floor["json_seconds"]},
        )
    if out_csv:
        line("export CSV (streamed)", out_csv)
        line("export XLSX (write-only, temp file)", out_xlsx)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n### {backend}: {rows:,} × {args.columns}, {size / 2**20:.1f} MiB CSV\n")
    print(f"load average before the report: {load}\n")
    print("\n".join(lines))
    if out_csv:
        print(
            f"\nCSV export: first chunk after {out_csv['first_chunk'] * 1000:.0f} ms; "
            "RSS growth at 10/50/100 % of rows: "
            + " / ".join(f"{g:.1f}" for g in out_csv["growth_curve"])
            + " MiB"
        )
    if backend == "SQLite":
        print(f"import ÷ insert loop: {imported['seconds'] / floor['seconds']:.1f}×")
    else:
        print(
            f"import ÷ COPY: {imported['seconds'] / floor['seconds']:.1f}×; "
            f"import ÷ storing alone: {imported['seconds'] / floor['store_seconds']:.1f}×; "
            f"import ÷ COPY of its JSON: {imported['seconds'] / floor['json_seconds']:.1f}×"
        )
    print(
        f"import: all rows sent after {imported['sent']:.2f} s, committed after "
        f"{imported['seconds']:.2f} s; RSS growth at 10/50/100 % of rows: "
        + " / ".join(f"{g:.1f}" for g in imported["growth_curve"])
        + " MiB"
        + (
            f"; WAL written: {imported['wal_bytes'] / 2**20:,.0f} MiB"
            if imported["wal_bytes"]
            else ""
        )
    )
    print("new columns typed: " + ", ".join(sorted(set(preview["types"]))))
    print(
        f"the import wrote the rows the preview kept: {imported['from_cache']} "
        f"(that row cache: {preview['cache_bytes'] / 2**20:,.0f} MiB on disk)"
    )


if __name__ == "__main__":
    main()
