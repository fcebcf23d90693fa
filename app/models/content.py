"""What agents draw on while answering: canned responses and the knowledge base.

Both belong to one tenant: a business's scripts and prices are never shown to the
agents of another business, even in a shared outsourcer pool.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.models.base import fk, id_field, json_list_field, tenant_fk, timestamp

ARTICLE_KINDS = ("faq", "script", "argument")


class CannedResponse(SQLModel, table=True):
    """A ready answer with variables (``{{contact.name}}``, ``{{agent.name}}``…)."""

    __tablename__ = "canned_response"
    __table_args__ = (Index("ix_canned_response_tenant_title", "tenant_id", "title"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    title: str = Field(max_length=200)
    body: str = Field(sa_type=Text)
    # A few letters the agent types after "/" in the composer to find it.
    shortcut: str | None = Field(default=None, max_length=32)
    # Shown first (and only suggested) for work of this group; null: every group.
    skill_group_id: int | None = fk("skill_group.id", nullable=True, index=False)
    language: str | None = Field(default=None, max_length=8)
    created_by: int | None = fk("users.id", nullable=True, index=False)
    created_at: datetime = timestamp(nullable=False)
    updated_at: datetime = timestamp(nullable=False)


class KnowledgeArticle(SQLModel, table=True):
    """An FAQ entry, a call script or a sales argument (argumentaire)."""

    __tablename__ = "knowledge_article"
    __table_args__ = (Index("ix_knowledge_article_tenant_kind", "tenant_id", "kind"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    kind: str = Field(default="faq", max_length=16)  # faq | script | argument
    title: str = Field(max_length=300)
    body: str = Field(sa_type=Text)
    tags: list[str] = json_list_field()
    language: str | None = Field(default=None, max_length=8)
    # Lower-case, accent-free words of title, body and tags: "credit" finds "Crédit"
    # with a plain LIKE on every back end.
    search_text: str = Field(default="", sa_type=Text)
    updated_by: int | None = fk("users.id", nullable=True, index=False)
    created_at: datetime = timestamp(nullable=False)
    updated_at: datetime = timestamp(nullable=False)
