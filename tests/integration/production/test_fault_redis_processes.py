"""Redis down and back under two real ``teranga serve`` processes: SMS keep being
stored, each process keeps serving its own agents, and when Redis returns the agent
is told to resync and hears the other process live again."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import actions
from app.config import Settings
from app.context import build_context
from app.migrate import upgrade
from tests.factories import make_world
from tests.integration.production.processes import ServeProcess, signed
from tests.support.postgres import fresh_database
from tests.support.redis_server import RedisServer, redis_server

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WAIT = 60.0


@pytest.fixture
def database(postgres_url: str | None) -> Iterator[str]:
    if postgres_url is None:
        if IN_CI:
            pytest.fail("no PostgreSQL for the fault tests")
        pytest.skip("no PostgreSQL available")
    with fresh_database(postgres_url) as url:
        upgrade(url)
        yield url


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    try:
        with redis_server() as server:
            yield server
    except RuntimeError as exc:  # pragma: no cover - redis-server is on every CI machine
        if IN_CI:
            pytest.fail(str(exc))
        pytest.skip(str(exc))


class Sms:
    def __init__(self, key: str, secret: str) -> None:
        self.key, self.secret, self.sent = key, secret, 0

    async def post(self, port: int) -> str:
        """Post one SMS (retrying as a gateway would); returns its marker."""
        self.sent += 1
        marker = f"#{self.sent}"
        body, headers = signed(self.secret, {"id": f"r-{self.sent}", "text": f"prix {marker}",
                                             "from": f"+2217712{self.sent:05d}", "to": "21000"})
        deadline = time.monotonic() + WAIT
        async with httpx.AsyncClient(timeout=30) as client:
            while True:
                r = await client.post(f"http://127.0.0.1:{port}/webhooks/sms/{self.key}",
                                      content=body, headers=headers)
                if r.status_code == 200:
                    return marker
                assert r.status_code == 503 and time.monotonic() < deadline, r.text
                await asyncio.sleep(0.5)


async def hear(ws: Any, wanted: str, timeout: float = WAIT) -> dict[str, Any]:
    """The next frame of type ``wanted`` whose text ends with the marker (or any
    frame of that type when ``wanted`` has no marker)."""
    kind, _, marker = wanted.partition(" ")
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"never heard {wanted}")
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=left))
        if frame["type"] == kind and (not marker
                                      or frame["data"].get("text", "").endswith(marker)):
            return dict(frame)


async def test_redis_down_then_back_under_two_processes(
    database: str, redis: RedisServer, tmp_path: Path
) -> None:
    ctx = build_context(Settings(database_url=database, secret_key="faults", data_dir=tmp_path))
    w = make_world(ctx, agents={"awa": {"ventes": 3}})
    actions.set_presence(ctx, w.agents["awa"], "available")
    ctx.engine.dispose()
    env = {"TERANGA_DATABASE_URL": database, "TERANGA_REDIS_URL": redis.url,
           "TERANGA_SECRET_KEY": "faults"}
    a, b = ServeProcess("a", env, tmp_path), ServeProcess("b", env, tmp_path)
    sms = Sms(w.channel.key, w.channel.secret)
    try:
        a.start()
        b.start()
        url = f"ws://127.0.0.1:{b.port}/ws/agent?token={w.tokens['awa']}"
        async with websockets.connect(url) as ws:
            await hear(ws, "hello")
            # Live across processes (retry until both listeners are subscribed).
            deadline = time.monotonic() + WAIT
            while True:
                marker = await sms.post(a.port)
                try:
                    await hear(ws, f"message.created {marker}", timeout=3)
                    break
                except (AssertionError, TimeoutError):
                    assert time.monotonic() < deadline, "B never heard A through Redis"
            redis.stop()
            # Down: SMS are still stored, on either process; B's own are heard at once.
            await sms.post(a.port)
            marker = await sms.post(b.port)
            await hear(ws, f"message.created {marker}")
            redis.start()
            # Back: told to resync (events of A may have been missed), then live again.
            await hear(ws, "resync")
            deadline = time.monotonic() + WAIT
            while True:
                marker = await sms.post(a.port)
                try:
                    await hear(ws, f"message.created {marker}", timeout=3)
                    break
                except (AssertionError, TimeoutError):
                    assert time.monotonic() < deadline, "A's events never reached B again"
    finally:
        a.stop()
        b.stop()
    engine = create_engine(database, poolclass=NullPool)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(DISTINCT provider_id), count(*) FROM message "
                                   "WHERE direction = 'in'")).one()
    engine.dispose()
    assert tuple(stored) == (sms.sent, sms.sent)
