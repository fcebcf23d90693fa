"""Private notes: a line in the conversation for colleagues, never sent to the customer.

A note is a ``Message`` with ``kind="note"``; it gets no outbox row, so no worker can
ever send it, and it does not count as a first response.
"""

from __future__ import annotations

from app.access import Actor
from app.actions.conversation import visible_interaction
from app.context import AppContext
from app.errors import Invalid
from app.events import Event
from app.models import InteractionEvent, Message, User
from app.serializers import message_dict

MAX_NOTE_CHARS = 10_000


def add_note(ctx: AppContext, actor: Actor, interaction_id: int, text: str) -> Message:
    text = text.strip()
    if not text:
        raise Invalid("a note must not be empty")
    if len(text) > MAX_NOTE_CHARS:
        raise Invalid(f"a note may be at most {MAX_NOTE_CHARS} characters")
    with ctx.transaction() as tx:
        s = tx.session
        interaction = visible_interaction(s, actor, interaction_id)
        assert interaction.id is not None
        now = ctx.clock()
        note = Message(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                       channel_id=interaction.channel_id, direction="out", kind="note",
                       text=text, author_id=actor.user_id, created_at=now)
        s.add(note)
        s.flush()
        s.add(InteractionEvent(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                               kind="noted", actor_id=actor.user_id,
                               data={"message_id": note.id}, created_at=now))
        author = s.get(User, actor.user_id)
        tx.emit(Event(type="message.created", tenant_id=interaction.tenant_id,
                      data=message_dict(note, author.name if author else None),
                      interaction_id=interaction.id,
                      skill_group_id=interaction.skill_group_id,
                      assignee_id=interaction.assignee_id))
    return note
