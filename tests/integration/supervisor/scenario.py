"""A small, fixed day of a contact centre, played through the real actions with a
controlled clock, whose figures were worked out by hand (see EXPECTED below).

Monday 2 March 2026, tenant ``acme`` in Africa/Dakar (UTC+0, so local = UTC):

SMS (target 80 % within 15 min)
  I1 09:00 "commande"  awa (available) takes it at once; replies 09:02; resolved 09:10
  I2 09:05 "prix"      awa takes it at once; replies 09:25 (20 min: a miss); resolved 09:30
  I3 10:00 "panne"     moussa offline: queued; available 10:04 (assigned); replies 10:05;
                       customer writes 10:20; moussa replies 10:23; resolved 10:30
  I4 11:00 "bonjour"   no keyword: triage, nobody skilled, still waiting
Chat (target 80 % within 30 s)
  C1 12:00 "acheter"   awa; replies 12:00:20; resolved 12:05
  C2 12:10 "acheter"   awa; replies 12:11; resolved 12:20
  C3 13:00             the visitor leaves after 3 s (a short abandon)
  C4 13:10             the visitor leaves after 60 s
Next day 00:30: one more SMS (I5), outside the report of the 2nd.

CSAT on for SMS and chat: I1 answered 5 by SMS, I3 answered 2 by SMS, C1 answered 4 on
the web page, I2 and C2 unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from app import actions
from app.access import Actor
from app.actions import csat
from app.context import AppContext
from app.models import CsatSurvey, Interaction
from channels.types import Identity, InboundMessage
from tests.factories import World, actor_for, make_world

DAY = datetime(2026, 3, 2, tzinfo=UTC)


class Clock:
    """``ctx.clock`` under the test's control."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, hh: int, mm: int = 0, ss: int = 0, day: datetime = DAY) -> Clock:
        self.now = day.replace(hour=hh, minute=mm, second=ss)
        return self


@dataclass
class Scenario:
    world: World
    clock: Clock
    supervisor: Actor
    supervisor_token: str
    ids: dict[str, int]


def add_supervisor(ctx: AppContext, slug: str, name: str = "sofia") -> tuple[Actor, str]:
    email = f"{name}@{slug}.test"
    actions.create_user(ctx, None, email=email, name=name.title(), role="supervisor",
                        password=None, tenants=[slug])
    return actor_for(ctx, email), actions.issue_token(ctx, email)


def sms(ctx: AppContext, w: World, phone: str, text: str, pid: str) -> int:
    assert w.channel.id is not None
    msg = InboundMessage(channel_id=w.channel.id, sender=Identity("phone", phone), text=text,
                         provider_id=pid)
    # The way ingest is to be wired: a survey answer first, else the usual path.
    taken = actions.take_sms_survey_reply(ctx, msg)
    return (taken or actions.ingest(ctx, msg)).interaction_id


def chat(ctx: AppContext, channel_id: int, visitor: str, text: str) -> int:
    msg = InboundMessage(channel_id=channel_id, sender=Identity("visitor", visitor), text=text,
                         provider_id=f"{visitor}-{text}")
    return actions.ingest(ctx, msg).interaction_id


def abandon(ctx: AppContext, interaction_id: int) -> None:
    """The visitor leaves. The actions that do this (chat hang-up, unreachable call-back)
    live on other branches; the row is written as they write it."""
    with ctx.transaction() as tx:
        i = tx.session.get(Interaction, interaction_id)
        assert i is not None
        now = ctx.clock()
        i.status, i.resolved_at, i.updated_at = "abandoned", now, now
        tx.session.add(i)


def survey_of(ctx: AppContext, interaction_id: int) -> CsatSurvey:
    with ctx.read_session() as s:
        return s.exec(select(CsatSurvey).where(CsatSurvey.interaction_id == interaction_id)
                      ).one()


def play(ctx: AppContext, slug: str = "acme", next_day: bool = True) -> Scenario:
    clock = Clock(DAY.replace(hour=8))
    ctx.clock = clock
    w = make_world(ctx, slug)
    sup, sup_token = add_supervisor(ctx, slug)
    awa, moussa = w.agents["awa"], w.agents["moussa"]
    web = actions.create_channel(ctx, w.admin, slug, "chat", "Site web")
    assert web.id is not None
    csat.set_csat_policy(ctx, sup, slug, ["sms", "chat"], 48)
    actions.set_presence(ctx, awa, "available")
    ids: dict[str, int] = {}

    clock.at(9)
    ids["I1"] = sms(ctx, w, "+221770000001", "Je veux passer une commande", "p1")
    clock.at(9, 2)
    actions.reply(ctx, awa, ids["I1"], "Bien reçu, quelle quantité ?")
    clock.at(9, 5)
    ids["I2"] = sms(ctx, w, "+221770000002", "Quel est le prix du riz ?", "p2")
    clock.at(9, 10)
    actions.resolve(ctx, awa, ids["I1"])
    clock.at(9, 15)
    assert sms(ctx, w, "+221770000001", "5", "p1-csat") == ids["I1"]
    clock.at(9, 25)
    actions.reply(ctx, awa, ids["I2"], "15 000 F CFA le sac.")
    clock.at(9, 30)
    actions.resolve(ctx, awa, ids["I2"])

    clock.at(10)
    ids["I3"] = sms(ctx, w, "+221770000003", "Ma box est en panne", "p3")
    clock.at(10, 4)
    actions.set_presence(ctx, moussa, "available")
    clock.at(10, 5)
    actions.reply(ctx, moussa, ids["I3"], "Avez-vous redémarré la box ?")
    clock.at(10, 20)
    assert sms(ctx, w, "+221770000003", "Oui, toujours en panne", "p3b") == ids["I3"]
    clock.at(10, 23)
    actions.reply(ctx, moussa, ids["I3"], "Un technicien passe demain.")
    clock.at(10, 30)
    actions.resolve(ctx, moussa, ids["I3"])
    clock.at(10, 40)
    assert sms(ctx, w, "+221770000003", " 2 ", "p3-csat") == ids["I3"]

    clock.at(11)
    ids["I4"] = sms(ctx, w, "+221770000004", "Bonjour", "p4")

    clock.at(12)
    ids["C1"] = chat(ctx, web.id, "v-1", "Je voudrais acheter un sac")
    clock.at(12, 0, 20)
    actions.reply(ctx, awa, ids["C1"], "Avec plaisir !")
    clock.at(12, 5)
    actions.resolve(ctx, awa, ids["C1"])
    csat.answer_survey(ctx, csat.survey_token(ctx, survey_of(ctx, ids["C1"])), 4)
    clock.at(12, 10)
    ids["C2"] = chat(ctx, web.id, "v-2", "Je voudrais acheter du mil")
    clock.at(12, 11)
    actions.reply(ctx, awa, ids["C2"], "Combien de kilos ?")
    clock.at(12, 20)
    actions.resolve(ctx, awa, ids["C2"])

    actions.set_presence(ctx, awa, "away")  # nobody takes the abandoned chats
    clock.at(13)
    ids["C3"] = chat(ctx, web.id, "v-3", "allo")
    clock.at(13, 0, 3)
    abandon(ctx, ids["C3"])
    clock.at(13, 10)
    ids["C4"] = chat(ctx, web.id, "v-4", "il y a quelqu'un ?")
    clock.at(13, 11)
    abandon(ctx, ids["C4"])

    if next_day:
        clock.at(0, 30, day=DAY + timedelta(days=1))
        ids["I5"] = sms(ctx, w, "+221770000005", "Bonsoir", "p5")
    clock.at(14)  # back to Monday afternoon for the wallboard
    return Scenario(w, clock, sup, sup_token, ids)


# Worked out by hand from the story above.
EXPECTED = {
    "sms": {"offered": 4, "answered": 3, "answered_in_target": 2, "service_level": 2 / 3,
            "asa_seconds": 540.0, "first_response_median_seconds": 300.0,
            "first_response_p90_seconds": 1200.0, "resolution_median_seconds": 1500.0,
            "resolution_p90_seconds": 1800.0, "abandoned": 0, "handled": 3,
            "handling_seconds": 120.0 + 900.0 + 240.0},
    "chat": {"offered": 4, "answered": 2, "answered_in_target": 1, "service_level": 1 / 3,
             "asa_seconds": 40.0, "first_response_median_seconds": 40.0,
             "first_response_p90_seconds": 60.0, "resolution_median_seconds": 450.0,
             "resolution_p90_seconds": 600.0, "abandoned": 1, "short_abandoned": 1,
             "abandon_rate": 0.5, "handled": 2, "handling_seconds": 300.0 + 600.0},
    "all": {"offered": 8, "answered": 5, "answered_in_target": 3, "service_level": 0.5,
            "asa_seconds": 340.0, "abandon_rate": 2 / 7, "handled": 5,
            "first_response_median_seconds": 120.0, "first_response_p90_seconds": 1200.0,
            "resolution_median_seconds": 600.0, "resolution_p90_seconds": 1800.0,
            "handling_seconds": 2160.0},
}
