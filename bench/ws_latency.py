"""Ingest → agent websocket latency at a fixed arrival rate.

SMS are posted to the webhook on a fixed schedule (open loop: ``--rate`` per second
for ``--seconds``), spread over client processes; an agent skilled in every group
listens on ``/ws/agent`` of the first server and timestamps each ``message.created``
(and ``interaction.created``). Latency is counted from the instant each SMS was
*due* to be posted, so a server that falls behind cannot hide it by slowing the
senders down; the time from the actual post is reported beside it.

    python bench/ws_latency.py --db postgresql --processes 2 --rate 300 --seconds 20

With 2+ processes events cross through a private redis-server, as in production.
Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webhook import (  # noqa: E402
    analyze,
    make_database,
    run_load,
    seed,
    sms_requests,
    start_redis,
    start_servers,
    stop_all,
)

Request = tuple[str, bytes, dict[str, str]]


def _listen(port: int, token: str, pipe: Connection) -> None:
    """The agent's socket: {sequence number: (type, monotonic time received)}."""
    import websockets

    async def run() -> dict[int, tuple[str, float]]:
        seen: dict[int, tuple[str, float]] = {}
        url = f"ws://127.0.0.1:{port}/ws/agent?token={token}"
        async with websockets.connect(url, max_size=None) as ws:
            pipe.send("ready")
            while True:
                if pipe.poll():
                    return seen
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=0.2)
                except TimeoutError:
                    continue
                now = time.monotonic()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message.created":
                    text = frame["data"].get("text") or ""
                elif kind == "interaction.created":
                    text = frame["data"].get("preview") or ""
                else:
                    continue
                _, _, seq = text.rpartition("#")
                if seq.isdigit():
                    seen.setdefault(int(seq), (kind, now))
                    if kind == "message.created":
                        seen[int(seq)] = (kind, now)

    pipe.send(asyncio.run(run()))


def _paced(args: tuple[list[int], list[tuple[int, float, Request]]]
           ) -> list[tuple[int, float, float, int]]:
    """Post each request at its due time (or at once when late): (seq, due, sent, status)."""
    ports, plan = args
    conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=60) for p in ports]
    out = []
    for n, (seq, due, (path, body, headers)) in enumerate(plan):
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent = time.monotonic()
        conn = conns[n % len(conns)]
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        out.append((seq, due, sent, response.status))
    return out


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": float("nan"), "p99_ms": float("nan")}
    values = sorted(values)
    return {"p50_ms": round(statistics.median(values) * 1000, 1),
            "p99_ms": round(values[max(0, int(len(values) * 0.99) - 1)] * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rate", type=float, default=300.0, help="SMS per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--redis", choices=["auto", "yes", "no"], default="auto")
    args = parser.parse_args()
    total = int(args.rate * args.seconds)
    tmp = Path(tempfile.mkdtemp(prefix="teranga-bench-"))
    url, cleanup = make_database(args.db, tmp)
    redis = start_redis(args.redis, args.processes)
    servers: list[Any] = []
    listener: Any = None
    try:
        key, secret, token = seed(url, args.agents, watcher=True)
        assert token is not None
        servers = start_servers(url, args.processes, tmp, redis.url if redis else None)
        ports = [p for _, p in servers]
        if redis is not None:
            time.sleep(2.0)  # each process subscribes to Redis once it is up
        # A live installation has history and planner statistics: 200 SMS first.
        run_load(ports, "POST", sms_requests(key, secret, 200), args.clients)
        analyze(url)
        ctx = mp.get_context("fork")
        ours, theirs = ctx.Pipe()
        listener = ctx.Process(target=_listen, args=(ports[0], token, theirs), daemon=True)
        listener.start()
        if not ours.poll(30) or ours.recv() != "ready":
            raise SystemExit("the agent socket did not connect")
        requests = sms_requests(key, secret, total)
        marked: list[Request] = []
        for seq, (path, body, headers) in enumerate(requests):
            payload = json.loads(body)
            payload["text"] = f"{payload['text']} #{seq}"
            marked.append((path, *_resign(payload, secret, headers)))
        start = time.monotonic() + 1.0
        plans = [[(seq, start + seq / args.rate, marked[seq])
                  for seq in range(k, total, args.clients)] for k in range(args.clients)]
        with ctx.Pool(args.clients) as pool:
            sent = [row for part in pool.map(_paced, [(ports, p) for p in plans]) for row in part]
        time.sleep(3.0)  # let the last events arrive
        ours.send("stop")
        seen: dict[int, tuple[str, float]] = ours.recv() if ours.poll(30) else {}
    finally:
        if listener is not None:
            listener.join(timeout=10)
        stop_all(servers, cleanup, redis)
    ok = [row for row in sent if row[3] == 200]
    from_due = [seen[s][1] - due for s, due, _, _ in ok if s in seen]
    from_post = [seen[s][1] - at for s, _, at, _ in ok if s in seen]
    late = [at - due for _, due, at, _ in sent]
    result = {
        "benchmark": "ws_latency",
        "db": args.db,
        "processes": args.processes,
        "redis": redis is not None,
        "rate_asked": args.rate,
        "rate_achieved": round(len(sent) / max(1e-9, max(r[2] for r in sent) - start), 1),
        "sms": total,
        "accepted": len(ok),
        "heard_on_socket": len(from_due),
        "ingest_to_socket_from_due": percentiles(from_due),
        "ingest_to_socket_from_post": percentiles(from_post),
        "senders_behind_schedule_p99_ms": percentiles(late)["p99_ms"],
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(f"{result['heard_on_socket']}/{total} heard; from due time "
          f"{result['ingest_to_socket_from_due']}, "
          f"from post {result['ingest_to_socket_from_post']}")
    print(json.dumps(result))


def _resign(payload: dict[str, Any], secret: str, headers: dict[str, str]
            ) -> tuple[bytes, dict[str, str]]:
    import hashlib
    import hmac

    body = json.dumps(payload).encode()
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {**headers, "x-teranga-signature": sig}


if __name__ == "__main__":
    main()
