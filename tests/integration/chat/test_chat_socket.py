"""The visitor websocket, spoken without a browser: hello/welcome, idempotent lines,
resume with the signed token, agents' lines, typing, errors that keep the socket."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from app import actions
from app.context import AppContext
from app.models import Interaction, Message, TranscriptRequest
from tests.factories import bearer
from tests.integration.chat.conftest import (
    ChatWorld,
    hello,
    next_frame,
    run_outbox,
    say,
)


def count_messages(ctx: AppContext) -> int:
    with ctx.read_session() as s:
        return int(s.exec(select(func.count()).select_from(Message)).one())


def test_a_line_resent_after_a_reconnect_is_stored_once(
    ctx: AppContext, client: TestClient, cw: ChatWorld
) -> None:
    with client.websocket_connect(cw.url) as ws:
        welcome = hello(ws, name="Fatou")
        assert welcome["interaction_id"] is None and welcome["history"] == []
        token = welcome["visitor_token"]
        first = say(ws, "c-1", "Bonjour, le prix du riz ?")
        again = say(ws, "c-1", "Bonjour, le prix du riz ?")  # the same line twice
        assert again["message_id"] == first["message_id"]
    with client.websocket_connect(cw.url) as ws:
        resumed = hello(ws, token)
        assert resumed["interaction_id"] == first["interaction_id"]
        assert [(m["client_id"], m["text"]) for m in resumed["history"]] == [
            ("c-1", "Bonjour, le prix du riz ?")]
        # The widget did not see the ack before the drop: it sends the line again.
        assert say(ws, "c-1", "Bonjour, le prix du riz ?")["message_id"] == first["message_id"]
        second = say(ws, "c-2", "Et la livraison ?")
        assert second["interaction_id"] == first["interaction_id"]
    assert count_messages(ctx) == 2
    with ctx.read_session() as s:
        interaction = s.get(Interaction, first["interaction_id"])
        assert interaction is not None and interaction.channel_kind == "chat"
        assert interaction.skill_group_id is not None  # classified: "prix" -> ventes


def test_a_forged_or_foreign_token_starts_a_new_visitor(
    ctx: AppContext, client: TestClient, cw: ChatWorld
) -> None:
    with client.websocket_connect(cw.url) as ws:
        token = hello(ws)["visitor_token"]
        say(ws, "a", "Bonjour")
    visitor, channel, issued, signature = token.split(".")[1:]
    forged = f"v1.{visitor}.{channel}.{issued}.{signature[:-2]}xx"
    other = actions.create_channel(ctx, cw.world.admin, cw.world.tenant, "chat", "Autre site")
    with client.websocket_connect(cw.url) as ws:
        welcome = hello(ws, forged)
        assert welcome["interaction_id"] is None and welcome["history"] == []
        assert welcome["visitor_token"].split(".")[1] != visitor
    with client.websocket_connect(f"/ws/chat/{other.key}") as ws:
        welcome = hello(ws, token)  # issued by another channel
        assert welcome["interaction_id"] is None and welcome["history"] == []


def test_bad_frames_get_errors_and_the_socket_stays_usable(
    client: TestClient, cw: ChatWorld
) -> None:
    with client.websocket_connect(cw.url) as ws:
        ws.send_json({"type": "message", "client_id": "x", "text": "avant hello"})
        assert "hello" in next_frame(ws, "error")["detail"]
        hello(ws)
        for bad, words in [
            ("not json", "JSON"),
            ('{"type": "dance"}', "unknown frame type"),
            ('{"no": "type"}', "type"),
            ('{"type": "message", "client_id": "ok", "text": "   "}', "empty"),
            ('{"type": "message", "client_id": "bad id!", "text": "x"}', "client_id"),
            ('{"type": "message", "client_id": "ok", "text": 5}', "text"),
            ('{"type": "typing", "state": "yes"}', "state"),
        ]:
            ws.send_text(bad)
            assert words in next_frame(ws, "error")["detail"], bad
        ws.send_json({"type": "message", "client_id": "long", "text": "a" * 2001})
        error = next_frame(ws, "error")
        assert "2000" in error["detail"]
        assert say(ws, "fine", "Bonjour")["client_id"] == "fine"
        ws.send_json({"type": "ping"})
        assert next_frame(ws, "pong") == {"type": "pong"}
        ws.send_bytes(b"\xff\xfe")
        assert "JSON" in next_frame(ws, "error")["detail"]
        ws.send_bytes(b'{"type": "ping"}')
        assert next_frame(ws, "pong") == {"type": "pong"}


def test_agent_lines_reach_the_visitor_and_are_marked_delivered(
    ctx: AppContext, client: TestClient, cw: ChatWorld
) -> None:
    awa = cw.world.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    with client.websocket_connect(cw.url) as ws:
        hello(ws)
        ack = say(ws, "c-1", "Une commande de riz svp")
        assert next_frame(ws, "agent")["name"] == "Awa"  # the ACD gave it to Awa at once
        r = client.post(f"/api/v1/interactions/{ack['interaction_id']}/replies",
                        json={"text": "<b>Bonjour</b> ! Combien de sacs ?"},
                        headers=bearer(cw.world.tokens["awa"]))
        assert r.status_code == 202
        assert run_outbox(ctx) == 1
        line = next_frame(ws, "message")
        assert line == {"type": "message", "id": r.json()["message_id"], "direction": "out",
                        "text": "<b>Bonjour</b> ! Combien de sacs ?", "author": "Awa"}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with ctx.read_session() as s:
            status = s.get(Message, line["id"]).delivery_status  # type: ignore[union-attr]
        if status == "delivered":
            break
        time.sleep(0.05)
    assert status == "delivered"


def test_typing_goes_both_ways(ctx: AppContext, client: TestClient, cw: ChatWorld) -> None:
    awa = cw.world.agents["awa"]
    actions.set_presence(ctx, awa, "available")
    with client.websocket_connect(cw.url) as ws, \
            client.websocket_connect(f"/ws/agent?token={cw.world.tokens['awa']}") as agent:
        assert agent.receive_json()["type"] == "hello"
        hello(ws)
        iid = say(ws, "c-1", "commande de riz")["interaction_id"]
        next_frame(ws, "agent")
        ws.send_json({"type": "typing", "state": True})
        typing = next_frame(agent, "typing")
        assert typing["data"] == {"interaction_id": iid, "side": "customer", "state": True}
        r = client.post(f"/api/v1/interactions/{iid}/typing", json={"state": True},
                        headers=bearer(cw.world.tokens["awa"]))
        assert r.status_code == 204
        assert next_frame(ws, "typing") == {"type": "typing", "state": True}


def test_queue_position_while_nobody_answers(
    ctx: AppContext, client: TestClient, cw: ChatWorld
) -> None:
    with client.websocket_connect(cw.url) as first, client.websocket_connect(cw.url) as second:
        hello(first)
        hello(second)
        say(first, "a", "commande")
        frame = next_frame(first, "queue")
        assert frame["position"] == 1 and frame["agents_available"] == 0
        assert frame["open"] is True and frame["estimated_wait_seconds"] is None
        say(second, "b", "prix svp")
        assert next_frame(second, "queue")["position"] == 2
        actions.set_presence(ctx, cw.world.agents["awa"], "available")  # takes both
        assert next_frame(first, "agent")["name"] == "Awa"
    with client.websocket_connect(cw.url) as third, client.websocket_connect(cw.url) as fourth:
        hello(third)
        hello(fourth)
        say(third, "c", "acheter")
        assert next_frame(third, "agent")["name"] == "Awa"  # her third and last chat
        say(fourth, "d", "acheter")
        frame = next_frame(fourth, "queue")
        assert frame["position"] == 1 and frame["agents_available"] == 1
        assert frame["estimated_wait_seconds"] == 300 // 3  # default handling time, 3 slots


def test_waiting_visitors_hear_their_place_move_up(
    ctx: AppContext, client: TestClient, cw: ChatWorld
) -> None:
    from app.services.chat_hub import hub_for

    with client.websocket_connect(cw.url) as first, client.websocket_connect(cw.url) as second:
        hub_for(client.app).tick_seconds = 0.05
        hello(first)
        hello(second)
        iid = say(first, "a", "commande")["interaction_id"]
        say(second, "b", "commande aussi")
        assert next_frame(second, "queue")["position"] == 2
        actions.resolve(ctx, cw.world.admin, iid)  # the first visitor's request is done
        assert next_frame(first, "closed") == {"type": "closed"}
        # The second visitor is told without writing anything.
        assert next_frame(second, "queue")["position"] == 1


def test_transcript_without_an_email_channel_fails_and_says_why(
        ctx: AppContext, client: TestClient, cw: ChatWorld) -> None:
    with client.websocket_connect(cw.url) as ws:
        hello(ws)
        ws.send_json({"type": "transcript", "email": "fatou@example.sn"})
        assert "no conversation" in next_frame(ws, "error")["detail"]
        iid = say(ws, "a", "Bonjour")["interaction_id"]
        ws.send_json({"type": "transcript", "email": "pas-un-email"})
        assert "e-mail" in next_frame(ws, "error")["detail"]
        ws.send_json({"type": "transcript", "email": "Fatou@Example.sn"})
        answer = next_frame(ws, "transcript")
        assert answer["status"] == "failed" and "no e-mail channel" in answer["detail"]
    with ctx.read_session() as s:
        rows = s.exec(select(TranscriptRequest)).all()
        assert [(r.interaction_id, r.email, r.status) for r in rows] == [
            (iid, "fatou@example.sn", "failed")]
        assert rows[0].error is not None and "no e-mail channel" in rows[0].error


def test_visitor_text_is_stored_as_text(ctx: AppContext, client: TestClient, cw: ChatWorld
                                        ) -> None:
    with client.websocket_connect(cw.url) as ws:
        hello(ws)
        mid = say(ws, "x", "<img src=x onerror=alert(1)>")["message_id"]
    with ctx.read_session() as s:
        message = s.exec(select(Message).where(col(Message.id) == mid)).one()
        assert message.text == "<img src=x onerror=alert(1)>" and message.html is None
