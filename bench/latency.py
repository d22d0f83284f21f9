"""Edit → other-tab delivery latency through the production shape.

Starts the local stack (deploy/stack.py: nginx → gunicorn + 2 daphne, PostgreSQL,
Redis), opens N websocket clients on one sheet, posts cell edits through nginx at a
steady rate and records when each client receives each `seq`. In the same run a
baseline: a socket message relayed to a group with no persistence (bench/relay.py).

    .venv/bin/python bench/latency.py [--clients 100] [--rate 10] [--seconds 10]
    .venv/bin/python bench/latency.py --url http://127.0.0.1:8080   (a running server)
"""

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def sign_up(http: httpx.AsyncClient) -> None:
    page = await http.get("/accounts/signup/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    name = f"bench{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    answer = await http.post(
        "/accounts/signup/",
        data={
            "csrfmiddlewaretoken": token,
            "username": name,
            "password1": password,
            "password2": password,
        },
    )
    assert answer.status_code in (200, 302) and "sessionid" in http.cookies, answer.text[:500]


async def new_sheet(http: httpx.AsyncClient) -> tuple[int, str, list[str]]:
    answer = await http.post(
        "/sheets/new/",
        data={"title": "latency bench"},
        headers={"X-CSRFToken": http.cookies["csrftoken"]},
    )
    sheet_id = int(re.search(r"/sheets/(\d+)/", str(answer.headers.get("location"))).group(1))
    snapshot = (await http.get(f"/api/sheets/{sheet_id}/")).json()
    return sheet_id, snapshot["columns"][0]["id"], [r["id"] for r in snapshot["rows"]]


async def post_edit(http: httpx.AsyncClient, sheet_id: int, col: str, row: str, value: str) -> int:
    """One cell edit through the API; returns the sheet version (the event's seq)."""
    answer = await http.post(
        f"/api/sheets/{sheet_id}/cells",
        json={
            "client_id": "bench",
            "op_id": str(uuid.uuid4()),
            "changes": [{"row": row, "col": col, "value": value}],
        },
        headers={"X-CSRFToken": http.cookies["csrftoken"]},
    )
    answer.raise_for_status()
    return answer.json()["version"]


class Receiver:
    def __init__(self) -> None:
        self.received: dict[int, float] = {}

    async def run(self, url: str, headers: dict, ready: asyncio.Event, key: str, kinds: set):
        async with websockets.connect(url, additional_headers=headers, max_size=2**22) as ws:
            self.ws = ws
            async for raw in ws:
                # The first message (hello, or the relay's ready) comes after the group join.
                ready.set()
                now = time.perf_counter()
                message = json.loads(raw)
                if message.get("type") in kinds and key in message:
                    self.received.setdefault(message[key], now)


async def measure(
    *,
    clients: int,
    rate: float,
    seconds: float,
    url: str,
    ws_path: str,
    kinds: set,
    key: str,
    send,
) -> dict:
    headers = {"Origin": url, "Cookie": send.cookie}
    ws_url = url.replace("http", "ws", 1) + ws_path
    receivers = [Receiver() for _ in range(clients)]
    events = [asyncio.Event() for _ in receivers]
    tasks = [
        asyncio.create_task(r.run(ws_url, headers, e, key, kinds))
        for r, e in zip(receivers, events, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 60)
    sent: dict[int, float] = {}
    count = int(rate * seconds)
    start = time.perf_counter()
    for i in range(count):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        t0 = time.perf_counter()
        ident = await send(i, receivers[0])
        sent[ident] = t0
    deadline = time.perf_counter() + 15
    while time.perf_counter() < deadline and not all(  # noqa: ASYNC110 (many receivers)
        sent.keys() <= r.received.keys() for r in receivers
    ):
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    latencies = [
        (r.received[k] - t0) * 1000 for r in receivers for k, t0 in sent.items() if k in r.received
    ]
    return {
        "sent": len(sent),
        "delivered": len(latencies),
        "expected": len(sent) * clients,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": max(latencies, default=float("nan")),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
    }


async def run(url: str, clients: int, rate: float, seconds: float) -> list[tuple[str, dict]]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        await sign_up(http)
        sheet_id, col, rows = await new_sheet(http)
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())

        async def send_edit(i: int, _receiver) -> int:
            return await post_edit(http, sheet_id, col, rows[i % len(rows)], f"v{i}")

        async def send_relay(i: int, receiver: Receiver) -> int:
            await receiver.ws.send(json.dumps({"type": "relay", "n": i}))
            return i

        send_edit.cookie = send_relay.cookie = cookie
        app = await measure(
            clients=clients,
            rate=rate,
            seconds=seconds,
            url=url,
            ws_path=f"/ws/sheet/{sheet_id}/",
            kinds={"cells.changed"},
            key="seq",
            send=send_edit,
        )
        relay = await measure(
            clients=clients,
            rate=rate,
            seconds=seconds,
            url=url,
            ws_path="/ws/bench-relay/",
            kinds={"relay"},
            key="n",
            send=send_relay,
        )
    return [("app: POST → save → broadcast", app), ("baseline: socket relay", relay)]


def print_table(results: list[tuple[str, dict]], clients: int, rate: float) -> None:
    print(f"\n{clients} clients on one sheet, {rate:g} edits/s\n")
    print("| path | delivered | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in results:
        print(
            f"| {name} | {r['delivered']}/{r['expected']} | {r['p50']:.1f} | {r['p95']:.1f} "
            f"| {r['p99']:.1f} | {r['max']:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10, help="edits per second")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--url", help="a running server instead of a fresh local stack")
    args = parser.parse_args()
    stack = None
    url = args.url
    if url is None:
        from deploy.stack import Stack

        stack = Stack(extra_env={"GRIDROOM_BENCH_RELAY": "1", "GRIDROOM_BENCH_ALLOW": "1"})
        print(f"starting the stack in {stack.prefix} …", flush=True)
        stack.start()
        url = stack.base_url
    try:
        results = asyncio.run(run(url, args.clients, args.rate, args.seconds))
    finally:
        if stack is not None:
            stack.stop()
    print_table(results, args.clients, args.rate)


if __name__ == "__main__":
    main()
