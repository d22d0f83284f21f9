"""Socket frames at the size limits, through the real servers: daphne (what
serves /ws/ in production) and the embedded default (what `make run` serves).
A frame over GRIDROOM_SOCKET_MAX_MESSAGE_BYTES closes with our code, one over
the server's own cap with 1009; neither leaves an exception in the log, and a
new socket works afterwards."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from e2e import session
from e2e.conftest import RUN_SCRIPT, Server, embedded_server
from sheets import realtime

VENV_BIN = Path(sys.executable).parent
SERVER_CAP = 1 << 20  # daphne's default, and uvicorn's --ws-max-size in run_embedded.bash
# daphne as scripts/start_daphne.bash runs it, on a port rather than a unix socket.
DAPHNE = (
    "bash",
    "-c",
    f"{VENV_BIN}/python manage.py migrate --noinput -v0"
    f" && {VENV_BIN}/python manage.py collectstatic --noinput -v0"
    f' && exec {VENV_BIN}/daphne -b 127.0.0.1 -p "$PORT" proj.asgi:application',
)


class Live(NamedTuple):
    name: str
    server: Server


@pytest.fixture(scope="module", params=["daphne", "embedded"])
def live(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Live]:
    command = DAPHNE if request.param == "daphne" else (str(RUN_SCRIPT),)
    with embedded_server(tmp_path_factory, command) as srv:
        yield Live(request.param, srv)


@contextmanager
def _live_socket(srv: Server, cookies: str) -> Iterator[ClientConnection]:
    with connect(
        srv.url.replace("http://", "ws://") + "/ws/live/",
        origin=srv.url,
        additional_headers={"Cookie": cookies},
        open_timeout=15,
    ) as socket:
        assert json.loads(socket.recv(timeout=15))["type"] == "hello"
        yield socket


def _ping(socket: ClientConnection, size: int) -> None:
    """A ping frame of exactly `size` bytes, answered with its pong."""
    frame = json.dumps({"type": "ping", "id": ""})
    frame = json.dumps({"type": "ping", "id": "x" * (size - len(frame))})
    assert len(frame.encode()) == size
    socket.send(frame)
    while True:  # clock ticks come in between
        message = json.loads(socket.recv(timeout=15))
        if message["type"] == "pong":
            assert len(message["id"]) == size - len(json.dumps({"type": "ping", "id": ""}))
            return


def _close_code_after(socket: ClientConnection, frame: str) -> int:
    socket.send(frame)
    with pytest.raises(ConnectionClosed) as closed:
        while True:  # clock ticks until the close
            socket.recv(timeout=15)
    # No close frame: the server dropped the connection, which a browser sees as 1006.
    return closed.value.rcvd.code if closed.value.rcvd is not None else 1006


# Over the server's cap, daphne's WebSocket library drops the connection without
# a close frame; uvicorn's closes with 1009. Either way the tab reconnects.
CAP_CODES = {"daphne": 1006, "embedded": 1009}


@pytest.mark.parametrize("over", ["our-limit", "the-server-cap"])
def test_frame_over_a_limit_closes_cleanly(live: Live, over: str):
    srv = live.server
    if over == "our-limit":
        size, code = settings.SOCKET_MAX_MESSAGE_BYTES + 1, realtime.CLOSE_TOO_BIG
    else:
        size, code = SERVER_CAP + 1, CAP_CODES[live.name]
    cookies = session.cookie_header(session.signed_up(srv.url))
    offset = srv.log_size()
    with _live_socket(srv, cookies) as socket:
        _ping(socket, settings.SOCKET_MAX_MESSAGE_BYTES)  # the limit itself is fine
        assert _close_code_after(socket, "x" * size) == code
    with _live_socket(srv, cookies) as again:
        _ping(again, 100)
    log = srv.log_since(offset)
    assert "Traceback" not in log and "Exception inside application" not in log, log
