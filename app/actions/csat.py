"""Customer satisfaction: ask after resolution, record the answer.

The question goes out on the conversation's own channel:

- **chat**: a ``chat.csat`` event for the visitor's socket (the widget draws five
  buttons and posts the score to the survey's URL; see docs/supervisor.md);
- **SMS**: "reply with one digit from 1 to 5"; a single digit 1–5 sent back by the
  same phone within the window is a score, not a new message to answer
  (:func:`take_sms_survey_reply`, called by ingest before threading);
- **e-mail**: a link to ``/csat/{token}``, a public page; the token is signed with the
  installation's secret key and names one survey.

Call-backs are phone calls and get no survey. Which channels ask, and how long an
answer is accepted, is the tenant's choice (``settings["csat"]``); nothing is asked
until a supervisor turns it on, since every SMS costs the client money.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.access import Actor
from app.actions.ingest import IngestResult
from app.actions.setup import tenant_by_slug
from app.context import AppContext, Transaction
from app.errors import Conflict, Invalid, NotFound
from app.events import Event
from app.models import (
    Channel,
    Contact,
    ContactIdentity,
    CsatSurvey,
    Interaction,
    Message,
    OutboxItem,
    Tenant,
)
from app.serializers import message_dict
from app.services.identities import normalize_phone
from channels.types import InboundMessage
from web import i18n

log = logging.getLogger(__name__)

SURVEY_KINDS = ("chat", "sms", "email")
DEFAULT_WINDOW_HOURS = 48
MAX_WINDOW_HOURS = 30 * 24
MAX_COMMENT_CHARS = 2000


@dataclass(frozen=True, slots=True)
class CsatPolicy:
    channels: frozenset[str]
    window_hours: int

    def as_dict(self) -> dict[str, Any]:
        return {"channels": sorted(self.channels), "window_hours": self.window_hours}


def csat_policy(tenant: Tenant) -> CsatPolicy:
    raw = (tenant.settings or {}).get("csat") or {}
    channels = frozenset(k for k in raw.get("channels", ()) if k in SURVEY_KINDS)
    try:
        window = int(raw.get("window_hours", DEFAULT_WINDOW_HOURS))
    except (TypeError, ValueError):
        window = DEFAULT_WINDOW_HOURS
    return CsatPolicy(channels, min(max(window, 1), MAX_WINDOW_HOURS))


def set_csat_policy(ctx: AppContext, actor: Actor, slug: str, channels: list[str],
                    window_hours: int = DEFAULT_WINDOW_HOURS) -> CsatPolicy:
    unknown = sorted(set(channels) - set(SURVEY_KINDS))
    if unknown:
        raise Invalid(f"surveys go out on {', '.join(SURVEY_KINDS)} only, not {unknown[0]}")
    if not 1 <= window_hours <= MAX_WINDOW_HOURS:
        raise Invalid(f"window_hours must be between 1 and {MAX_WINDOW_HOURS}")
    with ctx.transaction() as tx:
        tenant = tenant_by_slug(tx.session, actor, slug)
        actor.require_supervisor(tenant.id or 0)
        policy = CsatPolicy(frozenset(channels), window_hours)
        tenant.settings = {**(tenant.settings or {}), "csat": policy.as_dict()}
        tx.session.add(tenant)
    return policy


def _serializer(ctx: AppContext) -> URLSafeSerializer:
    return URLSafeSerializer(ctx.settings.resolved_secret_key, salt="teranga-csat")


def survey_token(ctx: AppContext, survey: CsatSurvey) -> str:
    return str(_serializer(ctx).dumps([survey.id, survey.nonce]))


def survey_for_token(ctx: AppContext, s: Session, token: str) -> CsatSurvey:
    """The survey a link names; any forged, altered or stale token is simply not found."""
    try:
        survey_id, nonce = _serializer(ctx).loads(token)
        survey = s.get(CsatSurvey, int(survey_id))
    except (BadSignature, TypeError, ValueError, OverflowError):
        raise NotFound("survey not found") from None
    if survey is None or not secrets.compare_digest(survey.nonce, str(nonce)):
        raise NotFound("survey not found")
    return survey


def survey_after_resolve(ctx: AppContext, interaction_id: int) -> int | None:
    """Ask the customer, if the tenant wants it; called once the resolution committed.

    A survey that cannot go out must not undo or fail the agent's resolution.
    """
    try:
        return _send_survey(ctx, interaction_id)
    except Exception:
        log.exception("CSAT survey for interaction %s was not sent", interaction_id)
        return None


def _wanted(ctx: AppContext, interaction_id: int) -> bool:
    """Most tenants ask nothing: find that out without taking the write lock."""
    with ctx.read_session() as s:
        interaction = s.get(Interaction, interaction_id)
        tenant = s.get(Tenant, interaction.tenant_id) if interaction else None
        return interaction is not None and tenant is not None \
            and interaction.channel_kind in csat_policy(tenant).channels


def _send_survey(ctx: AppContext, interaction_id: int) -> int | None:
    if not _wanted(ctx, interaction_id):
        return None
    with ctx.transaction() as tx:
        s = tx.session
        interaction = s.get(Interaction, interaction_id)
        if interaction is None or interaction.status != "resolved":
            return None
        tenant = s.get(Tenant, interaction.tenant_id)
        channel = s.get(Channel, interaction.channel_id)
        contact = s.get(Contact, interaction.contact_id)
        assert tenant is not None and channel is not None and contact is not None
        policy = csat_policy(tenant)
        address = str(interaction.meta.get("customer_address") or "")
        if interaction.channel_kind not in policy.channels or not address:
            return None
        if interaction.channel_kind == "sms" and contact.sms_opted_out:
            return None
        asked = s.exec(select(CsatSurvey.id).where(
            CsatSurvey.tenant_id == tenant.id, CsatSurvey.interaction_id == interaction.id)
        ).first()
        if asked is not None:
            return None  # a reopened conversation is not asked twice
        assert interaction.id is not None and tenant.id is not None and channel.id is not None
        now = ctx.clock()
        survey = CsatSurvey(
            tenant_id=tenant.id, interaction_id=interaction.id, channel_id=channel.id,
            channel_kind=interaction.channel_kind, contact_id=interaction.contact_id,
            agent_id=interaction.assignee_id, skill_group_id=interaction.skill_group_id,
            nonce=secrets.token_hex(8), sent_at=now,
            expires_at=now + timedelta(hours=policy.window_hours))
        s.add(survey)
        s.flush()
        token = survey_token(ctx, survey)
        url = f"{ctx.settings.base_url.rstrip('/')}/csat/{token}"
        lang = tenant.locale if tenant.locale in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
        if interaction.channel_kind == "chat":
            tx.emit(Event(type="chat.csat", tenant_id=None, channel_key=channel.key,
                          interaction_id=interaction.id,
                          data={"visitor": address, "interaction_id": interaction.id,
                                "token": token, "url": url, "scale": [1, 2, 3, 4, 5],
                                "question": i18n.gettext(lang, "How did we do?")}))
        else:
            text = _question(lang, interaction.channel_kind, tenant.name, url)
            survey.message_id = _queue_message(tx, interaction, text, now)
            s.add(survey)
        survey_id = survey.id
    if interaction.channel_kind != "chat":
        from app.actions.conversation import ctx_wake_outbox

        ctx_wake_outbox(ctx)
    return survey_id


def _question(lang: str, kind: str, business: str, url: str) -> str:
    if kind == "sms":
        return i18n.gettext(lang, "Thank you for contacting {name}. How did we do? Reply with "
                                  "one digit from 1 (bad) to 5 (excellent).").format(name=business)
    return i18n.gettext(lang, "Thank you for contacting {name}. How did we do? Tell us in one "
                              "click: {url}").format(name=business, url=url)


def _queue_message(tx: Transaction, interaction: Interaction, text: str, now: Any) -> int:
    """The question as an automatic outbound message (no author), sent by the outbox."""
    s = tx.session
    assert interaction.id is not None
    message = Message(tenant_id=interaction.tenant_id, interaction_id=interaction.id,
                      channel_id=interaction.channel_id, direction="out", text=text,
                      delivery_status="queued", created_at=now, meta={"csat": "question"})
    s.add(message)
    s.flush()
    assert message.id is not None
    s.add(OutboxItem(tenant_id=interaction.tenant_id, message_id=message.id,
                     channel_id=interaction.channel_id, next_attempt_at=now, created_at=now,
                     updated_at=now))
    tx.emit(_message_event(interaction, message))
    return message.id


def answer_survey(ctx: AppContext, token: str, score: int, comment: str | None = None,
                  via: str = "web") -> CsatSurvey:
    """Record (or, within the window, correct) the customer's score."""
    if isinstance(score, bool) or score not in (1, 2, 3, 4, 5):
        raise Invalid("score must be a whole number from 1 to 5")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise Invalid(f"comment is longer than {MAX_COMMENT_CHARS} characters")
    with ctx.transaction() as tx:
        survey = survey_for_token(ctx, tx.session, token)
        now = ctx.clock()
        if now > survey.expires_at:
            raise Conflict("this survey has closed")
        _record(tx, survey, score, comment or survey.comment, via, now)
    return survey


def _record(tx: Transaction, survey: CsatSurvey, score: int, comment: str | None, via: str,
            now: Any) -> None:
    survey.score = score
    survey.comment = comment
    survey.answered_at = now
    survey.answered_via = via
    tx.session.add(survey)
    tx.emit(Event(type="csat.answered", tenant_id=survey.tenant_id,
                  data={"survey_id": survey.id, "score": score, "agent_id": survey.agent_id,
                        "channel": survey.channel_kind}))


def sms_score(text: str) -> int | None:
    """A reply that is one digit from 1 to 5 and nothing else (spaces and a full stop
    allowed), else None."""
    value = text.strip().rstrip(".").strip()
    return int(value) if len(value) == 1 and value in "12345" else None


def take_sms_survey_reply(ctx: AppContext, msg: InboundMessage) -> IngestResult | None:
    """If this inbound SMS answers a survey, record it and return what ingest would;
    otherwise None and ingest goes on as usual. Wire it first thing in ``ingest``::

        taken = take_sms_survey_reply(ctx, msg)
        if taken is not None:
            return taken

    The message is kept on the resolved conversation (the history stays whole) and
    does not reopen it. Anything but a lone digit costs no database call.
    """
    score = sms_score(msg.text)
    if score is None or msg.sender.kind != "phone":
        return None
    try:
        with ctx.transaction() as tx:
            return _take(ctx, tx, msg, score)
    except IntegrityError:
        return None  # the same SMS raced in twice: ingest's own dedupe answers


def _take(ctx: AppContext, tx: Transaction, msg: InboundMessage, score: int
          ) -> IngestResult | None:
    s = tx.session
    channel = s.get(Channel, msg.channel_id)
    if channel is None or channel.kind != "sms" or not channel.is_active:
        return None
    if msg.provider_id and s.exec(select(Message.id).where(
            Message.tenant_id == channel.tenant_id, Message.channel_id == channel.id,
            Message.direction == "in", Message.provider_id == msg.provider_id)).first():
        return None
    tenant = s.get(Tenant, channel.tenant_id)
    assert tenant is not None
    try:
        phone = normalize_phone(msg.sender.value, tenant.default_region)
    except Invalid:
        return None
    contact_id = s.exec(select(ContactIdentity.contact_id).where(
        ContactIdentity.tenant_id == tenant.id, ContactIdentity.kind == "phone",
        ContactIdentity.value == phone)).first()
    if contact_id is None:
        return None
    now = ctx.clock()
    survey = s.exec(select(CsatSurvey).where(
        CsatSurvey.contact_id == contact_id, CsatSurvey.channel_id == channel.id,
        col(CsatSurvey.expires_at) >= now,
    ).order_by(col(CsatSurvey.sent_at).desc())).first()
    if survey is None:
        return None
    interaction = s.get(Interaction, survey.interaction_id)
    if interaction is None or interaction.status != "resolved":
        return None  # the conversation went on: the digit is part of it
    assert interaction.id is not None and channel.id is not None
    message = Message(tenant_id=tenant.id or 0, interaction_id=interaction.id,
                      channel_id=channel.id, direction="in", text=msg.text,
                      provider_id=msg.provider_id, created_at=now,
                      meta={**msg.meta, "csat": "answer"})
    s.add(message)
    s.flush()
    assert message.id is not None
    _record(tx, survey, score, survey.comment, "sms", now)
    tx.emit(_message_event(interaction, message))
    return IngestResult(message_id=message.id, interaction_id=interaction.id,
                        assignee_id=interaction.assignee_id)


def _message_event(interaction: Interaction, message: Message) -> Event:
    return Event(type="message.created", tenant_id=interaction.tenant_id,
                 data=message_dict(message), interaction_id=interaction.id,
                 skill_group_id=interaction.skill_group_id,
                 assignee_id=interaction.assignee_id)
