"""Satisfaction surveys: asked after resolution on the conversation's channel,
answered by SMS digit, on the public page or from the chat widget."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import actions
from app.access import Actor
from app.actions import csat
from app.context import AppContext
from app.events import Event, Relay
from app.models import Interaction, Message, OutboxItem
from app.realtime import view_for
from channels.types import Identity, InboundMessage
from tests.factories import World, bearer, make_world, signed_sms
from tests.integration.supervisor.scenario import DAY, Clock, add_supervisor, sms, survey_of


class Recorder(Relay):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.events: list[Event] = []

    def send(self, events: list[Event]) -> None:
        self.events.extend(events)
        self.ctx.bus.deliver_local(events)


def _world(ctx: AppContext, channels: list[str] | None) -> tuple[Clock, World, Actor]:
    clock = Clock(DAY.replace(hour=9))
    ctx.clock = clock
    w = make_world(ctx)
    sup, _ = add_supervisor(ctx, "acme")
    if channels is not None:
        csat.set_csat_policy(ctx, sup, "acme", channels, 24)
    actions.set_presence(ctx, w.agents["awa"], "available")
    return clock, w, sup


def _outbound(ctx: AppContext, interaction_id: int) -> list[Message]:
    with ctx.read_session() as s:
        return list(s.exec(select(Message).where(Message.interaction_id == interaction_id,
                                                 Message.direction == "out")
                           .order_by(col(Message.id))))


def test_nothing_is_asked_until_a_supervisor_turns_it_on(ctx: AppContext) -> None:
    clock, w, _ = _world(ctx, None)
    iid = sms(ctx, w, "+221770000001", "commande de riz", "a1")
    actions.reply(ctx, w.agents["awa"], iid, "C'est noté.")
    clock.at(9, 5)
    actions.resolve(ctx, w.agents["awa"], iid)
    assert [m.text for m in _outbound(ctx, iid)] == ["C'est noté."]
    with ctx.read_session() as s:
        assert len(s.exec(select(OutboxItem)).all()) == 1


def test_sms_survey_and_a_digit_reply(ctx: AppContext) -> None:
    clock, w, _ = _world(ctx, ["sms"])
    awa = w.agents["awa"]
    iid = sms(ctx, w, "+221770000001", "commande de riz", "a1")
    actions.reply(ctx, awa, iid, "C'est noté.")
    clock.at(9, 5)
    actions.resolve(ctx, awa, iid)
    question = _outbound(ctx, iid)[-1]
    assert question.author_id is None and question.delivery_status == "queued"
    assert "Répondez par un seul chiffre" in question.text and "Acme SARL" in question.text
    survey = survey_of(ctx, iid)
    assert survey.message_id == question.id and survey.agent_id == awa.user_id
    # "merci 5" is a message, not a score: it reopens the conversation as usual.
    clock.at(9, 6)
    assert csat.take_sms_survey_reply(ctx, InboundMessage(
        channel_id=w.channel.id or 0, sender=Identity("phone", "+221770000001"),
        text="merci 5", provider_id="a2")) is None
    clock.at(9, 7)
    assert sms(ctx, w, "770000001", "4.", "a3") == iid  # local number, full stop: still 4
    with ctx.read_session() as s:
        interaction = s.get(Interaction, iid)
        assert interaction is not None and interaction.status == "resolved"
    answered = survey_of(ctx, iid)
    assert (answered.score, answered.answered_via) == (4, "sms")
    # The gateway retries the same SMS: one message, and ingest says "duplicate".
    assert w.channel.id is not None
    again = InboundMessage(channel_id=w.channel.id, sender=Identity("phone", "+221770000001"),
                           text="4.", provider_id="a3")
    assert csat.take_sms_survey_reply(ctx, again) is None
    assert actions.ingest(ctx, again).duplicate
    # After the window a digit is an ordinary message and reopens the conversation.
    clock.now += timedelta(hours=25)
    sms(ctx, w, "+221770000001", "3", "a4")
    with ctx.read_session() as s:
        interaction = s.get(Interaction, iid)
        assert interaction is not None and interaction.status != "resolved"
    assert survey_of(ctx, iid).score == 4
    # Resolved again: the customer is not asked twice.
    actions.resolve(ctx, awa, iid)
    assert sum(1 for m in _outbound(ctx, iid) if m.author_id is None) == 1


def test_opted_out_contacts_get_no_sms_survey(ctx: AppContext, client: TestClient) -> None:
    clock, w, _ = _world(ctx, ["sms"])
    iid = sms(ctx, w, "+221770000009", "commande", "o1")
    body, headers = signed_sms(w.channel.secret, {"id": "o2", "from": "+221770000009",
                                                  "to": "21000", "text": "STOP"})
    assert client.post(f"/webhooks/sms/{w.channel.key}", content=body,
                       headers=headers).status_code == 200
    clock.at(9, 5)
    actions.resolve(ctx, w.agents["awa"], iid)
    with ctx.read_session() as s:
        from app.models import CsatSurvey

        assert s.exec(select(CsatSurvey)).all() == []


def test_chat_survey_goes_to_the_visitor_only(ctx: AppContext) -> None:
    clock, w, _ = _world(ctx, ["chat"])
    recorder = Recorder(ctx)
    ctx.bus.relay = recorder
    web = actions.create_channel(ctx, w.admin, "acme", "chat", "Site")
    assert web.id is not None
    iid = actions.ingest(ctx, InboundMessage(channel_id=web.id,
                                             sender=Identity("visitor", "v-42"),
                                             text="acheter du riz")).interaction_id
    clock.at(9, 3)
    actions.resolve(ctx, w.agents["awa"], iid)
    frames = [e for e in recorder.events if e.type == "chat.csat"]
    assert len(frames) == 1
    event = frames[0]
    assert event.channel_key == web.key and event.tenant_id is None
    assert event.data["visitor"] == "v-42" and event.data["scale"] == [1, 2, 3, 4, 5]
    assert event.data["url"].endswith("/csat/" + event.data["token"])
    assert _outbound(ctx, iid) == []  # nothing through the outbox for chat
    # Agents' and supervisors' sockets never carry the survey's token.
    for actor in (w.agents["awa"], w.admin):
        assert view_for(actor, event) is None


def test_public_page_and_widget_answers(ctx: AppContext, client: TestClient) -> None:
    clock, w, _sup = _world(ctx, ["sms", "email"])
    iid = sms(ctx, w, "+221770000001", "commande de riz", "a1")
    clock.at(9, 5)
    actions.resolve(ctx, w.agents["awa"], iid)
    token = csat.survey_token(ctx, survey_of(ctx, iid))
    page = client.get(f"/csat/{token}")
    assert page.status_code == 200 and "Comment avons-nous fait ?" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert 'name="score"' in page.text and "<script" not in page.text
    english = client.get(f"/csat/{token}", headers={"accept-language": "en"})
    assert "How did we do?" not in english.text  # the tenant's language comes first
    r = client.post(f"/csat/{token}", data={"score": "2", "comment": "<b>trop lent</b>"})
    assert r.status_code == 200 and "2 sur 5" in r.text
    survey = survey_of(ctx, iid)
    assert (survey.score, survey.comment, survey.answered_via) == (2, "<b>trop lent</b>", "web")
    # The widget posts from the client's website: a CORS preflight, then JSON.
    pre = client.options(f"/csat/{token}", headers={
        "origin": "https://shop.example", "access-control-request-method": "POST",
        "access-control-request-headers": "content-type"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == "*"
    assert "content-type" in pre.headers["access-control-allow-headers"].lower()
    r = client.post(f"/csat/{token}", json={"score": 5}, headers={"origin": "https://shop.example"})
    assert r.status_code == 200 and r.json() == {"status": "ok", "score": 5}
    assert r.headers["access-control-allow-origin"] == "*"
    assert survey_of(ctx, iid).answered_via == "chat"
    assert survey_of(ctx, iid).comment == "<b>trop lent</b>"  # kept when not re-sent
    for bad in ({"score": 6}, {"score": "x"}, {"score": True}, {}, [1]):
        r = client.post(f"/csat/{token}", json=bad)
        assert r.status_code == 422, bad
    assert client.post(f"/csat/{token}", data={"score": "0"}).status_code == 422
    assert client.post(f"/csat/{token}", content=b"{nope",
                       headers={"content-type": "application/json"}).status_code == 422
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for t in (forged, "nothing", "W1sxLCJhIl0"):
        assert client.get(f"/csat/{t}").status_code == 404
        assert client.post(f"/csat/{t}", json={"score": 3}).status_code == 404
    clock.now += timedelta(hours=25)
    closed = client.post(f"/csat/{token}", json={"score": 1})
    assert closed.status_code == 409
    assert survey_of(ctx, iid).score == 5
    assert "close" in client.get(f"/csat/{token}").text


def test_settings_through_the_api(ctx: AppContext, client: TestClient) -> None:
    _world(ctx, None)
    _, token = add_supervisor(ctx, "acme", "samba")
    h = bearer(token)
    assert client.get("/api/v1/tenants/acme/csat-settings", headers=h).json() == {
        "channels": [], "window_hours": 48}
    r = client.put("/api/v1/tenants/acme/csat-settings", headers=h,
                   json={"channels": ["email", "chat"], "window_hours": 72})
    assert r.status_code == 200 and r.json() == {"channels": ["chat", "email"],
                                                 "window_hours": 72}
    assert client.put("/api/v1/tenants/acme/csat-settings", headers=h,
                      json={"channels": [], "window_hours": 0}).status_code == 422
