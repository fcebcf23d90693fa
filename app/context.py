"""Everything an action needs, built once per process and passed explicitly.

Passing it (rather than reaching for globals) lets the test suite run the same
actions against SQLite and PostgreSQL side by side.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine, utcnow, write_engine
from app.events import Event, EventBus
from app.queries.held_writes import HeldWrites
from app.queries.rows import AnyInteraction, ContactRow, InteractionRow
from app.serializers import Known, interaction_dicts


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
        # SQLite has one writer at a time. Queueing writers on a lock here is far
        # cheaper than letting them poll SQLite's busy handler (which sleeps).
        self._write_lock: threading.Lock | contextlib.nullcontext[None] = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )
        from app.services.cache import ConfigCache
        from app.services.classification import ClassifierCache

        self.classifiers = ClassifierCache(self.settings.data_dir / "models")
        self.config_cache = ConfigCache(self.engine, self.settings.config_cache_seconds)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read_session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One write transaction; its events are published only once it committed."""
        tx = Transaction(Session(self.write_engine, expire_on_commit=False))
        with self._write_lock, tx.session, tx.session.begin():
            yield tx
            tx.finalize()
        self.bus.publish(tx.events)


class Transaction:
    """A unit of work and the events it will publish after commit.

    Interactions changed several times in one transaction (created, then assigned)
    are serialised once, just before commit, into one event in the position of the
    first change, carrying the final state.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.events: list[Event] = []
        self._pending: dict[int, _PendingInteraction] = {}
        # Latest message text per interaction, when the action knows it (saves a query).
        self.previews: dict[int, str] = {}
        # Names and contact cards the action already holds (saves the rest).
        self.known = Known()
        # (skill group, channel kind) found with no agent who has room, in this
        # transaction: see ``assignment.offer_row``.
        self.full_groups: set[tuple[int, str]] = set()
        # (channel, provider id) -> (message, interaction) already stored, or None: the
        # duplicate check answered once for a group commit (``ingest_batch``).
        self.provider_ids: dict[tuple[int, str], tuple[int, int] | None] = {}
        # (tenant, identity kind, value) -> contact, or None: senders looked up once
        # for a group commit, and the cards it made.
        self.contacts: dict[tuple[int, str, str], ContactRow | None] = {}
        # (contact, channel) -> the latest interaction and its assignee's name, or None:
        # looked up once for a group commit, kept current as its messages thread.
        self.threads: dict[tuple[int, int], tuple[InteractionRow, str | None] | None] = {}
        # A group commit's writes held back and written a table at a time
        # (``app.queries.held_writes``); None: every insert is written at once.
        self.later: HeldWrites | None = None

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def emit_interaction(
        self, interaction: AnyInteraction, event_type: str, previous_assignee_id: int | None = None
    ) -> None:
        assert interaction.id is not None
        pending = self._pending.get(interaction.id)
        if pending is None:
            placeholder = Event(type=event_type, tenant_id=interaction.tenant_id,
                                interaction_id=interaction.id)
            self._pending[interaction.id] = _PendingInteraction(
                interaction, event_type, previous_assignee_id, placeholder)
            self.events.append(placeholder)
            return
        if pending.event_type != "interaction.created":
            pending.event_type = event_type
        if pending.previous_assignee_id is None:
            pending.previous_assignee_id = previous_assignee_id

    def finalize(self) -> None:
        if not self._pending:
            return
        self.session.flush()
        pending = list(self._pending.values())
        data = interaction_dicts(self.session, [p.interaction for p in pending],
                                 known_previews=self.previews, known=self.known)
        for item, body in zip(pending, data, strict=True):
            i = item.interaction
            event = Event(type=item.event_type, tenant_id=i.tenant_id, data=body,
                          interaction_id=i.id, skill_group_id=i.skill_group_id,
                          assignee_id=i.assignee_id,
                          previous_assignee_id=item.previous_assignee_id)
            self.events[self.events.index(item.placeholder)] = event
        self._pending.clear()


@dataclass
class _PendingInteraction:
    interaction: AnyInteraction
    event_type: str
    previous_assignee_id: int | None
    placeholder: Event


def build_context(settings: Settings | None = None) -> AppContext:
    settings = settings or Settings()
    return AppContext(settings=settings, engine=make_engine(settings.database_url))
