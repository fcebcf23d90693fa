"""SQLite's WAL checkpoints, moved off the path of the transactions that serve people.

By default SQLite checkpoints inside the commit that grows the write-ahead log past
1,000 pages: that commit copies the pages back into the database file and waits for
the disk (fsync). Under a steady flow (a thousand chat lines a second) that was
several commits a second taking 50-150 ms, and every line queued behind one waited
as long: the chat round trip's p99 was 118-138 ms at 1,000 lines/s, 12 ms with
checkpoints done here instead (``bench/chat_sockets.py``).

A thread of its own asks for a PASSIVE checkpoint every second: it never waits for
readers or writers, and the disk wait happens where nobody is waiting for it. The
commit-time checkpoint stays as a backstop at a larger size
(``AUTOCHECKPOINT_PAGES``), for processes that do not run this thread.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

log = logging.getLogger(__name__)

# Commit-time checkpoint threshold in pages (SQLite's default is 1,000): reached only
# if the background checkpoints stop or fall behind.
AUTOCHECKPOINT_PAGES = 20_000
INTERVAL_SECONDS = 1.0


class Checkpointer:
    def __init__(self, engine: Engine, interval: float = INTERVAL_SECONDS) -> None:
        self.engine = engine
        self.interval = interval
        self.passes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, pages in the log, pages copied back)."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            row = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            cursor.close()
        finally:
            raw.close()
        self.passes += 1
        return int(row[0]), int(row[1]), int(row[2])

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.checkpoint()
            except Exception:  # a locked or vanished file: the next pass tries again
                log.warning("SQLite checkpoint failed", exc_info=True)


def start_checkpointer(engine: Engine) -> Checkpointer | None:
    """A running checkpointer for a file-backed SQLite engine; None otherwise."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    checkpointer = Checkpointer(engine)
    checkpointer.start()
    return checkpointer
