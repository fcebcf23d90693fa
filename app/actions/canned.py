"""Canned responses: a tenant's ready answers, with variables filled in per conversation.

Variables are written ``{{contact.name}}``; the known ones are listed in ``VARIABLES``.
A variable with no value for this conversation becomes empty and is reported, so the
agent sees what to complete before sending. Rendering never sends anything.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, select

from app.access import Actor
from app.actions.conversation import visible_interaction
from app.actions.setup import tenant_by_slug
from app.context import AppContext
from app.errors import Invalid, NotFound
from app.models import CannedResponse, Contact, ContactIdentity, Interaction, SkillGroup, Tenant
from app.models import User as UserRow
from app.serializers import iso

VARIABLES = ("contact.name", "contact.first_name", "contact.phone", "contact.email",
             "agent.name", "agent.first_name", "tenant.name", "interaction.id",
             "interaction.subject")
_VARIABLE = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")
MAX_BODY = 5_000


def canned_dict(c: CannedResponse, groups: dict[int, str] | None = None) -> dict[str, Any]:
    return {"id": c.id, "tenant_id": c.tenant_id, "title": c.title, "body": c.body,
            "shortcut": c.shortcut, "skill_group_id": c.skill_group_id,
            "skill_group": (groups or {}).get(c.skill_group_id) if c.skill_group_id else None,
            "language": c.language, "updated_at": iso(c.updated_at)}


def _clean(title: str | None, body: str | None, shortcut: str | None,
           language: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    if title is not None:
        title = " ".join(title.split())
        if not title or len(title) > 200:
            raise Invalid("title must be 1-200 characters")
    if body is not None:
        body = body.strip()
        if not body or len(body) > MAX_BODY:
            raise Invalid(f"body must be 1-{MAX_BODY} characters")
        unknown = sorted(set(_VARIABLE.findall(body)) - set(VARIABLES))
        if unknown:
            raise Invalid(f"unknown variable(s) {', '.join(unknown)}; "
                          f"known: {', '.join(VARIABLES)}")
    if shortcut is not None:
        shortcut = shortcut.strip().lstrip("/").lower()
        if shortcut and not re.fullmatch(r"[a-z0-9_-]{1,32}", shortcut):
            raise Invalid("shortcut: 1-32 letters, digits, '-' or '_'")
    if language is not None and language not in ("", "fr", "en"):
        raise Invalid("language must be 'fr', 'en' or empty")
    return title, body, shortcut, language


def _group_in_tenant(s: Session, tenant_id: int, group_id: int | None) -> int | None:
    if group_id is None:
        return None
    group = s.get(SkillGroup, group_id)
    if group is None or group.tenant_id != tenant_id:
        raise NotFound("skill group not found")
    return group_id


def create_canned(
    ctx: AppContext, actor: Actor, tenant_slug: str, *, title: str, body: str,
    shortcut: str | None = None, skill_group_id: int | None = None,
    language: str | None = None,
) -> CannedResponse:
    title_, body_, shortcut, language = _clean(title, body, shortcut, language)
    with ctx.transaction() as tx:
        s = tx.session
        tenant = tenant_by_slug(s, actor, tenant_slug)
        assert tenant.id is not None and title_ is not None and body_ is not None
        actor.require_supervisor(tenant.id)
        now = ctx.clock()
        row = CannedResponse(tenant_id=tenant.id, title=title_, body=body_,
                             shortcut=shortcut or None,
                             skill_group_id=_group_in_tenant(s, tenant.id, skill_group_id),
                             language=language or None, created_by=actor.user_id,
                             created_at=now, updated_at=now)
        s.add(row)
        s.flush()
    return row


def _visible_canned(s: Session, actor: Actor, canned_id: int) -> CannedResponse:
    row = s.get(CannedResponse, canned_id)
    if row is None or row.tenant_id not in actor.tenant_ids:
        raise NotFound("canned response not found")
    return row


def update_canned(
    ctx: AppContext, actor: Actor, canned_id: int, *, title: str | None = None,
    body: str | None = None, shortcut: str | None = None,
    skill_group_id: int | None = None, clear_skill_group: bool = False,
    language: str | None = None,
) -> CannedResponse:
    title, body, shortcut, language = _clean(title, body, shortcut, language)
    with ctx.transaction() as tx:
        s = tx.session
        row = _visible_canned(s, actor, canned_id)
        actor.require_supervisor(row.tenant_id)
        if title is not None:
            row.title = title
        if body is not None:
            row.body = body
        if shortcut is not None:
            row.shortcut = shortcut or None
        if language is not None:
            row.language = language or None
        if clear_skill_group:
            row.skill_group_id = None
        elif skill_group_id is not None:
            row.skill_group_id = _group_in_tenant(s, row.tenant_id, skill_group_id)
        row.updated_at = ctx.clock()
        s.add(row)
    return row


def delete_canned(ctx: AppContext, actor: Actor, canned_id: int) -> None:
    with ctx.transaction() as tx:
        row = _visible_canned(tx.session, actor, canned_id)
        actor.require_supervisor(row.tenant_id)
        tx.session.delete(row)


def list_canned(ctx: AppContext, actor: Actor, tenant_slug: str, q: str | None = None
                ) -> list[dict[str, Any]]:
    with ctx.read_session() as s:
        tenant = tenant_by_slug(s, actor, tenant_slug)
        return _list(s, tenant.id, q)


def _list(s: Session, tenant_id: int | None, q: str | None) -> list[dict[str, Any]]:
    query = select(CannedResponse).where(CannedResponse.tenant_id == tenant_id)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(
            (col(CannedResponse.title).ilike(like)) | (col(CannedResponse.shortcut).ilike(like))
            | (col(CannedResponse.body).ilike(like)))
    rows = s.exec(query.order_by(col(CannedResponse.title)).limit(500)).all()
    groups = {gid: name for gid, name in s.exec(
        select(SkillGroup.id, SkillGroup.name).where(SkillGroup.tenant_id == tenant_id))
        if gid is not None}
    return [canned_dict(r, groups) for r in rows]


def canned_for_interaction(ctx: AppContext, actor: Actor, interaction_id: int
                           ) -> list[dict[str, Any]]:
    """The canned responses an agent may use on this conversation: its tenant's, the
    ones of its group first."""
    with ctx.read_session() as s:
        interaction = visible_interaction(s, actor, interaction_id)
        items = _list(s, interaction.tenant_id, None)
    own = interaction.skill_group_id
    return sorted(items, key=lambda c: (c["skill_group_id"] not in (own, None),
                                        c["skill_group_id"] != own, c["title"].lower()))


def variables_for(s: Session, interaction: Interaction, actor: Actor) -> dict[str, str]:
    contact = s.get(Contact, interaction.contact_id)
    tenant = s.get(Tenant, interaction.tenant_id)
    agent = s.get(UserRow, actor.user_id)
    idents = s.exec(select(ContactIdentity.kind, ContactIdentity.value)
                    .where(ContactIdentity.contact_id == interaction.contact_id)
                    .order_by(col(ContactIdentity.id))).all()
    name = (contact.name if contact else None) or ""
    agent_name = agent.name if agent else actor.name
    return {
        "contact.name": name,
        "contact.first_name": name.split()[0] if name.split() else "",
        "contact.phone": next((v for k, v in idents if k == "phone"), ""),
        "contact.email": next((v for k, v in idents if k == "email"), ""),
        "agent.name": agent_name,
        "agent.first_name": agent_name.split()[0] if agent_name.split() else "",
        "tenant.name": tenant.name if tenant else "",
        "interaction.id": str(interaction.id),
        "interaction.subject": interaction.subject or "",
    }


def fill(body: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """The body with its variables replaced, and the names that had no value."""
    missing: list[str] = []

    def one(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "")
        if not value and match.group(1) not in missing:
            missing.append(match.group(1))
        return value

    text = _VARIABLE.sub(one, body)
    if missing:
        # "Bonjour , merci" after an empty name reads badly; close the gap (only before
        # a comma or full stop: French puts a space before ! ? ; : on purpose).
        text = re.sub(r"[ \t]+([,.])", r"\1", text)
        text = re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", text)
    return text, missing


def render_canned(ctx: AppContext, actor: Actor, interaction_id: int, canned_id: int
                  ) -> dict[str, Any]:
    with ctx.read_session() as s:
        interaction = visible_interaction(s, actor, interaction_id)
        row = s.get(CannedResponse, canned_id)
        if row is None or row.tenant_id != interaction.tenant_id:
            raise NotFound("canned response not found")
        text, missing = fill(row.body, variables_for(s, interaction, actor))
        return {"id": row.id, "title": row.title, "text": text, "missing": missing}
