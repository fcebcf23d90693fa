"""The SMS issue's loop through the whole product and a real Kannel:
a phone texts the short code, the SMS becomes a routed interaction, the agent's
accented reply reaches the phone as UCS-2, delivery reports mark it delivered,
and STOP is honoured."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import httpx
import pytest
from sqlmodel import select

from app import actions
from app.api.routes.webhooks import channel_config
from app.context import AppContext
from app.models import Channel, Contact, Interaction, Message
from channels.sms import endpoints
from tests.factories import bearer, make_world
from tests.support.kannel import KannelGateway, find_kannel
from tests.support.live_server import live_server


def require_kannel() -> None:
    if find_kannel() is None:
        reason = "Kannel is not installed (apt-get install kannel kannel-extras)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def wait_for(check: Callable[[], object], timeout: float = 15.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_phone_to_agent_and_back_through_kannel(
    ctx: AppContext, tmp_path_factory: pytest.TempPathFactory
) -> None:
    require_kannel()
    w = make_world(ctx, channel_config={"provider": "kannel"})
    awa = w.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    with live_server(ctx) as base:
        with ctx.read_session() as s:
            channel = s.get(Channel, w.channel.id)
            assert channel is not None
        get_url = endpoints.inbound_url(channel_config(ctx, channel))
        with KannelGateway(tmp_path_factory.mktemp("kannel"), get_url=get_url) as kannel:
            actions.update_channel(ctx, w.admin, w.channel.id, config={  # type: ignore[arg-type]
                "sendsms_url": kannel.sendsms_url, "username": kannel.username,
                "password": kannel.password, "sender": kannel.short_code})
            kannel.phone_sends("+221771234567", kannel.short_code,
                               "Bonjour, je veux passer une commande de 3 sacs")

            def routed() -> Interaction | None:
                with ctx.read_session() as s:
                    return s.exec(select(Interaction)).first()

            interaction = wait_for(routed)
            assert isinstance(interaction, Interaction)
            assert interaction.assignee_id == awa.user_id
            assert interaction.classification_label == "ventes"
            # "ê" is outside GSM-7, so this one must travel as UCS-2.
            reply = "Très bien ! Votre commande est prête, livraison à Thiès demain."
            r = httpx.post(f"{base}/api/v1/interactions/{interaction.id}/replies",
                           json={"text": reply}, headers=bearer(w.tokens["awa"]))
            assert r.status_code == 202
            message_id = r.json()["message_id"]
            sms = kannel.wait_outbound(timeout=15)
            assert sms.receiver.endswith("771234567")
            assert sms.kind == "ucs-2" and sms.text == reply

            def delivered() -> bool:
                with ctx.read_session() as s:
                    m = s.get(Message, message_id)
                    return m is not None and m.delivery_status == "delivered"

            wait_for(delivered)

            kannel.phone_sends("+221771234567", kannel.short_code, "STOP")

            def opted_out() -> bool:
                with ctx.read_session() as s:
                    return bool(s.exec(select(Contact.sms_opted_out)).first())

            wait_for(opted_out)
            r = httpx.post(f"{base}/api/v1/interactions/{interaction.id}/replies",
                           json={"text": "Encore un mot ?"}, headers=bearer(w.tokens["awa"]))
            assert r.status_code == 409 and "opted out" in r.json()["detail"]
    with ctx.read_session() as s:
        assert len(s.exec(select(Message).where(Message.direction == "in")).all()) == 2


def test_teranga_down_kannel_retries_each_sms_arrives_once(
    ctx: AppContext, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The gateway keeps what it could not hand over; nothing is lost or doubled."""
    require_kannel()
    from tests.support.live_server import free_port

    w = make_world(ctx, channel_config={"provider": "kannel"})
    port = free_port()
    ctx.settings.base_url = f"http://127.0.0.1:{port}"
    with ctx.read_session() as s:
        channel = s.get(Channel, w.channel.id)
        assert channel is not None
    get_url = endpoints.inbound_url(channel_config(ctx, channel))
    with KannelGateway(tmp_path_factory.mktemp("kannel"), get_url=get_url,
                       http_retries=60) as kannel:
        with live_server(ctx, port=port):
            kannel.phone_sends("+221771234567", kannel.short_code, "avant la panne")

            def stored(n: int) -> bool:
                with ctx.read_session() as s:
                    return len(s.exec(select(Message)).all()) >= n

            wait_for(lambda: stored(1))
        # Teranga is down: the phones keep texting.
        for n in range(3):
            kannel.phone_sends(f"+22177123456{n}", kannel.short_code, f"pendant la panne {n}")
        time.sleep(2)  # Kannel tries, fails, and queues them for retry
        with live_server(ctx, port=port):
            wait_for(lambda: stored(4), timeout=60)
            time.sleep(2)  # any late duplicate would land now
    with ctx.read_session() as s:
        texts = sorted(m.text for m in s.exec(select(Message)))
    assert texts == ["avant la panne", "pendant la panne 0", "pendant la panne 1",
                     "pendant la panne 2"]
