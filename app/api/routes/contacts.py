"""Contact cards: read, annotate (name, VIP, notes, SMS opt-out), search, merge."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_
from sqlmodel import col, select

from app.actions import contacts, merge
from app.actions.setup import tenant_by_slug
from app.api.deps import Ctx, CurrentActor
from app.models import Contact, ContactIdentity

router = APIRouter(prefix="/api/v1", tags=["contacts"])


class ContactPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    vip: bool | None = None
    notes: str | None = Field(default=None, max_length=contacts.MAX_NOTES_CHARS)
    sms_opted_out: bool | None = None


class ContactMergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other_id: int = Field(description="the contact merged into this one, then deleted")


@router.get("/contacts/{contact_id}")
def get_contact(contact_id: int, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    """The card: identities, VIP, SMS opt-out, notes, every interaction on every channel."""
    return contacts.contact_card(ctx, actor, contact_id)


@router.patch("/contacts/{contact_id}")
def patch_contact(contact_id: int, body: ContactPatch, ctx: Ctx, actor: CurrentActor
                  ) -> dict[str, Any]:
    contact = contacts.update_contact(ctx, actor, contact_id, name=body.name, vip=body.vip,
                                      notes=body.notes, sms_opted_out=body.sms_opted_out)
    return contacts.contact_dict(contact)


@router.post("/contacts/{contact_id}/merge")
def post_merge(contact_id: int, body: ContactMergeIn, ctx: Ctx, actor: CurrentActor
               ) -> dict[str, Any]:
    merge.merge_contacts(ctx, actor, contact_id, body.other_id)
    return contacts.contact_card(ctx, actor, contact_id)


@router.get("/tenants/{slug}/contacts")
def search_contacts(slug: str, ctx: Ctx, actor: CurrentActor,
                    q: str = Query(min_length=2, max_length=100)) -> dict[str, Any]:
    """Contacts whose name, phone or e-mail contains ``q`` (to find the one to merge)."""
    like = f"%{q.strip().lower()}%"
    with ctx.read_session() as s:
        tenant = tenant_by_slug(s, actor, slug)
        by_identity = select(ContactIdentity.contact_id).where(
            ContactIdentity.tenant_id == tenant.id, col(ContactIdentity.value).ilike(like))
        rows = s.exec(select(Contact).where(
            Contact.tenant_id == tenant.id,
            or_(col(Contact.name).ilike(like), col(Contact.id).in_(by_identity)))
            .order_by(col(Contact.id).desc()).limit(20)).all()
        idents: dict[int, list[str]] = {}
        for cid, value in s.exec(select(ContactIdentity.contact_id, ContactIdentity.value)
                                 .where(col(ContactIdentity.contact_id).in_(
                                     [c.id for c in rows]))):
            idents.setdefault(cid, []).append(value)
        return {"items": [{**contacts.contact_dict(c), "identities": idents.get(c.id or 0, [])}
                          for c in rows]}
