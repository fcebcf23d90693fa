"""Merging: two interactions that are one request, or two cards that are one customer.

Interactions: the messages of the merged one move into the kept one (a reply then
goes out on the kept one's channel); the merged one is closed as ``resolved`` with
``meta.merged_into``, and both histories say what happened. Both must belong to the
same contact: merge the contacts first when a customer wrote from two identities.

Contacts: identities, interactions, notes and flags move to the kept card (VIP and
SMS opt-out are kept if either card had them: losing an opt-out would be unlawful),
then the merged card is deleted.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from app.access import Actor
from app.actions.contacts import contact_event, visible_contact
from app.actions.conversation import visible_interaction
from app.context import AppContext
from app.errors import Conflict, Invalid
from app.models import Contact, ContactIdentity, Interaction, InteractionEvent, Message


def merge_interactions(ctx: AppContext, actor: Actor, keep_id: int, merge_id: int
                       ) -> Interaction:
    with ctx.transaction() as tx:
        s = tx.session
        # Existence (for this actor) is answered before anything else.
        keep = visible_interaction(s, actor, keep_id)
        gone = visible_interaction(s, actor, merge_id)
        if keep_id == merge_id:
            raise Invalid("an interaction cannot be merged into itself")
        assert keep.id is not None and gone.id is not None
        if keep.tenant_id != gone.tenant_id or keep.contact_id != gone.contact_id:
            raise Conflict("both interactions must be of the same contact; merge the "
                           "contacts first")
        if (gone.meta or {}).get("merged_into") or (keep.meta or {}).get("merged_into"):
            raise Conflict("one of them was already merged")
        for row in (keep, gone):
            if row.assignee_id not in (None, actor.user_id) and not actor.is_supervisor:
                actor.require_supervisor(row.tenant_id)
        now = ctx.clock()
        moved = s.exec(select(Message.id).where(Message.interaction_id == gone.id)).all()
        s.exec(update(Message).where(col(Message.interaction_id) == gone.id)
               .values(interaction_id=keep.id))
        for first in ("created_at", "first_response_at"):
            a, b = getattr(keep, first), getattr(gone, first)
            if b is not None and (a is None or b < a):
                setattr(keep, first, b)
        if gone.last_message_at and (keep.last_message_at is None
                                     or gone.last_message_at > keep.last_message_at):
            keep.last_message_at = gone.last_message_at
        keep.priority = max(keep.priority, gone.priority)
        keep.updated_at = now
        previous = gone.assignee_id
        gone.status = "resolved"
        gone.resolved_at = now
        gone.updated_at = now
        gone.meta = {**(gone.meta or {}), "merged_into": keep.id}
        s.add_all([keep, gone])
        s.add(InteractionEvent(tenant_id=keep.tenant_id, interaction_id=keep.id, kind="merged",
                               actor_id=actor.user_id, created_at=now,
                               data={"merged": gone.id, "messages": len(moved)}))
        s.add(InteractionEvent(tenant_id=gone.tenant_id, interaction_id=gone.id,
                               kind="merged_into", actor_id=actor.user_id, created_at=now,
                               data={"into": keep.id}))
        tx.emit_interaction(keep, "interaction.updated")
        tx.emit_interaction(gone, "interaction.updated", previous)
    return keep


def merge_contacts(ctx: AppContext, actor: Actor, keep_id: int, merge_id: int) -> Contact:
    with ctx.transaction() as tx:
        s = tx.session
        keep = visible_contact(s, actor, keep_id)
        gone = visible_contact(s, actor, merge_id)
        if keep_id == merge_id:
            raise Invalid("a contact cannot be merged into itself")
        if keep.tenant_id != gone.tenant_id:
            # Never across businesses, even for someone who works for both.
            raise Conflict("contacts of two different tenants cannot be merged")
        assert keep.id is not None and gone.id is not None
        now = ctx.clock()
        s.exec(update(ContactIdentity).where(col(ContactIdentity.contact_id) == gone.id)
               .values(contact_id=keep.id))
        interactions = s.exec(select(Interaction).where(Interaction.contact_id == gone.id)
                              ).all()
        for interaction in interactions:
            assert interaction.id is not None
            interaction.contact_id = keep.id
            s.add(interaction)
            s.add(InteractionEvent(tenant_id=interaction.tenant_id,
                                   interaction_id=interaction.id, kind="contact_merged",
                                   actor_id=actor.user_id, created_at=now,
                                   data={"from_contact": gone.id, "to_contact": keep.id}))
            tx.emit_interaction(interaction, "interaction.updated")
        keep.name = keep.name or gone.name
        keep.vip = keep.vip or gone.vip
        keep.sms_opted_out = keep.sms_opted_out or gone.sms_opted_out
        notes = [n for n in (keep.notes, gone.notes) if n]
        keep.notes = "\n\n".join(notes) or None
        keep.attributes = {**(gone.attributes or {}), **(keep.attributes or {})}
        keep.updated_at = now
        s.add(keep)
        s.flush()
        s.delete(gone)
        tx.emit(contact_event(keep))
    return keep
