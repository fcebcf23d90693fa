"""Customers and the identities they are known by on each channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import fk, id_field, json_field, tenant_fk, timestamp


class Contact(SQLModel, table=True):
    __tablename__ = "contact"

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    name: str | None = Field(default=None, max_length=200)
    vip: bool = Field(default=False)
    # SMS opt-out (STOP): replies by SMS are refused while set.
    sms_opted_out: bool = Field(default=False)
    notes: str | None = Field(default=None)
    attributes: dict[str, Any] = json_field()
    created_at: datetime = timestamp(nullable=False)
    updated_at: datetime = timestamp(nullable=False)


class ContactIdentity(SQLModel, table=True):
    """An E.164 phone, a lower-cased e-mail address or a chat visitor id."""

    __tablename__ = "contact_identity"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "value"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    contact_id: int = fk("contact.id")
    kind: str = Field(max_length=16)  # phone | email | visitor
    value: str = Field(max_length=320)
    created_at: datetime = timestamp(nullable=False)
