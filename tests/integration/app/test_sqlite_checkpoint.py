"""WAL checkpoints run in a thread of their own, not inside the commits that serve
people; the commit-time checkpoint stays only as a larger backstop."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from app.db import make_engine
from app.sqlite_checkpoint import AUTOCHECKPOINT_PAGES, Checkpointer, start_checkpointer


def test_background_checkpoint_copies_the_log_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        with engine.begin() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() \
                == AUTOCHECKPOINT_PAGES
            conn.execute(text("CREATE TABLE line (id INTEGER PRIMARY KEY, body TEXT)"))
        for n in range(200):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO line (body) VALUES (:b)"), {"b": "x" * 500 + str(n)})
        checkpointer = Checkpointer(engine, interval=0.05)
        busy, logged, copied = checkpointer.checkpoint()
        assert busy == 0 and logged > 0 and copied == logged
        checkpointer.start()
        deadline = time.monotonic() + 5
        while checkpointer.passes < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        checkpointer.stop()
        assert checkpointer.passes >= 3
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM line")).scalar() == 200
    finally:
        engine.dispose()


def test_only_file_backed_sqlite_gets_one(tmp_path: Path) -> None:
    memory = make_engine("sqlite://")
    assert start_checkpointer(memory) is None
    memory.dispose()
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    checkpointer = start_checkpointer(engine)
    assert checkpointer is not None
    checkpointer.stop()
    engine.dispose()
