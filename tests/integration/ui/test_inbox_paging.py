"""Inbox lists come in pages: every open interaction is reachable, once, in the list's
order, however many there are and whatever arrives meanwhile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import actions
from app.context import AppContext
from app.models import Interaction
from channels.types import Identity, InboundMessage
from tests.factories import World, bearer, make_world


def flood(ctx: AppContext, w: World, n: int, start: int = 0) -> None:
    """n conversations; a third are complaints (higher priority), and runs of five
    arrive at the very same instant, so ties must be broken the same way every time."""
    assert w.channel.id is not None
    base = ctx.clock()
    real = ctx.clock
    try:
        for k in range(start, start + n):
            at = base - timedelta(hours=2) + timedelta(seconds=k // 5)
            ctx.clock = lambda at=at: at  # type: ignore[misc]
            text = "C'est inadmissible, je porte plainte" if k % 3 == 0 else "Le prix du riz ?"
            actions.ingest(ctx, InboundMessage(
                channel_id=w.channel.id, sender=Identity("phone", f"+2217760{k:05d}"),
                text=text, provider_id=f"flood-{k}"))
    finally:
        ctx.clock = real


def pages(client: TestClient, token: str, view: str, limit: int | None = None
          ) -> list[list[dict[str, Any]]]:
    out: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"view": view}
        if limit:
            params["limit"] = limit
        if cursor:
            params["before"] = cursor
        r = client.get("/api/v1/inbox", params=params, headers=bearer(token))
        assert r.status_code == 200, r.text
        answer = r.json()
        out.append(answer["items"])
        cursor = answer["next"]
        if cursor is None:
            return out
        assert len(out) < 50


def test_the_queue_pages_through_every_waiting_interaction_in_order(
    ctx: AppContext, client: TestClient
) -> None:
    w = make_world(ctx)  # nobody is available: everything waits
    flood(ctx, w, 230)
    got = pages(client, w.admin_token, "queue")
    assert [len(p) for p in got] == [100, 100, 30]
    ids = [i["id"] for p in got for i in p]
    with ctx.read_session() as s:
        rows = s.exec(select(Interaction).where(Interaction.status == "queued")).all()
    expected = [r.id for r in sorted(rows, key=lambda r: (-r.priority, r.queued_at, r.id))]
    assert len(set(ids)) == 230 and ids == expected
    first = client.get("/api/v1/inbox?view=queue", headers=bearer(w.admin_token)).json()
    assert first["counts"]["queue"] == 230 and first["next"] is not None


def test_the_all_list_pages_by_latest_change_and_tolerates_arrivals(
    ctx: AppContext, client: TestClient
) -> None:
    w = make_world(ctx)
    flood(ctx, w, 40)
    token = w.admin_token
    r = client.get("/api/v1/inbox", params={"view": "all", "limit": 15}, headers=bearer(token))
    page1 = r.json()
    # Five more customers write while the supervisor reads page 1: the next pages
    # still hold every row not shown yet, once (the newcomers sort before the cursor).
    flood(ctx, w, 5, start=1000)
    rest: list[int] = []
    cursor = page1["next"]
    while cursor:
        answer = client.get("/api/v1/inbox", params={"view": "all", "limit": 15,
                                                     "before": cursor},
                            headers=bearer(token)).json()
        rest += [i["id"] for i in answer["items"]]
        cursor = answer["next"]
    seen = [i["id"] for i in page1["items"]] + rest
    with ctx.read_session() as s:
        before = s.exec(select(Interaction).order_by(col(Interaction.id)).limit(40)).all()
    assert len(seen) == len(set(seen)) == 40 and set(seen) == {r.id for r in before}
    everything = [i for p in pages(client, token, "all", limit=7) for i in p]
    stamps = [(i["updated_at"], i["id"]) for i in everything]
    assert len(everything) == 45 and stamps == sorted(stamps, reverse=True)


def test_bad_cursors_and_limits_are_refused(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    flood(ctx, w, 4)
    admin = bearer(w.admin_token)
    queue = client.get("/api/v1/inbox?view=queue&limit=2", headers=admin).json()
    assert len(queue["items"]) == 2 and queue["next"]
    r = client.get(f"/api/v1/inbox?view=all&before={queue['next']}", headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "before"
    for bad in ("before=nope", "before=W10", "before=" + "A" * 300, "limit=0", "limit=101",
                "before=WyJxdWV1ZSIsIDEsIDMsICIyMDI2LTAxLTAxVDAwOjAwOjAwIl0"):  # naive time
        assert client.get(f"/api/v1/inbox?view=queue&{bad}", headers=admin
                          ).status_code == 422, bad
