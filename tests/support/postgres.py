"""A PostgreSQL server for the test suite.

Order of preference: ``TERANGA_TEST_DATABASE_URL``; a server on 127.0.0.1:5432
with trust auth (as on the CI machines); a throwaway cluster made with ``initdb``
when the server binaries exist. Without any, storage tests skip on PostgreSQL with
a visible reason, except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import getpass
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url


def _answers(conninfo: str) -> bool:
    try:
        with psycopg.connect(conninfo, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayCluster:
    """initdb + pg_ctl in a temp dir, as the postgres user when running as root."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        found = shutil.which("initdb") or (bins[-1] if bins else None)
        if found is None:
            raise RuntimeError("no initdb binary")
        self.bindir = os.path.dirname(found)
        self.dir = tempfile.mkdtemp(prefix="teranga-pg-")
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)

    def start(self) -> str:
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        data = os.path.join(self.dir, "data")
        self._run(f"{self.bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                  "--no-sync")
        # -l: the server must not inherit our pipes, or waiting for pg_ctl never ends.
        self._run(f"{self.bindir}/pg_ctl", "-D", data, "-w", "-l",
                  os.path.join(self.dir, "server.log"), "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run(f"{self.bindir}/pg_ctl", "-D", os.path.join(self.dir, "data"), "-m",
                      "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str | None]:
    """Yields an SQLAlchemy URL to a database we may create databases from, or None."""
    env = os.environ.get("TERANGA_TEST_DATABASE_URL")
    if env:
        yield env
        return
    for user in dict.fromkeys([getpass.getuser(), "postgres"]):
        if _answers(f"host=127.0.0.1 port=5432 dbname=test user={user}"):
            yield f"postgresql+psycopg://{user}@127.0.0.1:5432/test"
            return
    try:
        cluster = ThrowawayCluster()
    except RuntimeError:
        yield None
        return
    url = cluster.start()
    try:
        yield url
    finally:
        cluster.stop()


def _libpq(url: str) -> str:
    u = make_url(url)
    parts = [f"host={u.host or '127.0.0.1'}", f"port={u.port or 5432}",
             f"dbname={u.database}", f"user={u.username}"]
    if u.password:
        parts.append(f"password={u.password}")
    return " ".join(parts)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new empty database on the server, dropped afterwards."""
    name = f"teranga_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
