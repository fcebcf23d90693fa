"""Everything an action needs, built once per process and passed explicitly.

Passing it (rather than reaching for globals) lets the test suite run the same
actions against SQLite and PostgreSQL side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine, utcnow, write_engine
from app.events import Event, EventBus


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    bus: EventBus = field(default_factory=EventBus)
    clock: Callable[[], datetime] = utcnow
    # Set by this process's outbox worker, so a reply wakes it at once.
    outbox_wakeup: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        self.write_engine = write_engine(self.engine)
        from app.services.classification import ClassifierCache

        self.classifiers = ClassifierCache()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read_session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One write transaction; its events are published only once it committed."""
        tx = Transaction(Session(self.write_engine, expire_on_commit=False))
        with tx.session, tx.session.begin():
            yield tx
        self.bus.publish(tx.events)


class Transaction:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)


def build_context(settings: Settings | None = None) -> AppContext:
    settings = settings or Settings()
    return AppContext(settings=settings, engine=make_engine(settings.database_url))
