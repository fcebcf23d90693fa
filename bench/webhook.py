"""Inbound SMS through the webhook, full pipeline (verify, dedupe, contact, thread,
classify, route, commit, events), against real `teranga serve` processes.

Prints messages/s and latency percentiles, beside the throughput of a bare endpoint
(/healthz) of the same server measured the same way in the same run, as a ratio.

    python bench/webhook.py                      # SQLite, one process
    python bench/webhook.py --db postgresql      # PostgreSQL on 127.0.0.1:5432
    python bench/webhook.py --db postgresql --processes 2

Load comes from client processes with keep-alive connections (http.client), so the
client's own cost is small; all of it shares this machine's cores with the server.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_database(kind: str, tmp: Path) -> tuple[str, Any]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None
    from tests.support.postgres import fresh_database, postgres_server

    server_cm = postgres_server()
    server = server_cm.__enter__()
    if server is None:
        raise SystemExit("no PostgreSQL server found")
    db_cm = fresh_database(server)
    url = db_cm.__enter__()
    return url, (db_cm, server_cm)


def seed(url: str, agents: int, watcher: bool = False) -> tuple[str, str, str | None]:
    """A tenant, an SMS channel, and available agents with their usual capacity (5 SMS
    each): the first messages are assigned, the rest of the burst waits in the queue,
    as on a busy morning. With ``watcher``, one more agent skilled in every group
    (so their socket hears every SMS), whose API token is returned."""
    from app import actions
    from app.config import Settings
    from app.context import build_context
    from app.migrate import upgrade
    from tests.factories import make_world

    upgrade(url)
    ctx = build_context(Settings(database_url=url, secret_key="bench"))
    names = {f"agent{n}": {"ventes": 3, "support": 3, "triage": 1} for n in range(agents)}
    if watcher:
        names["watcher"] = {"ventes": 1, "support": 1, "triage": 1}
    w = make_world(ctx, agents=names)
    for actor in w.agents.values():
        actions.set_presence(ctx, actor, "available")
    ctx.engine.dispose()
    return w.channel.key, w.channel.secret, w.tokens.get("watcher")


def analyze(url: str) -> None:
    """Refresh PostgreSQL's planner statistics, as autovacuum does on a live database.

    A fresh table that grows by thousands of rows a minute is planned as if it were
    still empty until autovacuum's first analyze (a minute or so): "which of these
    provider ids are stored?" then scans the channel's every message instead of
    looking each id up. A benchmark of a few seconds would measure only that.
    """
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()


def start_servers(url: str, n: int, tmp: Path, redis_url: str | None = None
                  ) -> list[tuple[subprocess.Popen[bytes], int]]:
    out = []
    for i in range(n):
        port = free_port()
        env = {**os.environ, "TERANGA_DATABASE_URL": url, "TERANGA_SECRET_KEY": "bench",
               "TERANGA_DATA_DIR": str(tmp), "TERANGA_BASE_URL": f"http://127.0.0.1:{port}"}
        if redis_url:
            env["TERANGA_REDIS_URL"] = redis_url
        log = open(tmp / f"server{i}.log", "wb")  # noqa: SIM115 - lives as long as the server
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--log-level",
             "warning"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        out.append((proc, port))
    for proc, port in out:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server on {port} did not start; see {tmp}")
            time.sleep(0.1)
    return out


def _client(args: tuple[list[int], str, list[tuple[str, bytes, dict[str, str]]]]
            ) -> list[float]:
    ports, method, requests = args
    conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=30) for p in ports]
    latencies = []
    for i, (path, body, headers) in enumerate(requests):
        conn = conns[i % len(conns)]
        start = time.perf_counter()
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status >= 300:
            raise RuntimeError(f"{path} answered {response.status}")
        latencies.append(time.perf_counter() - start)
    return latencies


def group_commit_figures(port: int) -> dict[str, float]:
    """Messages per group commit and time per commit, from the server's /metrics."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("teranga_ingest_batch_") and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    batches = values.get("teranga_ingest_batch_messages_count", 0.0)
    if not batches:
        return {}
    seconds = values["teranga_ingest_batch_seconds_sum"]
    over_50ms = batches - values.get('teranga_ingest_batch_seconds_bucket{le="0.05"}', batches)
    return {"group_commits": batches,
            "messages_per_commit": round(values["teranga_ingest_batch_messages_sum"] / batches,
                                         2),
            "ms_per_commit": round(seconds / batches * 1000, 2),
            "commits_over_50ms": over_50ms}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def run_load(ports: list[int], method: str, requests: list[Any], clients: int,
             server_pids: list[int] | None = None) -> dict[str, float]:
    chunks = [(ports, method, requests[i::clients]) for i in range(clients)]
    with mp.get_context("fork").Pool(clients) as pool:
        cpu0, (busy0, total0) = cpu_seconds(server_pids or []), machine_busy()
        start = time.perf_counter()
        results = pool.map(_client, chunks)
        elapsed = time.perf_counter() - start
        cpu1, (busy1, total1) = cpu_seconds(server_pids or []), machine_busy()
    latencies = sorted(x for r in results for x in r)
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        # CPU the app processes spent per request (the database's and the clients'
        # are not in it), and how busy the whole machine was meanwhile.
        "server_cpu_ms_per_request": round((cpu1 - cpu0) / len(latencies) * 1000, 3),
        "machine_cpu_busy": round((busy1 - busy0) / max(1, total1 - total0), 3),
    }


def sms_requests(key: str, secret: str, n: int) -> list[tuple[str, bytes, dict[str, str]]]:
    texts = ["Bonjour, quel est le prix du riz ?", "Ma box est en panne depuis hier",
             "Je veux passer une commande", "Merci pour votre aide", "slt stp le tarif ?"]
    run = uuid.uuid4().hex[:8]
    out = []
    for i in range(n):
        body = json.dumps({"id": f"{run}-{i}", "from": f"+2217{i % 9_000_000:08d}",
                           "to": "21000", "text": texts[i % len(texts)]}).encode()
        sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        out.append((f"/webhooks/sms/{key}", body,
                    {"content-type": "application/json", "x-teranga-signature": sig}))
    return out


def start_redis(mode: str, processes: int) -> Any:
    """A private redis-server (tests.support.redis_server), or None."""
    if mode == "no" or (mode == "auto" and processes < 2):
        return None
    from tests.support.redis_server import RedisServer

    server = RedisServer()
    server.start()
    return server


def stop_all(servers: list[tuple[subprocess.Popen[bytes], int]], cleanup: Any,
             redis: Any) -> None:
    for proc, _ in servers:
        proc.send_signal(signal.SIGINT)
    for proc, _ in servers:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    if cleanup is not None:
        db_cm, server_cm = cleanup
        db_cm.__exit__(None, None, None)
        server_cm.__exit__(None, None, None)
    if redis is not None:
        redis.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--redis", choices=["auto", "yes", "no"], default="auto",
                        help="events through a private redis-server (auto: with 2+ processes)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="teranga-bench-"))
    url, cleanup = make_database(args.db, tmp)
    servers: list[tuple[subprocess.Popen[bytes], int]] = []
    redis = start_redis(args.redis, args.processes)
    try:
        key, secret, _ = seed(url, args.agents)
        servers = start_servers(url, args.processes, tmp, redis.url if redis else None)
        ports = [p for _, p in servers]
        pids = [proc.pid for proc, _ in servers]
        warm = sms_requests(key, secret, 200)
        run_load(ports, "POST", warm, args.clients)
        analyze(url)
        bare = run_load(ports, "GET", [("/healthz", b"", {})] * args.messages, args.clients,
                        pids)
        sms = run_load(ports, "POST", sms_requests(key, secret, args.messages), args.clients,
                       pids)
        # Per process, over the whole run (warm-up included): messages per group
        # commit and the writer's time per commit.
        commits = [group_commit_figures(p) for p in ports]
    finally:
        stop_all(servers, cleanup, redis)
    result = {
        "benchmark": "webhook_sms_ingest",
        "db": args.db,
        "processes": args.processes,
        "redis": redis is not None,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "clients": args.clients,
        "cpus": os.cpu_count(),
        "sms": sms,
        "bare_endpoint": bare,
        "ratio_to_bare": round(sms["per_second"] / bare["per_second"], 3),
        "group_commit": commits,
    }
    print(f"{'':<14}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name in ("sms", "bare_endpoint"):
        r = result[name]
        assert isinstance(r, dict)
        print(f"{name:<14}{r['per_second']:>10}{r['p50_ms']:>10}{r['p99_ms']:>10}")
    print(f"ratio sms/bare: {result['ratio_to_bare']}")
    print(f"group commits per process: {commits}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
