"""What PostgreSQL alone spends taking in 100,000 imported rows, by the shape
they are stored in, against COPY of the same CSV into 20 text columns.

    scripts/with_services.bash .venv/bin/python bench/storage_floors.py

Options: --rows 100000 --columns 20 --runs 3. No Python between the server and
its work: each case's rows are made first (the import's own encoding,
`encode_rows`, and its time-ordered row ids, `new_row_ids`) and sent to COPY as
whole blocks. The cases take one thing away at a time from the table the
import writes (uuid key, the sheet's foreign key, order, `jsonb` cells keyed by
column id, the (sheet, order) index): the foreign key, the long keys (cells
keyed by column number instead), the cells themselves. Prints each case's
seconds per run and its median as a multiple of the CSV's COPY.
"""

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# As in import_export.py: this folder must not shadow django-import-export.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from bench.import_export import conninfo, make_csv, setup_django  # noqa: E402

KINDS = ["text", "number", "date", "checkbox", "text"]  # make_csv's columns, as stored


def stored(kind: str, text: str):
    if kind == "number":
        return float(text)
    if kind == "checkbox":
        return text == "true"
    return text


def copy_text(path: Path, keys: list[str] | None) -> bytes:
    """COPY's text format of the import's rows: id, sheet 1, order, cells (JSON
    keyed by `keys`; None: no cells)."""
    from sheets.io.bulk import new_row_ids
    from sheets.io.cleaning import encode_rows

    with path.open(newline="") as f:
        rows = list(csv.reader(f))[1:]
    if keys is None:
        cells = ["{}"] * len(rows)
    else:
        columns = zip(*rows, strict=True)
        cells = encode_rows(
            len(rows),
            (
                (key, KINDS[i % 5], [stored(KINDS[i % 5], v) for v in column])
                for i, (key, column) in enumerate(zip(keys, columns, strict=True))
            ),
        )
    out = io.StringIO()
    for i, (row_id, text) in enumerate(zip(new_row_ids(len(rows)), cells, strict=True)):
        out.write(f"{row_id}\t1\t{float(i + 1)}\t{text.replace(chr(92), chr(92) * 2)}\n")
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("needs PostgreSQL: run it under scripts/with_services.bash")
    setup_django()
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"floors_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo(db, dbname="postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        with tempfile.TemporaryDirectory(prefix="gridroom-bench-") as tmp:
            path = Path(tmp) / "bench.csv"
            make_csv(path, args.rows, args.columns)
            with psycopg.connect(conninfo(db, dbname=name)) as conn:
                run(conn, path, args)
    finally:
        with psycopg.connect(conninfo(db, dbname="postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")


def run(conn, path: Path, args) -> None:
    column_ids = [str(uuid.uuid4()) for _ in range(args.columns)]
    texts = {
        "ids": copy_text(path, column_ids),
        "numbers": copy_text(path, [str(i) for i in range(args.columns)]),
        "none": copy_text(path, None),
    }
    cases = [
        ("CSV into 20 text columns (the floor)", None, None),
        ("our rows as the import writes them (floor 3)", "ids", True),
        ("… without the foreign key", "ids", False),
        ("… cells keyed by column number, with the foreign key", "numbers", True),
        ("… keyed by column number, without the foreign key", "numbers", False),
        ("… no cells (`{}`), with the foreign key", "none", True),
        ("… no cells, without the foreign key", "none", False),
    ]
    conn.execute("CREATE TABLE sheet (id bigint PRIMARY KEY)")
    conn.execute("INSERT INTO sheet VALUES (1)")
    conn.commit()
    seconds = {label: [] for label, _, _ in cases}
    for run_number in range(args.runs):
        for n, (label, text, foreign_key) in enumerate(cases):
            table = f"t{run_number}_{n}"
            if text is None:
                columns = ", ".join(f"c{i} text" for i in range(args.columns))
                conn.execute(f"CREATE TABLE {table} ({columns})")
                sql, data = (
                    f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)",
                    path.read_bytes(),
                )
            else:
                reference = "REFERENCES sheet DEFERRABLE INITIALLY DEFERRED" if foreign_key else ""
                conn.execute(
                    f"CREATE TABLE {table} (id uuid PRIMARY KEY, sheet_id bigint NOT NULL "
                    f'{reference}, "order" double precision NOT NULL, "values" jsonb NOT NULL)'
                )
                conn.execute(f'CREATE INDEX ON {table} (sheet_id, "order")')
                sql, data = f"COPY {table} FROM STDIN", texts[text]
            conn.commit()
            started = time.perf_counter()
            with conn.cursor().copy(sql) as copy:
                for start in range(0, len(data), 1 << 20):
                    copy.write(data[start : start + (1 << 20)])
            conn.commit()  # the deferred foreign key is checked here
            seconds[label].append(time.perf_counter() - started)
    floor = statistics.median(seconds[cases[0][0]])
    mib = {key: len(value) / 2**20 for key, value in texts.items()}
    print("load average: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(
        f"{args.rows:,} rows × {args.columns}; COPY text sent: column ids {mib['ids']:.0f} MiB, "
        f"column numbers {mib['numbers']:.0f} MiB, no cells {mib['none']:.0f} MiB; "
        f"CSV {path.stat().st_size / 2**20:.0f} MiB\n"
    )
    print("| case | seconds per run | median ÷ CSV COPY |")
    print("| --- | --- | --- |")
    for label, runs in seconds.items():
        each = " / ".join(f"{s:.2f}" for s in runs)
        print(f"| {label} | {each} | {statistics.median(runs) / floor:.1f}× |")


if __name__ == "__main__":
    main()
