"""A broadcast from sync code (a gunicorn worker's view, a command) with Redis:
every message arrives, in order, over one kept connection rather than a new
one per message (proj/channel_layer.run_from_sync)."""

import asyncio
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import redis

from accounts import realtime


@pytest.fixture
def redis_url():
    """A throwaway Redis on a unix socket: its counters are this test's alone."""
    folder = Path(tempfile.mkdtemp(prefix="gridroom-redis-"))
    sock = folder / "redis.sock"
    server = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    url = f"unix://{sock}"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(500):  # until it answers; the process exits on error
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                assert server.poll() is None, "redis-server did not start"
                time.sleep(0.01)  # polling the condition, not hoping
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def test_sends_from_sync_code_arrive_in_order_over_one_connection(redis_url, settings):
    settings.REDIS_URL = redis_url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "proj.channel_layer.PubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_url}]},
        }
    }
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    ready, received = threading.Event(), []

    async def listen() -> None:
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        ready.set()
        while len(received) < 20:
            received.append((await layer.receive(channel))["text"])

    listener = threading.Thread(target=asyncio.run, args=(listen(),))
    listener.start()
    assert ready.wait(30)
    counter = redis.Redis.from_url(redis_url)
    before = counter.info("stats")["total_connections_received"]
    for i in range(20):
        realtime.group_send("g", {"type": "n", "i": i})
    listener.join(30)
    assert received == [realtime.to_text({"type": "n", "i": i}) for i in range(20)]
    opened = counter.info("stats")["total_connections_received"] - before
    counter.close()
    assert opened <= 2  # the sender's one connection (and its pool's spare), not 20
