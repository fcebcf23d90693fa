"""``app.actions.ingest`` in process, one thread: µs and SQL statements per message.

No HTTP, no client: what one SMS costs the pipeline itself (dedupe, contact,
thread, classify, route, commit, events), on SQLite or PostgreSQL.

    python bench/ingest_inprocess.py                   # SQLite in a temp dir
    python bench/ingest_inprocess.py --db postgresql   # a fresh database on 127.0.0.1:5432
    python bench/ingest_inprocess.py --profile 25      # and the 25 costliest functions
    python bench/ingest_inprocess.py --batch 16        # group commit, 16 per transaction

Every message comes from a new phone number by default (a new contact, a new
interaction, an ACD decision); ``--senders 50`` makes customers write again, so
threading onto open conversations is measured too. Last line: JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webhook import analyze, make_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=0,
                        help="distinct phone numbers (0: a new one per message)")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1,
                        help="messages per transaction (group commit, ingest_many)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print the N functions with the most cumulative time")
    args = parser.parse_args()

    from sqlalchemy import event

    from app import actions
    from app.actions.ingest_batch import ingest_many
    from app.config import Settings
    from app.context import build_context
    from app.migrate import upgrade
    from channels.types import Identity, InboundMessage
    from tests.factories import make_world

    tmp = Path(tempfile.mkdtemp(prefix="teranga-bench-"))
    url, cleanup = make_database(args.db, tmp)
    try:
        upgrade(url)
        ctx = build_context(Settings(database_url=url, secret_key="bench", data_dir=tmp))
        names = {f"agent{n}": {"ventes": 3, "support": 3, "triage": 1}
                 for n in range(args.agents)}
        w = make_world(ctx, agents=names)
        for actor in w.agents.values():
            actions.set_presence(ctx, actor, "available")
        assert w.channel.id is not None
        texts = ["Bonjour, quel est le prix du riz ?", "Ma box est en panne depuis hier",
                 "Je veux passer une commande", "Merci pour votre aide", "slt stp le tarif ?"]
        run = uuid.uuid4().hex[:8]

        def message(i: int) -> InboundMessage:
            n = i % args.senders if args.senders else i
            n = n if n >= 0 else 50_000_000 - n  # warm-up messages: numbers of their own
            return InboundMessage(
                channel_id=w.channel.id,  # type: ignore[arg-type]
                sender=Identity("phone", f"+2217{n:08d}"), text=texts[i % len(texts)],
                provider_id=f"{run}-{i}", recipient="+22121000",
                meta={"provider": "generic"})

        for i in range(100):  # warm caches, compiled statements and the pool
            actions.ingest(ctx, message(-1 - i))
        analyze(url)  # planner statistics, as on a live database
        statements = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        event.listen(ctx.engine, "before_cursor_execute", count)
        batch = [message(i) for i in range(args.messages)]
        profiler = cProfile.Profile() if args.profile else None
        per_message: list[float] = []
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        for start in range(0, len(batch), args.batch):
            group = batch[start:start + args.batch]
            t0 = time.perf_counter()
            if args.batch == 1:
                actions.ingest(ctx, group[0])
            else:
                failed = [o for o in ingest_many(ctx, group) if isinstance(o, Exception)]
                assert not failed, failed
            per_message.extend([(time.perf_counter() - t0) / len(group)] * len(group))
        if profiler is not None:
            profiler.disable()
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() - cpu_start
        event.remove(ctx.engine, "before_cursor_execute", count)
        ctx.engine.dispose()
    finally:
        if cleanup is not None:
            db_cm, server_cm = cleanup
            db_cm.__exit__(None, None, None)
            server_cm.__exit__(None, None, None)
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(
            args.profile)
    per_message.sort()
    n = len(per_message)
    result = {
        "benchmark": "ingest_inprocess",
        "db": args.db,
        "messages": n,
        "senders": args.senders or n,
        "batch": args.batch,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "us_per_ingest": round(wall / n * 1e6, 1),
        "cpu_us_per_ingest": round(cpu / n * 1e6, 1),
        "p50_us": round(statistics.median(per_message) * 1e6, 1),
        "p99_us": round(per_message[int(n * 0.99) - 1] * 1e6, 1),
        "statements_per_ingest": round(statements / n, 2),
        "ingests_per_second_one_thread": round(n / wall, 1),
    }
    print(f"{args.db}: {result['us_per_ingest']} µs/ingest wall, "
          f"{result['cpu_us_per_ingest']} µs CPU (this process, server excluded), "
          f"{result['statements_per_ingest']} statements/ingest")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
