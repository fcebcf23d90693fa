"""Singleton work across processes: PostgreSQL session-level advisory locks.

A mailbox must be worked by one process at a time, or every message is fetched and parsed
twice (the Message-ID dedupe saves the data, not the work). Each app process keeps one
dedicated connection and takes ``pg_try_advisory_lock`` per mailbox on it. The lock lives as
long as that connection: when the process dies, PostgreSQL ends its session and the lock is
free for the next process that tries it. A process that loses its connection has lost every
lock it held, and must stop the work they guarded (``check()`` tells it).

On SQLite there is one process by design (the embedded default): every lock is granted.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

# Advisory lock keys are one bigint for the whole database cluster, shared with anything
# else that uses advisory locks: our keys live in their own 32-bit namespace.
MAILBOX_NAMESPACE = 0x7E4A_0001


def lock_key(namespace: int, item: int) -> int:
    if not 0 <= item < 2**32:
        raise ValueError("advisory lock item must fit in 32 bits")
    return (namespace << 32) | item


class AdvisoryLocks:
    """Locks ``(namespace, item)`` held on one connection of this process.

    Calls block on the database: run them in a thread from async code. They are serialised
    on an internal lock, since one DBAPI connection must not be used by two threads at once.
    """

    def __init__(self, engine: Engine, namespace: int = MAILBOX_NAMESPACE) -> None:
        self.engine = engine
        self.namespace = namespace
        self.enabled = engine.dialect.name == "postgresql"
        self.held: set[int] = set()
        self._conn: Connection | None = None
        self._mutex = threading.Lock()

    def _connection(self) -> Connection:
        if self._conn is None:
            # Autocommit: the session holds the locks, and must never sit "idle in
            # transaction" for the hours a mailbox is worked.
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    def try_lock(self, item: int) -> bool:
        """Take the lock for ``item`` if free (or already ours); never waits."""
        if not self.enabled:
            self.held.add(item)
            return True
        with self._mutex:
            if item in self.held:
                return True
            try:
                got = self._connection().execute(
                    text("SELECT pg_try_advisory_lock(:key)"),
                    {"key": lock_key(self.namespace, item)},
                ).scalar()
            except Exception:
                self._drop_connection()
                raise
            if got:
                self.held.add(item)
            return bool(got)

    def unlock(self, item: int) -> None:
        if not self.enabled:
            self.held.discard(item)
            return
        with self._mutex:
            if item not in self.held:
                return
            self.held.discard(item)
            if self._conn is None:
                return
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": lock_key(self.namespace, item)})
            except Exception:  # the session is gone, and the lock with it
                log.warning("advisory unlock of %s failed; dropping the lock connection", item)
                self._drop_connection()

    def check(self) -> bool:
        """Whether the locks are still ours. False means the lock connection died (database
        restart, network cut, session terminated): every lock is gone, ``held`` is empty."""
        if not self.enabled:
            return True
        with self._mutex:
            if self._conn is None:
                return not self.held
            try:
                self._conn.execute(text("SELECT 1")).scalar()
                return True
            except Exception:
                log.warning("advisory lock connection lost; %d lock(s) released", len(self.held))
                self._drop_connection()
                return False

    def backend_pid(self) -> int | None:
        """The PostgreSQL session holding the locks (for diagnostics and tests)."""
        if not self.enabled:
            return None
        with self._mutex:
            return int(self._connection().execute(text("SELECT pg_backend_pid()")).scalar_one())

    def close(self) -> None:
        """Release every lock (closing the session does it in one step)."""
        with self._mutex:
            self._drop_connection()

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        self.held.clear()
        if conn is None:
            return
        try:
            conn.invalidate()  # never return a session holding locks to the pool
            conn.close()
        except Exception:
            log.debug("closing the lock connection failed", exc_info=True)
