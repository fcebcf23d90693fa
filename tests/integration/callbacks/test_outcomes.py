"""Agents record how each call went; no answer and busy come back later, per the
channel's retry policy, inside business hours; every attempt is kept."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import actions
from app.context import AppContext
from app.models import CallbackAttempt, Interaction, Message, OutboxItem
from tests.factories import bearer, make_world
from tests.integration.callbacks.conftest import WEEKDAYS_8_TO_17, CallbackWorld, callback_world
from tests.integration.chat.conftest import set_tenant_settings
from tests.support.http_gateway import recording_gateway


def book_and_take(ctx: AppContext, client: TestClient, cb: CallbackWorld) -> int:
    actions.set_presence(ctx, cb.world.agents["awa"], "available")
    r = client.post(cb.url, json={"name": "Fatou", "phone": "77 123 45 67"})
    assert r.status_code == 201
    iid = int(r.json()["interaction_id"])
    assert status_of(ctx, iid)[0] == "assigned"
    return iid


def status_of(ctx: AppContext, iid: int) -> tuple[str, int | None, str]:
    with ctx.read_session() as s:
        i = s.get(Interaction, iid)
        assert i is not None
        return i.status, i.assignee_id, i.queued_at.isoformat()


def outcome(client: TestClient, cb: CallbackWorld, iid: int, value: str,
            who: str = "awa") -> Any:
    return client.post(f"/api/v1/interactions/{iid}/callback-outcomes",
                       json={"outcome": value, "note": f"{value}!"},
                       headers=bearer(cb.world.tokens[who]))


def test_no_answer_retries_on_the_policy_until_it_gives_up(ctx: AppContext,
                                                          client: TestClient) -> None:
    cb = callback_world(ctx)  # default: +10 min, +1 h, next morning; 4 attempts
    set_tenant_settings(ctx, "acme", hours=WEEKDAYS_8_TO_17)
    iid = book_and_take(ctx, client, cb)
    awa = cb.world.agents["awa"].user_id

    r = outcome(client, cb, iid, "no_answer")
    assert r.status_code == 201, r.text
    assert r.json() == {"attempt": 1, "outcome": "no_answer", "status": "queued",
                        "retry_at": "2025-06-02T10:10:00Z", "sms_message_id": None}
    assert status_of(ctx, iid) == ("queued", None, "2025-06-02T10:10:00+00:00")
    actions.dispatch_waiting(ctx)
    assert status_of(ctx, iid)[0] == "queued"  # not yet
    cb.clock.advance(minutes=10)
    actions.dispatch_waiting(ctx)
    assert status_of(ctx, iid)[:2] == ("assigned", awa)

    r = outcome(client, cb, iid, "busy")
    assert r.json()["retry_at"] == "2025-06-02T11:10:00Z"
    cb.clock.advance(hours=1)
    actions.dispatch_waiting(ctx)
    assert status_of(ctx, iid)[0] == "assigned"

    r = outcome(client, cb, iid, "no_answer")
    assert r.json()["retry_at"] == "2025-06-03T08:00:00Z"  # next business morning
    cb.clock.advance(hours=21)  # Tuesday 08:10
    actions.dispatch_waiting(ctx)
    assert status_of(ctx, iid)[0] == "assigned"

    r = outcome(client, cb, iid, "no_answer")
    assert r.json()["status"] == "abandoned" and r.json()["retry_at"] is None
    assert outcome(client, cb, iid, "busy").status_code == 409  # closed

    details = client.get(f"/api/v1/interactions/{iid}/callback",
                         headers=bearer(cb.world.tokens["awa"])).json()
    assert [(a["attempt"], a["outcome"], a["agent"]) for a in details["attempts"]] == [
        (1, "no_answer", "Awa"), (2, "busy", "Awa"), (3, "no_answer", "Awa"),
        (4, "no_answer", "Awa")]
    assert details["attempts"][0]["note"] == "no_answer!"


def test_reached_resolves_and_frees_the_agent(ctx: AppContext, client: TestClient) -> None:
    cb = callback_world(ctx)
    iid = book_and_take(ctx, client, cb)
    second = client.post(cb.url, json={"name": "Moussa", "phone": "+221781112233"}).json()
    assert status_of(ctx, second["interaction_id"])[0] == "queued"  # Awa holds one call-back
    r = outcome(client, cb, iid, "reached_resolved")
    assert r.json()["status"] == "resolved"
    # Her capacity came back: the next call-back is hers at once.
    assert status_of(ctx, second["interaction_id"])[0] == "assigned"
    r = outcome(client, cb, second["interaction_id"], "wrong_number")
    assert r.json()["status"] == "resolved"  # nobody to call again


def test_policy_from_the_channel_and_the_sms_we_tried_to_call_you(
    ctx: AppContext, client: TestClient
) -> None:
    with recording_gateway() as gateway:
        cb = callback_world(
            ctx, config={"retry_delays": [1800], "max_attempts": 2, "sms_on_retry": True,
                         "sip_uri": "sip:{phone}@pbx.acme.sn"},
            sms_config={"provider": "generic", "send_url": gateway.url, "sender": "21000"})
        iid = book_and_take(ctx, client, cb)
        details = client.get(f"/api/v1/interactions/{iid}/callback",
                             headers=bearer(cb.world.tokens["awa"])).json()
        assert details["sip"] == "sip:+221771234567@pbx.acme.sn"
        r = outcome(client, cb, iid, "busy")
        assert r.json()["retry_at"] == "2025-06-02T10:30:00Z"
        sms_id = r.json()["sms_message_id"]
        assert sms_id is not None
        with ctx.read_session() as s:
            message = s.get(Message, sms_id)
            assert message is not None and message.channel_id == cb.world.channel.id
            assert "10:30" in message.text and "Fatou" in message.text
            assert s.exec(select(OutboxItem).where(OutboxItem.message_id == sms_id)).one()
        from tests.integration.chat.conftest import run_outbox

        assert run_outbox(ctx) == 1
        assert [e["body"]["to"] for e in gateway.accepted] == ["+221771234567"]
        cb.clock.advance(minutes=30)
        actions.dispatch_waiting(ctx)
        r = outcome(client, cb, iid, "busy")
        assert r.json()["status"] == "abandoned"  # max_attempts 2


def test_outcomes_are_checked_and_kept_inside_the_tenant(ctx: AppContext,
                                                         client: TestClient) -> None:
    cb = callback_world(ctx)
    other = make_world(ctx, "other")
    iid = book_and_take(ctx, client, cb)
    r = client.post(f"/api/v1/interactions/{iid}/callback-outcomes",
                    json={"outcome": "no_answer"}, headers=bearer(other.tokens["awa"]))
    assert r.status_code == 404
    assert client.get(f"/api/v1/interactions/{iid}/callback",
                      headers=bearer(other.tokens["awa"])).status_code == 404
    r = outcome(client, cb, iid, "maybe")
    assert r.status_code == 422
    r = client.post(f"/api/v1/interactions/{iid}/callback-dial",
                    headers=bearer(cb.world.tokens["awa"]))
    assert r.status_code == 409 and "click_to_call_url" in r.json()["detail"]
    with ctx.read_session() as s:
        assert s.exec(select(CallbackAttempt).where(col(CallbackAttempt.id) > 0)).all() == []


def test_click_to_call_asks_the_telephony(ctx: AppContext, client: TestClient) -> None:
    with recording_gateway() as pbx:
        cb = callback_world(ctx, config={"click_to_call_url": pbx.url})
        iid = book_and_take(ctx, client, cb)
        r = client.post(f"/api/v1/interactions/{iid}/callback-dial",
                        headers=bearer(cb.world.tokens["awa"]))
        assert r.status_code == 202, r.text
        [call] = pbx.accepted
        assert call["body"] == {"interaction_id": iid, "agent_email": "awa@acme.test",
                                "phone": "+221771234567"}
        headers = {k.lower(): v for k, v in call["headers"].items()}
        body = json.dumps(call["body"]).encode()
        expected = hmac.new(cb.channel.secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-teranga-signature"] == f"sha256={expected}"
