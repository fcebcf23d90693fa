"""Snooze: put an interaction aside until a time; it leaves the lists, then comes back
and is offered again by the distributor.

No new status and no new worker: a snoozed interaction is unassigned and ``queued``
with ``queued_at`` in the future, exactly like a call-back booked for later. The
distributor never offers work before its ``queued_at`` and its sweep offers it once
due; the lists hide queued work whose time has not come. ``meta.snoozed_until`` and
the ``snoozed`` history entry say why it was set aside and by whom.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.access import Actor
from app.actions.conversation import visible_interaction
from app.actions.dispatch import dispatch_waiting
from app.context import AppContext
from app.errors import Conflict, Forbidden, Invalid
from app.models import Interaction, InteractionEvent
from app.models.interactions import OPEN_STATUSES
from app.services import assignment

MAX_SNOOZE = timedelta(days=90)


def snooze(ctx: AppContext, actor: Actor, interaction_id: int, until: datetime,
           reason: str | None = None) -> Interaction:
    now = ctx.clock()
    reason = " ".join((reason or "").split())[:500] or None
    with ctx.transaction() as tx:
        s = tx.session
        # Whether the interaction exists for this actor is answered before anything else.
        interaction = visible_interaction(s, actor, interaction_id)
        assert interaction.id is not None
        if until.tzinfo is None:
            raise Invalid("until needs a time zone (e.g. 2026-12-01T09:00:00+00:00)")
        if until <= now:
            raise Invalid("until must be in the future")
        if until - now > MAX_SNOOZE:
            raise Invalid("an interaction can be snoozed for at most 90 days")
        if interaction.status not in OPEN_STATUSES:
            raise Conflict(f"the interaction is {interaction.status}")
        if interaction.assignee_id not in (None, actor.user_id) and not actor.is_supervisor:
            raise Forbidden("only the assigned agent or a supervisor can snooze it")
        previous = interaction.assignee_id
        interaction.meta = {**(interaction.meta or {}), "snoozed_until": until.isoformat(),
                            "snoozed_by": actor.user_id}
        s.add(InteractionEvent(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                               kind="snoozed", actor_id=actor.user_id, created_at=now,
                               data={"until": until.isoformat(), "reason": reason,
                                     "previous_assignee": previous}))
        if previous is not None:
            assignment.assign(tx, interaction, None, now, actor_id=actor.user_id,
                              reason="snoozed")
        interaction.status = "queued"
        interaction.queued_at = until
        interaction.updated_at = now
        s.add(interaction)
        assignment.emit_interaction(tx, interaction, "interaction.updated",
                                    previous_assignee_id=previous)
    return interaction


def wake(ctx: AppContext, actor: Actor, interaction_id: int) -> Interaction:
    """Bring a snoozed interaction back now."""
    with ctx.transaction() as tx:
        s = tx.session
        interaction = visible_interaction(s, actor, interaction_id)
        assert interaction.id is not None
        now = ctx.clock()
        if "snoozed_until" not in (interaction.meta or {}) or interaction.status != "queued" \
                or interaction.queued_at <= now:
            raise Conflict("the interaction is not snoozed")
        interaction.meta = {k: v for k, v in interaction.meta.items()
                            if k not in ("snoozed_until", "snoozed_by")}
        interaction.queued_at = now
        interaction.updated_at = now
        s.add(interaction)
        s.add(InteractionEvent(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                               kind="woken", actor_id=actor.user_id, created_at=now))
        assignment.emit_interaction(tx, interaction, "interaction.updated")
    dispatch_waiting(ctx)
    return interaction


def is_snoozed(interaction: Interaction, now: datetime) -> bool:
    return interaction.status == "queued" and interaction.queued_at > now
