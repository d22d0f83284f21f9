"""The embedded server's body limits (proj/embedded.py) at their edges, around
an application that records what it was given. e2e/test_memory.py runs them
through the real server."""

from proj.embedded import BodyLimit, max_request_bytes


class Recorder:
    """An ASGI app that reads the whole body, then answers 200."""

    def __init__(self) -> None:
        self.called = False
        self.body = b""
        self.aborted = False

    async def __call__(self, scope, receive, send) -> None:
        self.called = True
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.aborted = True
                return
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _run(headers: list[tuple[bytes, bytes]], pieces: list[bytes]):
    app = Recorder()
    queue = [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
        for i, piece in enumerate(pieces)
    ]
    sent: list[dict] = []

    async def receive():
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    await BodyLimit(app)(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return app, status, body.decode()


async def test_a_body_announced_at_the_limit_is_passed_on():
    length = str(max_request_bytes()).encode()
    app, status, _ = await _run([(b"content-length", length)], [b"x"])
    assert app.called and status == 200


async def test_a_body_announced_one_byte_over_is_refused_unread():
    length = str(max_request_bytes() + 1).encode()
    app, status, text = await _run([(b"content-length", length)], [b"x"])
    assert not app.called
    assert status == 413 and "larger than the server accepts" in text


async def test_a_chunked_body_at_the_json_limit_is_passed_on(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    app, status, _ = await _run([], [b"12345", b"67890"])
    assert status == 200 and app.body == b"1234567890" and not app.aborted


async def test_a_chunked_body_one_byte_over_the_json_limit_is_refused(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    app, status, text = await _run([], [b"12345", b"67890", b"1"])
    assert app.aborted  # the application saw the client leave, and answered nothing
    assert status == 413 and "larger than the server accepts" in text
