"""Routing rules edited with forms: every refusal is a 422 naming the field at fault
(never a 500), and the admin page shows the rules as fields, not JSON."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.context import AppContext
from app.models import SkillGroup
from tests.factories import bearer, make_world
from tests.integration.ui.test_ui_pages import login


def group_ids(ctx: AppContext) -> dict[str, int]:
    with ctx.read_session() as s:
        return {g.name: g.id or 0 for g in s.exec(select(SkillGroup))}


@pytest.mark.parametrize(("routing", "field"), [
    ({"strategy": "fastest"}, "routing.strategy"),
    ({"aging_seconds": 0}, "routing.aging_seconds"),
    ({"aging_seconds": "soon"}, "routing.aging_seconds"),
    ({"sticky_wait_seconds": -5}, "routing.sticky_wait_seconds"),
    ({"overflow": {"max_waiting": 3}}, "routing.overflow.target_group"),
    ({"overflow": {"target_group": "OTHER"}}, "routing.overflow.max_waiting"),
    ({"overflow": {"target_group": "OTHER", "max_waiting": 0}}, "routing.overflow.max_waiting"),
    ({"overflow": {"target_group": "OTHER", "max_oldest_wait_seconds": -1}},
     "routing.overflow.max_oldest_wait_seconds"),
    ({"overflow": {"target_group": 999999, "max_waiting": 2}}, "routing.overflow.target_group"),
    ({"after_hours_group": "SELF"}, "routing.after_hours_group"),
])
def test_group_rules_are_refused_with_the_field(
    ctx: AppContext, client: TestClient, routing: dict[str, Any], field: str
) -> None:
    w = make_world(ctx)
    ids = group_ids(ctx)

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return {"OTHER": ids["support"], "SELF": ids["ventes"]}.get(value, value) \
            if isinstance(value, str) else value

    r = client.patch(f"/api/v1/skill-groups/{ids['ventes']}", json={"routing": fill(routing)},
                     headers=bearer(w.admin_token))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field, r.json()


def test_an_overflow_loop_is_refused_on_the_target_field(ctx: AppContext, client: TestClient
                                                         ) -> None:
    w = make_world(ctx)
    ids = group_ids(ctx)
    r = client.patch(f"/api/v1/skill-groups/{ids['ventes']}", headers=bearer(w.admin_token),
                     json={"routing": {"overflow": {"target_group": ids["support"],
                                                    "max_oldest_wait_seconds": 120}}})
    assert r.status_code == 200, r.text
    r = client.patch(f"/api/v1/skill-groups/{ids['support']}", headers=bearer(w.admin_token),
                     json={"routing": {"overflow": {"target_group": ids["ventes"],
                                                    "max_waiting": 5}}})
    assert r.status_code == 422 and "loop" in r.json()["detail"]
    assert r.json()["field"] == "routing.overflow.target_group"


@pytest.mark.parametrize(("rules", "field"), [
    ({"hours": {"timezone": "Mars/Olympus"}}, "hours.timezone"),
    ({"hours": {"weekly": {"mon": ["08:00-12:00"]}}}, "hours.timezone"),
    ({"hours": {"timezone": "Africa/Dakar", "weekly": {"mon": ["08:00-12:00"],
                                                       "tue": ["25:00-18:00"]}}},
     "hours.weekly.tue"),
    ({"hours": {"timezone": "Africa/Dakar", "holidays": ["someday"]}}, "hours.holidays"),
    ({"after_hours": {"sms": "queue", "chat": "dance"}}, "after_hours.chat"),
    ({"sla": {"chat": {"share": 1.5, "seconds": 30}}}, "sla.chat.share"),
    ({"sla": {"sms": {"share": 0.8}}}, "sla.sms.seconds"),
    ({"sla": {"chat": {"share": "most", "seconds": 30}}}, "sla.chat.share"),
    ({"wrap_up_seconds": -1}, "wrap_up_seconds"),
    ({"no_pickup_seconds": {"chat": 30, "callback": 0}}, "no_pickup_seconds.callback"),
    ({"priority": {"escalation_priority": {"1": 2, "3": 9}}}, "priority.escalation_priority.3"),
    ({"priority": {"vip_boost": -1}}, "priority.vip_boost"),
    ({"closed_message": "Fermé"}, "closed_message"),
])
def test_tenant_rules_are_refused_with_the_field(
    ctx: AppContext, client: TestClient, rules: dict[str, Any], field: str
) -> None:
    w = make_world(ctx)
    r = client.put("/api/v1/tenants/acme/routing", json=rules, headers=bearer(w.admin_token))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field, r.json()


def test_the_admin_page_shows_rules_as_fields(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx, passwords=True)
    ids = group_ids(ctx)
    login(client, "admin@acme.test")
    fresh = client.get("/admin/t/acme?lang=en").text
    # Nothing stored: the defaults that apply are shown (SMS answered 80 % within 900 s).
    assert 'name="sla.sms.seconds" data-type="number" type="number" min="1" step="any" ' \
           'value="900"' in fresh
    rules = {"hours": {"timezone": "Africa/Dakar", "weekly": {"mon": ["08:00-13:00",
                                                                      ["15:00", "18:00"]]}},
             "sla": {"chat": {"share": 0.9, "seconds": 20}}, "wrap_up_seconds": 15,
             "closed_message": {"fr": "Fermé {when}"}}
    assert client.put("/api/v1/tenants/acme/routing", json=rules,
                      headers=bearer(w.admin_token)).status_code == 200
    assert client.patch(f"/api/v1/skill-groups/{ids['ventes']}", headers=bearer(w.admin_token),
                        json={"routing": {"strategy": "round_robin", "aging_seconds": None,
                                          "overflow": {"target_group": ids["support"],
                                                       "max_waiting": 4}}}).status_code == 200
    html = client.get("/admin/t/acme?lang=en").text
    assert 'value="08:00-13:00, 15:00-18:00"' in html
    assert 'name="sla.chat.share"' in html and 'value="90"' in html
    # A stored SLA mapping is the whole truth: SMS now has no target, shown empty.
    assert 'name="sla.sms.seconds" data-type="number" type="number" min="1" step="any" ' \
           'value=""' in html
    assert f'<option value="{ids["support"]}" selected>support</option>' in html
    assert '<option value="round_robin" selected>' in html
    assert 'name="routing.aging_seconds" data-type="null" checked' in html
    assert 'value="4"' in html and "Fermé {when}" in html
    assert 'data-type="json"' not in html.split('id="groups"')[1].split('id="agents"')[0]
    assert 'id="rules-json"' not in html
