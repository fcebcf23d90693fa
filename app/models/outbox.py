"""The transactional outbox: a reply is durable before anyone tries to send it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.base import ID_TYPE, fk, id_field, tenant_fk, timestamp

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class OutboxItem(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    message_id: int = Field(foreign_key="message.id", unique=True, sa_type=ID_TYPE)
    channel_id: int = fk("channel.id", index=False)
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = timestamp(nullable=False)
    # A worker that claimed the row owns it until then; after that, it is claimable again.
    locked_until: datetime | None = timestamp()
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = timestamp(nullable=False)
    updated_at: datetime = timestamp(nullable=False)


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempt"

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    outbox_id: int = fk("outbox.id")
    message_id: int = fk("message.id", index=False)
    attempt: int
    started_at: datetime = timestamp(nullable=False)
    finished_at: datetime | None = timestamp()
    ok: bool = Field(default=False)
    error: str | None = Field(default=None, max_length=2000)
