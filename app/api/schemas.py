"""Request bodies of the REST API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ChannelKindField = Literal["email", "sms", "chat", "callback"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TenantIn(Body):
    slug: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    timezone: str = "Africa/Dakar"
    default_region: str = Field(default="SN", min_length=2, max_length=2)
    locale: Literal["fr", "en"] = "fr"


class SkillGroupIn(Body):
    name: str = Field(min_length=1, max_length=100)
    keywords: list[str] | None = Field(default=None, max_length=500)
    is_fallback: bool = False


class ChannelIn(Body):
    kind: ChannelKindField
    name: str = Field(min_length=1, max_length=200)
    config: dict[str, Any] | None = None


class ChannelPatch(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    config: dict[str, Any] | None = None
    is_active: bool | None = None


class UserIn(Body):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    role: Literal["agent", "supervisor", "admin"]
    password: str = Field(min_length=8, max_length=200)
    tenants: list[str] = Field(default_factory=list, max_length=1000)
    skills: dict[str, int] | None = None
    capacity: dict[str, int] | None = None
    languages: list[str] | None = None


class PresenceIn(Body):
    state: Literal["available", "away", "offline"]


class ReplyIn(Body):
    text: str = Field(min_length=1, max_length=20_000)


class ResolveIn(Body):
    outcome: str | None = Field(default=None, max_length=100)


class AssignIn(Body):
    agent_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    reason: str = Field(default="manual", max_length=200)


class SkillGroupPatch(Body):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    keywords: list[str] | None = Field(default=None, max_length=500)
    is_fallback: bool | None = None
    routing: dict[str, Any] | None = None


class AgentPatch(Body):
    skills: dict[str, int] | None = None
    capacity: dict[str, int] | None = None
    total_capacity: int | None = Field(default=None, ge=0, le=1000)
    clear_total_capacity: bool = False
    languages: list[str] | None = Field(default=None, max_length=20)
