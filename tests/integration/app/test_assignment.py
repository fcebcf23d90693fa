"""The distributor through the actions: capacity, fairness, presence, pull."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlmodel import select

from app import actions
from app.context import AppContext
from app.models import AgentState, Interaction, InteractionEvent
from app.models.tenancy import Tenant
from channels.types import Identity, InboundMessage
from tests.factories import make_world


def sms(channel_id: int, n: int, text: str = "commande") -> InboundMessage:
    return InboundMessage(channel_id=channel_id, sender=Identity("phone", f"+2217710000{n:02d}"),
                          text=text, provider_id=f"id-{n}")


def set_capacity(ctx: AppContext, user_id: int, **caps: int) -> None:
    with ctx.transaction() as tx:
        state = tx.session.get(AgentState, user_id)
        assert state is not None
        state.capacity = caps
        tx.session.add(state)


def statuses(ctx: AppContext) -> list[tuple[int, str, int | None]]:
    with ctx.read_session() as s:
        rows = s.exec(select(Interaction).order_by(Interaction.id)).all()  # type: ignore[arg-type]
        return [(r.id, r.status, r.assignee_id) for r in rows]  # type: ignore[misc]


def test_capacity_is_respected_and_resolve_pulls_the_next(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}})
    awa = w.agents["awa"]
    assert w.channel.id is not None
    set_capacity(ctx, awa.user_id, sms=1)
    actions.set_presence(ctx, awa, "available")
    first = actions.ingest(ctx, sms(w.channel.id, 1))
    second = actions.ingest(ctx, sms(w.channel.id, 2))
    assert first.assignee_id == awa.user_id and second.assignee_id is None
    actions.resolve(ctx, awa, first.interaction_id)
    assert statuses(ctx)[1] == (second.interaction_id, "assigned", awa.user_id)


def test_longest_idle_agent_first_among_equals(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}, "binta": {"ventes": 3}})
    assert w.channel.id is not None
    actions.set_presence(ctx, w.agents["binta"], "available")
    actions.set_presence(ctx, w.agents["awa"], "available")
    # Binta became available first: she has waited longest.
    first = actions.ingest(ctx, sms(w.channel.id, 1))
    second = actions.ingest(ctx, sms(w.channel.id, 2))
    assert first.assignee_id == w.agents["binta"].user_id
    assert second.assignee_id == w.agents["awa"].user_id


def test_higher_skill_level_preferred(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"novice": {"ventes": 1}, "expert": {"ventes": 5}})
    assert w.channel.id is not None
    actions.set_presence(ctx, w.agents["expert"], "available")
    actions.set_presence(ctx, w.agents["novice"], "available")
    assert actions.ingest(ctx, sms(w.channel.id, 1)).assignee_id == w.agents["expert"].user_id


def test_unskilled_or_away_agents_never_get_work(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}, "moussa": {"support": 3}})
    assert w.channel.id is not None
    actions.set_presence(ctx, w.agents["moussa"], "available")
    actions.set_presence(ctx, w.agents["awa"], "away")
    result = actions.ingest(ctx, sms(w.channel.id, 1, "commande"))
    assert result.assignee_id is None
    actions.set_presence(ctx, w.agents["awa"], "available")  # pull on becoming available
    assert statuses(ctx)[0][2] == w.agents["awa"].user_id


def test_wrap_up_delays_new_work(ctx: AppContext) -> None:
    w = make_world(ctx, agents={"awa": {"ventes": 3}})
    assert w.channel.id is not None
    awa = w.agents["awa"]
    with ctx.transaction() as tx:
        tenant = tx.session.exec(select(Tenant)).one()
        tenant.settings = {"routing": {"wrap_up_seconds": 60}}
        tx.session.add(tenant)
    set_capacity(ctx, awa.user_id, sms=1)
    actions.set_presence(ctx, awa, "available")
    first = actions.ingest(ctx, sms(w.channel.id, 1))
    second = actions.ingest(ctx, sms(w.channel.id, 2))
    actions.resolve(ctx, awa, first.interaction_id)
    assert statuses(ctx)[1][1] == "queued"  # in wrap-up
    now = ctx.clock()
    ctx.clock = lambda: now + timedelta(seconds=61)
    assert actions.dispatch_waiting(ctx) == 1
    assert statuses(ctx)[1] == (second.interaction_id, "assigned", awa.user_id)


def test_parallel_ingest_never_overfills_or_double_assigns(ctx: AppContext) -> None:
    """Many writers at once (threads here; processes in the production tests)."""
    agents = {f"a{n}": {"ventes": 3} for n in range(4)}
    w = make_world(ctx, agents=agents)
    channel_id = w.channel.id
    assert channel_id is not None
    for actor in w.agents.values():
        set_capacity(ctx, actor.user_id, sms=2)
        actions.set_presence(ctx, actor, "available")
    errors: list[BaseException] = []

    def burst(start: int) -> None:
        try:
            for n in range(start, start + 5):
                actions.ingest(ctx, sms(channel_id, n))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=burst, args=(k * 5,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = statuses(ctx)
    assert len(rows) == 20
    held = Counter(a for _, st, a in rows if st == "assigned")
    assert sum(held.values()) == 8 and all(v == 2 for v in held.values())
    with ctx.read_session() as s:
        assigned_events = Counter(e.interaction_id for e in s.exec(
            select(InteractionEvent).where(InteractionEvent.kind == "assigned")))
    assert all(v == 1 for v in assigned_events.values())
