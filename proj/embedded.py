"""The embedded default's application: proj.asgi's, behind the body limits that
nginx keeps in production (`scripts/run_embedded.bash` serves it with uvicorn).

uvicorn hands a body to the application as it arrives and stops reading while
the application does not ask for more; Django's ASGI handler spools it to a
temporary file (in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE) before any view
runs. So memory stays flat whatever the size, and these limits bound the disk
and the time one body may take:

- a body announced larger than max_request_bytes() (the largest upload and its
  form fields; nginx's `client_max_body_size` in production) is refused before
  it is read;
- a body without a Content-Length (chunked) is refused once it passes
  DATA_UPLOAD_MAX_MEMORY_SIZE: it cannot be an upload (Django parses a
  multipart body by its Content-Length only), so it is at most a JSON body.
"""

from django.conf import settings

from proj.asgi import application as gridroom


def max_request_bytes() -> int:
    largest = max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.MAX_UPLOAD_BYTES)
    return largest + settings.UPLOAD_ENVELOPE_BYTES


def _content_length(scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send, limit: int) -> None:
    body = (f"The request is larger than the server accepts ({limit / 2**20:,.1f} MiB).\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: refuses HTTP bodies over the limits above with 413."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None:
            if declared > max_request_bytes():
                await _refuse(send, max_request_bytes())
            else:
                await self.app(scope, receive, send)
            return
        await self._counted(scope, receive, send, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)

    async def _counted(self, scope, receive, send, limit: int) -> None:
        """Passes the body on while it stays under `limit`; past it, tells the
        application the client left (Django then answers nothing) and refuses."""
        received = 0
        over = False
        started = False

        async def limited_receive():
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, limited_receive, watched_send)
        if over and not started:
            await _refuse(send, limit)


application = BodyLimit(gridroom)
