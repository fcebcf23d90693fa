"""The whole SMS loop against a real Kannel: phone -> get-url -> Teranga, Teranga -> sendsms ->
phone, and the delivery reports back on the dlr-url."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest

from channels.sms.inbound import receive, receive_status
from channels.sms.outbound import send_sms
from channels.sms.segments import segment_info
from channels.types import ChannelConfig, OutboundMessage, PermanentSendError
from tests.integration.sms.conftest import CHANNEL_KEY, as_webhook_request
from tests.integration.sms.recorder import WebhookRecorder
from tests.support.kannel import KannelGateway

INBOUND_PATH = f"/webhooks/kannel/{CHANNEL_KEY}?"
DLR_PATH = f"/webhooks/kannel/{CHANNEL_KEY}/dlr?"
CUSTOMER = "+221771234567"
TIMEOUT = 15.0


async def wait_call(webhooks: WebhookRecorder, prefix: str):  # type: ignore[no-untyped-def]
    return await asyncio.to_thread(webhooks.wait, prefix, TIMEOUT)


async def send(channel: ChannelConfig, text: str, message_id: int):  # type: ignore[no-untyped-def]
    message = OutboundMessage(message_id=message_id, interaction_id=1, to=CUSTOMER, text=text)
    async with httpx.AsyncClient() as client:
        # The outbox worker's entry point: checks, rate limit, then the Kannel adapter.
        return await send_sms(channel, message, client)


async def test_phone_sms_reaches_teranga_with_its_accents(
    kannel: KannelGateway, webhooks: WebhookRecorder, kannel_channel: ChannelConfig
) -> None:
    text = "Bonjour, ma commande n'est pas arrivée. Ça fait 3 jours ! être"
    kannel.phone_sends(CUSTOMER, "21000", text)
    call = await wait_call(webhooks, INBOUND_PATH)
    assert call.method == "GET"
    [message] = receive(kannel_channel, as_webhook_request(call, webhooks.base_url))
    assert message.text == text
    assert message.sender.value == CUSTOMER
    assert message.recipient == "21000"
    assert message.provider_id  # Kannel's %I, the dedupe key
    assert message.sent_at is not None
    assert message.meta["provider"] == "kannel"


async def test_ucs2_phone_sms_arrives_as_utf16be_and_decodes_exactly(
    kannel: KannelGateway, webhooks: WebhookRecorder, kannel_channel: ChannelConfig
) -> None:
    text = "Ça coûte combien ? Je suis à Thiès 😀"
    kannel.phone_sends(CUSTOMER, "21000", text, ucs2=True)
    call = await wait_call(webhooks, INBOUND_PATH)
    assert call.query["coding"] == "2"
    assert call.query["charset"] == "UTF-16BE"
    assert "%00%C7" in call.path  # "Ç" as UTF-16BE bytes, which UTF-8 parsing would mangle
    [message] = receive(kannel_channel, as_webhook_request(call, webhooks.base_url))
    assert message.text == text


async def test_stop_from_the_phone_is_tagged_as_opt_out(
    kannel: KannelGateway, webhooks: WebhookRecorder, kannel_channel: ChannelConfig
) -> None:
    kannel.phone_sends(CUSTOMER, "21000", "Arrêt")
    call = await wait_call(webhooks, INBOUND_PATH)
    [message] = receive(kannel_channel, as_webhook_request(call, webhooks.base_url))
    assert message.meta["keyword"] == "opt_out"


async def test_reply_with_accents_goes_out_as_ucs2_and_is_delivered(
    kannel: KannelGateway, webhooks: WebhookRecorder, kannel_channel: ChannelConfig
) -> None:
    text = "Bonjour ! Votre colis arrive demain à Rufisque, fenêtre 9h–12h."
    result = await send(kannel_channel, text, message_id=4242)
    assert result.status == "sent"
    assert result.detail == "0: Accepted for delivery"

    sms = await asyncio.to_thread(kannel.wait_outbound, TIMEOUT)
    assert (sms.sender, sms.receiver, sms.kind) == ("21000", CUSTOMER, "ucs-2")
    assert sms.text == text

    # The fake SMSC reports "accepted by the SMSC" (8) then "delivered" (1).
    updates = []
    for _ in range(2):
        call = await wait_call(webhooks, DLR_PATH)
        updates += receive_status(kannel_channel, as_webhook_request(call, webhooks.base_url))
    assert sorted(u.status for u in updates) == ["delivered", "sent"]
    assert {u.message_id for u in updates} == {4242}


async def test_gsm_reply_goes_out_as_plain_text(
    kannel: KannelGateway, webhooks: WebhookRecorder, kannel_channel: ChannelConfig
) -> None:
    await send(kannel_channel, "Merci, votre dossier est réglé.", message_id=7)
    sms = await asyncio.to_thread(kannel.wait_outbound, TIMEOUT)
    assert sms.kind == "text"
    assert sms.text == "Merci, votre dossier est réglé."


async def test_long_reply_is_split_as_the_segment_counter_says(
    kannel: KannelGateway, webhooks: WebhookRecorder, kannel_channel: ChannelConfig
) -> None:
    text = "Votre demande n°5421 est prise en charge ; un conseiller vous rappelle très vite. " * 2
    info = segment_info(text)
    assert (info.encoding, info.segments) == ("ucs2", 3)
    await send(kannel_channel, text, message_id=8)
    sms = await asyncio.to_thread(kannel.wait_outbound, TIMEOUT)
    assert sms.parts == info.segments
    assert sms.text == text


async def test_kannel_retries_while_teranga_is_down_and_the_sms_arrives_once(
    kannel: KannelGateway, webhooks: WebhookRecorder, kannel_channel: ChannelConfig
) -> None:
    webhooks.fail_next = 2  # Teranga answers 503 twice
    kannel.phone_sends(CUSTOMER, "21000", "Vous êtes là ?")
    first = await wait_call(webhooks, INBOUND_PATH)
    kannel.phone_sends(CUSTOMER, "21000", "marker")
    marker = await wait_call(webhooks, INBOUND_PATH)
    request = as_webhook_request(first, webhooks.base_url)
    [message] = receive(kannel_channel, request)
    assert message.text == "Vous êtes là ?"
    [after] = receive(kannel_channel, as_webhook_request(marker, webhooks.base_url))
    assert after.text == "marker"
    assert message.provider_id != after.provider_id
    assert all(c.query.get("id") != message.provider_id for c in webhooks.drain())


async def test_wrong_sendsms_password_is_a_permanent_failure(
    kannel: KannelGateway, kannel_channel: ChannelConfig
) -> None:
    channel = replace(kannel_channel, config={**kannel_channel.config, "password": "wrong"})
    with pytest.raises(PermanentSendError) as error:
        await send(channel, "test", message_id=9)
    assert "403" in error.value.detail
