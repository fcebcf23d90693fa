"""What each interaction counts for, in the words of the reports.

- **arrived**: ``created_at``, when the customer's first message reached us.
- **clock start** (for waits and the service level): the arrival, except for a
  call-back, whose clock starts at the time the customer asked to be called
  (``queued_at``) as long as that is not after the first call.
- **answered**: ``first_response_at`` — the first reply a person sent (e-mail, SMS,
  chat) or the first call attempt of a call-back. Being assigned to an agent is not
  an answer: the customer cannot see it.
- **abandoned**: status ``abandoned`` (the visitor left, the call-back was never
  reached); its moment is ``resolved_at`` (or the last update when unset).
- **handling time**: what the interaction cost an agent. Chat and call-back hold the
  agent from assignment to resolution (capped at 4 h); for e-mail and SMS each
  agent reply counts the time since the previous message or the latest assignment,
  whichever is later, capped at 15 min (reading and writing one answer).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import select as columns
from sqlmodel import Session, col, select

from app.models import Interaction, InteractionEvent, Message

LIVE_KINDS = ("chat", "callback")
LIVE_HANDLING_CAP_SECONDS = 4 * 3600.0
REPLY_HANDLING_CAP_SECONDS = 15 * 60.0


@dataclass(frozen=True, slots=True)
class Facts:
    id: int
    channel_kind: str
    skill_group_id: int | None
    assignee_id: int | None
    status: str
    arrived_at: datetime
    clock_start: datetime
    answered_at: datetime | None
    abandoned_at: datetime | None
    resolved_at: datetime | None
    assigned_at: datetime | None

    @property
    def wait_seconds(self) -> float | None:
        """Until answer or abandon; None while the customer is still waiting."""
        end = self.abandoned_at or self.answered_at
        return None if end is None else max(0.0, (end - self.clock_start).total_seconds())

    @property
    def resolution_seconds(self) -> float | None:
        if self.status != "resolved" or self.resolved_at is None:
            return None
        return max(0.0, (self.resolved_at - self.arrived_at).total_seconds())


# Only the columns the figures need: loading whole rows (meta JSON and all) cost
# several times more on a busy day's wallboard.
FACT_COLUMNS: tuple[Any, ...] = (
    Interaction.id, Interaction.channel_kind, Interaction.skill_group_id,
    Interaction.assignee_id, Interaction.status, Interaction.created_at, Interaction.queued_at,
    Interaction.first_response_at, Interaction.resolved_at, Interaction.updated_at,
    Interaction.assigned_at)


def facts_of(row: Any) -> Facts:
    """``row``: a row of ``FACT_COLUMNS``."""
    (iid, kind, group_id, assignee_id, status, created_at, queued_at, first_response_at,
     resolved_at, updated_at, assigned_at) = row
    abandoned = status == "abandoned"
    answered = None if abandoned else first_response_at
    start = created_at
    if kind == "callback" and (answered is None or queued_at <= answered):
        start = max(created_at, queued_at) if answered is None else queued_at
    return Facts(
        id=iid,
        channel_kind=kind,
        skill_group_id=group_id,
        assignee_id=assignee_id,
        status=status,
        arrived_at=created_at,
        clock_start=start,
        answered_at=answered,
        abandoned_at=(resolved_at or updated_at) if abandoned else None,
        resolved_at=resolved_at if status == "resolved" else None,
        assigned_at=assigned_at,
    )


def scope(tenant_id: int, group_id: int | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [col(Interaction.tenant_id) == tenant_id]
    if group_id is not None:
        where.append(col(Interaction.skill_group_id) == group_id)
    return where


def arrived_between(s: Session, tenant_id: int, start: datetime, end: datetime,
                    group_id: int | None = None) -> list[Facts]:
    rows = s.execute(columns(*FACT_COLUMNS).where(
        *scope(tenant_id, group_id),
        col(Interaction.created_at) >= start, col(Interaction.created_at) < end,
    ).order_by(col(Interaction.id))).all()
    return [facts_of(i) for i in rows]


def resolved_between(s: Session, tenant_id: int, start: datetime, end: datetime,
                     group_id: int | None = None) -> list[Facts]:
    rows = s.execute(columns(*FACT_COLUMNS).where(
        *scope(tenant_id, group_id), col(Interaction.status) == "resolved",
        col(Interaction.resolved_at) >= start, col(Interaction.resolved_at) < end,
    ).order_by(col(Interaction.id))).all()
    return [facts_of(i) for i in rows]


def handling_seconds(s: Session, facts: Sequence[Facts]) -> dict[int, float]:
    """Handling time of each interaction (see the module's definition)."""
    out: dict[int, float] = {}
    written = [f.id for f in facts if f.channel_kind not in LIVE_KINDS]
    for f in facts:
        if f.channel_kind in LIVE_KINDS:
            end = f.resolved_at or f.abandoned_at
            if f.assigned_at is None or end is None:
                out[f.id] = 0.0
            else:
                seconds = max(0.0, (end - f.assigned_at).total_seconds())
                out[f.id] = min(seconds, LIVE_HANDLING_CAP_SECONDS)
    for chunk in _chunks(written, 500):
        out.update(_reply_handling(s, chunk))
    return out


def _reply_handling(s: Session, ids: Sequence[int]) -> dict[int, float]:
    timeline: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
    # 0: an assignment, 1: a customer message or an automatic one, 2: an agent reply.
    for iid, at in s.exec(select(InteractionEvent.interaction_id, InteractionEvent.created_at)
                          .where(col(InteractionEvent.interaction_id).in_(ids),
                                 col(InteractionEvent.kind) == "assigned")):
        timeline[iid].append((at, 0, "assigned"))
    for iid, at, direction, author in s.exec(
            select(Message.interaction_id, Message.created_at, Message.direction,
                   Message.author_id)
            .where(col(Message.interaction_id).in_(ids), col(Message.kind) == "message")):
        is_reply = direction == "out" and author is not None
        timeline[iid].append((at, 2 if is_reply else 1, "reply" if is_reply else "message"))
    out = dict.fromkeys(ids, 0.0)
    for iid, items in timeline.items():
        items.sort()
        since: datetime | None = None
        assigned: datetime | None = None
        total = 0.0
        for at, _, what in items:
            if what == "assigned":
                assigned = at
                continue
            if what == "reply":
                starts = [t for t in (since, assigned) if t is not None]
                if starts:
                    seconds = (at - max(starts)).total_seconds()
                    total += min(max(0.0, seconds), REPLY_HANDLING_CAP_SECONDS)
            since = at
        out[iid] = total
    return out


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
