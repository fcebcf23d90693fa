"""Plain rows for the hot path: the same attribute names as the ORM models, so the
services and serialisers that read an ``Interaction`` read these unchanged, at a
fraction of the cost of building (and flushing) a model instance."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlmodel import SQLModel

from app.models import Contact, Interaction, Message

TABLES = SQLModel.metadata.tables


@dataclass(slots=True)
class InteractionRow:
    """One ``interaction`` row; field order is the table's column order."""

    id: int | None
    tenant_id: int
    channel_id: int
    channel_kind: str
    contact_id: int
    status: str
    priority: int
    skill_group_id: int | None
    classification_label: str | None
    classification_confidence: float | None
    classification_source: str | None
    language: str | None
    assignee_id: int | None
    subject: str | None
    queued_at: datetime
    sla_due_at: datetime | None
    sla_breached_at: datetime | None
    created_at: datetime
    updated_at: datetime
    assigned_at: datetime | None
    accepted_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    last_message_at: datetime | None
    meta: dict[str, Any]

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in INTERACTION_COLUMNS}

    def changes(self, before: dict[str, Any]) -> dict[str, Any]:
        """Columns whose value differs from ``before`` (what the ORM would UPDATE)."""
        return {k: v for k, v in self.values().items() if k not in before or before[k] != v}


INTERACTION_COLUMNS = tuple(f.name for f in fields(InteractionRow))
# A column added to the model must be added here too, or the hot path would drop it.
if tuple(c.name for c in TABLES["interaction"].columns) != INTERACTION_COLUMNS:
    raise RuntimeError("InteractionRow no longer mirrors the interaction table")


@dataclass(slots=True)
class ContactRow:
    """A contact with the identities the public shape shows (phones, e-mails)."""

    id: int
    name: str | None
    vip: bool
    sms_opted_out: bool
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)

    def add_identity(self, kind: str, value: str) -> None:
        if kind == "phone":
            self.phones.append(value)
        elif kind == "email":
            self.emails.append(value)

    def public(self) -> dict[str, Any]:
        """The contract's contact shape (as ``serializers.contact_dicts``)."""
        return {"id": self.id, "name": self.name, "phones": list(self.phones),
                "emails": list(self.emails), "vip": self.vip,
                "sms_opted_out": self.sms_opted_out}


@dataclass(slots=True)
class MessageRow:
    """What ``serializers.message_dict`` reads of a message."""

    id: int
    interaction_id: int
    direction: str
    kind: str
    text: str
    html: str | None
    subject: str | None
    created_at: datetime
    delivery_status: str | None = None
    delivery_error: str | None = None
    author_id: int | None = None


AnyInteraction = Interaction | InteractionRow
AnyContact = Contact | ContactRow
AnyMessage = Message | MessageRow
