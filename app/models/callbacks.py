"""Call-back attempts and chat transcript requests: the durable side of the website widget."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import ID_TYPE, fk, id_field, tenant_fk, timestamp

TRANSCRIPT_STATUSES = ("pending", "queued", "sent", "failed")
CALLBACK_OUTCOMES = ("reached_resolved", "no_answer", "busy", "wrong_number", "voicemail")


class CallbackAttempt(SQLModel, table=True):
    """One time an agent called a customer back, and what came of it.

    Every attempt is kept: a call-back that rang out three times shows three rows.
    The unique key makes two agents recording the same attempt at once a conflict
    rather than two rows.
    """

    __tablename__ = "callback_attempt"
    __table_args__ = (
        UniqueConstraint("tenant_id", "interaction_id", "attempt"),
        Index("ix_callback_attempt_interaction", "interaction_id", "attempt"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    interaction_id: int = fk("interaction.id", index=False)
    attempt: int
    agent_id: int | None = fk("users.id", nullable=True, index=False)
    outcome: str = Field(max_length=24)
    phone: str = Field(max_length=32)
    note: str | None = Field(default=None, sa_type=Text)
    # When the next attempt was scheduled for, if this one asked for a retry.
    retry_at: datetime | None = timestamp()
    # The "we tried to call you" SMS queued with the retry, if any.
    sms_message_id: int | None = fk("message.id", nullable=True, index=False)
    created_at: datetime = timestamp(nullable=False)


class TranscriptRequest(SQLModel, table=True):
    """A chat visitor asked for the conversation by e-mail.

    ``pending`` until the chat is resolved, then ``queued`` with the outbound e-mail
    ``message_id`` (one outbox row, so one send however often the visitor asks or the
    worker restarts), then ``sent``; ``failed`` with ``error`` saying why (no e-mail
    channel, address refused by the mail server).
    """

    __tablename__ = "transcript_request"
    __table_args__ = (Index("ix_transcript_request_status", "status", "created_at"),
                      Index("ix_transcript_request_interaction", "interaction_id", "id"))

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    interaction_id: int = fk("interaction.id", index=False)
    email: str = Field(max_length=254)
    status: str = Field(default="pending", max_length=16)  # pending | queued | sent | failed
    created_at: datetime = timestamp(nullable=False)
    sent_at: datetime | None = timestamp()
    # The e-mail that carries the transcript (on the tenant's e-mail channel).
    message_id: int | None = Field(default=None, foreign_key="message.id", unique=True,
                                   sa_type=ID_TYPE, nullable=True)
    error: str | None = Field(default=None, max_length=500)
