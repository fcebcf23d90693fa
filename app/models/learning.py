"""What the classifier learns from: interactions labelled by agents' own decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import fk, id_field, tenant_fk, timestamp


class ClassifierExample(SQLModel, table=True):
    """One labelled text. An interaction gives at most one: the group it ended in
    (resolved there, or moved there by an agent) is the right answer."""

    __tablename__ = "classifier_example"
    __table_args__ = (UniqueConstraint("tenant_id", "interaction_id"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    interaction_id: int = fk("interaction.id", index=False)
    text: str = Field(sa_type=Text)
    label: str = Field(max_length=100)
    source: str = Field(max_length=16)  # resolved | transferred
    created_at: datetime = timestamp(nullable=False)
