"""Chat visitors' websockets against a real `teranga serve` process.

1. Idle visitors: open N sockets (each says hello and gets its welcome), hold them, and
   measure the server process's resident memory (RSS) before and after.
2. Round trip under load: with those sockets still open, a subset of visitors send lines
   at a fixed rate (open loop: sends are scheduled, not paced by answers); the time from
   sending a line to its ``ack`` (stored, threaded, routed) is measured.
3. Agent to visitor: an agent replies over the REST API; the time until the line reaches
   the visitor's socket (outbox, chat sender, event bus, hub) is measured.

    python bench/chat_sockets.py                                # 10,000 idle, 1,000 msg/s
    python bench/chat_sockets.py --connections 2000 --rate 500 --seconds 5
    python bench/chat_sockets.py --db postgresql

The client runs on the same machine (and cores) as the server. Prints the figures, and
a final JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webhook import (  # noqa: E402
    cpu_seconds,
    group_commit_figures,
    make_database,
    start_servers,
)


def seed(url: str) -> tuple[str, str]:
    """A tenant with a chat channel open to one address's many sockets, and an agent."""
    from app import actions
    from app.config import Settings
    from app.context import build_context
    from app.migrate import upgrade
    from tests.factories import make_world

    upgrade(url)
    ctx = build_context(Settings(database_url=url, secret_key="bench"))
    w = make_world(ctx, agents={"awa": {"ventes": 3, "support": 3, "triage": 3}})
    chat = actions.create_channel(ctx, w.admin, w.tenant, "chat", "Bench", {
        "ip_connections": 1_000_000, "ip_connections_per_minute": 1_000_000,
        "ip_messages_per_minute": 1_000_000})
    ctx.engine.dispose()
    return chat.key, w.tokens["awa"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share) - 1))]


async def recv_type(ws: Any, wanted: str) -> dict[str, Any]:
    while True:
        frame = json.loads(await ws.recv())
        if frame["type"] == wanted:
            return dict(frame)


async def open_visitors(url: str, n: int, concurrency: int, deflate: bool) -> list[Any]:
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(concurrency)

    async def one() -> Any:
        async with gate:
            # Browsers offer permessage-deflate, and the server accepts it by default.
            ws = await connect(url, ping_interval=None, max_size=2**16, open_timeout=60,
                               compression="deflate" if deflate else None)
            await ws.send(json.dumps({"type": "hello", "visitor_token": None}))
            await recv_type(ws, "welcome")
            return ws

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def line_load(active: list[Any], rate: float, seconds: float, prefix: str = "b"
                    ) -> tuple[list[float], dict[str, int], int]:
    """Send lines at ``rate`` per second; latencies to the ack, and each visitor's
    conversation (for the agent phase)."""
    sent: dict[str, float] = {}
    latencies: list[float] = []
    conversations: dict[str, int] = {}
    errors = 0
    done = asyncio.Event()
    total = int(rate * seconds)

    async def reader(ws: Any, name: str) -> None:
        nonlocal errors
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] == "ack":
                    latencies.append(time.perf_counter() - sent.pop(frame["client_id"]))
                    conversations[name] = frame["interaction_id"]
                    if len(latencies) + errors >= total:
                        done.set()
                elif frame["type"] == "error":
                    errors += 1
        except Exception:
            return

    readers = [asyncio.create_task(reader(ws, str(i))) for i, ws in enumerate(active)]
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        cid = f"{prefix}{i}"
        sent[cid] = time.perf_counter()
        await active[i % len(active)].send(json.dumps(
            {"type": "message", "client_id": cid, "text": f"Bonjour, le prix du riz ? #{i}"}))
    send_seconds = time.perf_counter() - start
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout=60)
    for task in readers:
        task.cancel()
    print(f"  sent {total} lines in {send_seconds:.1f} s, {len(latencies)} acked, "
          f"{errors} errors, {len(sent)} unanswered")
    return latencies, conversations, errors + len(sent)


async def agent_replies(base: str, token: str, visitors: list[tuple[Any, int]], count: int
                        ) -> list[float]:
    import httpx
    from websockets.exceptions import ConnectionClosed

    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                 timeout=30) as client:
        for n in range(count):
            ws, iid = visitors[n % len(visitors)]
            started = time.perf_counter()
            r = await client.post(f"/api/v1/interactions/{iid}/replies",
                                  json={"text": f"Réponse {n}"})
            r.raise_for_status()
            mid = r.json()["message_id"]
            try:
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
                    if frame["type"] == "message" and frame["id"] == mid:
                        break
            except (TimeoutError, ConnectionClosed):
                continue  # counted as missing: the figures say how many arrived
            latencies.append(time.perf_counter() - started)
    return latencies


async def run(args: argparse.Namespace, port: int, pid: int, key: str, token: str
              ) -> dict[str, Any]:
    url = f"ws://127.0.0.1:{port}/ws/chat/{key}"
    rss_before = rss_mb(pid)
    started = time.perf_counter()
    visitors = await open_visitors(url, args.connections, args.concurrency,
                                   not args.no_deflate)
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(2)
    rss_idle = rss_mb(pid)
    per_socket_kb = (rss_idle - rss_before) * 1024 / max(1, args.connections)
    print(f"idle visitors: {len(visitors)} open in {connect_seconds:.1f} s; server RSS "
          f"{rss_before:.0f} MB -> {rss_idle:.0f} MB ({per_socket_kb:.1f} KB per socket)")

    active = visitors[: args.active]
    # Warm-up, not measured: each active visitor's first line opens its conversation
    # (classification, routing); what follows is the steady flow of a chat.
    await line_load(active, args.rate, len(active) / args.rate, prefix="w")
    cpu0 = cpu_seconds([pid])
    latencies, conversations, failed = await line_load(active, args.rate, args.seconds)
    cpu_ms_per_line = (cpu_seconds([pid]) - cpu0) * 1000 / max(1, len(latencies))
    ms = [x * 1000 for x in latencies]
    rss_load = rss_mb(pid)
    print(f"round trip (line -> ack) at {args.rate:.0f} lines/s with {len(visitors)} sockets "
          f"open: p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
          f"max {max(ms):.1f} ms; RSS {rss_load:.0f} MB; server CPU {cpu_ms_per_line:.2f} ms "
          "per line")
    commits = await asyncio.to_thread(group_commit_figures, port)
    print(f"group commits (whole run): {commits}")

    pairs = [(active[int(i)], iid) for i, iid in conversations.items()][: args.replies]
    agent_ms = [x * 1000 for x in await agent_replies(
        f"http://127.0.0.1:{port}", token, pairs, args.replies)] if pairs else []
    agent_ms = agent_ms or [float("nan")]
    print(f"agent reply -> visitor socket ({len(agent_ms)} replies, one at a time): "
          f"p50 {statistics.median(agent_ms):.1f} ms, p99 {percentile(agent_ms, 0.99):.1f} ms")
    for ws in visitors:
        await ws.close()
    return {
        "idle_connections": len(visitors),
        "connect_seconds": round(connect_seconds, 1),
        "rss_mb_before": round(rss_before, 1),
        "rss_mb_idle": round(rss_idle, 1),
        "rss_kb_per_socket": round(per_socket_kb, 1),
        "rss_mb_under_load": round(rss_load, 1),
        "rate_per_second": args.rate,
        "active_visitors": len(active),
        "lines": len(ms) + failed,
        "lines_failed": failed,
        "ack_p50_ms": round(statistics.median(ms), 2),
        "ack_p99_ms": round(percentile(ms, 0.99), 2),
        "ack_max_ms": round(max(ms), 2),
        "server_cpu_ms_per_line": round(cpu_ms_per_line, 3),
        **commits,
        "agent_replies_received": len([x for x in agent_ms if x == x]),
        "agent_to_visitor_p50_ms": round(statistics.median(agent_ms), 2),
        "agent_to_visitor_p99_ms": round(percentile(agent_ms, 0.99), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=200,
                        help="handshakes in flight while opening the idle sockets")
    parser.add_argument("--active", type=int, default=200,
                        help="visitors (among the open ones) that send lines")
    parser.add_argument("--rate", type=float, default=1000.0, help="lines per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--no-deflate", action="store_true",
                        help="visitors do not offer permessage-deflate")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the server inherits it
    if args.connections + 100 > hard:
        raise SystemExit(f"open-file limit {hard} is too low for {args.connections} sockets")
    tmp = Path(tempfile.mkdtemp(prefix="teranga-chat-bench-"))
    url, cleanup = make_database(args.db, tmp)
    servers: list[tuple[subprocess.Popen[bytes], int]] = []
    try:
        key, token = seed(url)
        servers = start_servers(url, 1, tmp)
        proc, port = servers[0]
        result = asyncio.run(run(args, port, proc.pid, key, token))
    finally:
        for proc, _ in servers:
            proc.send_signal(signal.SIGINT)
        for proc, _ in servers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if cleanup is not None:
            db_cm, server_cm = cleanup
            db_cm.__exit__(None, None, None)
            server_cm.__exit__(None, None, None)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    print(json.dumps({"benchmark": "chat_sockets", "db": args.db, "cpus": os.cpu_count(),
                      "deflate": not args.no_deflate,
                      **result}))


if __name__ == "__main__":
    main()
