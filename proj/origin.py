"""The socket's origin check: a page may open a socket only to the very origin
it was served from.

Channels' AllowedHostsOriginValidator compares the Origin's host with
ALLOWED_HOSTS only, so a page on another port or scheme of an allowed host
(`http://127.0.0.1:1`) passes. Here the Origin's scheme, host and port must
equal the socket request's own, and its host must be allowed.

The scheme follows Django's `request.is_secure()`: with SECURE_PROXY_SSL_HEADER
set (GRIDROOM_HTTPS=1, TLS ending at or before nginx) the proxy's header says
it; otherwise the socket's own scheme (wss or ws) does. The host and port are
the Host header, which nginx passes on as the browser sent it (`$http_host`).
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _allowed_hosts() -> list[str]:
    # Django's own fallback when DEBUG is on and the list is empty.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def _headers(scope: dict) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope.get("headers", [])}


def _is_secure(scope: dict, headers: dict[bytes, bytes]) -> bool:
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        meta_name, secure_value = proxy
        name = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin-1")
        value = headers.get(name, b"").decode("latin-1").split(",")[0].strip()
        return value == secure_value
    return scope.get("scheme") in ("wss", "https")


def _origin_parts(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def same_origin(scope: dict) -> bool:
    """Whether the socket request's Origin is the origin the request was made to."""
    headers = _headers(scope)
    try:
        origin = headers.get(b"origin", b"").decode("ascii")
        host = headers.get(b"host", b"").decode("ascii")
    except UnicodeDecodeError:
        return False
    expected_scheme = "https" if _is_secure(scope, headers) else "http"
    expected = _origin_parts(f"{expected_scheme}://{host}") if host else None
    if expected is None or _origin_parts(origin) != expected:
        return False
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, _allowed_hosts())


class SameOriginValidator:
    """ASGI middleware: refuses a socket handshake from any other origin."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not same_origin(scope):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.application(scope, receive, send)
