"""Customer satisfaction: one survey per resolved interaction, and its answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import fk, id_field, tenant_fk, timestamp

CSAT_SCORES = (1, 2, 3, 4, 5)


class CsatSurvey(SQLModel, table=True):
    """Sent when an interaction is resolved; answered (or not) by the customer.

    The agent and group are copied at resolution so that results per agent stay
    true when the interaction is later reassigned or reopened.
    """

    __tablename__ = "csat_survey"
    __table_args__ = (
        # One survey per interaction: a reopened, re-resolved conversation is not asked twice.
        UniqueConstraint("tenant_id", "interaction_id"),
        # Results per period; SMS replies look up the contact's latest open survey.
        Index("ix_csat_survey_tenant_sent", "tenant_id", "sent_at"),
        Index("ix_csat_survey_contact", "contact_id", "channel_id", "sent_at"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    interaction_id: int = fk("interaction.id", index=False)
    channel_id: int = fk("channel.id", index=False)
    channel_kind: str = Field(max_length=16)
    contact_id: int = fk("contact.id", index=False)
    agent_id: int | None = fk("users.id", nullable=True, index=False)
    skill_group_id: int | None = fk("skill_group.id", nullable=True, index=False)
    # The outbound message that carried the question (SMS, e-mail); None for chat.
    message_id: int | None = fk("message.id", nullable=True, index=False)
    # A random value signed into the link's token: a new survey never reuses a link.
    nonce: str = Field(max_length=32)
    sent_at: datetime = timestamp(nullable=False)
    expires_at: datetime = timestamp(nullable=False)
    score: int | None = Field(default=None)  # 1 (very bad) .. 5 (excellent)
    comment: str | None = Field(default=None, sa_type=Text)
    answered_at: datetime | None = timestamp()
    answered_via: str | None = Field(default=None, max_length=16)  # web | sms | chat
