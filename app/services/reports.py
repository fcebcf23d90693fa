"""Reports for a period and the monthly client statement.

Every figure is defined in ``metrics_facts`` (what an interaction counts for) and
``metrics_service_level`` (the service-level convention); docs/supervisor.md says
the same in plain words, as the pages do beside each figure.

Which interactions a figure covers:
- volume, waits, service level, abandonment, resolution time: those that **arrived**
  in the period (a Monday-night e-mail answered on Tuesday counts for Monday);
- handled, handling time, production hours, agent performance: those **resolved**
  in the period, credited to the agent who held them at resolution;
- CSAT: surveys **sent** in the period.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from app.models import CsatSurvey, SkillGroup, Tenant, User
from app.services.metrics_facts import Facts, arrived_between, handling_seconds, resolved_between
from app.services.metrics_service_level import levels_by_channel
from app.services.metrics_time import (
    CHANNEL_KINDS,
    Period,
    local_day,
    mean,
    median,
    p90,
    ratio,
    short_abandon_seconds,
    sla_targets,
    tenant_zone,
)


def period_report(s: Session, tenant: Tenant, span: Period, group: SkillGroup | None = None
                  ) -> dict[str, Any]:
    assert tenant.id is not None
    group_id = group.id if group else None
    arrived = arrived_between(s, tenant.id, span.start, span.end, group_id)
    resolved = resolved_between(s, tenant.id, span.start, span.end, group_id)
    handling = handling_seconds(s, resolved)
    levels = levels_by_channel(arrived, sla_targets(tenant), short_abandon_seconds(tenant))
    channels = {}
    for kind in (*CHANNEL_KINDS, "all"):
        mine = [f for f in arrived if kind == "all" or f.channel_kind == kind]
        done = [f for f in resolved if kind == "all" or f.channel_kind == kind]
        channels[kind] = {
            "offered": len(mine),
            **_times(mine),
            **levels[kind],
            "handled": len(done),
            "handling_seconds": sum(handling[f.id] for f in done),
        }
    zone = tenant_zone(tenant)
    daily: dict[str, int] = {}
    day = span.first
    while day <= span.last:
        daily[day.isoformat()] = 0
        day = day.fromordinal(day.toordinal() + 1)
    for f in arrived:
        key = local_day(f.arrived_at, zone).isoformat()
        if key in daily:
            daily[key] += 1
    return {
        "tenant": tenant.slug,
        "group": group.name if group else None,
        "from": span.first.isoformat(),
        "to": span.last.isoformat(),
        "timezone": zone.key,
        "channels": channels,
        "daily": [{"day": d, "offered": n} for d, n in daily.items()],
        "agents": _agents(s, resolved, handling, span, tenant.id, group_id),
        "csat": csat_summary(s, tenant.id, span, group_id),
    }


def _times(facts: list[Facts]) -> dict[str, Any]:
    first = [f.wait_seconds for f in facts if f.answered_at is not None]
    waits = [w for w in first if w is not None]
    resolution = [r for r in (f.resolution_seconds for f in facts) if r is not None]
    return {
        "first_response_median_seconds": median(waits),
        "first_response_p90_seconds": p90(waits),
        "resolution_median_seconds": median(resolution),
        "resolution_p90_seconds": p90(resolution),
        "resolved": len(resolution),
    }


def _agents(s: Session, resolved: list[Facts], handling: dict[int, float], span: Period,
            tenant_id: int, group_id: int | None) -> list[dict[str, Any]]:
    by_agent: dict[int, list[Facts]] = defaultdict(list)
    for f in resolved:
        if f.assignee_id is not None:
            by_agent[f.assignee_id].append(f)
    scores = _scores(s, tenant_id, span, group_id, "agent")
    ids = sorted(set(by_agent) | set(scores))
    names = dict(s.exec(select(User.id, User.name).where(col(User.id).in_(ids))).all())
    out: list[dict[str, Any]] = []
    for uid in ids:
        done = by_agent.get(uid, [])
        total = sum(handling[f.id] for f in done)
        marks = scores.get(uid, [])
        out.append({
            "id": uid,
            "name": names.get(uid, "?"),
            "handled": len(done),
            "handling_seconds": total,
            "aht_seconds": total / len(done) if done else None,
            "csat_answers": len(marks),
            "csat_average": mean(marks),
        })
    out.sort(key=lambda a: (-a["handled"], a["name"]))
    return out


def _surveys(s: Session, tenant_id: int, span: Period, group_id: int | None
             ) -> list[CsatSurvey]:
    q = select(CsatSurvey).where(CsatSurvey.tenant_id == tenant_id,
                                 col(CsatSurvey.sent_at) >= span.start,
                                 col(CsatSurvey.sent_at) < span.end)
    if group_id is not None:
        q = q.where(CsatSurvey.skill_group_id == group_id)
    return list(s.exec(q))


def _scores(s: Session, tenant_id: int, span: Period, group_id: int | None, by: str
            ) -> dict[int, list[float]]:
    out: dict[int, list[float]] = defaultdict(list)
    for survey in _surveys(s, tenant_id, span, group_id):
        key = survey.agent_id if by == "agent" else survey.skill_group_id
        if survey.score is not None and key is not None:
            out[key].append(float(survey.score))
    return out


def csat_summary(s: Session, tenant_id: int, span: Period, group_id: int | None = None
                 ) -> dict[str, Any]:
    surveys = _surveys(s, tenant_id, span, group_id)
    scores = [float(x.score) for x in surveys if x.score is not None]
    by_group = _scores(s, tenant_id, span, group_id, "group")
    names = dict(s.exec(select(SkillGroup.id, SkillGroup.name)
                        .where(SkillGroup.tenant_id == tenant_id)).all())
    return {
        "sent": len(surveys),
        "answered": len(scores),
        "response_rate": ratio(len(scores), len(surveys)),
        "average": mean(scores),
        "satisfied_share": ratio(sum(1 for x in scores if x >= 4), len(scores)),
        "distribution": {str(n): sum(1 for x in scores if x == n) for n in range(1, 6)},
        "groups": [{"id": gid, "name": names.get(gid, "?"), "answers": len(v),
                    "average": mean(v)} for gid, v in sorted(by_group.items())],
    }


def statement(s: Session, tenant: Tenant, span: Period) -> dict[str, Any]:
    """The client's monthly statement: what was received, handled, and at what level.

    Production hours = the handling time of the interactions resolved in the month
    (see ``metrics_facts``), in hours.
    """
    report = period_report(s, tenant, span)
    rows = []
    for kind in (*CHANNEL_KINDS, "all"):
        c = report["channels"][kind]
        rows.append({
            "channel": kind,
            "received": c["offered"],
            "handled": c["handled"],
            "production_hours": c["handling_seconds"] / 3600.0,
            "service_level": c["service_level"],
            "target": c["target"],
            "met": c["met"],
            "abandoned": c["abandoned"] + c["short_abandoned"],
        })
    return {
        "tenant": tenant.slug,
        "tenant_name": tenant.name,
        "month": span.first.strftime("%Y-%m"),
        "from": span.first.isoformat(),
        "to": span.last.isoformat(),
        "timezone": report["timezone"],
        "rows": rows,
        "csat": report["csat"],
    }
