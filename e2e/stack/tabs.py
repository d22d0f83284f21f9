"""Tabs that know which daphne process serves them, and what the stack's
database holds."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, Request, WebSocket

from deploy.stack import Stack
from e2e.pages import SheetPage, is_json_frame

DAPHNE = ("gridroom:gridroom-daphne-0", "gridroom:gridroom-daphne-1")
CLOCK = "gridroom:gridroom-clock"


def wait_until(page: Page, condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    """Poll `condition` (Python side: Playwright events recorded by the page's
    listeners) until it is truthy, letting the page's events in meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        page.wait_for_timeout(100)


def accepting(path: str) -> bool:
    """Something listens on the unix socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        try:
            sock.connect(path)
        except OSError:
            return False
        return True


def daphne_pids(stack: Stack) -> dict[int, str]:
    """pid -> program of every daphne process now."""
    return {stack.pid(program): program for program in DAPHNE}


def program_state(stack: Stack, program: str) -> str:
    parts = stack.ctl("status", program, check=False).split()
    return parts[1] if len(parts) > 1 else "UNKNOWN"


class Tab(SheetPage):
    """A sheet tab that also keeps its sockets (to see them close), the server
    of every `hello` and, in the page, the history of its live status."""

    def __init__(self, page: Page, sheet_id: int):
        super().__init__(page, sheet_id)
        self.sockets: list[WebSocket] = []
        page.on("websocket", lambda ws: self.sockets.append(ws))
        # The op_id of every op this tab sent (each attempt, retries included).
        self.op_attempts: list[str] = []
        page.on("request", self._record_op)

    def _record_op(self, request: Request) -> None:
        if request.method != "POST" or f"/api/sheets/{self.sheet_id}/" not in request.url:
            return
        try:
            body = json.loads(request.post_data or "")
        except ValueError:
            return
        if isinstance(body, dict) and "op_id" in body:
            self.op_attempts.append(body["op_id"])

    def open(self) -> Tab:
        super().open()
        self.wait_hellos(1)
        self.page.evaluate(
            """() => {
                window.__e2eNoReload = true;
                const status = document.getElementById('live-status');
                window.__e2eStates = [status.dataset.state];
                new MutationObserver(() => window.__e2eStates.push(status.dataset.state))
                    .observe(status, {attributes: true, attributeFilter: ['data-state']});
            }"""
        )
        return self

    # --- Sockets and servers

    def hellos(self) -> list[dict]:
        return self.messages("hello")

    def wait_hellos(self, count: int, timeout: float = 30) -> list[dict]:
        return wait_until(
            self.page,
            lambda: len(self.hellos()) >= count and self.hellos(),
            f"hello #{count}",
            timeout,
        )

    def server_pid(self) -> int:
        """The pid of the daphne process that said the last hello."""
        return int(self.hellos()[-1]["server"].rsplit(":", 1)[1])

    def closed_sockets(self) -> list[str]:
        return [ws.url for ws in self.sockets if ws.is_closed()]

    def live_states(self) -> list[str]:
        """Every value the header's live status took since `open` (in order)."""
        return self.page.evaluate("() => window.__e2eStates.slice()")

    def reloaded(self) -> bool:
        return not self.page.evaluate("() => window.__e2eNoReload === true")

    def count_frames(self, message_type: str) -> int:
        return sum(1 for f in self.frames if is_json_frame(f, message_type))

    def broadcast_values(self) -> set[Any]:
        """Every cell value that reached this tab in a `cells.changed` frame."""
        return {
            change["value"]
            for message in self.messages("cells.changed")
            for change in message["changes"]
        }

    # --- Contents

    def view(self) -> dict:
        """What the tab holds: version, unsaved edits, columns, rows (committed
        values) and the values the grid shows."""
        return self.page.evaluate(
            """() => {
                const {store, pending, hot} = window.gridroom;
                return {
                    version: store.lastSeq,
                    unsaved: pending.pendingCount() + pending.failedCount(),
                    columns: store.columns.map((c) => c.id),
                    rows: store.rows.map((r) => ({id: r.id, values: r.values})),
                    shown: hot.getData(),
                };
            }"""
        )

    def snapshot(self) -> dict:
        """The sheet as the database holds it: the HTTP API's snapshot, fetched
        by this logged-in page."""
        answer = self.page.evaluate(
            """async (url) => {
                const r = await fetch(url, {credentials: 'same-origin',
                                            headers: {Accept: 'application/json'}});
                return {status: r.status, text: await r.text()};
            }""",
            f"/api/sheets/{self.sheet_id}/",
        )
        assert answer["status"] == 200, answer
        return json.loads(answer["text"])


def _values(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None and v != ""}


def disagreement(tab: Tab, snapshot: dict) -> str | None:
    """Why the tab does not show exactly the snapshot, or None when it does."""
    view = tab.view()
    if view["version"] != snapshot["version"]:
        return f"version {view['version']} != {snapshot['version']}"
    if view["unsaved"]:
        return f"{view['unsaved']} unsaved change(s)"
    columns = [c["id"] for c in snapshot["columns"]]
    if view["columns"] != columns:
        return "columns differ"
    rows = [{"id": r["id"], "values": _values(r["values"])} for r in snapshot["rows"]]
    held = [{"id": r["id"], "values": _values(r["values"])} for r in view["rows"]]
    if held != rows:
        return f"rows differ: tab {held} vs database {rows}"
    shown = [["" if v is None else v for v in row] for row in view["shown"]]
    expected = [["" if (v := r["values"].get(c)) is None else v for c in columns] for r in rows]
    if shown != expected:
        return f"grid shows {shown} vs database {expected}"
    return None


def expect_agreement(tabs: list[Tab], timeout: float = 60) -> dict:
    """Every tab converges on what the database holds; returns the snapshot."""
    snapshot = tabs[0].snapshot()
    for tab in tabs:
        wait_until(
            tab.page,
            lambda tab=tab: disagreement(tab, snapshot) is None,
            f"the tab to agree with the database (last: {disagreement(tab, snapshot)})",
            timeout,
        )
    return snapshot


def expect_each_op_applied_once(tabs: list[Tab], snapshot: dict) -> int:
    """Every op the tabs sent bumped the sheet's version exactly once, however
    many times it was sent (a retry carries the same op_id). Returns the
    number of retries seen."""
    attempts = [op_id for tab in tabs for op_id in tab.op_attempts]
    assert snapshot["version"] == len(set(attempts)), (snapshot["version"], attempts)
    return len(attempts) - len(set(attempts))


def snapshot_values(snapshot: dict) -> set[Any]:
    return {v for row in snapshot["rows"] for v in row["values"].values()}


def tabs_on_each_process(
    user: Any, sheet_id: int, stack: Stack, per_process: int = 1, max_tabs: int = 12
) -> dict[str, list[Tab]]:
    """Open tabs of `user` on the sheet until `per_process` of them are served
    by each daphne process (checked from their `hello`, not assumed from
    nginx's round robin); tabs beyond that are closed."""
    pids = daphne_pids(stack)
    found: dict[str, list[Tab]] = {program: [] for program in DAPHNE}
    for _ in range(max_tabs):
        if all(len(tabs) >= per_process for tabs in found.values()):
            break
        tab = Tab(user.new_page(), sheet_id).open()
        pid = tab.server_pid()
        assert pid in pids, f"hello from pid {pid}, not a daphne program's ({pids})"
        if len(found[pids[pid]]) < per_process:
            found[pids[pid]].append(tab)
        else:
            tab.page.close()
    counts = {program: len(tabs) for program, tabs in found.items()}
    assert all(n >= per_process for n in counts.values()), (
        f"after {max_tabs} tabs: {counts} per daphne process"
    )
    return found
