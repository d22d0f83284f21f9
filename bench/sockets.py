"""N websocket clients on one sheet: delivery, handshakes and server cost.

Starts the production shape (deploy/stack.py: nginx → gunicorn + 2 daphne,
PostgreSQL, Redis) or the embedded default (scripts/run_embedded.bash: one
uvicorn, SQLite, the in-memory layer), opens N websockets on one sheet —
`--connect-batch` at a time or all at once (`--burst`) — and from the first
moment, with no settling wait, posts one-cell edits at `--rate` for `--seconds`.
Latency is each client's receipt of a `seq` minus the moment its POST was sent;
a client counts for the edits sent after its hello. The same run then does the
same with the bare relay (bench/relay.py) as the peer. Per run: handshake
failures, % delivered, p50/p95/p99/max, the server processes' CPU seconds and
RSS growth per socket, consumers killed at shutdown, the server's CPU once every
client has gone, the clients' own CPU, and the load average.

    .venv/bin/python bench/sockets.py --target stack --clients 1000 --rate 1 --seconds 60
    .venv/bin/python bench/sockets.py --target stack --clients 1000 --burst
    .venv/bin/python bench/sockets.py --target embedded --clients 500 --rate 1 --seconds 60
"""

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.latency import new_sheet, percentile, post_edit, sign_up  # noqa: E402
from bench.servers import EmbeddedServer, StackServer  # noqa: E402
from bench.socket_clients import worker  # noqa: E402

KILLED = "took too long to shut down"
REDIS_FULL = "Too many connections"
# daphne gives a consumer 10 s to end after its socket closed, then kills it.
CLOSE_WAIT = 12
IDLE_SECONDS = 5


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Clients:
    """The client processes of one run."""

    def __init__(self, total: int, procs: int, cfg: dict):
        ctx = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        share = [total // procs + (i < total % procs) for i in range(procs)]
        for n in share:
            parent, child = ctx.Pipe()
            batch = max(1, cfg["batch"] // procs)
            p = ctx.Process(target=worker, args=(child, {**cfg, "clients": n, "batch": batch}))
            p.start()
            self.pipes.append(parent)
            self.procs.append(p)

    async def recv_all(self, key: str) -> list:
        loop = asyncio.get_running_loop()
        answers = await asyncio.gather(*(loop.run_in_executor(None, p.recv) for p in self.pipes))
        return [a[key] for a in answers]

    def send_all(self, message: dict) -> None:
        for p in self.pipes:
            p.send(message)

    def join(self) -> None:
        for p in self.procs:
            p.join(timeout=30)


async def phase(server, args, *, ws_path: str, kinds, key: str, hello: str, send) -> dict:
    cfg = {
        "ws_url": server.url.replace("http", "ws", 1) + ws_path,
        "headers": {"Origin": server.url, "Cookie": send.cookie},
        "kinds": list(kinds),
        "key": key,
        "hello": hello,
        "burst": args.burst,
        "batch": args.connect_batch,
        "drain": args.drain,
    }
    clients = Clients(args.clients, args.procs, cfg)
    await clients.recv_all("ready")
    load_start = loadavg()
    logs_from = server.log_sizes()
    before = server.stats()
    start_at = time.time() + 0.2
    clients.send_all({"start_at": start_at})
    connected = asyncio.ensure_future(clients.recv_all("connected"))
    sent: dict = {}
    pending = []
    count = int(args.rate * args.seconds)
    for i in range(count):
        await asyncio.sleep(max(0.0, start_at + i / args.rate - time.time()))
        pending.append(asyncio.create_task(send(i, sent)))
    await asyncio.gather(*pending, return_exceptions=True)
    await connected
    loaded = server.stats()
    clients.send_all({"sent": sent})
    results = await clients.recv_all("result")
    during = server.stats()
    await clients.recv_all("closed")
    clients.join()
    await asyncio.sleep(CLOSE_WAIT)
    idle_from = server.stats()
    await asyncio.sleep(IDLE_SECONDS)
    idle_to = server.stats()
    latencies = [x for r in results for x in r["latencies"]]
    hellos = sum(r["hellos"] for r in results)
    return {
        "sent": len(sent),
        "send_errors": send.errors,
        # How long the edit's own request took (the app's POST; the relay has none).
        "answers": getattr(send, "answers", []),
        "hellos": hellos,
        "errors": sum((r["errors"] for r in results), Counter()),
        "closed": sum((r["closed"] for r in results), Counter()),
        "delivered": len(latencies),
        "expected": sum(r["expected"] for r in results),
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": max(latencies, default=float("nan")),
        "cpu": during["cpu"] - before["cpu"],
        "rss_per_socket_kb": (
            (loaded["rss_kb"] - before["rss_kb"]) / hellos if hellos else float("nan")
        ),
        "killed": server.count_in_logs(KILLED, logs_from),
        "redis_full": server.count_in_logs(REDIS_FULL, logs_from),
        "idle_cpu_pct": 100 * (idle_to["cpu"] - idle_from["cpu"]) / IDLE_SECONDS,
        "client_cpu_pct": max(100 * r["cpu"] / max(r["wall"], 1e-9) for r in results),
        "load": f"{load_start} → {loadavg()}",
    }


async def run(server, args) -> list[tuple[str, dict]]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        await sign_up(http)
        sheet_id, col, rows = await new_sheet(http)
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())

        async def send_edit(i: int, sent: dict) -> None:
            t0 = time.time()
            try:
                version = await post_edit(http, sheet_id, col, rows[i % len(rows)], f"v{i}")
                sent[version] = t0
                send_edit.answers.append(1000 * (time.time() - t0))
            except httpx.HTTPError:
                send_edit.errors += 1

        send_edit.cookie, send_edit.errors, send_edit.answers = cookie, 0, []
        app = await phase(
            server,
            args,
            ws_path=f"/ws/sheet/{sheet_id}/",
            kinds={"cells.changed"},
            key="seq",
            hello="hello",
            send=send_edit,
        )

        try:
            relay = await relay_phase(server, args, cookie)
        except (OSError, websockets.WebSocketException) as exc:
            print(f"the peer did not run: its sender could not connect ({exc!r})")
            return [("app: POST → save → broadcast", app)]
    return [("app: POST → save → broadcast", app), ("peer: bare socket relay", relay)]


async def relay_phase(server, args, cookie: str) -> dict:
    ws_url = server.url.replace("http", "ws", 1) + "/ws/bench-relay/"
    headers = {"Origin": server.url, "Cookie": cookie}
    # The server may still be busy with the app's sockets closing.
    async with websockets.connect(ws_url, additional_headers=headers, open_timeout=60) as sender:
        await sender.recv()  # ready: it has joined the group

        async def read_all() -> None:  # the sender hears its own relays too
            async for _ in sender:
                pass

        reader = asyncio.create_task(read_all())

        async def send_relay(i: int, sent: dict) -> None:
            sent[i] = time.time()
            await sender.send(json.dumps({"type": "relay", "n": i}))

        send_relay.cookie, send_relay.errors = cookie, 0
        relay = await phase(
            server,
            args,
            ws_path="/ws/bench-relay/",
            kinds={"relay"},
            key="n",
            hello="ready",
            send=send_relay,
        )
        reader.cancel()
    return relay


def print_report(results, args, server) -> None:
    mode = "in one burst" if args.burst else f"{args.connect_batch} at a time"
    print(
        f"\n{server.name}, {args.clients} sockets on one sheet connecting {mode}, "
        f"{args.rate:g} edits/s for {args.seconds:g} s, {args.procs} client processes, "
        f"layer {args.layer or 'default'}\n"
    )
    print(
        "| path | hello | handshake failures | delivered | p50 ms | p95 ms | p99 ms | max ms "
        f"| {server.process_name} CPU s | RSS KB/socket | killed at shutdown "
        "| idle CPU after close | client CPU (busiest) | load avg (1/5/15) |"
    )
    print("| --- " * 14 + "|")
    for name, r in results:
        failures = ", ".join(f"{k}: {v}" for k, v in r["errors"].most_common()) or "0"
        pct = 100 * r["delivered"] / r["expected"] if r["expected"] else float("nan")
        print(
            f"| {name} | {r['hellos']}/{args.clients} | {failures} "
            f"| {pct:.1f} % ({r['delivered']}/{r['expected']}) "
            f"| {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {r['max']:.0f} "
            f"| {r['cpu']:.1f} | {r['rss_per_socket_kb']:.0f} | {r['killed']} "
            f"| {r['idle_cpu_pct']:.0f} % | {r['client_cpu_pct']:.0f} % | {r['load']} |"
        )
    for name, r in results:
        notes = []
        if r["closed"]:
            notes.append(", ".join(f"{k}: {v}" for k, v in r["closed"].items()))
        if r["redis_full"]:
            notes.append(f'"{REDIS_FULL}" {r["redis_full"]} times in the server log')
        notes.append(f"{r['sent']} edits sent")
        if r["answers"]:
            answers = r["answers"]
            notes.append(
                f"the edit's POST answered in p50 {percentile(answers, 50):.0f} ms, "
                f"p99 {percentile(answers, 99):.0f} ms"
            )
        if r["send_errors"]:
            notes.append(f"{r['send_errors']} sends failed")
        print(f"\n{name}: {'; '.join(notes)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("stack", "embedded"), default="stack")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=1, help="edits per second")
    parser.add_argument("--seconds", type=float, default=10)
    connect = parser.add_mutually_exclusive_group()
    connect.add_argument("--connect-batch", type=int, default=100, help="sockets at a time")
    connect.add_argument("--burst", action="store_true", help="every socket at once")
    parser.add_argument(
        "--procs", type=int, help="client processes (default: one per 250 sockets, at most 4)"
    )
    parser.add_argument("--drain", type=float, default=15, help="seconds to wait for stragglers")
    parser.add_argument("--logs", type=Path, help="keep the server's logs in this directory")
    parser.add_argument(
        "--layer",
        choices=("core", "pubsub"),
        help="GRIDROOM_CHANNEL_LAYER for the server (default: the server's own)",
    )
    args = parser.parse_args()
    if args.clients < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("--clients, --rate and --seconds must be positive")
    args.procs = args.procs or min(4, math.ceil(args.clients / 250))
    env = {"GRIDROOM_BENCH_RELAY": "1"}
    if args.layer:
        env["GRIDROOM_CHANNEL_LAYER"] = args.layer
    server = (StackServer if args.target == "stack" else EmbeddedServer)(env)
    print(f"starting {server.name} …", flush=True)
    server.start()
    try:
        results = asyncio.run(run(server, args))
    finally:
        if args.logs:
            server.keep_logs(args.logs)
        server.stop()
    print_report(results, args, server)


if __name__ == "__main__":
    main()
