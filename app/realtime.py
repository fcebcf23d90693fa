"""Who may see an event, decided per connection."""

from __future__ import annotations

from typing import Any

from app.access import Actor
from app.events import Event


def view_for(actor: Actor, event: Event) -> dict[str, Any] | None:
    """The frame this actor should receive for ``event``, or None.

    An agent who loses sight of an interaction (reassigned away from them) gets a
    small ``interaction.removed`` so their list stays true, and nothing more.
    """
    if event.type == "resync":  # events may have been missed: refetch
        return {"type": "resync"}
    if event.tenant_id is None or event.tenant_id not in actor.tenant_ids:
        return None
    if event.type.startswith("contact."):  # a card changed: every member may see cards
        return {"type": event.type, "data": event.data}
    if event.type.startswith("agent."):
        if actor.is_supervisor or event.user_id == actor.user_id:
            return {"type": event.type, "data": event.data}
        return None
    if event.interaction_id is not None:
        if actor.may_see_interaction(event.tenant_id, event.skill_group_id, event.assignee_id):
            return {"type": event.type, "data": event.data}
        if event.previous_assignee_id == actor.user_id and event.type.startswith("interaction."):
            return {"type": "interaction.removed", "data": {"id": event.interaction_id}}
        return None
    if actor.is_supervisor:
        return {"type": event.type, "data": event.data}
    return None
