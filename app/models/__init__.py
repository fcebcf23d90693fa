"""The schema. Every tenant-owned row carries ``tenant_id`` and every unique key
includes it, so that tenants can later be sharded (Citus, database per group)."""

from app.models.audit import AuditEntry, LoginFailure
from app.models.callbacks import CallbackAttempt, TranscriptRequest
from app.models.channels import Channel, ChannelState
from app.models.contacts import Contact, ContactIdentity
from app.models.content import CannedResponse, KnowledgeArticle
from app.models.csat import CsatSurvey
from app.models.interactions import Attachment, Interaction, InteractionEvent, Message
from app.models.learning import ClassifierExample
from app.models.outbox import DeliveryAttempt, OutboxItem
from app.models.people import AgentSkill, AgentState, AuthToken, Membership, User
from app.models.tenancy import SkillGroup, Tenant

__all__ = [
    "AgentSkill",
    "AgentState",
    "Attachment",
    "AuditEntry",
    "AuthToken",
    "CallbackAttempt",
    "CannedResponse",
    "Channel",
    "ChannelState",
    "ClassifierExample",
    "Contact",
    "ContactIdentity",
    "CsatSurvey",
    "DeliveryAttempt",
    "Interaction",
    "InteractionEvent",
    "KnowledgeArticle",
    "LoginFailure",
    "Membership",
    "Message",
    "OutboxItem",
    "SkillGroup",
    "Tenant",
    "TranscriptRequest",
    "User",
]
