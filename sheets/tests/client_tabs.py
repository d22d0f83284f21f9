"""Tabs of the shipped client, for Python tests.

`TabHost` runs `frontend/test/tabhost.js` under Node: each tab there is the
client's own committed store, pending edits and sync loop (frontend/src), made
as the sheet page makes them. A `Tab` here is a thin proxy: socket messages go
in, the grid comes out, and whatever the tab's sync loop fetches (the snapshot,
`changes?since=`) is answered by the real API views (`sheets.api`) for the
tab's user, with their JSON.
"""

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

from django.test import RequestFactory
from django.urls import resolve, reverse

from accounts.selectors import user_info
from sheets import realtime, selectors

HOST_SCRIPT = Path(__file__).resolve().parents[2] / "frontend" / "test" / "tabhost.js"
DEADLINE = 20.0  # seconds for Node to answer one line


class TabHostError(AssertionError):
    """The tab host failed or did not answer; the message has its stderr."""


class TabHost:
    """One Node process hosting any number of tabs, spoken to in JSON lines."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise TabHostError(
                "node is not on PATH: the convergence test runs the client's own modules "
                "(scripts/install_system_deps.bash test installs Node)"
            )
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [node, str(HOST_SCRIPT), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            cwd=HOST_SCRIPT.parent,
            env={**os.environ, "NODE_NO_WARNINGS": "1"},
        )
        self.lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0
        self.broken: str | None = None  # out of step with Python: every later call fails
        self._expect("ready", self._line("the ready line"))

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(b"")  # end of output

    def _fail(self, what: str, *, broken: bool = False) -> None:
        if broken:
            self.broken = what
        self.stderr.seek(0)
        err = self.stderr.read().decode(errors="replace").strip() or "(empty)"
        raise TabHostError(f"tab host: {what}\n--- node stderr ---\n{err}")

    def _send(self, obj: dict) -> None:
        try:
            self.process.stdin.write(json.dumps(obj).encode() + b"\n")
            self.process.stdin.flush()
        except OSError as exc:
            self._fail(f"cannot write to node ({exc})", broken=True)

    def _line(self, what: str) -> dict:
        try:
            line = self.lines.get(timeout=DEADLINE)
        except queue.Empty:
            line = None
        if line is None:
            self._fail(f"no answer within {DEADLINE:.0f} s waiting for {what}", broken=True)
        if not line:
            self._fail(f"node exited (code {self.process.poll()}) waiting for {what}", broken=True)
        return json.loads(line)

    def _expect(self, key: str, answer: dict) -> dict:
        if key not in answer:
            self._fail(f"expected {key!r}, got {answer}", broken=True)
        return answer

    def call(self, command: dict, serve) -> dict:
        """Send `command`; answer the tab's fetches with `serve(url)` until Node replies."""
        if self.broken:
            self._fail(f"unusable since an earlier failure: {self.broken}")
        self._send(command)
        failure = None
        while True:
            answer = self._line(f"the answer to {command['cmd']}")
            if "request" not in answer:
                break
            try:
                reply = serve(answer["request"])
            except Exception as exc:  # answered all the same, so that Node stays in step
                failure = exc
                reply = {"status": 599, "body": {"error": "test_failure", "message": repr(exc)}}
            self._send(reply)
        if failure is not None:
            raise failure
        if "error" in answer:
            self._fail(f"{command['cmd']} failed: {answer['error']}")
        return self._expect("ok", answer)

    def open(self, *, sheet, user, channel: str, head_rows: int = 0) -> "Tab":
        self.next_id += 1
        return Tab(self, self.next_id, sheet=sheet, user=user, channel=channel, head_rows=head_rows)

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


class Tab:
    """A tab of the client: opens like the sheet page (the socket's hello, then
    the snapshot), then gets socket messages; reconnects catch up."""

    def __init__(
        self, host: TabHost, tab_id: int, *, sheet, user, channel: str, head_rows: int = 0
    ) -> None:
        self.host, self.id, self.sheet, self.user, self.channel = host, tab_id, sheet, user, channel
        self.requests = RequestFactory()
        snapshot_url = reverse("api_sheet_snapshot", args=[sheet.id])
        urls = {"changesUrl": reverse("api_sheet_changes", args=[sheet.id])}
        if head_rows:
            # Holding only some rows: the first `head_rows`, then blocks of as many.
            urls["snapshotUrl"] = f"{snapshot_url}?rows=block&limit={head_rows}"
            urls.update(rowsUrl=reverse("api_sheet_rows", args=[sheet.id]), blockRows=head_rows)
        else:
            urls["snapshotUrl"] = f"{snapshot_url}?rows=arrays"
        self._call("open", **urls)
        self.reconnect()

    def _call(self, cmd: str, **fields) -> dict:
        return self.host.call({"cmd": cmd, "tab": self.id, **fields}, self._serve)

    def _serve(self, url: str) -> dict:
        """A GET by the tab's sync loop, answered by the API view for that URL."""
        request = self.requests.get(url)
        request.user = self.user
        match = resolve(urlsplit(url).path)
        response = match.func(request, *match.args, **match.kwargs)
        if response.streaming:  # row windows and block snapshots
            return {"status": response.status_code, "body": json.loads(b"".join(response))}
        return {"status": response.status_code, "body": json.loads(response.content)}

    def receive(self, *messages: dict) -> None:
        """Socket messages (events, heartbeats, the hello of a reconnect), in this order;
        each is handled, fetches included, before the next."""
        if messages:
            self._call("receive", messages=list(messages))

    def reconnect(self) -> None:
        """The socket (re)connected: the server's hello; the tab loads or catches up."""
        role = selectors.sheet_role(sheet=self.sheet, user=self.user)
        self.receive(
            realtime.hello(user_info=user_info(user=self.user), sheet_id=self.sheet.id, role=role)
        )

    def show(self, first: int, last: int) -> None:
        """The grid shows rows first..last: a tab holding only some rows fetches them."""
        self._call("show", first=first, last=last)

    def view(self) -> dict:
        """What the tab holds: {seq, columns: [{id, name, type}], rows: [[id, [value
        per column]]], shownAt: [row number of each], rowCount, behind, needsSnapshot}."""
        return self._call("grid")

    def grid(self) -> tuple:
        """Columns (id, name, type) and rows (id, values by column), as the tab holds them."""
        view = self.view()
        return (
            tuple((c["id"], c["name"], c["type"]) for c in view["columns"]),
            tuple((row_id, tuple(values)) for row_id, values in view["rows"]),
        )

    @property
    def seq(self) -> int:
        return self.view()["seq"]

    def close(self) -> None:
        self._call("close")
