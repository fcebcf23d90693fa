"""Security records: who changed what (audit log), and failed logins (lockout)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.base import fk, id_field, json_field, timestamp


class AuditEntry(SQLModel, table=True):
    """An admin or supervisor action: kept for the business and its auditors."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant_at", "tenant_id", "created_at"),)

    id: int | None = id_field()
    tenant_id: int | None = fk("tenant.id", nullable=True, index=False)
    actor_id: int | None = fk("users.id", nullable=True, index=False)
    action: str = Field(max_length=64)  # e.g. "channel.create", "routing.update"
    target: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = json_field()
    created_at: datetime = timestamp(nullable=False)


class LoginFailure(SQLModel, table=True):
    """A failed password check; recent ones slow down guessing (per e-mail and per IP)."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_email_at", "email", "created_at"),
                      Index("ix_login_failure_ip_at", "ip", "created_at"))

    id: int | None = id_field()
    email: str = Field(max_length=254)
    ip: str | None = Field(default=None, max_length=64)
    created_at: datetime = timestamp(nullable=False)
