"""Big bodies against the embedded default (what `make run` serves): no request,
of any size, from anyone, grows the server by more than BOUND_MIB. Each is
refused with a status and a message, and the server goes on serving.

The server's peak memory is read from /proc (VmHWM, reset before each request
through clear_refs), so a spike that is gone when the answer arrives counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from e2e import session
from e2e.conftest import Server, _http_status, embedded_server

BOUND_MIB = 64
MIB = 1 << 20


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own: nothing else's memory in its figures."""
    with embedded_server(tmp_path_factory) as srv:
        yield srv


class Peak:
    """The growth of a process's resident memory from now to its peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        # 5: reset the peak (VmHWM) to the current resident size.
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        self.start_kib = self._status_kib("VmRSS")

    def _status_kib(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.pid}/status")

    def growth_mib(self) -> float:
        return (self._status_kib("VmHWM") - self.start_kib) / 1024


def _served_after(srv: Server, log_offset: int) -> None:
    assert _http_status(f"{srv.url}/accounts/login/") == 200
    log = srv.log_since(log_offset)
    assert "Traceback" not in log, log


def _measured(srv: Server, label: str, send) -> session.Answer:
    offset = srv.log_size()
    peak = Peak(srv.process.pid)
    answer = send()
    growth = peak.growth_mib()
    print(f"{label}: {answer.status}, server grew {growth:.1f} MiB at its peak")
    assert growth <= BOUND_MIB, f"{label}: the server grew by {growth:.0f} MiB"
    _served_after(srv, offset)
    return answer


def test_upload_one_byte_over_the_limit(fresh: Server):
    client = session.signed_up(fresh.url)
    boundary = uuid.uuid4().hex
    pieces, length = session.multipart(
        boundary, "file", "big.csv", settings.MAX_UPLOAD_BYTES + 1, b"1,2,3\n"
    )
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Cookie": session.cookie_header(client),
        "X-CSRFToken": client.cookies["csrftoken"],
        "Origin": fresh.url,
        "Referer": f"{fresh.url}/sheets/import/",
    }
    answer = _measured(
        fresh,
        "upload 1 byte over the limit",
        lambda: session.post_streamed(
            fresh.url, "/sheets/import/", pieces, headers=headers, content_length=length
        ),
    )
    assert answer.status == 413
    assert f"larger than the {settings.MAX_UPLOAD_BYTES / MIB:,.0f} MiB limit" in answer.text


def test_anonymous_50_mib_multipart_to_login(fresh: Server):
    boundary = uuid.uuid4().hex
    pieces, length = session.multipart(boundary, "username", "zeros", 50 * MIB, b"\0")
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        # A CSRF cookie of the sender's choosing makes Django read the form
        # to look for the token.
        "Cookie": f"csrftoken={uuid.uuid4().hex}",
    }
    answer = _measured(
        fresh,
        "anonymous 50 MiB multipart to the login page",
        lambda: session.post_streamed(
            fresh.url, "/accounts/login/", pieces, headers=headers, content_length=length
        ),
    )
    assert answer.status == 403
    assert "That form expired" in answer.text


def test_chunked_50_mib_body(fresh: Server):
    client = session.signed_up(fresh.url)
    sheet_id = session.new_sheet(client)
    headers = {
        "Content-Type": "application/json",
        "Cookie": session.cookie_header(client),
        "X-CSRFToken": client.cookies["csrftoken"],
        "Origin": fresh.url,
    }
    answer = _measured(
        fresh,
        "chunked 50 MiB body",
        lambda: session.post_streamed(
            fresh.url,
            f"/api/sheets/{sheet_id}/cells",
            session.repeated(b"[", 50 * MIB),
            headers=headers,
            content_length=None,
        ),
    )
    assert answer.status == 413
    assert "larger than the server accepts" in answer.text


def test_body_declared_larger_than_any_upload(fresh: Server):
    headers = {"Content-Type": "application/octet-stream"}
    declared = 1 << 30  # 1 GiB announced; only the first 8 MiB are ever sent
    answer = _measured(
        fresh,
        "1 GiB declared",
        lambda: session.post_streamed(
            fresh.url,
            "/accounts/login/",
            session.repeated(b"\0", 8 * MIB),
            headers=headers,
            content_length=declared,
        ),
    )
    assert answer.status == 413
    assert "larger than the server accepts" in answer.text
