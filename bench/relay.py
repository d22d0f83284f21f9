"""The baseline for bench/latency.py: a socket message relayed to a group with
no persistence, the minimal design. Routed only when GRIDROOM_BENCH_RELAY is on."""

from channels.generic.websocket import AsyncWebsocketConsumer

GROUP = "bench_relay"


class RelayConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.send(text_data='{"type":"ready"}')

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(GROUP, {"type": "relay", "text": text_data or ""})

    async def relay(self, message: dict) -> None:
        await self.send(text_data=message["text"])
