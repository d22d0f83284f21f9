"""The one socket per tab: auth, group membership, forwarding. No business logic.

Periodic work (heartbeats, presence refresh, session checks, the clock) is the
process's, in sheets/hub.py: a socket only registers there. A socket starts no
task of its own, so nothing of it outlives its disconnect.
"""

import json
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts import realtime as users_wire
from accounts import selectors as users_selectors
from sheets import browser_json, presence, realtime, selectors
from sheets.hub import hub


@database_sync_to_async
def _connect_info(user, sheet_id: int | None) -> tuple[users_wire.UserInfo, str | None, bool]:
    """(how the user is shown, their role on the sheet, whether they may open it):
    all the database work of a connect, in one hop."""
    info = users_selectors.user_info(user=user)
    if sheet_id is None:
        return info, None, True
    try:
        sheet = selectors.sheet_for_user(user=user, sheet_id=sheet_id)
    except selectors.SheetNotFound:
        return info, None, False
    return info, selectors.sheet_role(sheet=sheet, user=user), True


@database_sync_to_async
def _sheet_version(sheet_id: int) -> int | None:
    return selectors.sheet_version(sheet_id=sheet_id)


class LiveConsumer(AsyncWebsocketConsumer):
    """`/ws/live/` and `/ws/sheet/<id>/`. Joins `clock`, `user_<id>` and, on a
    sheet page, `sheet_<id>` and this process's group of that sheet; sends
    the text of what realtime.py sends to those groups."""

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # A server that cancels a consumer (shutdown) skips disconnect():
            # the hub forgets it all the same (its presence entry expires).
            if getattr(self, "registered", False):
                self.registered = False
                hub().forget(self)

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch, without its hop to the sync thread per message.

        Channels closes stale database connections before every handler, on
        the process's one thread for database work: with 1,000 sockets each
        event queued 1,000 such hops behind each other (a third of daphne's
        time). Our handlers reach the database only through
        `database_sync_to_async`, which closes stale connections itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.joined: list[str] = []
        self.registered = False
        self.present = False
        self.presence_seq = 0
        self.last_heard = time.monotonic()
        self.sheet_id = None
        # Accept first, then close: a close before accept reaches the browser as 1006.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=realtime.CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.id
        self.sheet_id = self.scope["url_route"]["kwargs"].get("sheet_id")
        self.info, role, allowed = await _connect_info(user, self.sheet_id)
        if not allowed:
            await self.close(code=realtime.CLOSE_NOT_FOUND)
            return
        self.presence_user = presence.presence_user(self.info)
        session = self.scope.get("session")
        self.session_key = session.session_key if session else None
        self.session = users_wire.session_tag(self.session_key)
        self.joined = [realtime.clock_group(), users_wire.user_group(user.id)]
        if self.sheet_id is not None:
            self.joined += [
                realtime.sheet_group(self.sheet_id),
                realtime.process_sheet_group(self.sheet_id),
            ]
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        hub().register(self)
        self.registered = True
        await self._send(realtime.hello(user_info=self.info, sheet_id=self.sheet_id, role=role))
        if self.sheet_id is not None:
            self.present = True  # from here on, leave() must run
            snapshot, self.presence_seq = await presence.join(
                self.sheet_id, self.presence_user, self.channel_name
            )
            await self._send(snapshot)

    async def disconnect(self, code: int) -> None:
        if self.registered:
            self.registered = False
            await hub().unregister(self)
        if self.present:
            self.present = False
            try:
                await presence.leave(self.sheet_id, self.user_id, self.channel_name)
            except Exception:  # Redis away: the entry expires, and the sweep says so
                pass
        for group in self.joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # Redis away: channels-redis's group_expiry forgets it
                break

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        raw = text_data if text_data is not None else bytes_data or b""
        # The limit is in bytes: a text frame's UTF-8 size, not its character count.
        size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
        if size > settings.SOCKET_MAX_MESSAGE_BYTES:
            await self.close(code=realtime.CLOSE_TOO_BIG)
            return
        try:
            message = browser_json.parse(raw)
        except browser_json.BrowserJSONError as exc:
            await self._send(realtime.error_reply("bad_message", exc.message))
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self._send(
                realtime.error_reply("bad_message", 'A message is a JSON object with a "type".')
            )
            return
        self.last_heard = time.monotonic()
        if message["type"] == "alive":
            return
        if message["type"] == "ping":
            await self._send({"type": "pong", "id": message.get("id")})
            return
        if message["type"] == "presence.select" and self.sheet_id is not None:
            try:
                client_id, ranges = presence.clean_selection(message)
            except ValueError as exc:
                await self._send(realtime.error_reply("bad_message", str(exc)))
                return
            await presence.abroadcast_selection(
                sheet_id=self.sheet_id,
                user=self.presence_user,
                client_id=client_id,
                ranges=ranges,
                sender=self.channel_name,
            )
            return
        await self._send(
            realtime.error_reply("unknown_type", f"Unknown message type {message['type'][:40]!r}.")
        )

    async def forward(self, message: dict) -> None:
        """Every group message: send its text as is; some end the socket.
        The message is shared with every other socket: read it, never change it."""
        if "session" in message and message["session"] != self.session:
            return
        if "only_user" in message and message["only_user"] != self.user_id:
            return
        if message.get("skip_channel") == self.channel_name:
            return
        if message.get("presence_seq", self.presence_seq + 1) <= self.presence_seq:
            return  # in this socket's snapshot already
        await self.send(text_data=message["text"])
        if message["kind"] == "profile.updated":
            self.info = json.loads(message["text"])["user"]
            self.presence_user = presence.presence_user(self.info)
            if self.present and "change" in message:
                # Collaborators see the new name and colour; one socket per sheet tells them.
                await presence.profile_changed(self.sheet_id, self.presence_user, message["change"])
        if message.get("close_code"):
            await self.close(code=message["close_code"])

    async def channel_behind(self, message: dict) -> None:
        """Messages to this socket were dropped (its queue was full): tell the
        tab to catch up now (docs/protocol.md, "Falling behind")."""
        if self.sheet_id is None:
            # A list page reloads its list on every hello: reconnecting is its catch-up.
            await self.close(code=realtime.CLOSE_BEHIND)
            return
        version = await _sheet_version(self.sheet_id)
        if version is None:
            await self._send(realtime.sheet_deleted(sheet_id=self.sheet_id))
            await self.close(code=realtime.CLOSE_NOT_FOUND)
            return
        await self._send(realtime.heartbeat(sheet_id=self.sheet_id, version=version))

    async def _send(self, event: dict) -> None:
        await self.send(text_data=users_wire.to_text(event))
