"""Shared fixtures: users, logged-in clients, sheets, and sockets against the real ASGI app."""

import asyncio
import contextlib
import itertools
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import Client

PASSWORD = "correct-horse-battery-staple"
ORIGIN = "http://localhost"
_usernames = itertools.count(1)


def pytest_configure(config):
    # WhiteNoise warns when STATIC_ROOT was never collected; tests do not need it.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """No persistent connections in tests: `database_sync_to_async` threads would
    otherwise keep the test database open and PostgreSQL could not drop it."""
    from django.conf import settings
    from django.db import connections

    for alias in connections:
        settings.DATABASES[alias]["CONN_MAX_AGE"] = 0
        connections.settings[alias]["CONN_MAX_AGE"] = 0
        test = connections.settings[alias]["TEST"]
        if connections.settings[alias]["ENGINE"].endswith("sqlite3") and test.get("NAME"):
            # One file per run: two pytest runs in one checkout must not share
            # (and delete) each other's test database.
            name = Path(test["NAME"])
            test["NAME"] = name.with_name(f"{name.stem}-{os.getpid()}{name.suffix}")


class ErrorRecords(logging.Handler):
    """Every record at ERROR or above that reaches the root logger while
    attached: an unhandled exception in a view, a consumer, an import thread
    or an asyncio task is logged there."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> "ErrorRecords":
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)

    def described(self) -> str:
        return "\n".join(
            f"{r.levelname} {r.name}: {r.getMessage()}"
            + (
                f" ({r.exc_info[0].__name__}: {r.exc_info[1]})"
                if r.exc_info and r.exc_info[0]
                else ""
            )
            for r in self.records
        )


@pytest.fixture(autouse=True)
def _hostile_suite_logs_no_error(request):
    """The hostile-input suite (every test_hostile_*.py): refusing hostile
    input is never an error, so a test there fails if anything was logged at
    ERROR while it ran, however the answer looked."""
    if not request.node.path.name.startswith("test_hostile_"):
        yield
        return
    with ErrorRecords() as errors:
        yield
    assert not errors.records, f"logged during a hostile test:\n{errors.described()}"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _signups_unthrottled(settings):
    # Sign-ups are counted per address in the cache, which outlives a test (and,
    # on Redis, a run); accounts/tests/test_throttling.py sets its own limits.
    settings.SIGNUP_THROTTLE_LIMIT = 1_000_000


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs `collectstatic`; page tests only need the URLs.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own channel layer object: pytest-asyncio gives every
    test a new event loop, and a layer keeps loop-bound queues and pools."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    """Every group message the services hand to the channel layer (for tests
    of what a write broadcasts; the socket tests use the real layer)."""
    from accounts import realtime

    messages: list[tuple[str, dict]] = []

    def record(group, event, close_code=None, text=None, **extra):
        # `text` is the event's JSON when the caller already made it (the same event).
        messages.append((group, {"event": event, "close_code": close_code, **extra}))

    monkeypatch.setattr(realtime, "group_send", record)
    return messages


# --- Users and clients


@pytest.fixture
def make_user() -> Callable[..., Any]:
    from accounts import services

    def make(username: str | None = None, password: str = PASSWORD):
        name = username or f"user{next(_usernames)}"
        return services.user_signup(username=name, email=f"{name}@example.com", password=password)

    return make


@pytest.fixture
def user(make_user):
    return make_user("ann")


@pytest.fixture
def other_user(make_user):
    return make_user("bob")


@pytest.fixture
def client_for() -> Callable[..., Client]:
    def make(user, **kwargs: Any) -> Client:
        client = Client(**kwargs)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def auth_client(client_for, user) -> Client:
    return client_for(user)


# --- Sheets


@pytest.fixture
def make_sheet(user) -> Callable[..., Any]:
    from sheets import services

    def make(owner=None, title: str = "Budget"):
        return services.sheet_create(owner=owner or user, title=title)

    return make


@pytest.fixture
def sheet(make_sheet):
    return make_sheet()


@pytest.fixture
def foreign_sheet(make_sheet, other_user):
    """A sheet of another user."""
    return make_sheet(owner=other_user, title="Bob's")


# --- Sockets


def session_key_for(user) -> str:
    """Log `user` in with a fresh session (sync code) and return its key."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def communicator(
    path: str, *, session_key: str | None = None, origin: str | None = ORIGIN
) -> WebsocketCommunicator:
    from proj.asgi import application

    headers = [(b"host", b"localhost")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if session_key is not None:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


PRESENCE_TYPES = ("presence.snapshot", "presence.joined", "presence.left", "presence.updated")
# Periodic or ambient messages most tests wait past (presence comes with every sheet socket).
SKIPPED_BY_DEFAULT = ("clock.tick", "sheet.heartbeat", *PRESENCE_TYPES)


@contextlib.asynccontextmanager
async def deadline(seconds: float, waiting_for: str) -> AsyncIterator[None]:
    """A wait's own deadline: it fails after `seconds` in all, saying what it
    waited for, however many other messages (heartbeats) kept the socket busy."""
    timer = asyncio.timeout(seconds)
    try:
        async with timer:
            yield
    except TimeoutError:
        if not timer.expired():
            raise
        raise AssertionError(f"waited {seconds} s for {waiting_for}") from None


def _anything(message: dict) -> bool:
    return True


def _short(message: dict) -> str:
    text = repr(message)
    return text if len(text) <= 300 else text[:300] + "…"


class Socket:
    """A connected test socket with helpers that wait for conditions."""

    def __init__(self, comm: WebsocketCommunicator):
        self.comm = comm
        self.refusal: int | None = None

    async def send_json(self, data: Any) -> None:
        await self.comm.send_json_to(data)

    async def send_text(self, text: str) -> None:
        await self.comm.send_to(text_data=text)

    async def receive(self, *, within: float = 5) -> dict:
        """The next message, whatever it is."""
        try:
            return await self.comm.receive_json_from(timeout=within)
        except TimeoutError:
            raise AssertionError(f"waited {within} s for a message") from None

    async def _outputs(self, within: float, wanted: str):
        """Raw outputs until `within` seconds have passed in all (periodic
        messages alone must not keep a wait alive); then a failure that says
        what was `wanted`."""
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        while (left := end - loop.time()) > 0:
            try:
                output = await self.comm.receive_output(timeout=left)
            except TimeoutError:
                break
            yield output
        raise AssertionError(f"waited {within} s for {wanted}")

    async def receive_type(
        self, wanted: str, *, within: float = 5, skip: tuple[str, ...] = SKIPPED_BY_DEFAULT
    ) -> dict:
        """The next message of type `wanted`, skipping periodic ones (clock
        ticks, heartbeats). Anything else first is a failure."""
        return await self.receive_matching(wanted, _anything, within=within, skip=skip)

    async def receive_matching(
        self,
        wanted: str,
        test: Callable[[dict], bool],
        *,
        what: str = "",
        within: float = 5,
        skip: tuple[str, ...] = SKIPPED_BY_DEFAULT,
    ) -> dict:
        """The first message of type `wanted` that passes `test` (`what` says
        what it waits for), passing over those that do not and skipping
        periodic ones, all within `within` seconds. Anything else is a failure."""
        async for output in self._outputs(within, f"{wanted!r} {what}".rstrip()):
            assert output["type"] == "websocket.send", f"expected {wanted!r}, got {output!r}"
            message = json.loads(output["text"])
            if message["type"] == wanted:
                if test(message):
                    return message
            else:
                assert message["type"] in skip, f"expected {wanted!r}, got {_short(message)}"
        raise AssertionError("unreachable")

    async def receive_close(
        self, *, within: float = 5, skip: tuple[str, ...] = SKIPPED_BY_DEFAULT
    ) -> int:
        """Skip periodic messages until the server closes the socket; the close code."""
        async for output in self._outputs(within, "the socket to close"):
            if output["type"] == "websocket.close":
                return output.get("code", 1000)
            message = json.loads(output["text"])
            assert message["type"] in skip, f"expected a close, got {_short(message)}"
        raise AssertionError("unreachable")

    async def assert_nothing_pending(self, *, skip: tuple[str, ...] = SKIPPED_BY_DEFAULT) -> None:
        """Nothing but periodic messages is waiting. A negative check: follow it
        with a positive one."""
        async with deadline(5, "a quiet socket (periodic messages kept coming)"):
            while not await self.comm.receive_nothing(timeout=0.1):
                message = await self.comm.receive_json_from()
                assert message["type"] in skip, f"unexpected {_short(message)}"

    async def ping(self, ping_id: Any = 1) -> None:
        """A round trip: proves the socket is open and everything before it was read."""
        await self.send_json({"type": "ping", "id": ping_id})
        assert (await self.receive_type("pong"))["id"] == ping_id

    async def disconnect(self) -> None:
        await self.comm.disconnect()


async def _warm_channel_layer() -> None:
    """channels-redis: leave an idle connection in this loop's pool, so a consumer
    does not open its first one while the test already closes the socket. A
    cancellation that lands as a connection completes can be lost on Python
    3.11 (asyncio.wait_for, fixed in 3.12); the consumer then lingers in a
    blocking pop for up to 5 s and the test waits for it."""
    layer = channel_layers["default"]
    if hasattr(layer, "connection"):
        await layer.connection(0).ping()


@pytest.fixture
def ws_connect() -> Callable[..., Awaitable[Socket]]:
    """`await ws_connect(path, user=...)`: a connected socket (its first message,
    `hello`, not yet read). `session_key=` reuses a session; `origin=None` sends
    no Origin; `refused=True` expects the handshake to be refused (the socket's
    `refusal` is then the close code). Sockets a test leaves open are cancelled."""
    opened: list[WebsocketCommunicator] = []

    async def connect(
        path: str,
        *,
        user=None,
        session_key: str | None = None,
        origin: str | None = ORIGIN,
        refused: bool = False,
    ) -> Socket:
        if user is not None and session_key is None:
            session_key = await database_sync_to_async(session_key_for)(user)
        await _warm_channel_layer()
        comm = communicator(path, session_key=session_key, origin=origin)
        opened.append(comm)
        connected, detail = await comm.connect(timeout=5)
        if refused:
            assert not connected, "the handshake was accepted"
        else:
            assert connected, f"the handshake was refused ({detail})"
        socket = Socket(comm)
        socket.refusal = None if connected else detail
        return socket

    yield connect
    for comm in opened:
        if not comm.future.done():
            comm.future.cancel()
