"""The socket's origin check (proj/origin.py) against the real ASGI application:
only the page's own scheme, host and port may open a socket."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from proj.origin import same_origin

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def session_key(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def handshake(
    user, *, host: str, origin: str | None, extra: list[tuple[bytes, bytes]] = ()
) -> tuple[bool, WebsocketCommunicator]:
    from proj.asgi import application

    headers = [
        (b"host", host.encode()),
        (b"cookie", f"sessionid={await session_key(user)}".encode()),
    ]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    comm = WebsocketCommunicator(application, "/ws/live/", headers=[*headers, *extra])
    connected, _ = await comm.connect(timeout=5)
    return connected, comm


async def assert_accepted(user, **kwargs) -> None:
    connected, comm = await handshake(user, **kwargs)
    assert connected, f"refused: {kwargs}"
    assert (await comm.receive_json_from(timeout=5))["type"] == "hello"
    await comm.disconnect()


async def assert_refused(user, **kwargs) -> None:
    connected, comm = await handshake(user, **kwargs)
    assert not connected, f"accepted: {kwargs}"
    # The next good handshake is served.
    await assert_accepted(user, host="127.0.0.1:8000", origin="http://127.0.0.1:8000")


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("localhost", "http://localhost"),
        ("localhost", "http://localhost:80"),
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("LOCALHOST:8000", "http://localhost:8000"),
    ],
)
async def test_page_of_the_same_origin_opens_a_socket(user, host, origin):
    await assert_accepted(user, host=host, origin=origin)


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        # The same host on another port.
        ("127.0.0.1:8000", "http://127.0.0.1:1"),
        ("127.0.0.1:8000", "http://127.0.0.1"),
        ("localhost", "http://localhost:8080"),
        # Another scheme.
        ("127.0.0.1:8000", "https://127.0.0.1:8000"),
        ("localhost", "https://localhost:80"),
        ("localhost", "ws://localhost"),
        # Another allowed host, or a look-alike.
        ("127.0.0.1:8000", "http://localhost:8000"),
        ("localhost", "http://localhost.evil.example"),
        # Not an origin.
        ("localhost", "null"),
        ("localhost", ""),
        ("localhost", "http://localhost/path"),
        ("localhost", "http://user@localhost"),
        ("localhost", "http://localhost:notaport"),
    ],
)
async def test_page_of_another_origin_is_refused(user, host, origin):
    await assert_refused(user, host=host, origin=origin)


async def test_missing_origin_is_refused(user):
    await assert_refused(user, host="127.0.0.1:8000", origin=None)


async def test_host_outside_allowed_hosts_is_refused_even_when_origin_matches(user):
    await assert_refused(user, host="evil.example", origin="http://evil.example")


async def test_behind_tls_proxy_the_scheme_comes_from_the_proxy_header(user, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    https = [(b"x-forwarded-proto", b"https")]
    await assert_accepted(user, host="localhost", origin="https://localhost", extra=https)
    await assert_refused(user, host="localhost", origin="http://localhost", extra=https)
    # Without the proxy's word, the socket is plain http.
    await assert_refused(user, host="localhost", origin="https://localhost")
    await assert_accepted(user, host="localhost", origin="http://localhost")


def socket_scope(scheme: str, origin: str) -> dict:
    return {
        "type": "websocket",
        "scheme": scheme,
        "headers": [(b"host", b"localhost:8443"), (b"origin", origin.encode())],
    }


def test_without_a_proxy_header_setting_the_socket_scheme_decides():
    assert same_origin(socket_scope("wss", "https://localhost:8443"))
    assert not same_origin(socket_scope("wss", "http://localhost:8443"))
    assert same_origin(socket_scope("ws", "http://localhost:8443"))
    assert not same_origin(socket_scope("ws", "https://localhost:8443"))
