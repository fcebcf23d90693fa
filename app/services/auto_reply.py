"""Automatic replies the product itself sends (closed hours), through the outbox
like any reply so they are retried and tracked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from app.context import Transaction
from app.models import Channel, Interaction, InteractionEvent, Message, OutboxItem, Tenant

CLOSED_NOTICE = {
    "fr": "Bonjour, nous sommes fermés pour le moment. Nous vous répondrons dès notre "
          "réouverture{when}. Merci de votre patience.",
    "en": "Hello, we are closed at the moment. We will answer as soon as we open{when}. "
          "Thank you for your patience.",
}
_WHEN = {"fr": " ({})", "en": " ({})"}
_FORMAT = {"fr": "EEEE d MMMM 'à' HH:mm", "en": "EEEE d MMMM 'at' HH:mm"}


def closed_notice_text(tenant: Tenant, reopens_at: datetime | None) -> str:
    lang = tenant.locale if tenant.locale in CLOSED_NOTICE else "fr"
    custom = ((tenant.settings or {}).get("routing") or {}).get("closed_message") or {}
    template = custom.get(lang) or CLOSED_NOTICE[lang]
    when = ""
    if reopens_at is not None:
        local = format_datetime(reopens_at, _FORMAT[lang], tzinfo=ZoneInfo(tenant.timezone),
                                locale=lang)
        when = _WHEN[lang].format(local)
    return str(template).replace("{when}", when)


def queue_closed_notice(
    tx: Transaction, tenant: Tenant, channel: Channel, interaction: Interaction,
    reopens_at: datetime | None, now: datetime,
) -> None:
    assert interaction.id is not None and channel.id is not None
    message = Message(
        tenant_id=interaction.tenant_id, interaction_id=interaction.id, channel_id=channel.id,
        direction="out", kind="message", text=closed_notice_text(tenant, reopens_at),
        delivery_status="queued", created_at=now,
        # Other robots must not answer this one (RFC 3834).
        meta={"auto": "after_hours", "auto_submitted": True},
    )
    tx.session.add(message)
    tx.session.flush()
    assert message.id is not None
    tx.session.add(OutboxItem(tenant_id=interaction.tenant_id, message_id=message.id,
                              channel_id=channel.id, next_attempt_at=now, created_at=now,
                              updated_at=now))
    tx.session.add(InteractionEvent(tenant_id=interaction.tenant_id,
                                    interaction_id=interaction.id, kind="auto_replied",
                                    data={"reason": "after_hours"}, created_at=now))
