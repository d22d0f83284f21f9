"""HTTP without a browser: a signed-up user's cookies, and bodies streamed in
pieces (with a Content-Length or chunked) whose answer is read even when the
server answers before the body is all sent."""

from __future__ import annotations

import http.client
import itertools
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx


@dataclass
class Answer:
    status: int
    text: str


def signed_up(base_url: str) -> httpx.Client:
    """A client logged in as a new user (sign-up logs in); its cookies carry
    the session and the CSRF token."""
    client = httpx.Client(base_url=base_url, timeout=30)
    page = client.get("/accounts/signup/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    password = f"Grid-{uuid.uuid4().hex[:12]}-room"
    answer = client.post(
        "/accounts/signup/",
        data={
            "csrfmiddlewaretoken": token,
            "username": f"raw_{uuid.uuid4().hex[:10]}",
            "password1": password,
            "password2": password,
        },
    )
    assert answer.status_code == 302 and "sessionid" in client.cookies, answer.text[:500]
    return client


def new_sheet(client: httpx.Client, title: str = "raw") -> int:
    answer = client.post(
        "/sheets/new/", data={"title": title}, headers={"X-CSRFToken": client.cookies["csrftoken"]}
    )
    return int(re.search(r"/sheets/(\d+)/", answer.headers["location"]).group(1))


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def post_streamed(
    base_url: str,
    path: str,
    pieces: Iterable[bytes],
    *,
    headers: dict[str, str],
    content_length: int | None,
) -> Answer:
    """POST `pieces` as they come: with `content_length` as its length, or
    chunked when it is None."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    try:
        conn.putrequest("POST", path)
        for name, value in headers.items():
            conn.putheader(name, value)
        if content_length is None:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(content_length))
        conn.endheaders()
        try:
            for piece in pieces:
                if content_length is None:
                    piece = b"%x\r\n%s\r\n" % (len(piece), piece)
                conn.send(piece)
            if content_length is None:
                conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before reading everything: read that answer
        response = conn.getresponse()
        return Answer(response.status, response.read().decode("utf-8", "replace"))
    finally:
        conn.close()


def multipart(
    boundary: str, field: str, filename: str, size: int, fill: bytes
) -> tuple[Iterable[bytes], int]:
    """The pieces of a multipart body holding one file of `size` bytes of `fill`
    (repeated), and the body's length; the file's bytes are generated lazily."""
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return itertools.chain([head], repeated(fill, size), [tail]), len(head) + size + len(tail)


def repeated(fill: bytes, size: int, piece: int = 1 << 20) -> Iterable[bytes]:
    """`size` bytes of `fill` repeated, in pieces of about `piece` bytes."""
    block = (fill * (piece // len(fill) + 1))[:piece]
    sent = 0
    while sent < size:
        chunk = block[: min(piece, size - sent)]
        sent += len(chunk)
        yield chunk
