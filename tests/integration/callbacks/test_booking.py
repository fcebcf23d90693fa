"""``POST /public/callbacks/{key}``: bad input named, slots inside business hours, and a
call-back booked for later reaches an agent only when it is due."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from app import actions
from app.context import AppContext
from app.models import Interaction
from tests.factories import bearer
from tests.integration.callbacks.conftest import (
    MONDAY_10,
    WEEKDAYS_8_TO_17,
    callback_world,
)
from tests.integration.chat.conftest import set_tenant_settings


def test_bad_requests_are_refused_naming_the_problem(ctx: AppContext, client: TestClient
                                                     ) -> None:
    cb = callback_world(ctx)
    set_tenant_settings(ctx, "acme", hours=WEEKDAYS_8_TO_17)
    cases = [
        ({"name": "Fatou", "phone": "12"}, "phone"),
        ({"name": "Fatou", "phone": "+221 12 345"}, "phone"),
        ({"name": "Fatou", "phone": "21000"}, "short code"),
        ({"name": "Fatou", "phone": "bonjour"}, "phone"),
        ({"name": "  ", "phone": "77 123 45 67"}, "name"),
        ({"phone": "77 123 45 67"}, "name"),
        ({"name": "Fatou", "phone": "77 123 45 67", "when": "demain"}, "when"),
        ({"name": "Fatou", "phone": "77 123 45 67", "when": "2025-06-02T20:00:00Z"},
         "outside business hours"),
        ({"name": "Fatou", "phone": "77 123 45 67", "when": "2025-06-07T10:00:00"},
         "outside business hours"),  # a Saturday
        ({"name": "Fatou", "phone": "77 123 45 67", "when": "2025-06-01T10:00:00Z"},
         "already passed"),
        ({"name": "Fatou", "phone": "77 123 45 67", "when": "2025-09-01T10:00:00Z"},
         "days ahead"),
        ({"name": "Fatou", "phone": "77 123 45 67", "colour": "red"}, "colour"),
        ({"name": "Fatou", "phone": "77 123 45 67", "note": 5}, "note"),
    ]
    for body, words in cases:
        r = client.post(cb.url, json=body)
        assert r.status_code == 422, (body, r.text)
        assert words in r.json()["detail"], (body, r.json())
    r = client.post(cb.url, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "JSON" in r.json()["detail"]
    assert client.post("/public/callbacks/nope", json={"name": "a", "phone": "1"}
                       ).status_code == 404
    slot = client.post(cb.url, json={"name": "Fatou", "phone": "77 123 45 67",
                                     "when": "2025-06-02T20:00:00Z"}).json()["detail"]
    assert "next opening is 2025-06-03 08:00" in slot


def test_booked_for_later_waits_until_due(ctx: AppContext, client: TestClient) -> None:
    cb = callback_world(ctx)
    awa = cb.world.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    # Plain text is accepted too: the widget posts text/plain to skip a CORS preflight.
    r = client.post(cb.url, content=b'{"name": "Fatou Sow", "phone": "77 123 45 67", '
                    b'"when": "2025-06-02T11:30:00", "note": "Pour une commande"}',
                    headers={"content-type": "text/plain"})
    assert r.status_code == 201, r.text
    booked = r.json()
    assert booked["phone"] == "+221771234567" and booked["when"] == "2025-06-02T11:30:00Z"
    iid = booked["interaction_id"]

    def state() -> tuple[str, int | None]:
        with ctx.read_session() as s:
            i = s.get(Interaction, iid)
            assert i is not None
            assert i.queued_at == MONDAY_10.replace(hour=11, minute=30)  # SLA counts from here
            return i.status, i.assignee_id

    assert state() == ("queued", None)
    actions.dispatch_waiting(ctx)
    assert state() == ("queued", None)  # not due yet
    cb.clock.advance(minutes=89)
    actions.dispatch_waiting(ctx)
    assert state() == ("queued", None)
    cb.clock.advance(minutes=1)
    actions.dispatch_waiting(ctx)
    assert state() == ("assigned", awa.user_id)
    r = client.get(f"/api/v1/interactions/{iid}/callback", headers=bearer(cb.world.tokens["awa"]))
    assert r.status_code == 200
    assert r.json()["tel"] == "tel:+221771234567" and r.json()["name"] == "Fatou Sow"
    # An agent cannot "reply" to a call-back: the outcome of the call is the answer.
    r = client.post(f"/api/v1/interactions/{iid}/replies", json={"text": "Allô"},
                    headers=bearer(cb.world.tokens["awa"]))
    assert r.status_code == 409


def test_as_soon_as_possible_is_now_or_the_next_opening(ctx: AppContext, client: TestClient
                                                        ) -> None:
    cb = callback_world(ctx)
    awa = cb.world.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    r = client.post(cb.url, json={"name": "Fatou", "phone": "+221771234567", "when": None})
    assert r.status_code == 201 and r.json()["asap"] is True and r.json()["when"] is None
    with ctx.read_session() as s:
        first = s.get(Interaction, r.json()["interaction_id"])
        assert first is not None and first.assignee_id == awa.user_id
    set_tenant_settings(ctx, "acme", hours=WEEKDAYS_8_TO_17)
    cb.clock.advance(hours=9)  # Monday 19:00, closed
    r = client.post(cb.url, json={"name": "Moussa", "phone": "+221781112233"})
    assert r.status_code == 201
    assert r.json()["when"] == "2025-06-03T08:00:00Z"


def test_booking_again_moves_the_time(ctx: AppContext, client: TestClient) -> None:
    cb = callback_world(ctx)
    body = {"name": "Fatou", "phone": "+221771234567", "when": "2025-06-02T15:00:00Z"}
    first = client.post(cb.url, json=body).json()
    second = client.post(cb.url, json={**body, "when": "2025-06-03T09:00:00Z"}).json()
    assert second["interaction_id"] == first["interaction_id"]
    with ctx.read_session() as s:
        i = s.get(Interaction, first["interaction_id"])
        assert i is not None and i.queued_at == MONDAY_10 + timedelta(hours=23)


def test_slots_lie_inside_business_hours(ctx: AppContext, client: TestClient) -> None:
    cb = callback_world(ctx)
    set_tenant_settings(ctx, "acme", hours=WEEKDAYS_8_TO_17)
    r = client.get(f"/public/callbacks/{cb.channel.key}/slots?days=7")
    assert r.status_code == 200
    data = r.json()
    assert data["timezone"] == "Africa/Dakar" and data["open_now"] is True
    assert data["slots"][0] == "2025-06-02T10:30:00Z"  # 15 min lead, 30 min grid
    assert "2025-06-02T16:30:00Z" in data["slots"]
    assert not any(s.startswith(("2025-06-07", "2025-06-08")) for s in data["slots"])
    assert all("08:00:00Z" <= s[11:] < "17:00:00Z" for s in data["slots"])
    for slot in data["slots"][:3]:
        r = client.post(cb.url, json={"name": "F", "phone": "+221771234567", "when": slot})
        assert r.status_code in (201, 429), r.text


def test_limits_per_number_and_per_address(ctx: AppContext, client: TestClient) -> None:
    cb = callback_world(ctx, config={"phone_requests_per_day": 2, "ip_requests_per_hour": 4})
    body = {"name": "Fatou", "phone": "77 123 45 67"}
    assert client.post(cb.url, json=body).status_code == 201
    assert client.post(cb.url, json={**body, "phone": "+221771234567"}).status_code == 201
    r = client.post(cb.url, json=body)
    assert r.status_code == 429 and "this number" in r.json()["detail"]
    assert client.post(cb.url, json={**body, "phone": "+221781112233"}).status_code == 201
    r = client.post(cb.url, json={**body, "phone": "+221701234000"})
    assert r.status_code == 429 and "your address" in r.json()["detail"]


def test_other_sites_are_refused_and_allowed_ones_get_cors(ctx: AppContext,
                                                          client: TestClient) -> None:
    cb = callback_world(ctx, config={"allowed_origins": ["https://shop.example.sn"]})
    body = {"name": "Fatou", "phone": "77 123 45 67"}
    r = client.post(cb.url, json=body, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.options(cb.url, headers={"origin": "https://shop.example.sn",
                                        "access-control-request-method": "POST"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "https://shop.example.sn"
    assert "POST" in r.headers["access-control-allow-methods"]
    r = client.post(cb.url, json=body, headers={"origin": "https://shop.example.sn"})
    assert r.status_code == 201
    assert r.headers["access-control-allow-origin"] == "https://shop.example.sn"
