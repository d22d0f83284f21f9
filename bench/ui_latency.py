"""Typed edit → another tab, UI to UI, inside one Chromium.

Two tabs of the same sheet in one browser (one user). Tab A selects a cell,
types a value and presses Enter; tab B shows it. Both tabs stamp their own
moments with `performance.timeOrigin + performance.now()` (one machine clock):

- A: the Enter keydown (a capture listener on the document), the op's POST
  (Resource Timing of the `/cells` fetch: when `fetch` was called and when its
  request went out, `requestStart`);
- B: the `cells.changed` frame arriving (a listener on the page's WebSocket,
  added before the page's own) and the cell's text changing in the grid (a
  MutationObserver on `#grid`).

UI to UI is Enter in A → the text in B. The split: Enter → request sent,
request sent → frame in B (the server: Django, the save, the broadcast),
frame → shown; and the POST's own round trip (request sent → answer read).
In the same run, the floor of the server part: a message sent by tab A over
a socket of its own to tab B through bench/relay.py (no Django view, no
save), A's send → B's arrival; and an empty catch-up GET from A (Django,
the session, a small read: what a request costs without the save).
Printed as p50/p95/max over `--edits` edits, with the load average before
and after.

    .venv/bin/python bench/ui_latency.py [--edits 50]            (the embedded default)
    .venv/bin/python bench/ui_latency.py --stack                   (deploy/stack.py)
    .venv/bin/python bench/ui_latency.py --url http://127.0.0.1:8000

With `--big-rows N` the same run then makes a sheet of N rows × 20
(bench/bigsheet.py's setup, straight into the server's database, not timed),
opens it in both tabs at its middle row and times the same edits there: the
edit on a big sheet beside the edit on the small one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from e2e.session import new_sheet, signed_up  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Runs in every page before its own scripts.
STAMPS = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const b = window.__bench = { enters: [], frames: [], shown: [], posts: [], want: null };
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') b.enters.push(now());
  }, true);
  const Real = window.WebSocket;
  window.WebSocket = class extends Real {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const t = now();
        if (typeof e.data === 'string' && e.data.includes('"cells.changed"')) {
          b.frames.push([t, e.data]);
        }
      });
    }
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name.endsWith('/cells')) {
        const at = (ms) => performance.timeOrigin + ms;
        b.posts.push({ called: at(e.startTime), sent: at(e.requestStart), end: at(e.responseEnd) });
      }
    }
  }).observe({ type: 'resource', buffered: true });
  const watch = () => {
    const grid = document.getElementById('grid');
    if (!grid) { requestAnimationFrame(watch); return; }
    new MutationObserver((records) => {
      if (b.want === null) return;
      for (const r of records) {
        const td = (r.target.nodeType === 1 ? r.target : r.target.parentElement)?.closest('td');
        if (td && td.textContent === b.want) {
          b.shown.push([now(), b.want]);
          b.want = null;
          return;
        }
      }
    }).observe(grid, { subtree: true, childList: true, characterData: true });
  };
  document.addEventListener('DOMContentLoaded', watch);
})();
"""


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def embedded():
    """scripts/run_embedded.bash on a free port with a fresh data dir."""
    data = tempfile.mkdtemp(prefix="gridroom-bench-")
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "GRIDROOM_PRODUCTION", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        PORT=str(port),
        GRIDROOM_DATA_DIR=data,
        GRIDROOM_SIGNUP_LIMIT="100000",
        GRIDROOM_BENCH_RELAY="1",
    )
    log = open(Path(data) / "server.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [str(REPO / "scripts/run_embedded.bash")],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/accounts/login/", timeout=5):
                    break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None:
                    raise SystemExit("the embedded server exited while starting") from None
                time.sleep(0.2)  # polling a subprocess
        yield url, env
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def stack():
    from deploy.stack import Stack

    s = Stack(extra_env={"GRIDROOM_BENCH_RELAY": "1", "GRIDROOM_BENCH_ALLOW": "1"})
    print(f"starting the stack in {s.prefix} …", flush=True)
    s.start()
    try:
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(DATABASE_URL=s.database_url, REDIS_URL="")
        yield s.base_url, env
    finally:
        s.stop()


def open_tab(context, url: str, sheet_id: int, at_row: int = 0):
    page = context.new_page()
    page.goto(f"{url}/sheets/{sheet_id}/")
    page.wait_for_function(
        "() => { const g = window.gridroom; return !!(g && g.hot && g.hot.countRows() > 0"
        " && document.querySelector('.ht_master td')); }"
    )
    page.wait_for_function("() => document.querySelector('[data-state=\"saved\"]') !== null")
    if at_row:
        # A big sheet's middle: its rows come in a window; wait until they are held.
        page.evaluate(
            "(r) => window.gridroom.hot.scrollViewportTo({ row: r, col: 0, verticalSnap: 'top' })",
            at_row,
        )
        page.wait_for_function(
            "(r) => { const g = window.gridroom; for (let i = r; i < r + 10; i += 1)"
            " if (g.grid.rowIds[i] === undefined) return false; return true; }",
            arg=at_row,
        )
    return page


def big_sheet(env: dict, small_sheet: int, rows: int) -> int:
    """A sheet of `rows` rows owned by the small sheet's owner, made by
    bench/bigsheet.py's setup in a process on the server's database."""
    command = [sys.executable, str(REPO / "bench/bigsheet.py"), "--setup-child"]
    command += [f"--small={small_sheet}", f"--sizes={rows}"]
    done = subprocess.run(command, env=env, cwd=REPO, stdout=subprocess.PIPE, check=True)
    made = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return int(made["sheets"][str(rows)])


def measure(url: str, edits: int, env: dict | None = None, big_rows: int = 0) -> dict:
    """{"small": figures} and, with `big_rows`, {"big": figures} of the same run."""
    client = signed_up(url)
    small = new_sheet(client, "UI latency")
    cookies = [{"name": k, "value": v, "url": url} for k, v in client.cookies.items()]
    out = {"small": edit_spans(url, cookies, small, edits)}
    if big_rows:
        if env is None:
            raise SystemExit("--big-rows needs a server this bench starts (not --url)")
        big = big_sheet(env, small, big_rows)
        out["big"] = edit_spans(url, cookies, big, edits, at_row=big_rows // 2)
    return out


def edit_spans(url: str, cookies: list, sheet_id: int, edits: int, at_row: int = 0) -> dict:
    from playwright.sync_api import sync_playwright

    keys = ("ui", "enter_sent", "server", "shown", "called", "post", "relay", "get")
    out: dict[str, list[float]] = {k: [] for k in keys}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        context.add_cookies(cookies)
        context.add_init_script(STAMPS)
        a = open_tab(context, url, sheet_id, at_row)
        b = open_tab(context, url, sheet_id, at_row)
        rows = a.evaluate("() => window.gridroom.hot.countRows()")
        for i in range(edits):
            value = f"v{i}-{uuid.uuid4().hex[:6]}"
            row = at_row + i % min(rows, 10)
            a.evaluate("([r]) => window.gridroom.hot.selectCell(r, 0)", [row])
            b.evaluate("(v) => { window.__bench.want = v; }", value)
            a.keyboard.type(value)
            a.wait_for_function(
                "(v) => { const e = window.gridroom.hot.getActiveEditor();"
                " return !!e && e.isOpened() && e.getValue() === v; }",
                arg=value,
            )
            a.keyboard.press("Enter")
            b.wait_for_function(
                "(v) => window.__bench.shown.some((s) => s[1] === v)", arg=value, timeout=15000
            )
            a.wait_for_function(f"() => window.__bench.posts.length >= {i + 1}")
            ta = a.evaluate("() => window.__bench")
            tb = b.evaluate("() => window.__bench")
            enter = ta["enters"][-1]
            post = ta["posts"][-1]
            frame = next(t for t, data in tb["frames"] if value in data)
            shown = next(t for t, v in tb["shown"] if v == value)
            out["ui"].append(shown - enter)
            out["called"].append(post["called"] - enter)
            out["enter_sent"].append(post["sent"] - enter)
            out["server"].append(frame - post["sent"])
            out["shown"].append(shown - frame)
            out["post"].append(post["end"] - post["sent"])
        out["relay"] = relay(a, b, url, edits)
        out["get"] = light_gets(a, edits)
        browser.close()
    return out


RELAY_OPEN = """(path) => new Promise((resolve, reject) => {
  const now = () => performance.timeOrigin + performance.now();
  const ws = new WebSocket(`ws://${location.host}${path}`);
  window.__relay = { ws, got: {} };
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.type === 'ready') resolve(true);
    else window.__relay.got[msg.n] = now();
  };
  ws.onclose = () => reject(new Error('relay closed (GRIDROOM_BENCH_RELAY off?)'));
})"""


def relay(a, b, url: str, count: int) -> list[float]:
    """Tab A → tab B over sockets of their own through the bare relay: the floor."""
    for tab in (a, b):
        tab.evaluate(RELAY_OPEN, "/ws/bench-relay/")
    spans = []
    for n in range(count):
        sent = a.evaluate(
            "(n) => { const t = performance.timeOrigin + performance.now();"
            " window.__relay.ws.send(JSON.stringify({type: 'relay', n})); return t; }",
            n,
        )
        b.wait_for_function("(n) => n in window.__relay.got", arg=n)
        spans.append(b.evaluate("(n) => window.__relay.got[n]", n) - sent)
    return spans


def light_gets(a, count: int) -> list[float]:
    """Round trips of an empty catch-up (`changes?since=` the latest): Django and
    a session, one small read, no save and no broadcast."""
    return a.evaluate(
        """async (count) => {
          const { sync, store } = window.gridroom;
          const spans = [];
          for (let i = 0; i < count; i += 1) {
            const t = performance.now();
            const r = await fetch(`${sync.changesUrl}?since=${store.lastSeq}`, {
              credentials: 'same-origin', headers: { Accept: 'application/json' } });
            await r.json();
            spans.push(performance.now() - t);
          }
          return spans;
        }""",
        count,
    )


def report(name: str, figures: dict[str, list[float]]) -> None:
    labels = [
        ("ui", "UI to UI: Enter in A → text in B"),
        ("called", "Enter → fetch() called"),
        ("enter_sent", "Enter → request sent"),
        ("server", "request sent → frame in B"),
        ("shown", "frame in B → text in B"),
        ("post", "the POST's round trip (sent → answer read)"),
        ("relay", "floor: A → B over the bare socket relay"),
        ("get", "an empty catch-up GET's round trip (no save)"),
    ]
    print(f"\n{name}, {len(figures['ui'])} edits\n")
    print("| span | p50 ms | p95 ms | max ms |")
    print("| --- | --- | --- | --- |")
    for key, label in labels:
        v = figures[key]
        print(f"| {label} | {percentile(v, 50):.1f} | {percentile(v, 95):.1f} | {max(v):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--big-rows", type=int, default=0, help="also edit a sheet this tall")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--stack", action="store_true", help="the production stack (deploy/stack.py)"
    )
    where.add_argument("--url", help="a running server")
    args = parser.parse_args()
    print(f"load average before: {load()}", flush=True)
    if args.url:
        figures, name = measure(args.url, args.edits), args.url
    else:
        starter, name = (stack, "stack") if args.stack else (embedded, "embedded default")
        with starter() as (url, env):
            figures = measure(url, args.edits, env, args.big_rows)
    report(f"{name}, a new sheet", figures["small"])
    if "big" in figures:
        report(f"{name}, {args.big_rows:,} rows, at row {args.big_rows // 2:,}", figures["big"])
        ui = percentile(figures["big"]["ui"], 50) / percentile(figures["small"]["ui"], 50)
        print(f"\nUI to UI p50, big sheet ÷ new sheet: {ui:.2f}×")
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
