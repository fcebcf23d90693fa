"""SMS rules of the product: length limits, segment preview, the thread window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app import actions
from app.context import AppContext
from app.errors import Invalid
from app.models import Tenant
from channels.types import Identity, InboundMessage
from tests.factories import bearer, make_world


def tenant_settings(ctx: AppContext, **values: object) -> None:
    with ctx.transaction() as tx:
        tenant = tx.session.exec(select(Tenant)).one()
        tenant.settings = {**tenant.settings, **values}
        tx.session.add(tenant)


def test_segment_preview(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    r = client.post("/api/v1/sms/segments", json={"text": "Votre commande est prête"},
                    headers=bearer(w.tokens["awa"]))
    assert r.json() == {"encoding": "ucs2", "characters": 24, "segments": 1,
                        "per_segment": 70, "remaining": 46, "non_gsm7": ["ê"]}
    r = client.post("/api/v1/sms/segments", json={"text": "é" * 161},
                    headers=bearer(w.tokens["awa"]))
    assert r.json()["encoding"] == "gsm7" and r.json()["segments"] == 2


def test_reply_over_the_tenant_limit_is_refused(ctx: AppContext) -> None:
    w = make_world(ctx)
    tenant_settings(ctx, sms_max_segments=2)
    awa = w.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    got = actions.ingest(ctx, InboundMessage(channel_id=w.channel.id,  # type: ignore[arg-type]
                                             sender=Identity("phone", "+221771234567"),
                                             text="commande", provider_id="1"))
    actions.reply(ctx, awa, got.interaction_id, "ô" * 134)  # two UCS-2 segments: fine
    with pytest.raises(Invalid, match="3 segments"):
        actions.reply(ctx, awa, got.interaction_id, "ô" * 135)


def test_thread_window_starts_a_new_conversation(ctx: AppContext) -> None:
    w = make_world(ctx)
    tenant_settings(ctx, sms_thread_window_hours=24)
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)

    def sms(pid: str, at: datetime) -> int:
        ctx.clock = lambda: at
        return actions.ingest(ctx, InboundMessage(
            channel_id=w.channel.id,  # type: ignore[arg-type]
            sender=Identity("phone", "+221771234567"), text="commande",
            provider_id=pid)).interaction_id

    first = sms("a", start)
    assert sms("b", start + timedelta(hours=23)) == first
    assert sms("c", start + timedelta(hours=48)) != first
