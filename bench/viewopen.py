"""A sorted and filtered view of a big sheet opened in Chromium, beside the
same sheet opened unsorted, in the same run, alternating.

    .venv/bin/python bench/viewopen.py --rows 1000000 --repeat 3

The stack (deploy/stack.py: nginx → gunicorn + daphne, PostgreSQL, Redis)
and the sheet as bench/bigsheet.py makes them (`make_big_sheets`: rows × 20,
its values, a number column holding row + col/100). The view: sorted by
that number column and filtered to `between [100, 100 + rows / 2]` (half
the rows; the view's first row is the sheet's row 100), kept in
the tab's sessionStorage before the page loads, as the page keeps it
(frontend/src/viewstate.js), so the page opens on the view. Each open in a
fresh browser context; times as bigsheet.py's (`open_grid`: the first cells
shown, then interactive: a click on cell 0,0, a value typed, Enter, the
cell shows it), no jumps: a view open is timed to its own first row
shown, not the sheet's. That row is the sheet's row 100, or with
`--descending` its middle row (the page then holds none of the view's first
rows from its own windows, and types into one it only has from the view);
the server walks the sort's index either way, and
counts the filter over every row for the `count=only` the page asks beside
the first block (the block does not wait for it). Every open types
into cell 0,0 (a write), so each view open is at a new version and counts
the view's rows again. The first view open ever starts its sort's index
(sheets/viewindex.py) and sorts without it: reported apart.
"""

import argparse
import json
import signal
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from bench.bigsheet import BROWSER_ARGS, brief, cell_value, make_big_sheets, open_grid  # noqa: E402
from bench.servers import StackServer  # noqa: E402
from bench.ui_latency import CHROMIUM, load  # noqa: E402
from e2e.session import new_sheet, signed_up  # noqa: E402


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument(
        "--descending",
        action="store_true",
        help="sort Z → A: the view's first rows are the sheet's middle rows, none of them held",
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill still stops the server
    print(f"load average at start: {load()}")
    from playwright.sync_api import sync_playwright

    server = StackServer({"GRIDROOM_SIGNUP_LIMIT": "100000"})
    runs: dict[str, list] = {"unsorted": [], "view": []}
    try:
        server.start()
        client = signed_up(server.url)
        small = new_sheet(client, "Small")
        started = time.perf_counter()
        sheet_id = make_big_sheets(server, [args.rows], small)["sheets"][args.rows]
        print(f"setup: {args.rows:,} rows written in {time.perf_counter() - started:.0f} s")
        head = client.get(f"/api/sheets/{sheet_id}/", params={"rows": "block", "limit": 1})
        columns = head.json()["columns"]
        number = next(c["id"] for c in columns if c["type"] == "number")
        spec = {
            "sort": [{"column": number, "dir": "desc" if args.descending else "asc"}],
            "filters": [{"column": number, "op": "between", "value": [100, 100 + args.rows // 2]}],
        }
        url = f"{server.url}/sheets/{sheet_id}/"
        cookies = [{"name": k, "value": v, "url": server.url} for k, v in client.cookies.items()]
        stored = json.dumps(json.dumps(spec))
        keep = f"sessionStorage.setItem('gridroom.view.v1.{sheet_id}', {stored});"
        first = client.get(f"/api/sheets/{sheet_id}/rows?limit=1&view={quote(json.dumps(spec))}")
        first_text = first.json()["rows"][0][2]  # the view's first row's text
        assert args.descending or first_text == cell_value("text", 100, 0)
        print(f"the view's first row: {first_text!r}")
        # What cell 0,0 may show: its row's text or a value an earlier open typed there.
        shown = {"unsorted": [cell_value("text", 0, 0)], "view": [first_text]}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            try:

                def open_one(kind: str) -> dict:
                    scripts = [keep] if kind == "view" else []
                    found = open_grid(
                        browser,
                        url,
                        cookies,
                        shown[kind],
                        args.rows,
                        timeout=args.timeout,
                        jumps=False,
                        init_scripts=scripts,
                    )
                    if "typed" in found:
                        shown[kind].append(found["typed"])
                    return found

                print(f"unsorted, before: {brief(open_one('unsorted'))}; load {load()}")
                print(f"view, first ever (no index yet): {brief(open_one('view'))}; load {load()}")
                for n in range(args.repeat):
                    for kind in ("unsorted", "view"):
                        runs[kind].append(open_one(kind))
                        print(f"  run {n + 1}, {kind}: {brief(runs[kind][-1])}; load {load()}")
            finally:
                browser.close()
    finally:
        server.stop()
    for kind, found in runs.items():
        done = [r for r in found if "error" not in r]
        for what in ("first", "interactive"):
            values = [r[what] for r in done]
            if values:
                print(
                    f"{kind}: {what} median {statistics.median(values):,.0f} ms "
                    f"(min {min(values):,.0f}, max {max(values):,.0f}, {len(values)} runs)"
                )
        for r in found:
            if "error" in r:
                print(f"{kind}: an open failed: {r['error']}")
    inter = {k: [r["interactive"] for r in v if "interactive" in r] for k, v in runs.items()}
    if inter["unsorted"] and inter["view"]:
        ratio = statistics.median(inter["view"]) / statistics.median(inter["unsorted"])
        print(f"interactive, view / unsorted (medians): {ratio:.2f}")
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()
