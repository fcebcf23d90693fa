"""Channels: one entry point of a tenant (a mailbox, an SMS number, a widget…)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.models.base import ID_TYPE, id_field, json_field, tenant_fk, timestamp


class Channel(SQLModel, table=True):
    __tablename__ = "channel"

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    kind: str = Field(max_length=16)  # email | sms | chat | callback
    name: str = Field(max_length=200)
    # Public, unguessable id used in webhook URLs and the widget snippet.
    key: str = Field(max_length=64, unique=True, index=True)
    # Shared secret for webhook signatures; never logged.
    secret: str = Field(max_length=128)
    config: dict[str, Any] = json_field()
    is_active: bool = Field(default=True)
    # Health, shown to admins: last traffic, last error.
    last_message_at: datetime | None = timestamp()
    last_success_at: datetime | None = timestamp()
    last_error: str | None = Field(default=None, max_length=2000)
    last_error_at: datetime | None = timestamp()
    created_at: datetime = timestamp(nullable=False)


class ChannelState(SQLModel, table=True):
    """Small durable state a channel worker keeps (an IMAP cursor, an OAuth token…)."""

    __tablename__ = "channel_state"

    channel_id: int = Field(primary_key=True, foreign_key="channel.id", sa_type=ID_TYPE,
                            ondelete="CASCADE")
    tenant_id: int = tenant_fk()
    data: dict[str, Any] = json_field()
    updated_at: datetime = timestamp(nullable=False)
