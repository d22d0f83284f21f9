"""End-to-end harness: the app started the way `make run` starts it, Debian's
Chromium, and fresh users for every test.

Run with `.venv/bin/python -m pytest -q e2e` (its own pytest invocation: the
sync Playwright API and pytest-asyncio do not share a process well).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, expect

from e2e import pages

REPO = Path(__file__).resolve().parent.parent
RUN_SCRIPT = REPO / "scripts" / "run_embedded.bash"
ARTIFACTS = REPO / "test-results" / "e2e"

# Generous waits: correctness lives here, speed in bench/.
TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 30_000
SERVER_START_SECONDS = 120
expect.set_options(timeout=TIMEOUT_MS)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


# --- The app under test


@dataclass
class Server:
    url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int = 0) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_status(url: str) -> int | None:
    """The HTTP status of a GET, or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # The server is exec'd by the script, so it is the process itself; its group
    # catches anything it started.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@contextmanager
def embedded_server(
    tmp_path_factory: pytest.TempPathFactory, command: tuple[str, ...] = (str(RUN_SCRIPT),)
) -> Iterator[Server]:
    """`scripts/run_embedded.bash` (what `make run` runs) on a free port (`PORT`)
    with a fresh data dir: a new SQLite database and secret key. Stopped with
    SIGTERM. `command` runs another server the same way."""
    data_dir = tmp_path_factory.mktemp("gridroom-data")
    log_path = tmp_path_factory.mktemp("gridroom-log") / "server.log"
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        # The embedded default, whatever the shell that runs the tests has set.
        if key
        not in (
            "DATABASE_URL",
            "REDIS_URL",
            "GRIDROOM_PRODUCTION",
            "DJANGO_DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    env.update(
        PORT=str(port),
        GRIDROOM_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
        # Presence expiry short enough for a test to wait out (e2e/test_sharing.py).
        GRIDROOM_PRESENCE_TTL_SECONDS="6",
        GRIDROOM_HEARTBEAT_SECONDS="2",
        # Every test's users sign up through the page, all from 127.0.0.1.
        GRIDROOM_SIGNUP_LIMIT="100000",
    )
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command),
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    srv = Server(url=url, data_dir=data_dir, log_path=log_path, process=process)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        status = None
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"the app exited with {process.returncode} while starting:\n" + srv.log_since(),
                    pytrace=False,
                )
            status = _http_status(f"{url}/accounts/login/")
            if status is not None:
                break
            time.sleep(0.2)  # polling a subprocess: no browser condition to wait on
        if status != 200:
            hint = ""
            if not (REPO / "frontend/static/gridroom/dist").is_dir():
                hint = (
                    "\n(frontend/static/gridroom/dist/ is missing: `cd frontend && npm run build`)"
                )
            pytest.fail(
                f"the app did not serve the login page (status {status}) within "
                f"{SERVER_START_SECONDS} s{hint}:\n{srv.log_since()}",
                pytrace=False,
            )
        yield srv
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app under test, shared by the whole session."""
    with embedded_server(tmp_path_factory) as srv:
        yield srv


@pytest.fixture(scope="session")
def base_url(server: Server) -> str:
    """Relative `page.goto("/sheets/")` lands on the app under test."""
    return server.url


# --- Browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    # Playwright cannot download its browser here: Debian's Chromium it is.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


# --- What each test records, reported when it fails


@dataclass
class Recorder:
    """Console messages, page errors and the server log of one test."""

    server: Server
    log_offset: int
    contexts: list[BrowserContext] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    names: dict[Page, str] = field(default_factory=dict)

    def watch(self, context: BrowserContext, label: str) -> None:
        self.contexts.append(context)
        counter = {"n": 0}

        def on_page(page: Page) -> None:
            counter["n"] += 1
            name = f"{label}/tab{counter['n']}"
            self.names[page] = name
            page.on("console", lambda msg: self._console(name, msg))
            page.on("pageerror", lambda exc: self.console.append(f"{name} PAGE ERROR {exc}"))
            page.on(
                "websocket",
                lambda ws: ws.on(
                    "close", lambda ws: self.console.append(f"{name} websocket closed {ws.url}")
                ),
            )

        context.on("page", on_page)

    def _console(self, name: str, msg: ConsoleMessage) -> None:
        if msg.type in ("error", "warning"):
            self.console.append(f"{name} console.{msg.type}: {msg.text}")


@pytest.fixture(autouse=True)
def _e2e_recorder(server: Server) -> Recorder:
    return Recorder(server=server, log_offset=server.log_size())


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    recorder = getattr(item, "funcargs", {}).get("_e2e_recorder")
    if recorder is None:
        return
    report.sections.append(("server log", recorder.server.log_since(recorder.log_offset)))
    if recorder.console:
        report.sections.append(("browser console", "\n".join(recorder.console)))
    # The pages as they were when the test failed (contexts close in teardown).
    folder = ARTIFACTS / _slug(item.nodeid)
    shutil.rmtree(folder, ignore_errors=True)
    shots = []
    for context in recorder.contexts:
        for page in context.pages:
            path = folder / f"{_slug(recorder.names.get(page, 'page'))}.png"
            try:
                page.screenshot(path=str(path), full_page=True, timeout=5_000)
                shots.append(f"{path}  ({page.url})")
            except Error as exc:
                shots.append(f"{path}: no screenshot ({exc.message.splitlines()[0]})")
    if shots:
        report.sections.append(("screenshots", "\n".join(shots)))


# --- Users


@dataclass
class User:
    username: str
    password: str
    context: BrowserContext
    base_url: str

    def new_page(self) -> Page:
        """Another tab of this user: same context, same cookies."""
        page = self.context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        return page


@pytest.fixture
def new_user(
    new_context: Callable[..., BrowserContext], _e2e_recorder: Recorder, base_url: str
) -> Callable[[str], User]:
    """`new_user("ann")`: a new browser context with a freshly signed-up user
    (unique username), so tests never share state. Keyword arguments go to the
    context (`locale="de-DE"`, `timezone_id=...`)."""
    made = {"n": 0}

    def make(prefix: str = "user", **context_args: Any) -> User:
        made["n"] += 1
        context = new_context(**context_args)
        _e2e_recorder.watch(context, f"user{made['n']}")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        username = pages.unique_username(prefix)
        password = pages.signup(page, base_url, username)
        page.close()
        return User(username=username, password=password, context=context, base_url=base_url)

    return make


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"e2e: {sys.executable}, browser {CHROMIUM}, app via {RUN_SCRIPT.relative_to(REPO)}"]
