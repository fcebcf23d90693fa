"""The public shapes of interactions and messages (the contract), built in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from app.models import (
    Channel,
    Contact,
    ContactIdentity,
    Message,
    SkillGroup,
    Tenant,
    User,
)
from app.queries.rows import AnyInteraction, AnyMessage


@dataclass
class Known:
    """What an action already holds (names, contact cards), so serialising its
    events needs no query: ids missing here are still read from the database."""

    tenants: dict[int, str] = field(default_factory=dict)  # slug
    channels: dict[int, str] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def message_dict(m: AnyMessage, author_name: str | None = None) -> dict[str, Any]:
    return {
        "id": m.id,
        "interaction_id": m.interaction_id,
        "direction": m.direction,
        "kind": m.kind,
        "text": m.text,
        "html": m.html,
        "subject": m.subject,
        "created_at": iso(m.created_at),
        "delivery_status": m.delivery_status,
        "delivery_error": m.delivery_error,
        "author": {"id": m.author_id, "name": author_name} if m.author_id else None,
    }


def _rows(session: Session, model: Any, ids: set[Any]) -> dict[int, Any]:
    """Rows by id, from the session's identity map when already loaded (the usual case
    inside an action), else in one query for all the missing ones."""
    found: dict[int, Any] = {}
    missing = []
    for row_id in ids:
        if row_id is None:
            continue
        obj = session.identity_map.get(identity_key(model, row_id))
        if obj is not None:
            found[row_id] = obj
        else:
            missing.append(row_id)
    if missing:
        for obj in session.exec(select(model).where(col(model.id).in_(sorted(missing)))):
            found[obj.id] = obj
    return found


def contact_dicts(
    session: Session, contact_ids: Sequence[int], known: dict[int, dict[str, Any]] | None = None
) -> dict[int, dict[str, Any]]:
    if not contact_ids:
        return {}
    out: dict[int, dict[str, Any]] = {}
    if known:
        out = {i: known[i] for i in contact_ids if i in known}
        contact_ids = [i for i in contact_ids if i not in known]
        if not contact_ids:
            return out
    ids = sorted(set(contact_ids))
    for c in _rows(session, Contact, set(ids)).values():
        assert c.id is not None
        out[c.id] = {
            "id": c.id,
            "name": c.name,
            "phones": [],
            "emails": [],
            "vip": c.vip,
            "sms_opted_out": c.sms_opted_out,
        }
    rows = session.exec(
        select(ContactIdentity.contact_id, ContactIdentity.kind, ContactIdentity.value)
        .where(col(ContactIdentity.contact_id).in_(ids))
        .order_by(col(ContactIdentity.id))
    )
    for contact_id, kind, value in rows:
        key = {"phone": "phones", "email": "emails"}.get(kind)
        if key and contact_id in out:
            out[contact_id][key].append(value)
    return out


def interaction_dicts(
    session: Session,
    interactions: Sequence[AnyInteraction],
    *,
    with_preview: bool = True,
    known_previews: dict[int, str] | None = None,
    known: Known | None = None,
) -> list[dict[str, Any]]:
    """Serialise many interactions with a fixed number of queries (none for what
    ``known`` holds)."""
    if not interactions:
        return []
    k = known or Known()
    tenants = _names(session, Tenant, "slug", {i.tenant_id for i in interactions}, k.tenants)
    groups = _names(session, SkillGroup, "name", {i.skill_group_id for i in interactions},
                    k.groups)
    channels = _names(session, Channel, "name", {i.channel_id for i in interactions},
                      k.channels)
    assignees = _names(session, User, "name", {i.assignee_id for i in interactions}, k.users)
    contacts = contact_dicts(session, [i.contact_id for i in interactions], k.contacts)
    previews: dict[int, str] = {}
    if with_preview:
        previews = dict(known_previews or {})
        unknown = [i.id for i in interactions if i.id and i.id not in previews]
        if unknown:
            previews.update(_last_inbound_text(session, unknown))
    out = []
    for i in interactions:
        assert i.id is not None
        out.append(
            {
                "id": i.id,
                "tenant": tenants.get(i.tenant_id),
                "tenant_id": i.tenant_id,
                "channel": i.channel_kind,
                "channel_id": i.channel_id,
                "channel_name": channels.get(i.channel_id),
                "status": i.status,
                "skill_group": groups.get(i.skill_group_id) if i.skill_group_id else None,
                "skill_group_id": i.skill_group_id,
                "classification": {
                    "label": i.classification_label,
                    "confidence": i.classification_confidence,
                    "source": i.classification_source,
                },
                "language": i.language,
                "contact": contacts.get(i.contact_id),
                "assignee": i.assignee_id,
                "assignee_name": assignees.get(i.assignee_id) if i.assignee_id else None,
                "priority": i.priority,
                "subject": i.subject,
                "preview": previews.get(i.id, ""),
                "created_at": iso(i.created_at),
                "updated_at": iso(i.updated_at),
                "queued_at": iso(i.queued_at),
                "assigned_at": iso(i.assigned_at),
                "accepted_at": iso(i.accepted_at),
                "first_response_at": iso(i.first_response_at),
                "resolved_at": iso(i.resolved_at),
                "last_message_at": iso(i.last_message_at),
                "sla_due_at": iso(i.sla_due_at),
                "sla_breached_at": iso(i.sla_breached_at),
                # Set aside by an agent until then (queued_at is the same instant).
                "snoozed_until": (i.meta or {}).get("snoozed_until"),
            }
        )
    return out


def _names(session: Session, model: Any, attribute: str, ids: set[Any],
           known: dict[int, str] | None = None) -> dict[int, str]:
    found: dict[int, str] = {}
    if known:
        found = {i: known[i] for i in ids if i in known}
        ids = {i for i in ids if i not in known}
    found.update((row_id, getattr(obj, attribute))
                 for row_id, obj in _rows(session, model, ids).items())
    return found


def _last_inbound_text(session: Session, interaction_ids: list[int]) -> dict[int, str]:
    last = (
        select(Message.interaction_id, func.max(Message.id).label("mid"))
        .where(col(Message.interaction_id).in_(interaction_ids), Message.kind == "message")
        .group_by(col(Message.interaction_id))
        .subquery()
    )
    rows = session.exec(
        select(Message.interaction_id, Message.text).join(last, col(Message.id) == last.c.mid)
    )
    return {iid: (text or "")[:140] for iid, text in rows}


def message_dicts(session: Session, messages: Sequence[Message]) -> list[dict[str, Any]]:
    authors = _names(session, User, "name", {m.author_id for m in messages})
    return [message_dict(m, authors.get(m.author_id) if m.author_id else None) for m in messages]
