"""Tenants (client businesses) and their skill groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import id_field, json_field, json_list_field, tenant_fk, timestamp


class Tenant(SQLModel, table=True):
    __tablename__ = "tenant"

    id: int | None = id_field()
    slug: str = Field(max_length=63, unique=True, index=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Africa/Dakar", max_length=64)
    # Region for phone numbers written without a country code.
    default_region: str = Field(default="SN", max_length=2)
    locale: str = Field(default="fr", max_length=8)
    # Tenant policies (wrap-up, reopen window, classifier threshold, SLA targets…);
    # validated by the actions that write them.
    settings: dict[str, Any] = json_field()
    created_at: datetime = timestamp(nullable=False)


class SkillGroup(SQLModel, table=True):
    """A queue of work that needs one skill (sales, support, billing…)."""

    __tablename__ = "skill_group"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    name: str = Field(max_length=100)
    keywords: list[str] = json_list_field()
    # Work the classifier cannot place goes to the tenant's fallback (triage) group.
    is_fallback: bool = Field(default=False)
    # ACD policy for this queue: strategy, overflow, targets (see routing/).
    routing: dict[str, Any] = json_field()
    created_at: datetime = timestamp(nullable=False)
