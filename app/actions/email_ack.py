"""Auto-acknowledgement of a new email request: "we received your message, reference T-42".

Per tenant (``tenant.settings["email_auto_ack"]``)::

    {"enabled": true,
     "template_fr": "Bonjour {name}, … référence {ref} …",   # optional, defaults below
     "template_en": "Hello {name}, … reference {ref} …",
     "rate_limit_minutes": 60}                                # one per customer per window

Placeholders: ``{ref}`` (``T-<id>``, also in the subject tag), ``{name}``, ``{subject}``.
The message goes through the outbox like a reply, with ``Auto-Submitted: auto-replied`` so
that the customer's own robots (out-of-office) do not answer it, and it is never sent for
auto-replies or bounces (the caller only asks for new requests written by a person).
It does not count as the first response: the customer still waits for a person.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from app.actions.outbox import enqueue_system_email
from app.context import AppContext
from app.events import Event
from app.models import Interaction, Message, Tenant
from app.serializers import message_dict
from channels.types import ChannelConfig, InboundMessage

log = logging.getLogger(__name__)

DEFAULT_TEMPLATES = {
    "fr": ("Bonjour{name_part},\n\nNous avons bien reçu votre message et nous vous répondrons "
           "dans les meilleurs délais. Votre référence : {ref}.\nPour compléter votre demande, "
           "répondez simplement à ce message.\n\nCordialement,\nLe service client"),
    "en": ("Hello{name_part},\n\nWe have received your message and will answer as soon as "
           "we can. Your reference: {ref}.\nTo add to your request, simply reply to this "
           "message.\n\nBest regards,\nCustomer service"),
}
DEFAULT_RATE_LIMIT_MINUTES = 60
# Robots' addresses: acknowledging them is at best useless, at worst a loop.
_NO_REPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?)"
                       r"(?:[+.\-_].*)?@", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{(ref|name|subject|name_part)\}")
_FR_WORDS = frozenset({
    "bonjour", "merci", "je", "vous", "votre", "mon", "ma", "mes", "est", "pas", "une", "le",
    "la", "les", "des", "pour", "avec", "commande", "svp", "cordialement"})
_EN_WORDS = frozenset({
    "hello", "hi", "thanks", "thank", "you", "your", "my", "is", "not", "the", "and", "for",
    "with", "order", "please", "regards"})


def guess_language(text: str, default: str) -> str:
    """fr or en, by the commonest words; the tenant's language when it cannot tell."""
    words = re.findall(r"[a-zà-ÿ]+", text[:2000].lower())
    fr = sum(w in _FR_WORDS for w in words)
    en = sum(w in _EN_WORDS for w in words)
    if fr > en:
        return "fr"
    if en > fr:
        return "en"
    return default if default in DEFAULT_TEMPLATES else "fr"


def render(template: str, values: dict[str, str]) -> str:
    """Fill the known placeholders only: a stray brace in an admin's template is kept as
    written instead of failing the acknowledgement."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def send_auto_ack(ctx: AppContext, channel: ChannelConfig, interaction_id: int,
                  inbound: InboundMessage) -> bool:
    """Queue the acknowledgement of a new request, unless the tenant has none or this
    customer had one within the rate limit window. Returns whether one was queued."""
    if _NO_REPLY.match(inbound.sender.value):
        return False
    with ctx.transaction() as tx:
        s = tx.session
        tenant = s.get(Tenant, channel.tenant_id)
        interaction = s.get(Interaction, interaction_id)
        if tenant is None or interaction is None or interaction.tenant_id != tenant.id:
            return False
        config = tenant.settings.get("email_auto_ack")
        if not isinstance(config, dict) or not config.get("enabled"):
            return False
        now = ctx.clock()
        minutes = _number(config.get("rate_limit_minutes"), DEFAULT_RATE_LIMIT_MINUTES)
        recent = s.exec(
            select(Message.meta)
            .join(Interaction, col(Interaction.id) == col(Message.interaction_id))
            .where(Interaction.contact_id == interaction.contact_id,
                   Message.channel_id == channel.id, Message.direction == "out",
                   col(Message.author_id).is_(None),
                   Message.created_at >= now - timedelta(minutes=minutes))
        ).all()
        if any(isinstance(m, dict) and m.get("auto_ack") for m in recent):
            log.info("email channel=%s: no auto-ack for %s (one sent within %s min)",
                     channel.id, inbound.sender.value, minutes)
            return False
        language = guess_language(f"{inbound.subject or ''}\n{inbound.text}", tenant.locale)
        template = config.get(f"template_{language}")
        if not isinstance(template, str) or not template.strip():
            template = DEFAULT_TEMPLATES[language]
        name = (inbound.sender.name or "").strip()
        ref = f"T-{interaction_id}"
        text = render(template, {"ref": ref, "name": name, "subject": inbound.subject or "",
                                 "name_part": f" {name}" if name else ""}).strip()
        to = str(inbound.meta.get("reply_to") or inbound.sender.value)
        message = Message(tenant_id=interaction.tenant_id, interaction_id=interaction_id,
                          channel_id=channel.id, direction="out", text=text[:20_000],
                          delivery_status="queued", created_at=now,
                          meta={"auto_ack": True, "auto_submitted": True, "ref": ref, "to": to,
                                "language": language})
        enqueue_system_email(s, channel, message, interaction_id, interaction.tenant_id, now)
        tx.emit(Event(type="message.created", tenant_id=interaction.tenant_id,
                      data=message_dict(message), interaction_id=interaction_id,
                      skill_group_id=interaction.skill_group_id,
                      assignee_id=interaction.assignee_id))
    if ctx.outbox_wakeup is not None:
        ctx.outbox_wakeup()
    return True


def _number(value: Any, default: int) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default
