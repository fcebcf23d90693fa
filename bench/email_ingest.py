"""Email ingest benchmark: a Dovecot mailbox of N messages through the real app.

    python bench/email_ingest.py [--messages 5000] [--database sqlite|postgresql]
                                 [--idle-samples 20] [--same-senders]

What runs is what ``teranga serve`` runs: the mailbox supervisor starts a worker for the
channel, every message goes through ``app.actions.email.receive_email`` (parse, threading
hints, ``ingest`` with contact resolution, classification and routing, attachments, the
UID cursor in ``channel_state``), one at a time, as in production.

Reports, as the last line of output (JSON):
- ``ingest_msgs_per_s``: the whole mailbox, from the worker's start to the last UID saved;
- ``idle_time_to_queue_ms``: from LMTP delivery of a new message (the worker in IDLE) to the
  ``interaction.created`` event published after ingest's commit, i.e. the moment an agent's
  browser would hear of it (median and p95).

The mailbox is the 65 real-world messages of tests/data/eml repeated, each copy with a fresh
Message-ID and (unless ``--same-senders``) its own sender, so that every copy is a new
customer: new contact, new interaction, classified and offered to the agents.
Needs Dovecot and root (see tests/support/dovecot.py); PostgreSQL on 127.0.0.1:5432 for
``--database postgresql``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import func, select  # noqa: E402

from app import actions  # noqa: E402
from app.config import Settings  # noqa: E402
from app.context import AppContext  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Interaction, Message  # noqa: E402
from app.workers.mailbox import MailboxSupervisor  # noqa: E402
from tests.factories import make_world  # noqa: E402
from tests.support.dovecot import PASSWORD, USER, Dovecot, missing_reason  # noqa: E402
from tests.support.postgres import fresh_database, postgres_server  # noqa: E402

CORPUS = sorted((ROOT / "tests" / "data" / "eml").glob("*.eml"))
_HEADER = r"^{name}:.*(?:\r?\n[ \t].*)*\r?\n"
_MSGID = re.compile(_HEADER.format(name="Message-I[Dd]").encode(), re.M | re.I)
_FROM = re.compile(_HEADER.format(name="From").encode(), re.M | re.I)


def fill_maildir(dovecot: Dovecot, count: int, distinct_senders: bool) -> int:
    """``count`` messages straight into the Maildir (Dovecot indexes them on first SELECT)."""
    maildir = dovecot.home / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    originals = [_MSGID.sub(b"", p.read_bytes(), count=1) for p in CORPUS]
    total = 0
    stamp = int(time.time())
    for i in range(count):
        raw = originals[i % len(originals)]
        if distinct_senders and _FROM.search(raw):
            sender = f"From: Client {i} <client{i}@bench.example>\r\n".encode()
            raw = _FROM.sub(lambda _m, s=sender: s, raw, count=1)
        raw = f"Message-ID: <bench-{i}@bench.example>\r\n".encode() + raw
        (maildir / "new" / f"{stamp}.M{i}P{os.getpid()}.bench").write_bytes(raw)
        total += len(raw)
    for path in [maildir, *maildir.rglob("*")]:
        os.chown(path, dovecot.uid, dovecot.gid)
    return total


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    with postgres_server() as server:
        if server is None:
            sys.exit("no PostgreSQL server found")
        with fresh_database(server) as url:
            yield url


async def ingest_all(ctx: AppContext, channel_id: int, count: int) -> float:
    supervisor = MailboxSupervisor(ctx, scan_seconds=1.0)
    start = time.perf_counter()
    task = asyncio.create_task(supervisor.run())
    last = -1
    while True:
        health = supervisor.health(channel_id)
        if health is not None and health.last_uid == count and health.state == "idle":
            break
        if health is not None and health.last_uid and health.last_uid // 500 != last:
            last = health.last_uid // 500
            print(f"  {health.last_uid} / {count} ({time.perf_counter() - start:.1f} s)",
                  flush=True)
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - start
    await supervisor.stop()
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
    return elapsed


async def time_to_queue(ctx: AppContext, dovecot: Dovecot, channel_id: int,
                        samples: int) -> list[float]:
    supervisor = MailboxSupervisor(ctx, scan_seconds=1.0)
    task = asyncio.create_task(supervisor.run())
    events = ctx.bus.subscribe(maxsize=10_000)
    latencies: list[float] = []
    try:
        for i in range(samples):
            while (h := supervisor.health(channel_id)) is None or h.state != "idle":
                await asyncio.sleep(0.005)
            subject = f"Latence {i} commande"
            raw = (f"From: Awa {i} <awa{i}@latency.example>\r\nTo: {USER}\r\n"
                   f"Subject: {subject}\r\nMessage-ID: <lat-{i}@bench.example>\r\n\r\n"
                   "Bonjour, ou en est ma commande ?\r\n").encode()
            sent = time.perf_counter()
            await asyncio.to_thread(dovecot.lmtp, raw)
            while True:
                event = await asyncio.wait_for(events.get(), 30)
                if event.type == "interaction.created" and event.data.get("subject") == subject:
                    break
            latencies.append((time.perf_counter() - sent) * 1000)
    finally:
        events.close()
        await supervisor.stop()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
    return latencies


def counts(ctx: AppContext, channel_id: int) -> tuple[int, int]:
    with ctx.read_session() as s:
        messages = s.exec(select(func.count()).select_from(Message).where(
            Message.channel_id == channel_id, Message.direction == "in")).one()
        interactions = s.exec(select(func.count()).select_from(Interaction).where(
            Interaction.channel_id == channel_id)).one()
    return int(messages), int(interactions)


async def run(args: argparse.Namespace, url: str, dovecot: Dovecot) -> dict[str, object]:
    upgrade(url)
    settings = Settings(database_url=url, secret_key="bench", data_dir=Path(tempfile.gettempdir()),
                        workers=False)
    ctx = AppContext(settings=settings, engine=make_engine(url))
    world = make_world(ctx, "bench")
    actions.set_presence(ctx, world.agents["awa"], "available")
    actions.set_presence(ctx, world.agents["moussa"], "available")
    channel = actions.create_channel(ctx, world.admin, "bench", "email", "Support", {
        "address": USER, "imap_host": "127.0.0.1", "imap_port": dovecot.imap_port,
        "imap_password": PASSWORD, "imap_tls": False})
    assert channel.id is not None
    size = fill_maildir(dovecot, args.messages, not args.same_senders)
    print(f"mailbox: {args.messages} messages, {size / 1e6:.1f} MB; database: {args.database}",
          flush=True)
    elapsed = await ingest_all(ctx, channel.id, args.messages)
    messages, interactions = counts(ctx, channel.id)
    rate = args.messages / elapsed
    print(f"ingest through the app: {elapsed:.1f} s, {rate:.0f} msg/s "
          f"({messages} messages stored in {interactions} interactions; the rest set aside)")
    lat = sorted(await time_to_queue(ctx, dovecot, channel.id, args.idle_samples))
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
    print(f"IDLE time to queue: median {statistics.median(lat):.0f} ms, p95 {p95:.0f} ms")
    ctx.engine.dispose()
    return {
        "messages": args.messages, "database": args.database, "mailbox_mb": round(size / 1e6, 1),
        "distinct_senders": not args.same_senders, "ingest_seconds": round(elapsed, 1),
        "ingest_msgs_per_s": round(rate, 1), "stored_messages": messages,
        "interactions": interactions,
        "idle_time_to_queue_ms": {"median": round(statistics.median(lat)), "p95": round(p95),
                                  "samples": len(lat)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--idle-samples", type=int, default=20)
    parser.add_argument("--same-senders", action="store_true",
                        help="keep the corpus senders (their mail threads into few interactions)")
    args = parser.parse_args()
    reason = missing_reason()
    if reason:
        sys.exit(f"cannot run: {reason}")
    dovecot = Dovecot()
    dovecot.start()
    try:
        with database(args.database) as url:
            result = asyncio.run(run(args, url, dovecot))
    finally:
        dovecot.cleanup()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
