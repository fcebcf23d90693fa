"""Who has a conversation open, and who is typing: live signals with no storage.

The collision warning needs no table: each browser announces what it opens (and
again every ``HEARTBEAT`` seconds, and when it sees someone else arrive), and
everyone else who may see that interaction hears it over ``/ws/agent``. With the
Redis relay this crosses processes like every other event.
"""

from __future__ import annotations

from app.access import Actor
from app.actions.conversation import visible_interaction
from app.context import AppContext
from app.events import Event
from app.models import Channel

HEARTBEAT = 20  # seconds; a viewer not heard from for three beats is gone
VIEWING_STATES = ("open", "closed")


def announce_viewing(ctx: AppContext, actor: Actor, interaction_id: int, state: str) -> None:
    with ctx.read_session() as s:
        interaction = visible_interaction(s, actor, interaction_id)
    ctx.bus.publish([Event(
        type="viewing", tenant_id=interaction.tenant_id,
        data={"interaction_id": interaction.id, "user_id": actor.user_id,
              "name": actor.name, "state": state},
        interaction_id=interaction.id, skill_group_id=interaction.skill_group_id,
        assignee_id=interaction.assignee_id)])


def announce_typing(ctx: AppContext, actor: Actor, interaction_id: int, typing: bool) -> None:
    """The agent is typing: colleagues see it, and the chat channel may tell the visitor
    (``channel_key`` is set for the chat socket, which decides what to forward)."""
    with ctx.read_session() as s:
        interaction = visible_interaction(s, actor, interaction_id)
        channel = s.get(Channel, interaction.channel_id)
    ctx.bus.publish([Event(
        type="typing", tenant_id=interaction.tenant_id,
        data={"interaction_id": interaction.id, "side": "agent", "user_id": actor.user_id,
              "name": actor.name, "state": typing},
        interaction_id=interaction.id, skill_group_id=interaction.skill_group_id,
        assignee_id=interaction.assignee_id,
        channel_key=channel.key if channel is not None and channel.kind == "chat" else None)])
    if channel is not None and channel.kind == "chat":
        # The visitor's socket shows "the agent is typing".
        ctx.bus.publish([Event(type="chat.agent_typing", tenant_id=None, channel_key=channel.key,
                               data={"visitor": str(interaction.meta.get("customer_address", "")),
                                     "state": typing})])
