"""The one socket per tab: auth, group membership, forwarding. No business logic."""

import asyncio
import contextlib
import json
import time
from importlib import import_module

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from accounts import realtime as users_wire
from accounts import selectors as users_selectors
from sheets import browser_json, clock, presence, realtime, selectors


@database_sync_to_async
def _sheet_role(user, sheet_id: int) -> str | None:
    try:
        sheet = selectors.sheet_for_user(user=user, sheet_id=sheet_id)
    except selectors.SheetNotFound:
        return None
    return selectors.sheet_role(sheet=sheet, user=user)


@database_sync_to_async
def _user_info(user) -> users_wire.UserInfo:
    return users_selectors.user_info(user=user)


@database_sync_to_async
def _sheet_version(sheet_id: int) -> int | None:
    return selectors.sheet_version(sheet_id=sheet_id)


@database_sync_to_async
def _session_alive(session_key: str | None, user_id: int) -> bool:
    """False once the session was logged out, deleted or expired."""
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return store.get(SESSION_KEY) == str(user_id)


class LiveConsumer(AsyncWebsocketConsumer):
    """`/ws/live/` and `/ws/sheet/<id>/`. Joins `clock`, `user_<id>` and, on a
    sheet page, `sheet_<id>`; forwards what realtime.py sends to those groups."""

    async def connect(self) -> None:
        self.joined: list[str] = []
        self.tasks: list[asyncio.Task] = []
        self.last_heard = time.monotonic()
        self.closed = False
        # Accept first, then close: a close before accept reaches the browser as 1006.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=realtime.CLOSE_UNAUTHENTICATED)
            return
        self.sheet_id = self.scope["url_route"]["kwargs"].get("sheet_id")
        role = await _sheet_role(user, self.sheet_id) if self.sheet_id is not None else None
        if self.sheet_id is not None and role is None:
            await self.close(code=realtime.CLOSE_NOT_FOUND)
            return
        session = self.scope.get("session")
        self.session_key = session.session_key if session else None
        self.session = users_wire.session_tag(self.session_key)
        self.joined = [realtime.clock_group(), users_wire.user_group(user.id)]
        if self.sheet_id is not None:
            self.joined.append(realtime.sheet_group(self.sheet_id))
        await self._join()
        self.info = await _user_info(user)
        await self._send(realtime.hello(user_info=self.info, sheet_id=self.sheet_id, role=role))
        if self.sheet_id is not None:
            self.present = await presence.join(self.sheet_id, user.id, self.channel_name)
        self.tasks.append(asyncio.create_task(self._rejoin_loop()))
        if self.sheet_id is not None:
            self.tasks.append(asyncio.create_task(self._heartbeat_loop()))
        if settings.CLOCK_IN_PROCESS:
            clock.ensure_in_process_clock()

    async def disconnect(self, code: int) -> None:
        # redis-py can swallow a cancellation that lands mid-command: the loops
        # also stop on this flag.
        self.closed = True
        for task in self.tasks:
            task.cancel()
        if getattr(self, "present", None) is not None:
            with contextlib.suppress(Exception):  # it expires anyway
                await presence.leave(self.sheet_id, self.scope["user"].id, self.channel_name)
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

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
                user={k: self.info[k] for k in ("id", "display_name", "colour")},
                client_id=client_id,
                ranges=ranges,
                sender=self.channel_name,
            )
            return
        await self._send(
            realtime.error_reply("unknown_type", f"Unknown message type {message['type'][:40]!r}.")
        )

    async def forward(self, message: dict) -> None:
        """Every group message: send its event; some end the socket."""
        if "session" in message and message["session"] != self.session:
            return
        if "only_user" in message and message["only_user"] != self.scope["user"].id:
            return
        if message.get("skip_channel") == self.channel_name:
            return
        event = message["event"]
        if event["type"] == "presence.changed":
            self.present = [u["id"] for u in event["users"]]
        elif event["type"] == "profile.updated":
            self.info = event["user"]
            if self.sheet_id is not None:
                # Collaborators see the new name and colour in presence and selections.
                self.present = await presence.announce(self.sheet_id)
        await self._send(event)
        if message.get("close_code"):
            await self.close(code=message["close_code"])

    async def _send(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event, separators=(",", ":")))

    async def _join(self) -> None:
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)

    def _running(self) -> bool:
        """False once the socket closed or this task was cancelled (redis-py can
        swallow a cancellation that lands mid-command)."""
        task = asyncio.current_task()
        return not self.closed and not (task is not None and task.cancelling())

    async def _rejoin_loop(self) -> None:
        # Redis restarts and group_expiry drop memberships; tabs stay open all day.
        # The same tick notices a session that expired or was deleted.
        while self._running():
            await asyncio.sleep(settings.GROUP_REJOIN_SECONDS)
            if not self._running():
                return
            if not await _session_alive(self.session_key, self.scope["user"].id):
                await self._send(users_wire.session_ended("expired"))
                await self.close(code=realtime.CLOSE_UNAUTHENTICATED)
                return
            with contextlib.suppress(Exception):
                await self._join()

    async def _heartbeat_loop(self) -> None:
        while self._running():
            await asyncio.sleep(settings.HEARTBEAT_SECONDS)
            if not self._running():
                return
            version = await _sheet_version(self.sheet_id)
            if version is None:
                await self._send(realtime.sheet_deleted(sheet_id=self.sheet_id))
                await self.close(code=realtime.CLOSE_NOT_FOUND)
                return
            await self._send(realtime.heartbeat(sheet_id=self.sheet_id, version=version))
            # A tab answers heartbeats with "alive"; one silent for a whole presence
            # window (network gone without a close) is left to expire.
            alive = time.monotonic() - self.last_heard <= presence.ttl()
            if not self._running():  # no presence entry may outlive the socket's leave
                return
            with contextlib.suppress(Exception):  # Redis down: presence resumes with it
                await presence.refresh(
                    self.sheet_id,
                    self.scope["user"].id,
                    self.channel_name,
                    self.present,
                    touch=alive,
                )
