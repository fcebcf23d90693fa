"""Notes, transfer, snooze, merge, timeline, viewing: on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import actions
from app.context import AppContext
from app.models import Interaction, InteractionEvent, Message, OutboxItem, SkillGroup
from tests.factories import bearer, make_world
from tests.integration.ui.helpers import interaction_id, sms, two_worlds


def test_a_note_is_stored_never_sent_and_shown_in_the_timeline(
        ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    sms(client, w, "+221771234567", "Le prix du riz ?", "n1")
    iid = interaction_id(client, w, "+221771234567")
    awa = bearer(w.tokens["awa"])
    r = client.post(f"/api/v1/interactions/{iid}/notes", json={"text": "Client fidèle"},
                    headers=awa)
    assert r.status_code == 201, r.text
    with ctx.read_session() as s:
        note = s.get(Message, r.json()["message_id"])
        assert note is not None and note.kind == "note" and note.delivery_status is None
        assert s.exec(select(OutboxItem).where(OutboxItem.message_id == note.id)).first() is None
        assert s.get(Interaction, iid).first_response_at is None  # type: ignore[union-attr]
    timeline = client.get(f"/api/v1/interactions/{iid}/timeline", headers=awa).json()
    assert [(m["kind"], m["text"]) for m in timeline["messages"]] == [
        ("message", "Le prix du riz ?"), ("note", "Client fidèle")]
    assert timeline["messages"][0]["channel"] == "sms"
    assert client.post(f"/api/v1/interactions/{iid}/notes", json={"text": "   "},
                       headers=awa).status_code == 422
    assert client.post(f"/api/v1/interactions/{iid}/notes", json={},
                       headers=awa).status_code == 422


def test_transfer_to_a_group_and_to_an_agent_keeps_the_reason(
        ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}, "moussa": {"support": 4, "ventes": 2}})
    actions.set_presence(ctx, w.agents["awa"], "available")
    sms(client, w, "+221771234567", "Je veux acheter du riz", "t1")
    iid = interaction_id(client, w, "+221771234567")
    awa = bearer(w.tokens["awa"])
    with ctx.read_session() as s:
        groups = {g: gid for gid, g in s.exec(select(SkillGroup.id, SkillGroup.name))}
    r = client.post(f"/api/v1/interactions/{iid}/transfer",
                    json={"skill_group_id": groups["support"], "reason": "panne, pas une vente"},
                    headers=awa)
    assert r.status_code == 200, r.text
    assert r.json() == {"id": iid, "skill_group_id": groups["support"], "assignee": None}
    admin = bearer(w.admin_token)
    moussa_id = w.agents["moussa"].user_id
    actions.set_presence(ctx, w.agents["moussa"], "available")
    # Moussa may have been given it by the distributor already; a supervisor moves it on.
    actions.set_presence(ctx, w.agents["awa"], "available")
    r = client.post(f"/api/v1/interactions/{iid}/transfer",
                    json={"agent_id": w.agents["awa"].user_id, "reason": "elle connaît le client"},
                    headers=admin)
    # Awa lacks the support skill: the routing library says so, in words.
    assert r.status_code == 422 and "skill" in r.json()["detail"]
    r = client.post(f"/api/v1/interactions/{iid}/transfer",
                    json={"agent_id": w.agents["awa"].user_id, "skill_group_id": groups["ventes"],
                          "reason": "retour aux ventes"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["assignee"] == w.agents["awa"].user_id
    history = client.get(f"/api/v1/interactions/{iid}/timeline", headers=admin).json()["history"]
    reasons = [h["data"]["reason"] for h in history if h["kind"] == "transferred"]
    assert reasons == ["panne, pas une vente", "retour aux ventes"]
    assert moussa_id  # the skilled colleague existed all along
    # Bad input and missing targets are clear 4xx, never 500.
    for body, status in (({"reason": "x"}, 422), ({"agent_id": 999999, "reason": "x"}, 404),
                         ({"skill_group_id": 999999, "reason": "x"}, 404),
                         ({"skill_group_id": groups["ventes"]}, 422),
                         ({"skill_group_id": groups["ventes"], "reason": "  "}, 422)):
        r = client.post(f"/api/v1/interactions/{iid}/transfer", json=body, headers=admin)
        assert r.status_code == status, (body, r.text)


def test_only_the_holder_or_a_supervisor_transfers(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}, "fatou": {"ventes": 3}})
    actions.set_presence(ctx, w.agents["awa"], "available")
    sms(client, w, "+221771234567", "Je veux acheter", "h1")
    iid = interaction_id(client, w, "+221771234567")
    with ctx.read_session() as s:
        assert s.get(Interaction, iid).assignee_id == w.agents["awa"].user_id  # type: ignore[union-attr]
    r = client.post(f"/api/v1/interactions/{iid}/transfer",
                    json={"agent_id": w.agents["fatou"].user_id, "reason": "je prends"},
                    headers=bearer(w.tokens["fatou"]))
    assert r.status_code == 403


def test_another_tenants_interaction_is_404_for_every_tool(
        ctx: AppContext, client: TestClient) -> None:
    a, b = two_worlds(ctx)
    sms(client, a, "+221771234567", "Le prix ?", "x1")
    iid = interaction_id(client, a, "+221771234567")
    other = bearer(b.admin_token)
    for method, path, body in (
        ("post", "notes", {"text": "x"}), ("post", "transfer", {"agent_id": 1, "reason": "x"}),
        ("post", "snooze", {"until": (ctx.clock() + timedelta(hours=1)).isoformat()}),
        ("post", "wake", None), ("post", "merge", {"other_id": 999999}),
        ("post", "viewing", {"state": "open"}),
        ("post", "typing", {"state": True}), ("get", "timeline", None),
        ("get", "suggestions", None), ("get", "canned-responses", None),
    ):
        kwargs = {"json": body} if body is not None else {}
        r = getattr(client, method)(f"/api/v1/interactions/{iid}/{path}", headers=other, **kwargs)
        assert r.status_code == 404, (path, r.status_code, r.text)


def test_snooze_hides_the_work_until_its_time_then_it_is_offered_again(
        ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    actions.set_presence(ctx, w.agents["awa"], "available")
    sms(client, w, "+221771234567", "Je veux acheter du riz", "s1")
    iid = interaction_id(client, w, "+221771234567")
    awa = bearer(w.tokens["awa"])
    assert [i["id"] for i in client.get("/api/v1/inbox?view=mine", headers=awa).json()["items"]
            ] == [iid]
    until = ctx.clock() + timedelta(hours=2)
    r = client.post(f"/api/v1/interactions/{iid}/snooze",
                    json={"until": until.isoformat(), "reason": "rappeler après livraison"},
                    headers=awa)
    assert r.status_code == 200, r.text
    inbox = client.get("/api/v1/inbox?view=later", headers=awa).json()
    assert [i["id"] for i in inbox["items"]] == [iid]
    assert inbox["counts"] == {"mine": 0, "queue": 0, "later": 1}
    assert inbox["items"][0]["snoozed_until"] is not None
    assert actions.dispatch_waiting(ctx) == 0  # not before its time
    # Two hours later (the clock is the context's): the sweep offers it again.
    ctx.clock = lambda: until + timedelta(seconds=1)
    assert actions.dispatch_waiting(ctx) == 1
    mine = client.get("/api/v1/inbox?view=mine", headers=awa).json()
    assert [i["id"] for i in mine["items"]] == [iid] and mine["counts"]["later"] == 0
    with ctx.read_session() as s:
        kinds = s.exec(select(InteractionEvent.kind).where(InteractionEvent.interaction_id == iid)
                       .order_by(col(InteractionEvent.id))).all()
    assert "snoozed" in kinds and kinds[-1] == "assigned"


def test_snooze_rejects_past_naive_and_closed(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    sms(client, w, "+221771234567", "Je veux acheter", "s2")
    iid = interaction_id(client, w, "+221771234567")
    admin = bearer(w.admin_token)
    for until in ("2000-01-01T00:00:00Z", "2099-01-01T00:00:00", "demain", "2999-01-01T00:00:00Z"):
        r = client.post(f"/api/v1/interactions/{iid}/snooze", json={"until": until}, headers=admin)
        assert r.status_code == 422, (until, r.text)
    assert client.post(f"/api/v1/interactions/{iid}/wake", headers=admin).status_code == 409
    client.post(f"/api/v1/interactions/{iid}/resolve", headers=admin)
    r = client.post(f"/api/v1/interactions/{iid}/snooze",
                    json={"until": (ctx.clock() + timedelta(hours=1)).isoformat()}, headers=admin)
    assert r.status_code == 409


def test_wake_brings_a_snoozed_interaction_back_now(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    sms(client, w, "+221771234567", "Je veux acheter", "s3")
    iid = interaction_id(client, w, "+221771234567")
    admin = bearer(w.admin_token)
    client.post(f"/api/v1/interactions/{iid}/snooze",
                json={"until": (ctx.clock() + timedelta(days=1)).isoformat()}, headers=admin)
    assert client.post(f"/api/v1/interactions/{iid}/wake", headers=admin).status_code == 200
    queue = client.get("/api/v1/inbox?view=queue", headers=admin).json()
    assert [i["id"] for i in queue["items"]] == [iid]


def test_a_customer_writing_ends_the_snooze_and_the_work_is_routed_at_once(
        ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    actions.set_presence(ctx, w.agents["awa"], "available")
    sms(client, w, "+221771234567", "Je veux acheter du riz", "w1")
    iid = interaction_id(client, w, "+221771234567")
    awa = bearer(w.tokens["awa"])
    r = client.post(f"/api/v1/interactions/{iid}/snooze", headers=awa,
                    json={"until": (ctx.clock() + timedelta(days=2)).isoformat()})
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/inbox?view=mine", headers=awa).json()["items"] == []
    # The customer writes again long before the snooze ends: same conversation, back now.
    assert sms(client, w, "+221771234567", "Alors, ce riz ?", "w2")["interaction_id"] == iid
    mine = client.get("/api/v1/inbox?view=mine", headers=awa).json()
    assert [i["id"] for i in mine["items"]] == [iid]
    assert mine["counts"]["later"] == 0 and mine["items"][0]["snoozed_until"] is None
    with ctx.read_session() as s:
        row = s.get(Interaction, iid)
        assert row is not None and row.assignee_id == w.agents["awa"].user_id
        assert "snoozed_until" not in row.meta and row.queued_at <= ctx.clock()
        events = s.exec(select(InteractionEvent).where(InteractionEvent.interaction_id == iid)
                        .order_by(col(InteractionEvent.id))).all()
    kinds = [e.kind for e in events]
    assert kinds[kinds.index("snoozed"):] == ["snoozed", "unassigned", "woken", "assigned"]
    assert events[kinds.index("woken")].data == {"by": "customer"}
    assert client.post(f"/api/v1/interactions/{iid}/wake", headers=awa).status_code == 409
    # A message on work that waits in the queue, not snoozed, wakes nothing.
    actions.set_presence(ctx, w.agents["awa"], "offline")
    sms(client, w, "+221779999999", "Je veux acheter", "w3")
    sms(client, w, "+221779999999", "Encore moi", "w4")
    other = interaction_id(client, w, "+221779999999")
    with ctx.read_session() as s:
        assert "woken" not in s.exec(select(InteractionEvent.kind).where(
            InteractionEvent.interaction_id == other)).all()


def test_merge_two_interactions_of_one_contact(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    admin = bearer(w.admin_token)
    sms(client, w, "+221771234567", "Je veux acheter du riz", "m1")
    first = interaction_id(client, w, "+221771234567")
    client.post(f"/api/v1/interactions/{first}/resolve", headers=admin)
    with ctx.transaction() as tx:  # outside the reopen window: a second conversation
        row = tx.session.get(Interaction, first)
        assert row is not None and row.resolved_at is not None
        row.resolved_at = row.resolved_at - timedelta(days=30)
        tx.session.add(row)
    sms(client, w, "+221771234567", "Et le sucre ?", "m2")
    items = client.get("/api/v1/interactions", headers=admin).json()["items"]
    second = max(i["id"] for i in items)
    assert second != first
    r = client.post(f"/api/v1/interactions/{second}/merge", json={"other_id": first},
                    headers=admin)
    assert r.status_code == 200, r.text
    detail = client.get(f"/api/v1/interactions/{second}", headers=admin).json()
    assert [m["text"] for m in detail["messages"]] == ["Je veux acheter du riz", "Et le sucre ?"]
    gone = client.get(f"/api/v1/interactions/{first}", headers=admin).json()
    assert gone["status"] == "resolved" and gone["messages"] == []
    again = client.post(f"/api/v1/interactions/{second}/merge", json={"other_id": first},
                        headers=admin)
    assert again.status_code == 409
    assert client.post(f"/api/v1/interactions/{second}/merge", json={"other_id": second},
                       headers=admin).status_code == 422


def test_merge_refuses_two_different_contacts(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    admin = bearer(w.admin_token)
    sms(client, w, "+221771234567", "Je veux acheter", "d1")
    sms(client, w, "+221779999999", "Je veux acheter", "d2")
    a = interaction_id(client, w, "+221771234567")
    b = interaction_id(client, w, "+221779999999")
    r = client.post(f"/api/v1/interactions/{a}/merge", json={"other_id": b}, headers=admin)
    assert r.status_code == 409 and "contact" in r.json()["detail"]


def test_viewing_and_typing_need_a_visible_interaction(
        ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    sms(client, w, "+221771234567", "Je veux acheter", "v1")
    iid = interaction_id(client, w, "+221771234567")
    awa = bearer(w.tokens["awa"])
    assert client.post(f"/api/v1/interactions/{iid}/viewing", json={"state": "open"},
                       headers=awa).status_code == 204
    assert client.post(f"/api/v1/interactions/{iid}/viewing", json={"state": "peeking"},
                       headers=awa).status_code == 422
    assert client.post(f"/api/v1/interactions/{iid}/typing", json={"state": True},
                       headers=awa).status_code == 204
    # Moussa works in support; this sale is not his to see.
    assert client.post(f"/api/v1/interactions/{iid}/viewing", json={"state": "open"},
                       headers=bearer(w.tokens["moussa"])).status_code == 404
