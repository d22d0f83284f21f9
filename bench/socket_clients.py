"""The websocket clients of bench/sockets.py, in processes of their own.

One Python process with a couple of thousand websockets is itself a bottleneck
on a small machine, so bench/sockets.py spreads the clients over several
processes. They share the machine's clock (time.time()), so a receipt in one
process and a send in another compare directly.

The conversation with the parent, over a multiprocessing pipe:
    parent → {"start_at": t}       connect from t on
    worker → {"connected": ...}    every handshake ended (hello, or an error)
    parent → {"sent": {key: t0}}   what was sent and when; wait for it, then report
    worker → {"result": ...}       and the worker closes its sockets and ends
"""

import asyncio
import collections
import json
import time
from dataclasses import dataclass, field

import websockets

# A handshake that has not ended by then counts as failed.
OPEN_TIMEOUT = 60


@dataclass
class Client:
    hello: float | None = None
    error: str | None = None
    closed: str | None = None
    received: dict = field(default_factory=dict)
    ws: object = None


def error_name(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return f"HTTP {response.status_code}"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, websockets.ConnectionClosed):
        return f"closed before hello ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
    return type(exc).__name__


async def run_client(client: Client, cfg: dict, done: asyncio.Event) -> None:
    kinds, key, hello_type = set(cfg["kinds"]), cfg["key"], cfg["hello"]
    try:
        ws = await websockets.connect(
            cfg["ws_url"],
            additional_headers=cfg["headers"],
            max_size=2**22,
            open_timeout=OPEN_TIMEOUT,
            ping_interval=None,
        )
    except Exception as exc:  # noqa: BLE001 (every failure is counted by its kind)
        client.error = error_name(exc)
        done.set()
        return
    client.ws = ws
    try:
        async with asyncio.timeout(OPEN_TIMEOUT):
            while client.hello is None:
                message = json.loads(await ws.recv())
                if message.get("type") == hello_type:
                    client.hello = time.time()
        done.set()
        async for raw in ws:
            now = time.time()
            message = json.loads(raw)
            if message.get("type") in kinds and key in message:
                client.received.setdefault(message[key], now)
    except websockets.ConnectionClosed as exc:
        if client.hello is None:
            client.error = error_name(exc)
        else:
            client.closed = f"closed after hello ({exc.rcvd.code if exc.rcvd else 'none'})"
    except Exception as exc:  # noqa: BLE001
        if client.hello is None:
            client.error = error_name(exc)
    finally:
        done.set()


async def connect_all(clients: list[Client], cfg: dict) -> list[asyncio.Task]:
    """All at once (a burst), or `batch` at a time, each batch after the last
    one's handshakes ended."""
    tasks = []
    size = len(clients) if cfg["burst"] else max(1, cfg["batch"])
    for first in range(0, len(clients), size):
        events = []
        for client in clients[first : first + size]:
            done = asyncio.Event()
            events.append(done)
            tasks.append(asyncio.create_task(run_client(client, cfg, done)))
        await asyncio.gather(*(e.wait() for e in events))
    return tasks


def tally(clients: list[Client], sent: dict) -> dict:
    """Latencies of the (client, seq) pairs that count: a client counts for
    what was sent after its hello."""
    latencies, expected = [], 0
    for client in clients:
        if client.hello is None:
            continue
        for k, t0 in sent.items():
            if t0 >= client.hello:
                expected += 1
                if k in client.received:
                    latencies.append((client.received[k] - t0) * 1000)
    return {"latencies": latencies, "expected": expected}


async def work(conn, cfg: dict) -> None:
    loop = asyncio.get_running_loop()
    clients = [Client() for _ in range(cfg["clients"])]
    conn.send({"ready": True})
    start_at = (await loop.run_in_executor(None, conn.recv))["start_at"]
    await asyncio.sleep(max(0.0, start_at - time.time()))
    cpu_from = time.process_time()
    tasks = await connect_all(clients, cfg)
    conn.send({"connected": sum(c.hello is not None for c in clients)})
    sent = (await loop.run_in_executor(None, conn.recv))["sent"]
    deadline = time.time() + cfg["drain"]
    while time.time() < deadline:  # noqa: ASYNC110 (many clients to check)
        pending = [
            c
            for c in clients
            if c.hello is not None
            and c.closed is None
            and any(t0 >= c.hello and k not in c.received for k, t0 in sent.items())
        ]
        if not pending:
            break
        await asyncio.sleep(0.1)
    result = tally(clients, sent)
    result["hellos"] = sum(c.hello is not None for c in clients)
    result["errors"] = collections.Counter(c.error for c in clients if c.error)
    result["closed"] = collections.Counter(c.closed for c in clients if c.closed)
    result["cpu"] = time.process_time() - cpu_from
    result["wall"] = time.time() - start_at
    conn.send({"result": result})
    await asyncio.gather(*(c.ws.close() for c in clients if c.ws), return_exceptions=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send({"closed": True})


def worker(conn, cfg: dict) -> None:
    """A client process's entry point (multiprocessing)."""
    try:
        import uvloop

        uvloop.run(work(conn, cfg))
    except ImportError:
        asyncio.run(work(conn, cfg))
