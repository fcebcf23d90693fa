"""The agent's lists: mine, my groups' queues, everything (supervisors), and later
(snoozed or booked call-backs), with filters and counts. The agent page renders the
same lists on first load, then keeps them true from ``/ws/agent``."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.access import Actor
from app.api.deps import Ctx, CurrentActor
from app.context import AppContext
from app.errors import Forbidden, Invalid
from app.models import Interaction, SkillGroup, Tenant
from app.models.interactions import OPEN_STATUSES
from app.serializers import interaction_dicts

router = APIRouter(prefix="/api/v1", tags=["inbox"])

View = Literal["mine", "queue", "all", "later"]
VIEWS: tuple[View, ...] = ("mine", "queue", "all", "later")
Kind = Literal["email", "sms", "chat", "callback"]
OpenStatus = Literal["queued", "assigned", "waiting_customer"]
LIST_LIMIT = 100


def _view_query(actor: Actor, view: View, now: datetime) -> SelectOfScalar[Interaction]:
    q = select(Interaction).where(col(Interaction.tenant_id).in_(sorted(actor.tenant_ids)),
                                  col(Interaction.status).in_(OPEN_STATUSES))
    if not actor.is_supervisor:
        q = q.where(or_(col(Interaction.assignee_id) == actor.user_id,
                        col(Interaction.skill_group_id).in_(sorted(actor.skill_group_ids)),
                        col(Interaction.skill_group_id).is_(None)))
    # Snoozed work and call-backs booked for later wait in "later" until their time.
    due = or_(col(Interaction.status) != "queued", col(Interaction.queued_at) <= now)
    if view == "mine":
        return q.where(Interaction.assignee_id == actor.user_id)
    if view == "queue":
        return q.where(Interaction.status == "queued", due)
    if view == "later":
        return q.where(Interaction.status == "queued", col(Interaction.queued_at) > now)
    if not actor.is_supervisor:
        raise Forbidden("the list of all interactions is for supervisors")
    return q.where(due)


def _filtered(
    q: SelectOfScalar[Interaction], *, tenant: str | None, channel: str | None,
    status: str | None, skill_group: str | None,
) -> SelectOfScalar[Interaction]:
    if tenant:
        q = q.join(Tenant, col(Tenant.id) == col(Interaction.tenant_id)).where(
            Tenant.slug == tenant)
    if channel:
        q = q.where(Interaction.channel_kind == channel)
    if status:
        q = q.where(Interaction.status == status)
    if skill_group:
        q = q.join(SkillGroup, col(SkillGroup.id) == col(Interaction.skill_group_id)).where(
            SkillGroup.name == skill_group)
    return q


def _waiting_order(view: View) -> bool:
    """Waiting lists run by priority then wait; the others, latest change first."""
    return view in ("queue", "later")


def _cursor(view: View, row: Interaction) -> str:
    """Where the next page starts: the sort key of the last row sent (opaque)."""
    key: list[Any] = [view, row.id]
    if _waiting_order(view):
        key += [row.priority, row.queued_at.isoformat()]
    else:
        key += [row.updated_at.isoformat()]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _after_cursor(q: SelectOfScalar[Interaction], view: View, cursor: str
                  ) -> SelectOfScalar[Interaction]:
    """Rows that sort after the cursor's row (keyset paging: stable while rows come
    and go, and as fast on page 50 as on page 1)."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if key[0] != view:
            raise ValueError("another list's cursor")
        last_id = int(key[1])
        if _waiting_order(view):
            priority, queued_at = int(key[2]), datetime.fromisoformat(key[3])
        else:
            updated_at = datetime.fromisoformat(key[2])
        if (queued_at if _waiting_order(view) else updated_at).tzinfo is None:
            raise ValueError("naive time")
    except (ValueError, TypeError, IndexError, KeyError, binascii.Error):
        raise Invalid("before: not a cursor of this list (use the 'next' of an answer)",
                      field="before") from None
    iid = col(Interaction.id)
    if _waiting_order(view):
        prio, queued = col(Interaction.priority), col(Interaction.queued_at)
        return q.where(or_(prio < priority,
                           and_(prio == priority, queued > queued_at),
                           and_(prio == priority, queued == queued_at, iid > last_id)))
    updated = col(Interaction.updated_at)
    return q.where(or_(updated < updated_at, and_(updated == updated_at, iid < last_id)))


def inbox_lists(
    ctx: AppContext, actor: Actor, view: View = "mine", *, tenant: str | None = None,
    channel: str | None = None, status: str | None = None, skill_group: str | None = None,
    before: str | None = None, limit: int = LIST_LIMIT,
) -> dict[str, Any]:
    """One page of one list, the cursor of the next page (``None`` at the end), and
    the count of every list (with the same filters)."""
    now = ctx.clock()
    filters = {"tenant": tenant, "channel": channel, "status": status,
               "skill_group": skill_group}
    with ctx.read_session() as s:
        q = _filtered(_view_query(actor, view, now), **filters)
        if before:
            q = _after_cursor(q, view, before)
        if _waiting_order(view):
            q = q.order_by(col(Interaction.priority).desc(), col(Interaction.queued_at),
                           col(Interaction.id))
        else:
            q = q.order_by(col(Interaction.updated_at).desc(), col(Interaction.id).desc())
        rows = list(s.exec(q.limit(limit + 1)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        counts = {v: _count(s, actor, v, now, filters) for v in VIEWS
                  if v != "all" or actor.is_supervisor}
        return {"view": view, "items": interaction_dicts(s, rows), "counts": counts,
                "next": _cursor(view, rows[-1]) if more and rows else None}


def _count(s: Session, actor: Actor, view: View, now: datetime,
           filters: dict[str, str | None]) -> int:
    q = _filtered(_view_query(actor, view, now), **filters)
    return int(s.exec(select(func.count()).select_from(q.subquery())).one())


@router.get("/inbox")
def get_inbox(
    ctx: Ctx, actor: CurrentActor,
    view: View = Query(default="mine", description="mine, queue (my groups' waiting "
                       "work), all (supervisors), later (snoozed, booked call-backs)"),
    tenant: str | None = Query(default=None, max_length=63),
    channel: Kind | None = None,
    status: OpenStatus | None = None,
    skill_group: str | None = Query(default=None, max_length=100),
    before: str | None = Query(default=None, max_length=200, description="the 'next' "
                               "cursor of the previous page: the rows after it"),
    limit: int = Query(default=LIST_LIMIT, ge=1, le=LIST_LIMIT),
) -> dict[str, Any]:
    """A page of a list (at most ``limit`` rows) with ``next``, the cursor of the
    following page (``null`` when this is the last), and every list's count."""
    return inbox_lists(ctx, actor, view, tenant=tenant, channel=channel, status=status,
                       skill_group=skill_group, before=before, limit=limit)
