"""Formula columns on a big sheet: a one-cell edit's answer time on a
100,000-row sheet with three formula columns and two totals, beside the same
edit on the same sheet without formulas (the floor, in the same run), and a
formula change that computes a whole column again.

    .venv/bin/python bench/formulas.py                               (SQLite)
    scripts/with_services.bash .venv/bin/python bench/formulas.py    (PostgreSQL)

Options: --rows 100000 --edits 30. Everything goes through the services the
API calls (sheets/services: cells_update, columns_insert, column_update); the
sheets are filled by the import's writer. Edits alternate between the two
sheets, so both see the same machine load.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

FORMULAS = [
    ("Total", "=[Price] * [Qty]"),
    ("With tax", "=ROUND([Total] * 1.2, 2)"),
    ("Size", '=IF([Qty] > 5, "big", "small")'),
]


def ensure_postgres_database() -> None:
    """with_services.bash starts a server without the database its URL names."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    params = {"user": db["USER"], "host": db["HOST"], "port": db["PORT"], **db["OPTIONS"]}
    params = {k: v for k, v in params.items() if v}
    with psycopg.connect(dbname="postgres", **params, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def setup() -> None:
    ensure_postgres_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_sheet(user, title: str, rows: int):
    from sheets.io import writer

    rng = random.Random(7)
    data = (
        (i + 2, [f"item {i}", str(round(rng.uniform(1, 500), 2)), str(rng.randrange(1, 10))])
        for i in range(rows)
    )
    columns = [
        {"name": "Item", "type": "text"},
        {"name": "Price", "type": "number"},
        {"name": "Qty", "type": "number"},
    ]
    sheet, _ = writer.sheet_import_new(owner=user, title=title, columns=columns, rows=data)
    return sheet


def op(fn, **kwargs) -> tuple[float, dict]:
    start = time.perf_counter()
    answer = fn(client_id="bench", op_id=str(uuid.uuid4()), **kwargs)
    return time.perf_counter() - start, answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=30)
    args = parser.parse_args()
    setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from sheets import services

    print(
        f"database: {connection.vendor}; rows: {args.rows:,}; load average at start: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    user, _ = get_user_model().objects.get_or_create(username=f"bench-{uuid.uuid4().hex[:8]}")
    settings.MAX_ROWS_PER_SHEET = max(settings.MAX_ROWS_PER_SHEET, args.rows)
    started = time.perf_counter()
    plain = make_sheet(user, "plain", args.rows)
    formulas = make_sheet(user, "formulas", args.rows)
    print(f"two sheets filled in {time.perf_counter() - started:.1f} s")

    ids = {c.name: str(c.id) for c in formulas.columns.all()}
    for name, text in FORMULAS:
        col = str(uuid.uuid4())
        took, _ = op(
            services.columns_insert,
            sheet=formulas,
            user=user,
            columns=[{"id": col, "name": name, "type": "formula", "formula": text, "after": None}],
        )
        ids[name] = col
        print(f"add formula column {name!r} ({text}): {took:.2f} s")
    for name, kind in (("Qty", "sum"), ("Total", "sum")):
        took, _ = op(
            services.column_update, sheet=formulas, user=user, column=ids[name], summary=kind
        )
        print(f"footer {kind} of {name}: {took:.2f} s")

    plain_qty = str(plain.columns.get(name="Qty").id)
    pick = random.Random(3)
    plain_rows = list(plain.rows.values_list("id", flat=True)[: args.rows])
    formula_rows = list(formulas.rows.values_list("id", flat=True)[: args.rows])
    times: dict[str, list[float]] = {"plain": [], "formulas": []}
    for i in range(args.edits):
        value = pick.randrange(1, 10)
        at = pick.randrange(args.rows)
        for kind, sheet, col, rows in (
            (
                ("plain", plain, plain_qty, plain_rows),
                ("formulas", formulas, ids["Qty"], formula_rows),
            )
            if i % 2
            else (
                ("formulas", formulas, ids["Qty"], formula_rows),
                ("plain", plain, plain_qty, plain_rows),
            )
        ):
            change = [{"row": str(rows[at]), "col": col, "value": value}]
            took, answer = op(services.cells_update, sheet=sheet, user=user, changes=change)
            assert answer["applied"], answer
            times[kind].append(took)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(
        f"one-cell edit, median of {args.edits}: without formulas {med['plain']:.1f} ms, "
        f"with 3 formula columns and 2 totals {med['formulas']:.1f} ms "
        f"({med['formulas'] / med['plain']:.2f}×; goal ≤ 1.2×)"
    )
    took, answer = op(
        services.column_update,
        sheet=formulas,
        user=user,
        column=ids["Total"],
        formula="=[Price] * [Qty] + 1",
    )
    print(
        f"formula change of Total, computing {', '.join(answer['event']['recomputed'])} "
        f"whole: {took:.2f} s (goal ≤ 2 s on PostgreSQL)"
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for sheet in (plain, formulas):
        sheet.delete()


if __name__ == "__main__":
    main()
