"""The ACD as configured through the API: overflow, hours, SLA, priorities,
strategies, sticky agent, no pick-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import actions
from app.actions import sweeps
from app.context import AppContext
from app.models import AgentState, Contact, Interaction, InteractionEvent, Message, SkillGroup
from channels.types import Identity, InboundMessage
from tests.factories import World, bearer, make_world

# A Sunday morning in Dakar (UTC+0): closed for a Monday-Friday business.
SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def sms(w: World, n: int, text: str = "commande") -> InboundMessage:
    """An SMS from customer ``n``; every call is a new message (its own provider id)."""
    assert w.channel.id is not None
    sms.count += 1  # type: ignore[attr-defined]
    return InboundMessage(channel_id=w.channel.id, sender=Identity("phone", f"+2217710000{n:02d}"),
                          text=text, provider_id=f"p{sms.count}")  # type: ignore[attr-defined]


sms.count = 0  # type: ignore[attr-defined]


def group_id(ctx: AppContext, name: str) -> int:
    with ctx.read_session() as s:
        gid = s.exec(select(SkillGroup.id).where(SkillGroup.name == name)).first()
        assert gid is not None
        return gid


def interaction(ctx: AppContext, iid: int) -> Interaction:
    with ctx.read_session() as s:
        row = s.get(Interaction, iid)
        assert row is not None
        return row


def at(ctx: AppContext, when: datetime) -> None:
    ctx.clock = lambda: when


def test_impossible_configuration_is_refused_with_its_reason(
    ctx: AppContext, client: TestClient
) -> None:
    w = make_world(ctx)
    admin = bearer(w.admin_token)
    url = f"/api/v1/tenants/{w.tenant}/routing"
    cases = [
        ({"hours": {"timezone": "Mars/Olympus", "weekly": {"mon": ["08:00-17:00"]}}},
         "time zone"),
        ({"hours": {"timezone": "Africa/Dakar", "weekly": {"mon": ["08:00-25:00"]}}}, "25:00"),
        ({"hours": {"timezone": "Africa/Dakar", "weekly": {"mon": ["17:00-08:00"]}}}, ""),
        ({"sla": {"chat": {"share": 1.5, "seconds": 30}}}, ""),
        ({"wrap_up_seconds": -5}, "negative"),
        ({"after_hours": {"sms": "dance"}}, ""),
    ]
    for body, words in cases:
        r = client.put(url, json=body, headers=admin)
        assert r.status_code == 422, (body, r.text)
        assert words in r.json()["detail"]
    ventes, support = group_id(ctx, "ventes"), group_id(ctx, "support")
    ok = client.patch(f"/api/v1/skill-groups/{ventes}", headers=admin, json={
        "routing": {"overflow": {"target_group": support, "max_waiting": 5}}})
    assert ok.status_code == 200, ok.text
    loop = client.patch(f"/api/v1/skill-groups/{support}", headers=admin, json={
        "routing": {"overflow": {"target_group": ventes, "max_waiting": 5}}})
    assert loop.status_code == 422 and "overflow loop" in loop.json()["detail"]
    r = client.patch(f"/api/v1/skill-groups/{ventes}", headers=admin,
                     json={"routing": {"strategy": "random"}})
    assert r.status_code == 422
    awa = w.agents["awa"].user_id
    r = client.patch(f"/api/v1/agents/{awa}", headers=admin, json={"capacity": {"sms": -1}})
    assert r.status_code == 422 and "negative" in r.json()["detail"]
    r = client.patch(f"/api/v1/agents/{awa}", headers=admin, json={"skills": {"ventes": 7}})
    assert r.status_code == 422
    good = {"hours": {"timezone": "Africa/Dakar",
                      "weekly": {d: ["08:00-12:30", "14:00-18:00"]
                                 for d in ("mon", "tue", "wed", "thu", "fri")},
                      "holidays": ["2026-12-25"]},
            "sla": {"sms": {"share": 0.9, "seconds": 600}}, "wrap_up_seconds": 20}
    assert client.put(url, json=good, headers=admin).status_code == 200
    assert client.get(url, headers=admin).json() == good
    # A group with no agents is fine: the work waits, nothing crashes.
    assert actions.ingest(ctx, sms(w, 1)).assignee_id is None


def test_agent_settings_through_the_api(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    other = make_world(ctx, "other")
    admin = bearer(w.admin_token)
    awa = w.agents["awa"].user_id
    r = client.patch(f"/api/v1/agents/{awa}", headers=admin, json={
        "skills": {"ventes": 2, "support": 5}, "capacity": {"sms": 2, "chat": 1},
        "total_capacity": 2, "languages": ["fr", "wo"]})
    assert r.status_code == 200, r.text
    listed = {a["id"]: a for a in client.get("/api/v1/agents", headers=admin).json()["items"]}
    assert listed[awa]["capacity"] == {"sms": 2, "chat": 1}
    assert listed[awa]["total_capacity"] == 2 and listed[awa]["languages"] == ["fr", "wo"]
    assert set(listed[awa]["skills"].values()) == {2, 5}
    assert other.agents["awa"].user_id not in listed
    r = client.patch(f"/api/v1/agents/{other.agents['awa'].user_id}", headers=admin,
                     json={"languages": ["en"]})
    assert r.status_code == 404
    r = client.patch(f"/api/v1/agents/{awa}", headers=bearer(w.tokens["moussa"]),
                     json={"languages": ["en"]})
    assert r.status_code == 403


def test_overflow_sends_new_work_to_the_second_team(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"moussa": {"support": 3}})
    ventes, support = group_id(ctx, "ventes"), group_id(ctx, "support")
    actions.routing_config.update_skill_group(ctx, w.admin, ventes, routing={
        "overflow": {"target_group": support, "max_waiting": 1}})
    first = actions.ingest(ctx, sms(w, 1))
    second = actions.ingest(ctx, sms(w, 2))
    assert interaction(ctx, first.interaction_id).skill_group_id == ventes
    assert interaction(ctx, second.interaction_id).skill_group_id == support
    with ctx.read_session() as s:
        event = s.exec(select(InteractionEvent).where(
            InteractionEvent.kind == "overflowed")).one()
    assert event.data == {"path": [ventes, support], "reasons": ["max_waiting"]}


def test_after_hours_sms_gets_a_closed_notice_and_waits(ctx: AppContext) -> None:
    w = make_world(ctx)
    actions.routing_config.set_tenant_routing(ctx, w.admin, w.tenant, {
        "hours": {"timezone": "Africa/Dakar",
                  "weekly": {d: ["08:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}},
        "after_hours": {"sms": "auto_reply"}})
    at(ctx, SUNDAY)
    result = actions.ingest(ctx, sms(w, 1))
    row = interaction(ctx, result.interaction_id)
    assert row.meta["after_hours"]["action"] == "auto_reply"
    assert row.meta["after_hours"]["reopens_at"].startswith("2026-11-30T08:00")
    with ctx.read_session() as s:
        notice = s.exec(select(Message).where(Message.direction == "out")).one()
    assert "fermés" in notice.text and "lundi 30 novembre à 08:00" in notice.text
    assert notice.meta["auto"] == "after_hours"
    at(ctx, MONDAY)  # open: no notice
    actions.ingest(ctx, sms(w, 2))
    with ctx.read_session() as s:
        assert len(s.exec(select(Message).where(Message.direction == "out")).all()) == 1


def test_sla_due_and_breach(ctx: AppContext) -> None:
    w = make_world(ctx)
    actions.routing_config.set_tenant_routing(ctx, w.admin, w.tenant, {
        "sla": {"sms": {"share": 0.8, "seconds": 900}}})
    at(ctx, MONDAY)
    result = actions.ingest(ctx, sms(w, 1))
    row = interaction(ctx, result.interaction_id)
    assert row.sla_due_at == MONDAY + timedelta(seconds=900)
    at(ctx, MONDAY + timedelta(seconds=899))
    assert sweeps.mark_sla_breaches(ctx) == 0
    at(ctx, MONDAY + timedelta(seconds=901))
    assert sweeps.mark_sla_breaches(ctx) == 1
    assert sweeps.mark_sla_breaches(ctx) == 0
    assert interaction(ctx, result.interaction_id).sla_breached_at == ctx.clock()


def test_vip_and_priority_order_the_pull(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}})
    at(ctx, MONDAY)
    plain = actions.ingest(ctx, sms(w, 1))
    with ctx.transaction() as tx:
        contact = Contact(tenant_id=w.channel.tenant_id, name="VIP", vip=True)
        tx.session.add(contact)
    with ctx.transaction() as tx:
        from app.models import ContactIdentity

        tx.session.add(ContactIdentity(tenant_id=w.channel.tenant_id, contact_id=contact.id,
                                       kind="phone", value="+221770000099"))
    at(ctx, MONDAY + timedelta(seconds=10))
    vip = actions.ingest(ctx, InboundMessage(channel_id=w.channel.id,  # type: ignore[arg-type]
                                             sender=Identity("phone", "+221770000099"),
                                             text="commande", provider_id="vip"))
    # Same words, same escalation level: the VIP flag alone lifts the priority.
    assert interaction(ctx, vip.interaction_id).priority == \
        interaction(ctx, plain.interaction_id).priority + 1
    with ctx.transaction() as tx:
        state = tx.session.get(AgentState, w.agents["awa"].user_id)
        assert state is not None
        state.capacity = {"sms": 1}
        tx.session.add(state)
    actions.set_presence(ctx, w.agents["awa"], "available")
    assert interaction(ctx, vip.interaction_id).assignee_id == w.agents["awa"].user_id
    assert interaction(ctx, plain.interaction_id).status == "queued"


def test_least_occupied_strategy(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}, "binta": {"ventes": 3}})
    ventes = group_id(ctx, "ventes")
    actions.routing_config.update_skill_group(ctx, w.admin, ventes,
                                              routing={"strategy": "least_occupied"})
    for name, cap in (("awa", 10), ("binta", 2)):
        actions.routing_config.update_agent(ctx, w.admin, w.agents[name].user_id,
                                            capacity={"sms": cap})
        actions.set_presence(ctx, w.agents[name], "available")
    got = [actions.ingest(ctx, sms(w, n)).assignee_id for n in range(3)]
    # Binta (2 slots) is half busy after one; Awa (10 slots) takes the rest.
    assert got.count(w.agents["awa"].user_id) == 2
    assert got.count(w.agents["binta"].user_id) == 1


def test_sticky_agent_waits_for_the_last_agent_within_budget(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}, "binta": {"ventes": 3}})
    ventes = group_id(ctx, "ventes")
    actions.routing_config.update_skill_group(ctx, w.admin, ventes,
                                              routing={"sticky_wait_seconds": 60})
    awa, binta = w.agents["awa"], w.agents["binta"]
    for actor in (awa, binta):
        actions.routing_config.update_agent(ctx, w.admin, actor.user_id, capacity={"sms": 1})
    at(ctx, MONDAY)
    actions.set_presence(ctx, awa, "available")
    first = actions.ingest(ctx, sms(w, 1))
    assert first.assignee_id == awa.user_id
    actions.resolve(ctx, awa, first.interaction_id)
    busy = actions.ingest(ctx, sms(w, 2))  # another customer keeps Awa busy
    assert busy.assignee_id == awa.user_id
    actions.set_presence(ctx, binta, "available")
    at(ctx, MONDAY + timedelta(days=30))  # past the reopen window: a new interaction
    back = actions.ingest(ctx, sms(w, 1, "encore une commande"))
    assert back.new_interaction and back.assignee_id is None  # waits for Awa
    actions.resolve(ctx, awa, busy.interaction_id)  # Awa frees up: she gets her customer
    assert interaction(ctx, back.interaction_id).assignee_id == awa.user_id


def test_sticky_budget_runs_out_then_anyone(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}, "binta": {"ventes": 3}})
    ventes = group_id(ctx, "ventes")
    actions.routing_config.update_skill_group(ctx, w.admin, ventes,
                                              routing={"sticky_wait_seconds": 60})
    awa, binta = w.agents["awa"], w.agents["binta"]
    actions.routing_config.update_agent(ctx, w.admin, awa.user_id, capacity={"sms": 1})
    at(ctx, MONDAY)
    actions.set_presence(ctx, awa, "available")
    first = actions.ingest(ctx, sms(w, 1))
    actions.resolve(ctx, awa, first.interaction_id)
    actions.ingest(ctx, sms(w, 2))  # Awa busy
    actions.set_presence(ctx, binta, "available")
    at(ctx, MONDAY + timedelta(days=30))
    back = actions.ingest(ctx, sms(w, 1, "une autre commande"))
    assert back.assignee_id is None
    at(ctx, MONDAY + timedelta(days=30, seconds=61))
    actions.dispatch_waiting(ctx)
    assert interaction(ctx, back.interaction_id).assignee_id == binta.user_id


def test_unaccepted_chat_goes_to_someone_else(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}, "binta": {"ventes": 3}})
    chat = actions.create_channel(ctx, w.admin, w.tenant, "chat", "Site")
    awa, binta = w.agents["awa"], w.agents["binta"]
    at(ctx, MONDAY)
    actions.set_presence(ctx, awa, "available")
    at(ctx, MONDAY + timedelta(seconds=1))
    actions.set_presence(ctx, binta, "available")
    got = actions.ingest(ctx, InboundMessage(channel_id=chat.id,  # type: ignore[arg-type]
                                             sender=Identity("visitor", "v-1"),
                                             text="je veux acheter", provider_id="c1"))
    assert got.assignee_id == awa.user_id  # longest idle
    at(ctx, MONDAY + timedelta(seconds=20))
    assert sweeps.take_back_unaccepted(ctx) == 0
    at(ctx, MONDAY + timedelta(seconds=32))
    assert sweeps.take_back_unaccepted(ctx) == 1
    row = interaction(ctx, got.interaction_id)
    assert row.assignee_id == binta.user_id and awa.user_id in row.meta["excluded_agents"]
    with ctx.read_session() as s:
        assert s.get(AgentState, awa.user_id).presence == "away"  # type: ignore[union-attr]
        kinds = s.exec(select(InteractionEvent.kind).where(
            InteractionEvent.interaction_id == got.interaction_id)
            .order_by(col(InteractionEvent.id))).all()
    assert kinds == ["created", "assigned", "no_pickup", "unassigned", "assigned"]
    sweeps.accept(ctx, binta, got.interaction_id)
    at(ctx, MONDAY + timedelta(seconds=300))
    assert sweeps.take_back_unaccepted(ctx) == 0


def test_work_goes_to_an_agent_who_speaks_its_language(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"john": {"ventes": 3, "triage": 3},
                                "awa": {"ventes": 3, "triage": 3}})
    actions.routing_config.update_agent(ctx, w.admin, w.agents["john"].user_id,
                                        languages=["en"])
    actions.routing_config.update_agent(ctx, w.admin, w.agents["awa"].user_id,
                                        languages=["fr", "wo"])
    at(ctx, MONDAY)
    actions.set_presence(ctx, w.agents["john"], "available")  # longest idle
    at(ctx, MONDAY + timedelta(seconds=5))
    actions.set_presence(ctx, w.agents["awa"], "available")
    fr = actions.ingest(ctx, sms(w, 1, "Bonjour, je voudrais passer une commande svp"))
    en = actions.ingest(ctx, sms(w, 2, "Hello, I would like to place an order please"))
    assert fr.assignee_id == w.agents["awa"].user_id
    assert en.assignee_id == w.agents["john"].user_id
    assert interaction(ctx, fr.interaction_id).language == "fr"
