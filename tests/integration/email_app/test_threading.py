"""Threading through the real mailbox and ingest: a reply chain written by several mail
clients stays in one interaction; the subject tag decides when nothing else does; the
reopen window is the tenant's; another tenant's ids and tags never attach across."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from app import actions
from app.context import AppContext
from app.db import utcnow
from tests.integration.email.conftest import _require_dovecot
from tests.integration.email_app.helpers import (
    Desk,
    customer_mail,
    make_desk,
    set_tenant_settings,
)
from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer


async def test_reply_chain_across_mail_clients_stays_in_one_interaction(desk: Desk) -> None:
    await desk.mail(customer_mail(1, subject="Colis perdu", body="Mon colis est perdu.\r\n"))
    first = await desk.inbound("c1@mail.example.org")
    iid = first.interaction_id
    reply_id = desk.reply(iid, "Bonjour Awa, nous cherchons votre colis.")
    ours = desk.message(reply_id).provider_id
    assert ours and ours.startswith(f"teranga.{iid}.{reply_id}.")  # stored before the send

    [sent] = await desk.sent(1)
    assert sent["Message-ID"] == f"<{ours}>"
    assert sent["In-Reply-To"] == "<c1@mail.example.org>"
    assert sent["References"] == "<c1@mail.example.org>"
    assert sent["Subject"] == f"Re: Colis perdu [#T-{iid}]"
    assert sent["From"] == '"Admin acme (Support Acme)" <support@example.test>'
    assert sent["Reply-To"] == "support@example.test"
    assert sent["To"] == "awa@example.org"
    assert sent.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in sent.get_payload()] == ["text/plain", "text/html"]

    tag = f"[#T-{iid}]"
    chain = [
        # Gmail: In-Reply-To our reply, References the whole thread, French attribution.
        customer_mail(2, f"In-Reply-To: <{ours}>\r\nReferences: <c1@mail.example.org> <{ours}>"
                         "\r\n", "Merci, j'attends.\r\n\r\nLe mar. 14 janv. 2025 à 10:00, "
                         "Support <support@example.test> a écrit :\r\n> Bonjour Awa\r\n",
                      subject=f"Re: Colis perdu {tag}"),
        # Outlook: In-Reply-To rewritten to an id we never saw, Thread-Index, "RE:" + tag.
        customer_mail(3, "In-Reply-To: <AM0PR01MB1234@eurprd01.prod.outlook.com>\r\n"
                         "Thread-Topic: Colis perdu\r\nThread-Index: AQHbZ1x2abc=\r\n",
                      "Toujours rien.\r\n\r\nDe : Support <support@example.test>\r\n"
                      "Envoyé : mardi 14 janvier 2025 10:00\r\n", subject=f"RE: Colis perdu {tag}"),
        # Thunderbird: References to the customer's own previous mail only.
        customer_mail(4, "In-Reply-To: <c2@mail.example.org>\r\n"
                         "References: <c1@mail.example.org> <c2@mail.example.org>\r\n",
                      "J'oubliais : numéro 42.\r\n", subject="Re: Colis perdu"),
    ]
    for raw in chain:
        await desk.mail(raw)
    for n in (2, 3, 4):
        message = await desk.inbound(f"c{n}@mail.example.org")
        assert message.interaction_id == iid, n
    assert len(desk.interactions()) == 1
    assert [m.text for m in desk.messages(iid) if m.direction == "in"][1:] == [
        "Merci, j'attends.", "Toujours rien.", "J'oubliais : numéro 42."]


async def test_subject_tag_alone_threads_and_the_reopen_window_is_the_tenant_s(
        desk: Desk, ctx: AppContext) -> None:
    awa = desk.world.admin
    await desk.mail(customer_mail(1, subject="Facture"))
    first = (await desk.inbound("c1@mail.example.org")).interaction_id
    actions.resolve(ctx, awa, first)
    # A new request while the window is closed: a new interaction, the old one stays resolved.
    set_tenant_settings(ctx, "acme", reopen_window_days=0)
    await desk.mail(customer_mail(2, subject="Autre chose"))
    second = (await desk.inbound("c2@mail.example.org")).interaction_id
    assert second != first
    set_tenant_settings(ctx, "acme", reopen_window_days=7)
    # Only the tag names the first one (no In-Reply-To, no References): it is reopened,
    # although the contact's latest open interaction is the second.
    await desk.mail(customer_mail(3, subject=f"Re: Facture [#T-{first}]"))
    assert (await desk.inbound("c3@mail.example.org")).interaction_id == first
    assert desk.interaction(first).status in ("queued", "assigned")
    # Without tag or reference: the contact's latest interaction.
    await desk.mail(customer_mail(4, subject="Et encore"))
    assert (await desk.inbound("c4@mail.example.org")).interaction_id == second

    # Resolved longer ago than the window: a reply with every reference opens a new one.
    actions.resolve(ctx, awa, first)
    actions.resolve(ctx, awa, second)
    ctx.clock = lambda: utcnow() + timedelta(days=8)
    await desk.mail(customer_mail(5, "In-Reply-To: <c3@mail.example.org>\r\n",
                                  subject=f"Re: Facture [#T-{first}]"))
    late = (await desk.inbound("c5@mail.example.org")).interaction_id
    assert late not in (first, second)
    assert desk.interaction(first).status == "resolved"


async def test_a_tag_from_another_customer_does_not_attach(desk: Desk) -> None:
    await desk.mail(customer_mail(1, subject="Colis"))
    iid = (await desk.inbound("c1@mail.example.org")).interaction_id
    await desk.mail(customer_mail(2, subject=f"Re: Colis [#T-{iid}]", sender="intrus@example.net"))
    other = (await desk.inbound("c2@mail.example.org")).interaction_id
    assert other != iid


@pytest.fixture
def dovecot_b() -> Iterator[Dovecot]:
    _require_dovecot()
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


async def test_tenant_isolation_ids_and_tags_of_tenant_a_never_thread_in_tenant_b(
        desk: Desk, ctx: AppContext, dovecot_b: Dovecot, smtp_server: SmtpServer) -> None:
    await desk.mail(customer_mail(1, subject="Commande"))
    a_message = await desk.inbound("c1@mail.example.org")
    a_iid = a_message.interaction_id
    ours = desk.message(desk.reply(a_iid, "Bien reçu.")).provider_id
    await desk.sent(1)

    bravo = make_desk(ctx, dovecot_b, smtp_server, slug="bravo")
    await bravo.start(outbox=False)
    try:
        # The same customer writes to tenant B quoting everything of tenant A's thread.
        await bravo.mail(customer_mail(
            "b1", f"In-Reply-To: <{ours}>\r\nReferences: <c1@mail.example.org> <{ours}>\r\n",
            subject=f"Re: Commande [#T-{a_iid}]"))
        b_message = await bravo.inbound("cb1@mail.example.org")
    finally:
        await bravo.close()
    b_interaction = bravo.interaction(b_message.interaction_id)
    assert b_interaction.tenant_id == bravo.channel.tenant_id != desk.channel.tenant_id
    assert b_message.interaction_id != a_iid
    assert [m.id for m in desk.messages(a_iid)] == [a_message.id, *[
        m.id for m in desk.messages(a_iid) if m.direction == "out"]]
