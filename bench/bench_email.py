"""Email channel benchmark: a Dovecot mailbox of N messages read through MailboxWorker.

    python bench/bench_email.py [--messages 5000] [--batch 20] [--idle-samples 20]

Reports, as the last line of output (JSON):
- ``fetch_msgs_per_s``: IMAP fetch + acknowledge only (deliver does nothing);
- ``fetch_parse_msgs_per_s``: the same with ``parse_email`` in deliver (what ingest adds on
  top is the database work; the lead will run this through the real ingest);
- ``idle_time_to_deliver_ms``: from LMTP delivery of a new message to ``deliver`` being called,
  with the worker in IMAP IDLE (median and p95 over the samples).

The mailbox is filled with the 65 real-world messages of tests/data/eml repeated, each with
a fresh Message-ID, written straight into the Maildir (Dovecot indexes them on first SELECT).
Needs Dovecot (see tests/support/dovecot.py) and root.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from channels.email import MailboxWorker, MemoryCursorStore, WorkerTuning, parse_email  # noqa: E402
from channels.types import ChannelConfig  # noqa: E402
from tests.support.dovecot import PASSWORD, USER, Dovecot, missing_reason  # noqa: E402

CORPUS = sorted((ROOT / "tests" / "data" / "eml").glob("*.eml"))
_MSGID = re.compile(rb"^Message-I[Dd]:.*(?:\r?\n[ \t].*)*\r?\n", re.MULTILINE | re.IGNORECASE)


def fill_maildir(dovecot: Dovecot, count: int) -> int:
    """Write ``count`` messages into the Maildir's new/ directly; returns total bytes."""
    maildir = dovecot.home / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    originals = [_MSGID.sub(b"", p.read_bytes(), count=1) for p in CORPUS]
    total = 0
    stamp = int(time.time())
    for i in range(count):
        raw = f"Message-ID: <bench-{i}@bench.example>\r\n".encode() + originals[i % len(originals)]
        path = maildir / "new" / f"{stamp}.M{i}P{os.getpid()}.bench"
        path.write_bytes(raw)
        total += len(raw)
    for path in [maildir, *maildir.rglob("*")]:
        os.chown(path, dovecot.uid, dovecot.gid)
    return total


def channel(port: int) -> ChannelConfig:
    return ChannelConfig(
        id=1,
        tenant_id=1,
        kind="email",
        key="bench",
        secret="bench",
        config={
            "address": USER,
            "imap_host": "127.0.0.1",
            "imap_port": port,
            "imap_password": PASSWORD,
            "imap_tls": False,
        },
    )


async def drain(port: int, count: int, batch: int, parse: bool) -> float:
    """Seconds for a fresh worker to deliver all ``count`` messages."""
    done = asyncio.Event()
    seen = 0

    async def deliver(channel_id: int, raw: bytes) -> None:
        nonlocal seen
        if parse:
            parse_email(raw, channel_id=channel_id)
        seen += 1
        if seen >= count:
            done.set()

    tuning = WorkerTuning(batch_size=batch)
    # imap_mark_seen off: the second pass must see the mailbox as the first did.
    cfg = channel(port)
    cfg.config["imap_mark_seen"] = False
    worker = MailboxWorker(cfg, MemoryCursorStore(), deliver, tuning=tuning)
    start = time.perf_counter()
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(done.wait(), 3600)
    elapsed = time.perf_counter() - start
    await worker.stop()
    await task
    return elapsed


async def idle_latency(dovecot: Dovecot, samples: int) -> list[float]:
    arrived: asyncio.Queue[float] = asyncio.Queue()

    async def deliver(channel_id: int, raw: bytes) -> None:
        parse_email(raw, channel_id=channel_id)
        await arrived.put(time.perf_counter())

    cursor = MemoryCursorStore()
    worker = MailboxWorker(channel(dovecot.imap_port), cursor, deliver)
    task = asyncio.create_task(worker.run())
    while worker.health.state != "idle":
        await asyncio.sleep(0.01)
    while not arrived.empty():
        arrived.get_nowait()
    latencies = []
    for i in range(samples):
        raw = (
            f"From: Awa <awa@example.org>\r\nTo: {USER}\r\nSubject: latence {i}\r\n"
            f"Message-ID: <lat-{i}@bench.example>\r\n\r\nBonjour\r\n"
        ).encode()
        while worker.health.state != "idle":
            await asyncio.sleep(0.005)
        sent = time.perf_counter()
        await asyncio.to_thread(dovecot.lmtp, raw)
        got = await asyncio.wait_for(arrived.get(), 30)
        latencies.append((got - sent) * 1000)
    await worker.stop()
    await task
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--idle-samples", type=int, default=20)
    args = parser.parse_args()
    reason = missing_reason()
    if reason:
        sys.exit(f"cannot run: {reason}")
    dovecot = Dovecot()
    dovecot.start()
    try:
        size = fill_maildir(dovecot, args.messages)
        print(f"mailbox: {args.messages} messages, {size / 1e6:.1f} MB", flush=True)
        index = await drain(dovecot.imap_port, args.messages, args.batch, parse=False)
        print(f"first pass (Dovecot indexes the Maildir): {args.messages / index:.0f} msg/s")
        fetch = await drain(dovecot.imap_port, args.messages, args.batch, parse=False)
        print(f"fetch only: {args.messages / fetch:.0f} msg/s")
        parsed = await drain(dovecot.imap_port, args.messages, args.batch, parse=True)
        print(f"fetch + parse_email: {args.messages / parsed:.0f} msg/s")
        lat = sorted(await idle_latency(dovecot, args.idle_samples))
        p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
        print(f"IDLE time to deliver: median {statistics.median(lat):.0f} ms, p95 {p95:.0f} ms")
        print(
            json.dumps(
                {
                    "messages": args.messages,
                    "mailbox_mb": round(size / 1e6, 1),
                    "batch": args.batch,
                    "first_pass_msgs_per_s": round(args.messages / index),
                    "fetch_msgs_per_s": round(args.messages / fetch),
                    "fetch_parse_msgs_per_s": round(args.messages / parsed),
                    "idle_time_to_deliver_ms": {
                        "median": round(statistics.median(lat)),
                        "p95": round(p95),
                        "samples": len(lat),
                    },
                }
            )
        )
    finally:
        dovecot.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
