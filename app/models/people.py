"""Users, their tenant memberships, credentials, and the agent side of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import ID_TYPE, fk, id_field, json_field, json_list_field, tenant_fk, timestamp

ROLES = ("agent", "supervisor", "admin")


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = id_field()
    email: str = Field(max_length=254, unique=True, index=True)  # stored lower-case
    name: str = Field(max_length=200)
    role: str = Field(default="agent", max_length=16)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True)
    locale: str | None = Field(default=None, max_length=8)
    created_at: datetime = timestamp(nullable=False)


class Membership(SQLModel, table=True):
    """A user works for a tenant. Every query is scoped through these rows."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    user_id: int = fk("users.id")


class AuthToken(SQLModel, table=True):
    """API tokens and browser sessions; only a SHA-256 of the secret is stored."""

    __tablename__ = "auth_token"

    id: int | None = id_field()
    user_id: int = fk("users.id")
    kind: str = Field(default="api", max_length=16)  # api | session
    token_hash: str = Field(max_length=64, unique=True, index=True)
    name: str | None = Field(default=None, max_length=100)
    created_at: datetime = timestamp(nullable=False)
    expires_at: datetime | None = timestamp()
    last_used_at: datetime | None = timestamp()
    revoked_at: datetime | None = timestamp()


class AgentState(SQLModel, table=True):
    """What the distributor needs to know about an agent, one row per agent.

    Presence is per person, not per tenant: an outsourcer's agent serves several
    businesses from one shared pool. The row is also the lock taken when work is
    handed to the agent, so two processes never overfill them.
    """

    __tablename__ = "agent_state"

    user_id: int = Field(primary_key=True, foreign_key="users.id", sa_type=ID_TYPE)
    presence: str = Field(default="offline", max_length=16)
    presence_changed_at: datetime = timestamp(nullable=False)
    # Longest-idle fairness: when the agent last took work or became available.
    idle_since: datetime = timestamp(nullable=False)
    wrap_up_until: datetime | None = timestamp()
    capacity: dict[str, Any] = json_field()  # channel kind -> concurrent interactions
    total_capacity: int | None = Field(default=None)
    languages: list[str] = json_list_field()


class AgentSkill(SQLModel, table=True):
    __tablename__ = "agent_skill"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "skill_group_id"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    user_id: int = fk("users.id")
    skill_group_id: int = fk("skill_group.id")
    level: int = Field(default=3)  # 1..5
