"""A short-lived, per-process copy of what every inbound message needs to know
about its channel: the channel, its tenant, the tenant's skill groups, the parsed
routing rules and the classifier's rules.

Why: reading and parsing these cost three queries, a JSON dump and a webhook-side
session per message, for data that changes a few times a year.

Freshness, which is the whole contract of this cache:

- an entry lives ``Settings.config_cache_seconds`` (2 s by default);
- a change written through the ORM *in this process* (admin API, CLI, tests)
  drops every entry when it is flushed and again when it commits, so this process
  applies it on its very next message;
- another process applies it within the TTL. Messages taken in meanwhile are
  routed with the rules of a second ago, exactly as if they had arrived a second
  earlier; nothing is lost or misfiled (a deactivated channel may take a last
  message or two).

Entries hold detached ORM objects, loaded fully and never attached to a session:
treat them as read-only.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event, inspect
from sqlalchemy.orm import Mapper, Session, object_session
from sqlmodel import Session as ModelSession
from sqlmodel import col, select

from app.models import Channel, SkillGroup, Tenant
from app.services.classification import TenantRules, classifier_rules
from app.services.routing_config import tenant_config
from routing.config import TenantConfig

# Channel columns that only record traffic and health: writing them (every few
# seconds under load) must not throw the configuration away.
_HEALTH_COLUMNS = frozenset({"last_message_at", "last_success_at", "last_error",
                             "last_error_at"})
_FLAG = "teranga_config_changed"


@dataclass(frozen=True, slots=True)
class ChannelEntry:
    channel: Channel
    tenant: Tenant
    groups: tuple[SkillGroup, ...]
    config: TenantConfig
    rules: TenantRules
    group_names: dict[int, str]
    generation: int
    expires_at: float


class _Generation:
    """Bumped on every configuration write in this process; entries of an older
    generation are stale."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock:
            self.value += 1


GENERATION = _Generation()


class ConfigCache:
    def __init__(self, engine: Engine, ttl_seconds: float) -> None:
        self.engine = engine
        self.ttl = ttl_seconds
        self._by_id: dict[int, ChannelEntry] = {}
        self._id_by_key: dict[str, int] = {}
        # When this process last wrote a channel's last_message_at.
        self._health: dict[int, datetime] = {}

    def clear(self) -> None:
        self._by_id.clear()
        self._id_by_key.clear()

    def _fresh(self, entry: ChannelEntry | None) -> ChannelEntry | None:
        if entry is None or entry.generation != GENERATION.value \
                or entry.expires_at <= time.monotonic():
            return None
        return entry

    def peek_key(self, key: str) -> ChannelEntry | None:
        """A fresh entry for a webhook URL's key, without touching the database (safe
        on the event loop), or None."""
        cid = self._id_by_key.get(key)
        return self._fresh(self._by_id.get(cid)) if cid is not None else None

    def by_id(self, channel_id: int) -> ChannelEntry | None:
        entry = self._fresh(self._by_id.get(channel_id))
        return entry if entry is not None else self._load(Channel.id == channel_id)

    def by_key(self, key: str) -> ChannelEntry | None:
        entry = self.peek_key(key)
        return entry if entry is not None else self._load(Channel.key == key)

    def _load(self, where: Any) -> ChannelEntry | None:
        generation = GENERATION.value  # read first: a change during the load wins
        with ModelSession(self.engine, expire_on_commit=False) as s:
            channel = s.exec(select(Channel).where(where)).first()
            if channel is None:
                return None
            tenant = s.get(Tenant, channel.tenant_id)
            assert tenant is not None and channel.id is not None
            groups = tuple(s.exec(select(SkillGroup).where(SkillGroup.tenant_id == tenant.id)
                                  .order_by(col(SkillGroup.id))).all())
            s.expunge_all()
        entry = ChannelEntry(
            channel=channel, tenant=tenant, groups=groups,
            config=tenant_config(tenant, groups),
            rules=classifier_rules(tenant, groups),
            group_names={g.id: g.name for g in groups if g.id is not None},
            generation=generation, expires_at=time.monotonic() + self.ttl,
        )
        self._by_id[channel.id] = entry
        self._id_by_key[channel.key] = channel.id
        return entry

    def health_due(self, entry: ChannelEntry, now: datetime, stride_seconds: float) -> bool:
        """Whether this message should refresh the channel's "last message at"."""
        assert entry.channel.id is not None
        last = self._health.get(entry.channel.id) or entry.channel.last_message_at
        if last is not None and (now - last).total_seconds() <= stride_seconds:
            return False
        self._health[entry.channel.id] = now
        return True


def _config_written(_: Mapper[Any], __: Any, target: Any) -> None:
    if isinstance(target, Channel) and inspect(target).persistent:
        state = inspect(target)
        changed = {a.key for a in state.attrs if a.history.has_changes()}
        if changed and changed <= _HEALTH_COLUMNS:
            return
    GENERATION.bump()
    session = object_session(target)
    if session is not None:
        session.info[_FLAG] = True


def _after_commit(session: Session) -> None:
    # Bumped again once committed: a message read between the flush and the commit
    # may have cached the old rows under the new generation.
    if session.info.pop(_FLAG, False):
        GENERATION.bump()


for _model in (Channel, Tenant, SkillGroup):
    for _name in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _name, _config_written)
event.listen(Session, "after_commit", _after_commit)
