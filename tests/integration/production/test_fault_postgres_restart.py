"""PostgreSQL goes away during traffic and comes back: while it is down the webhook
answers 503 with Retry-After (so the gateway retries), the app recovers by itself,
and every SMS is stored exactly once.

A throwaway cluster of our own (initdb + pg_ctl on a free port) is stopped and
started; the machine's shared PostgreSQL is never touched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import actions
from app.config import Settings
from app.context import build_context
from app.migrate import upgrade
from tests.factories import make_world
from tests.integration.production.processes import Gateway, ServeProcess, wait_for
from tests.support.postgres import ThrowawayCluster

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MESSAGES = 600


class RestartableCluster(ThrowawayCluster):
    """The throwaway cluster, with a stop and a start that keep its data.

    The server's output goes to a log file (``pg_ctl -l``): left on the pipes that
    ``subprocess.run(capture_output=True)`` reads, it keeps them open for the life
    of the server and ``pg_ctl start`` never returns.
    """

    def _ctl(self, *args: str) -> None:
        self._run(f"{self.bindir}/pg_ctl", "-D", os.path.join(self.dir, "data"), *args)

    def start(self) -> str:
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(f"{self.bindir}/initdb", "-D", os.path.join(self.dir, "data"), "-U",
                  "postgres", "-A", "trust", "--no-sync")
        self.resume()
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def halt(self) -> None:
        # Immediate: like a crash, every connection cut, recovery on the next start.
        self._ctl("-m", "immediate", "-w", "stop")

    def resume(self) -> None:
        self._ctl("-w", "-l", os.path.join(self.dir, "server.log"), "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")


@pytest.fixture
def cluster() -> Iterator[RestartableCluster]:
    try:
        server = RestartableCluster()
    except RuntimeError as exc:
        if IN_CI:
            pytest.fail(f"no PostgreSQL server binaries: {exc}")
        pytest.skip(str(exc))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def stored(url: str) -> dict[str, int]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT provider_id, count(*) FROM message "
                                 "WHERE direction = 'in' GROUP BY provider_id")).all()
    engine.dispose()
    return {pid: int(n) for pid, n in rows}


def test_postgres_restart_answers_503_then_recovers_by_itself(
    cluster: RestartableCluster, tmp_path: Path
) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/postgres"
    upgrade(url)
    ctx = build_context(Settings(database_url=url, secret_key="faults", data_dir=tmp_path))
    w = make_world(ctx)
    for actor in w.agents.values():
        actions.set_presence(ctx, actor, "available")
    ctx.engine.dispose()
    server = ServeProcess("app", {"TERANGA_DATABASE_URL": url, "TERANGA_SECRET_KEY": "faults"},
                          tmp_path)
    messages = [{"id": f"pg-{n}", "from": f"+22178{n % 200:07d}", "to": "21000",
                 "text": "le prix svp" if n % 2 else "panne"} for n in range(MESSAGES)]
    try:
        server.start()
        gateway = Gateway([server.port], w.channel.key, w.channel.secret, threads=4)
        threads = gateway.send_all(messages)
        wait_for(lambda: gateway.delivered >= 100, 600, "100 SMS accepted")
        cluster.halt()
        wait_for(lambda: gateway.answers["503"] >= 5, 600, "the webhook to answer 503")
        delivered_while_down = gateway.delivered
        cluster.resume()
        for t in threads:
            t.join(timeout=900)
        assert not any(t.is_alive() for t in threads), "the gateway never finished"
        assert server.proc is not None and server.proc.poll() is None, server.log_tail()
        assert server.healthy()
    finally:
        server.stop()
    print(f"gateway answers: {dict(gateway.answers)}")
    assert gateway.errors == []
    # Down, the database is unavailable, never an error of ours: only 503, each with
    # Retry-After; requests in flight when it went away may also have been cut.
    assert set(gateway.answers) <= {"200", "503"}, gateway.answers
    assert all(value is not None for value in gateway.retry_after)
    assert delivered_while_down < MESSAGES, "PostgreSQL stopped after the burst"
    counts = stored(url)
    assert set(counts) == {m["id"] for m in messages}, "an SMS is missing"
    assert [pid for pid, n in counts.items() if n != 1] == [], "an SMS was stored twice"
