"""Auto-acknowledgement: per tenant, fr/en, with the reference; never for machine mail; at
most one per customer within the rate limit window. Machine mail never reopens anything."""

from __future__ import annotations

from datetime import timedelta

from app import actions
from app.context import AppContext
from app.db import utcnow
from tests.integration.email_app.helpers import Desk, customer_mail, set_tenant_settings

ACK = {"enabled": True,
       "template_fr": "Bonjour {name}, bien reçu. Référence : {ref}.",
       "template_en": "Hello {name}, received. Reference: {ref}."}


def acks(desk: Desk) -> list[int]:
    return [m.id for m in desk.messages() if m.meta.get("auto_ack") and m.id is not None]


async def test_new_request_is_acknowledged_with_its_reference(desk: Desk, ctx: AppContext
                                                              ) -> None:
    set_tenant_settings(ctx, "acme", email_auto_ack=ACK)
    await desk.mail(customer_mail(1, subject="Commande", body="Bonjour, je veux commander.\r\n"))
    iid = (await desk.inbound("c1@mail.example.org")).interaction_id
    [ack] = await desk.sent(1)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<c1@mail.example.org>"
    assert ack["Subject"] == f"Re: Commande [#T-{iid}]"
    body = ack.get_payload()[0].get_payload(decode=True).decode()
    assert body.strip() == f"Bonjour Awa Diop, bien reçu. Référence : T-{iid}."
    row = desk.message(acks(desk)[0])
    assert row.author_id is None and row.provider_id == ack["Message-ID"].strip("<>")
    assert desk.interaction(iid).first_response_at is None  # a robot is not an answer

    await desk.mail(customer_mail(2, subject="Order", body="Hello, thanks for your help with "
                                  "my order please.\r\n", sender="john@example.com",
                                  name="John"))
    await desk.inbound("c2@mail.example.org")
    sent = await desk.sent(2)
    assert "Hello John, received. Reference: T-" in sent[1].get_payload()[0].get_payload(
        decode=True).decode()


async def test_machine_mail_is_stored_never_acknowledged_never_reopens(
        desk: Desk, ctx: AppContext) -> None:
    set_tenant_settings(ctx, "acme", email_auto_ack=ACK)
    # A robot writes first: stored as a new interaction, no acknowledgement.
    await desk.mail(customer_mail(1, "Auto-Submitted: auto-generated\r\n",
                                  subject="Votre relevé", sender="robot@bank.example"))
    await desk.inbound("c1@mail.example.org")
    # A person writes, gets an acknowledgement, and their out-of-office answers it.
    await desk.mail(customer_mail(2, subject="Commande"))
    iid = (await desk.inbound("c2@mail.example.org")).interaction_id
    [ack] = await desk.sent(1)
    actions.resolve(ctx, desk.world.admin, iid)
    ooo = customer_mail(3, f"In-Reply-To: {ack['Message-ID']}\r\nAuto-Submitted: auto-replied"
                           "\r\n", "Je suis absente jusqu'au 20 janvier.\r\n",
                        subject="Réponse automatique : Re: Commande")
    await desk.mail(ooo)
    stored = await desk.inbound("c3@mail.example.org")
    await desk.handled(3)
    assert stored.interaction_id == iid and stored.meta["kind"] == "auto_reply"
    assert desk.interaction(iid).status == "resolved"  # not reopened by a robot
    assert len(acks(desk)) == 1 and len(desk.smtp.messages) == 1
    assert len(desk.interactions()) == 2


async def test_one_acknowledgement_per_customer_per_window(desk: Desk, ctx: AppContext
                                                           ) -> None:
    # Every mail after a resolution opens a new interaction, to reach the rate limit.
    set_tenant_settings(ctx, "acme", email_auto_ack={**ACK, "rate_limit_minutes": 60},
                        reopen_window_days=0)
    admin = desk.world.admin
    await desk.mail(customer_mail(1, subject="Un"))
    first = (await desk.inbound("c1@mail.example.org")).interaction_id
    await desk.sent(1)
    actions.resolve(ctx, admin, first)
    await desk.mail(customer_mail(2, subject="Deux"))
    second = (await desk.inbound("c2@mail.example.org")).interaction_id
    assert second != first
    await desk.handled(2)
    assert len(acks(desk)) == 1  # within the hour: none
    actions.resolve(ctx, admin, second)
    ctx.clock = lambda: utcnow() + timedelta(minutes=61)
    await desk.mail(customer_mail(3, subject="Trois"))
    third = (await desk.inbound("c3@mail.example.org")).interaction_id
    assert third not in (first, second)
    await desk.sent(2)
    assert len(acks(desk)) == 2
