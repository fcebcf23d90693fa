"""The contact card: who the customer is, everywhere they wrote from, what we know.

Agents of the contact's tenant may read and annotate it (name, VIP, notes). Opting a
customer out of SMS is allowed to anyone who hears them ask; opting them back in is a
supervisor's decision, because sending to someone who said STOP is a legal risk.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.access import Actor
from app.context import AppContext
from app.errors import Invalid, NotFound
from app.events import Event
from app.models import Contact, ContactIdentity, Interaction, SkillGroup
from app.serializers import iso

MAX_NOTES_CHARS = 20_000
CARD_INTERACTIONS = 50


def visible_contact(s: Session, actor: Actor, contact_id: int) -> Contact:
    contact = s.get(Contact, contact_id)
    if contact is None or contact.tenant_id not in actor.tenant_ids:
        raise NotFound("contact not found")
    return contact


def contact_card(ctx: AppContext, actor: Actor, contact_id: int) -> dict[str, Any]:
    """Identities, flags, notes, and every interaction on every channel (newest first).

    Interactions the reader may not open (another group's work) are listed without
    their text, so the agent knows the customer's history exists without reading it.
    """
    with ctx.read_session() as s:
        contact = visible_contact(s, actor, contact_id)
        idents = s.exec(select(ContactIdentity).where(ContactIdentity.contact_id == contact.id)
                        .order_by(col(ContactIdentity.id))).all()
        rows = s.exec(select(Interaction).where(Interaction.contact_id == contact.id)
                      .order_by(col(Interaction.id).desc()).limit(CARD_INTERACTIONS)).all()
        group_ids = {i.skill_group_id for i in rows if i.skill_group_id is not None}
        groups = dict(s.exec(select(SkillGroup.id, SkillGroup.name)
                             .where(col(SkillGroup.id).in_(sorted(group_ids)))).all())
        return {
            **contact_dict(contact),
            "identities": [{"kind": i.kind, "value": i.value} for i in idents],
            "phones": [i.value for i in idents if i.kind == "phone"],
            "emails": [i.value for i in idents if i.kind == "email"],
            "interactions": [{
                "id": i.id, "channel": i.channel_kind, "status": i.status,
                "skill_group": groups.get(i.skill_group_id) if i.skill_group_id else None,
                "subject": i.subject, "created_at": iso(i.created_at),
                "resolved_at": iso(i.resolved_at),
                "outcome": (i.meta or {}).get("outcome"),
                "visible": actor.may_see_interaction(i.tenant_id, i.skill_group_id,
                                                     i.assignee_id),
            } for i in rows],
        }


def contact_dict(c: Contact) -> dict[str, Any]:
    return {"id": c.id, "tenant_id": c.tenant_id, "name": c.name, "vip": c.vip,
            "sms_opted_out": c.sms_opted_out, "notes": c.notes or "",
            "created_at": iso(c.created_at), "updated_at": iso(c.updated_at)}


def update_contact(
    ctx: AppContext, actor: Actor, contact_id: int, *, name: str | None = None,
    vip: bool | None = None, notes: str | None = None, sms_opted_out: bool | None = None,
) -> Contact:
    if name is not None:
        name = " ".join(name.split())
        if len(name) > 200:
            raise Invalid("name may be at most 200 characters")
    if notes is not None and len(notes) > MAX_NOTES_CHARS:
        raise Invalid(f"notes may be at most {MAX_NOTES_CHARS} characters")
    with ctx.transaction() as tx:
        s = tx.session
        contact = visible_contact(s, actor, contact_id)
        if sms_opted_out is False and contact.sms_opted_out:
            actor.require_supervisor(contact.tenant_id)
        if name is not None:
            contact.name = name or None
        if vip is not None:
            contact.vip = vip
        if notes is not None:
            contact.notes = notes.strip() or None
        if sms_opted_out is not None:
            contact.sms_opted_out = sms_opted_out
        contact.updated_at = ctx.clock()
        s.add(contact)
        tx.emit(contact_event(contact))
    return contact


def contact_event(contact: Contact) -> Event:
    """Everyone of the tenant with the card open sees the change (no interaction id:
    contact fields are not secret within the tenant)."""
    return Event(type="contact.updated", tenant_id=contact.tenant_id,
                 data=contact_dict(contact))
