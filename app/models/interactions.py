"""Interactions (one customer request, arrival to resolution), their messages and
their history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import fk, id_field, json_field, tenant_fk, timestamp

INTERACTION_STATUSES = ("queued", "assigned", "waiting_customer", "resolved", "abandoned")
OPEN_STATUSES = ("queued", "assigned", "waiting_customer")
DELIVERY_STATUSES = ("queued", "sent", "delivered", "failed")


class Interaction(SQLModel, table=True):
    __tablename__ = "interaction"
    __table_args__ = (
        # The distributor's view: waiting work per group, most urgent and oldest first.
        Index("ix_interaction_queue", "status", "skill_group_id", "priority", "queued_at"),
        Index("ix_interaction_assignee", "assignee_id", "status"),
        Index("ix_interaction_contact_open", "contact_id", "channel_id", "status"),
        Index("ix_interaction_tenant_status", "tenant_id", "status", "updated_at"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    channel_id: int = fk("channel.id", index=False)
    channel_kind: str = Field(max_length=16)  # copied from the channel: capacity is per kind
    contact_id: int = fk("contact.id", index=False)
    status: str = Field(default="queued", max_length=20)
    priority: int = Field(default=3)  # 1 lowest .. 5 most urgent
    skill_group_id: int | None = fk("skill_group.id", nullable=True, index=False)
    classification_label: str | None = Field(default=None, max_length=100)
    classification_confidence: float | None = Field(default=None)
    classification_source: str | None = Field(default=None, max_length=16)
    language: str | None = Field(default=None, max_length=8)
    assignee_id: int | None = fk("users.id", nullable=True, index=False)
    subject: str | None = Field(default=None, max_length=500)
    # When the work joined the queue (call-backs: the requested time); SLA counts from it.
    queued_at: datetime = timestamp(nullable=False)
    sla_due_at: datetime | None = timestamp()
    sla_breached_at: datetime | None = timestamp()
    created_at: datetime = timestamp(nullable=False)
    updated_at: datetime = timestamp(nullable=False)
    assigned_at: datetime | None = timestamp()
    # The agent took the offer (opened or answered it); chats and call-backs not
    # accepted in time are taken back and offered to someone else.
    accepted_at: datetime | None = timestamp()
    first_response_at: datetime | None = timestamp()
    resolved_at: datetime | None = timestamp()
    last_message_at: datetime | None = timestamp()
    meta: dict[str, Any] = json_field()


class Message(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (
        # Dedupe: a provider's retry of the same message is one row.
        UniqueConstraint("tenant_id", "channel_id", "direction", "provider_id",
                         name="uq_message_provider_id"),
        Index("ix_message_interaction", "interaction_id", "id"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    interaction_id: int = fk("interaction.id", index=False)
    channel_id: int = fk("channel.id", index=False)
    direction: str = Field(max_length=3)  # in | out
    kind: str = Field(default="message", max_length=16)  # message | note | system
    text: str = Field(default="", sa_type=Text)
    html: str | None = Field(default=None, sa_type=Text)  # sanitised, safe to display
    subject: str | None = Field(default=None, max_length=500)
    provider_id: str | None = Field(default=None, max_length=255)
    delivery_status: str | None = Field(default=None, max_length=16)
    delivery_error: str | None = Field(default=None, max_length=2000)
    author_id: int | None = fk("users.id", nullable=True, index=False)
    created_at: datetime = timestamp(nullable=False)
    meta: dict[str, Any] = json_field()


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    message_id: int = fk("message.id")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=255)
    size: int = Field(default=0)
    content_id: str | None = Field(default=None, max_length=255)
    content: bytes | None = Field(default=None, sa_type=LargeBinary)
    skipped_reason: str | None = Field(default=None, max_length=500)


class InteractionEvent(SQLModel, table=True):
    """The history of an interaction: created, assigned, transferred, resolved…"""

    __tablename__ = "interaction_event"
    __table_args__ = (Index("ix_interaction_event_interaction", "interaction_id", "id"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    interaction_id: int = fk("interaction.id", index=False)
    kind: str = Field(max_length=32)
    actor_id: int | None = fk("users.id", nullable=True, index=False)
    data: dict[str, Any] = json_field()
    created_at: datetime = timestamp(nullable=False)
