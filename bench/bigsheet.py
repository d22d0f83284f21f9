"""Big sheets: Handsontable alone on a static JSON file (the floor) and
Gridroom on a sheet of the same rows, in the same run, alternating.

    .venv/bin/python bench/bigsheet.py --sizes 100000,200000,1000000 --targets embedded,stack
    .venv/bin/python bench/bigsheet.py --sizes 1000000 --setup-only

Per target (the embedded default: scripts/run_embedded.bash on SQLite; the
stack: deploy/stack.py, nginx → gunicorn + daphne, PostgreSQL, Redis) the
server is started, a user signs up (its session cookie goes to the browser)
and a small sheet is made through the pages; the big sheets are written
straight into the database (bench/windows.py `make_sheet`, not timed), and
the floor's rows, the same values, go to a JSON file served by a static
HTTP server with a page bundled here from bench/bigsheet_floor/ (esbuild,
Handsontable from frontend/node_modules).

Each open, floor then Gridroom, `--repeat` times, in a fresh browser
context of one Chromium (`--expose-gc`, precise memory info), at once (no
settling wait). Times are the page's own clock from navigation start: the
first cells shown (cell 0,0 shows its text), interactive (a click on that
cell, a value typed, Enter: the cell shows it), then a jump to the middle
and to the last row (`scrollViewportTo` + `selectCell`: until that row's
first cell shows its text; rows not loaded are blank) and the JS heap after
`gc()`. For Gridroom also: the largest peak RSS growth of a server process
while it opens and jumps (VmHWM reset first), and one-cell edits posted one
after another on the small sheet from the start of the open to interactive,
against the same edits on the idle server just before.
"""

import argparse
import asyncio
import functools
import http.server
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from bench.latency import post_edit  # noqa: E402
from bench.servers import EmbeddedServer, StackServer  # noqa: E402
from bench.ui_latency import CHROMIUM, CHROMIUM_ARGS, load  # noqa: E402
from bench.windows import make_sheet, memory, reset_peak, setup_django  # noqa: E402
from e2e.session import new_sheet, signed_up  # noqa: E402

FLOOR_SOURCE = REPO / "bench" / "bigsheet_floor"
NODE_MODULES = REPO / "frontend" / "node_modules"
BROWSER_ARGS = [
    *CHROMIUM_ARGS,
    "--disable-dev-shm-usage",
    "--js-flags=--expose-gc",
    "--enable-precise-memory-info",
]
VIEWPORT = {"width": 1280, "height": 800}
IDLE_EDITS = 10

# In every page before its own scripts: a watcher that stamps (the page's
# clock, ms from navigation start) the first frame where a row's first cell
# shows one of some texts. It runs in the page, so a busy page is not timed
# by how soon the bench asks; the bench waits for the stamp with a timeout.
PROBE = """
window.__bigsheet = {
  hot: () => window.hot || (window.gridroom && window.gridroom.hot) || null,
  seen: null,
  watch(row, texts) {
    this.seen = null;
    const look = () => {
      const hot = this.hot();
      const td = hot && hot.getCell(row, 0);
      if (td && texts.includes(td.textContent)) this.seen = performance.now();
      else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  },
};
"""


def cell_value(kind: str, row: int, col: int):
    """The cell at (row, col) of a column of `kind`: the floor's and Gridroom's."""
    if kind == "number":
        return row + col / 100
    if kind == "date":
        return f"20{20 + row % 10}-{1 + row % 12:02d}-{1 + row % 28:02d}"
    if kind == "checkbox":
        return row % 2 == 0
    return f"r{row}c{col}"


# --- Setup (not timed).


def setup_child(sizes: list[int], small: int) -> None:
    """In a process of its own, on the target's database: the big sheets of
    the small sheet's owner, and the columns' types (the same for all)."""
    setup_django()
    from sheets.models import Column, Sheet

    owner = Sheet.objects.get(pk=small).owner
    sheets = {}
    for size in sizes:
        started = time.perf_counter()
        sheets[size] = make_sheet(owner, f"Big {size:,}", size, value=cell_value)
        print(f"  {size:,} rows written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    types = list(Column.objects.filter(sheet=sheets[sizes[0]]).values_list("type", flat=True))
    print(json.dumps({"sheets": sheets, "types": types}))


def make_big_sheets(server, sizes: list[int], small: int) -> dict:
    if isinstance(server, StackServer):
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(DATABASE_URL=server.stack.database_url, REDIS_URL="")
    else:
        env = server.env  # its data dir: its SQLite file
    command = [sys.executable, __file__, "--setup-child", f"--small={small}"]
    command.append("--sizes=" + ",".join(map(str, sizes)))
    done = subprocess.run(command, env=env, cwd=REPO, stdout=subprocess.PIPE, timeout=3600)
    if done.returncode:
        raise SystemExit(f"setting up the big sheets failed (exit {done.returncode})")
    made = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return {"sheets": {int(k): v for k, v in made["sheets"].items()}, "types": made["types"]}


def write_floor(directory: Path, sizes: list[int], types: list[str]) -> None:
    """The floor's page, bundled, and one JSON file of rows (arrays) per size."""
    bundled = subprocess.run(
        [str(NODE_MODULES / ".bin" / "esbuild"), str(FLOOR_SOURCE / "floor.js")]
        + ["--bundle", "--format=esm", "--minify", "--target=es2020", "--log-level=warning"]
        + [f"--outdir={directory}"],
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
        capture_output=True,
        text=True,
    )
    if bundled.returncode:
        raise SystemExit(f"esbuild failed:\n{bundled.stderr}")
    (directory / "floor.html").write_bytes((FLOOR_SOURCE / "floor.html").read_bytes())
    encode = json.JSONEncoder(separators=(",", ":")).encode
    for size in sizes:
        with (directory / f"rows-{size}.json").open("w") as f:
            f.write("[")
            for row in range(size):
                cells = [cell_value(kind, row, col) for col, kind in enumerate(types)]
                f.write(("," if row else "") + encode(cells))
            f.write("]")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def static_server(directory: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- One open.


class Edits:
    """One-cell edits on the small sheet, one after another in a thread of
    their own, from `start()` to `stop()`: each POST's round trip (ms)."""

    def __init__(self, url: str, cookies: dict, small: dict):
        self.url, self.cookies, self.small = url, cookies, small
        self.spans: list[float] = []
        self.error: BaseException | None = None
        self.stopping = threading.Event()

    async def _run(self, count: int | None) -> None:
        import httpx

        async with httpx.AsyncClient(base_url=self.url, cookies=self.cookies, timeout=60) as http:
            while not self.stopping.is_set() and (count is None or len(self.spans) < count):
                started = time.perf_counter()
                value = uuid.uuid4().hex[:8]
                await post_edit(http, self.small["id"], self.small["col"], self.small["row"], value)
                self.spans.append((time.perf_counter() - started) * 1000)

    def _edits(self, count: int | None) -> None:
        try:
            asyncio.run(self._run(count))
        except BaseException as exc:  # reported with the figures
            self.error = exc

    def start(self) -> "Edits":
        """Edits in a thread, until `stop()`."""
        self.thread = threading.Thread(target=self._edits, args=(None,), daemon=True)
        self.thread.start()
        return self

    def run(self, count: int) -> "Edits":
        """`count` edits, then return (in a thread: Playwright holds this one's loop)."""
        self.thread = threading.Thread(target=self._edits, args=(count,), daemon=True)
        self.thread.start()
        self.thread.join(90 * count)
        return self

    def stop(self) -> "Edits":
        self.stopping.set()
        self.thread.join(90)
        if self.thread.is_alive():
            self.error = TimeoutError("a POST had no answer in 90 s")
        return self


def server_pids(server) -> list[int]:
    """The processes that serve a page and its data: uvicorn; or gunicorn's
    workers and the daphne processes."""
    if isinstance(server, EmbeddedServer):
        return server.pids
    master = server.stack.pid("gridroom:gridroom-gunicorn")
    workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in workers] + server.pids


def peak_growth(before: dict[int, float]) -> float:
    """The largest peak RSS growth (MiB) over the processes still there."""
    growth = [0.0]
    for pid, rss in before.items():
        try:
            growth.append(memory(pid)["VmHWM"] - rss)
        except FileNotFoundError:  # a worker that was replaced meanwhile
            pass
    return max(growth)


def open_grid(
    browser,
    page_url: str,
    cookies: list,
    first: list[str],
    rows: int,
    *,
    timeout: float,
    at_interactive=None,
    jumps: bool = True,
    init_scripts: tuple[str, ...] = (),
) -> dict:
    """Open a grid page and time it (the module's docstring); `first`: the
    texts cell (0, 0) may show. `at_interactive()` is called once, when the
    page is interactive or has failed; `jumps=False`: no jumps (a view's
    rows are not the sheet's); `init_scripts`: run in the page before its
    own. An open that fails or times out says where in "error": it is lost,
    not the run."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    ms = timeout * 1000
    context = browser.new_context(viewport=VIEWPORT)
    out, stage, pending = {}, "loading the page", [at_interactive or (lambda: None)]

    def interactive_now() -> None:
        if pending:
            pending.pop()()

    try:
        context.add_cookies(cookies)
        context.add_init_script(PROBE + f"window.__bigsheet.watch(0, {json.dumps(first)});")
        for script in init_scripts:
            context.add_init_script(script)
        page = context.new_page()
        rows_asked = []
        page.on("request", lambda r: rows_asked.append(ROW_PATHS.match(urlsplit(r.url).path)))
        page.goto(page_url, wait_until="commit", timeout=ms)
        stage = "first cells shown"
        out["first"] = seen(page, ms)
        stage = "interactive"
        typed = f"t{uuid.uuid4().hex[:6]}"
        x, y = page.evaluate(
            "() => { const r = window.__bigsheet.hot().getCell(0, 0).getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; }"
        )
        page.mouse.click(x, y)
        page.keyboard.type(typed)
        page.wait_for_function(
            "(v) => { const e = window.__bigsheet.hot().getActiveEditor();"
            " return !!e && e.isOpened() && e.getValue() === v; }",
            arg=typed,
            timeout=ms,
        )
        page.evaluate("(v) => window.__bigsheet.watch(0, [v])", typed)
        page.keyboard.press("Enter")
        out["interactive"] = seen(page, ms)
        out["typed"] = typed
        interactive_now()
        for name, row in (("middle", rows // 2), ("end", rows - 1)) if jumps else ():
            stage = f"jump to the {name} (row {row:,})"
            asked = page.evaluate(
                "([row, text]) => { const b = window.__bigsheet; const t = performance.now();"
                " b.watch(row, [text]); b.hot().scrollViewportTo({ row, col: 0 });"
                " b.hot().selectCell(row, 0); return t; }",
                [row, cell_value("text", row, 0)],
            )
            out[name] = seen(page, ms) - asked
        out["requests"] = sum(1 for asked in rows_asked if asked)
        out["wire"] = page.evaluate(ROW_BYTES, ROW_PATHS.pattern)
        stage = "the JS heap after GC"
        heap = page.evaluate("() => { gc(); gc(); return performance.memory.usedJSHeapSize; }")
        out["heap"] = heap / 2**20
    except PlaywrightTimeout:
        out["error"] = f"{stage}: timed out after {timeout:.0f} s"
    except Exception as exc:  # Playwright's errors: a page that crashed, a closed browser
        out["error"] = f"{stage}: {str(exc).strip().splitlines()[0]}"
    finally:
        interactive_now()
        context.close()
    return out


# The requests that bring rows: the floor's JSON file; Gridroom's snapshot
# and row windows. Counted as they start (one still on its way counts), and
# the KiB on the wire of those that ended (Resource Timing).
ROW_PATHS = re.compile(r"^/rows-\d+\.json$|^/api/sheets/\d+/(rows)?$")
ROW_BYTES = """(pattern) => performance.getEntriesByType('resource')
  .filter((e) => new RegExp(pattern).test(new URL(e.name).pathname))
  .reduce((sum, e) => sum + e.transferSize, 0) / 1024"""


def seen(page, ms: float) -> float:
    """The watcher's stamp, once it has one (at most `ms` from now)."""
    return page.wait_for_function("() => window.__bigsheet.seen", timeout=ms).json_value()


def run_target(name: str, args, floor_dir: Path, floor_url: str, browser, made: dict) -> dict:
    """Start one target, set its sheets up and open each size `--repeat` times,
    floor then Gridroom. `made`: the floor's files, written once for all targets."""
    env = {"GRIDROOM_SIGNUP_LIMIT": "100000"}
    server = StackServer(env) if name == "stack" else EmbeddedServer(env)
    print(f"\n## {server.name}: starting …", flush=True)
    results: dict[int, dict] = {}
    try:
        server.start()
        client = signed_up(server.url)
        small_id = new_sheet(client, "Small")
        snapshot = client.get(f"/api/sheets/{small_id}/").json()
        small = {
            "id": small_id,
            "col": snapshot["columns"][0]["id"],
            "row": snapshot["rows"][0]["id"],
        }
        started = time.perf_counter()
        setup = make_big_sheets(server, args.sizes, small_id)
        print(f"setup: big sheets written in {time.perf_counter() - started:.0f} s", flush=True)
        if "types" not in made:
            started = time.perf_counter()
            write_floor(floor_dir, args.sizes, setup["types"])
            made["types"] = setup["types"]
            print(
                f"setup: floor files written in {time.perf_counter() - started:.0f} s", flush=True
            )
        if args.setup_only:
            return results
        cookies = dict(client.cookies.items())
        box = grid_box(browser, f"{server.url}/sheets/{small_id}/", cookies, server.url, args)
        floor_page = f"{floor_url}/floor.html?types={','.join(made['types'])}&" + "&".join(
            f"{k}={v}" for k, v in box.items()
        )
        for size in args.sizes:
            sheet_url = f"{server.url}/sheets/{setup['sheets'][size]}/"
            results[size] = open_size(
                server, browser, size, sheet_url, floor_page, cookies, small, args
            )
    finally:
        server.stop()
    return results


def open_size(
    server, browser, size: int, sheet_url: str, floor_page: str, cookies: dict, small: dict, args
) -> dict:
    """`--repeat` times: the floor, the idle edits, then Gridroom with edits
    running and the server's peak RSS followed."""
    runs = {"floor": [], "gridroom": [], "idle": [], "during": [], "edit errors": []}
    browser_cookies = [{"name": k, "value": v, "url": server.url} for k, v in cookies.items()]
    first = [cell_value("text", 0, 0)]
    for n in range(args.repeat):
        floor_url = f"{floor_page}&data=rows-{size}.json"
        floor = open_grid(browser, floor_url, [], first[:1], size, timeout=args.timeout)
        runs["floor"].append(floor)
        idle = Edits(server.url, cookies, small).run(IDLE_EDITS)
        pids = server_pids(server)
        before = {pid: memory(pid)["VmRSS"] for pid in pids}
        for pid in pids:
            reset_peak(pid)
        during = Edits(server.url, cookies, small).start()
        grid = open_grid(
            browser,
            sheet_url,
            browser_cookies,
            first,
            size,
            timeout=args.timeout,
            at_interactive=during.stop,
        )
        grid["rss"] = peak_growth(before)
        runs["gridroom"].append(grid)
        for edits, key in ((idle, "idle"), (during, "during")):
            runs[key] += edits.spans
            if edits.error:
                runs["edit errors"].append(f"{key}, run {n + 1}: {edits.error!r}")
        if "typed" in grid:
            first.append(grid["typed"])  # saved or not yet: cell 0,0 may show either
        print(f"  {size:,} rows, run {n + 1}: floor {brief(floor)}; Gridroom {brief(grid)}")
    return runs


def grid_box(browser, url: str, cookies: dict, base_url: str, args) -> dict:
    """Where the sheet page puts its grid (px), for the floor's page to do the same."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_cookies([{"name": k, "value": v, "url": base_url} for k, v in cookies.items()])
        page = context.new_page()
        page.goto(url, timeout=args.timeout * 1000)
        page.wait_for_selector("#grid .ht_master td", timeout=args.timeout * 1000)
        return page.evaluate(
            "() => { const r = document.getElementById('grid').getBoundingClientRect();"
            " return { left: Math.round(r.left), top: Math.round(r.top),"
            " width: Math.round(r.width), height: Math.round(r.height) }; }"
        )
    finally:
        context.close()


def brief(run: dict) -> str:
    if "error" in run:
        return f"FAILED at {run['error']}"
    return f"first {run['first']:.0f} ms, interactive {run['interactive']:.0f} ms"


def figure(values: list[float], runs: int | None = None) -> str:
    """Median (min–max), and how many of `runs` did not get this far."""
    if not values:
        return "–"
    shown = f"{statistics.median(values):,.0f}"
    if len(values) > 1:
        shown += f" ({min(values):,.0f}–{max(values):,.0f})"
    lost = (runs or len(values)) - len(values)
    return shown + (f", {lost} of {runs} failed" if lost else "")


def ratio(floor: list[float], grid: list[float]) -> str:
    if not floor or not grid:
        return "–"
    return f"{statistics.median(grid) / statistics.median(floor):.2f}×"


def report(target: str, size: int, runs: dict, columns: int) -> None:
    floor, grid = runs["floor"], runs["gridroom"]
    print(f"\n### {target}: {size:,} × {columns}, {len(grid)} runs each (median, min–max)\n")
    print("| measure | Handsontable floor | Gridroom | Gridroom ÷ floor |")
    print("| --- | --- | --- | --- |")
    for key, label in [
        ("first", "first cells shown, ms from navigation start"),
        ("interactive", "interactive (click, type, Enter: shown), ms"),
        ("middle", f"jump to the middle (row {size // 2:,}): shown after, ms"),
        ("end", f"jump to the end (row {size - 1:,}): shown after, ms"),
        ("heap", "JS heap after GC, MiB"),
        ("requests", "requests for rows, started by the end of the jumps"),
        ("wire", "KiB on the wire of those ended (the floor's file is not compressed)"),
    ]:
        f = [r[key] for r in floor if key in r]
        g = [r[key] for r in grid if key in r]
        times = "–" if key in ("requests", "wire") else ratio(f, g)
        print(f"| {label} | {figure(f, len(floor))} | {figure(g, len(grid))} | {times} |")
    rss = [r["rss"] for r in grid]
    print(
        "| server peak RSS growth while opening and jumping (largest process), MiB "
        f"| – | {figure(rss)} | – |"
    )
    idle, during = runs["idle"], runs["during"]
    print(
        f"| one-cell edit POST on a small sheet, ms: idle → while opening "
        f"({len(idle)} / {len(during)} edits; max {max(idle, default=0):,.0f} / "
        f"{max(during, default=0):,.0f}) "
        f"| – | {figure(idle)} → {figure(during)} | while opening ÷ idle {ratio(idle, during)} |"
    )
    for kind, lost in (("floor", floor), ("Gridroom", grid)):
        for n, run in enumerate(lost, 1):
            if "error" in run:
                print(f"\n{kind} run {n} failed at {run['error']}")
    for error in runs["edit errors"]:
        print(f"\nedits on the small sheet failed ({error})")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,200000,1000000")
    parser.add_argument("--targets", default="embedded,stack")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds for each step of an open"
    )
    parser.add_argument(
        "--setup-only", action="store_true", help="make the sheets and files, no opens"
    )
    parser.add_argument("--setup-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--small", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    if args.setup_child:
        return setup_child(args.sizes, args.small)
    targets = args.targets.split(",")
    if unknown := set(targets) - {"embedded", "stack"}:
        sys.exit(f"unknown targets: {', '.join(unknown)}")
    if "embedded" in targets and not (REPO / "frontend/static/gridroom/dist/sheet.js").exists():
        sys.exit("frontend/static/gridroom/dist/ is missing: `cd frontend && npm run build`")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill still stops the servers
    print(f"load average at start: {load()}")
    from playwright.sync_api import sync_playwright

    results, made = {}, {}
    with tempfile.TemporaryDirectory(prefix="gridroom-bigsheet-") as floor_dir:
        files = static_server(Path(floor_dir))
        floor_url = f"http://127.0.0.1:{files.server_port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
                try:
                    for target in targets:
                        results[target] = run_target(
                            target, args, Path(floor_dir), floor_url, browser, made
                        )
                finally:
                    browser.close()
        finally:
            files.shutdown()
            files.server_close()
    for target, sizes in results.items():
        for size, runs in sizes.items():
            report(target, size, runs, len(made["types"]))
    print(f"\nload average at the end: {load()}")


if __name__ == "__main__":
    main()
