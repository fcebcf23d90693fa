"""The live wallboard: queues now, today's service level, agents now.

One call reads today's arrivals of the tenant (or one skill group) and the open
work; everything else is computed in Python. It is cheap enough to run on every
change a supervisor's socket reports, debounced by the page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models import Interaction, SkillGroup, Tenant
from app.models.interactions import OPEN_STATUSES
from app.services.metrics_agents import agents_summary, tenant_agents
from app.services.metrics_facts import Facts, arrived_between, scope
from app.services.metrics_service_level import level_of, levels_by_channel
from app.services.metrics_time import (
    CHANNEL_KINDS,
    local_hour,
    short_abandon_seconds,
    sla_targets,
    tenant_zone,
    today,
)


def wallboard(s: Session, tenant: Tenant, group: SkillGroup | None, now: datetime
              ) -> dict[str, Any]:
    assert tenant.id is not None
    zone = tenant_zone(tenant)
    day = today(now, zone)
    group_id = group.id if group else None
    targets = sla_targets(tenant)
    short = short_abandon_seconds(tenant)
    arrivals = arrived_between(s, tenant.id, day.start, day.end, group_id)
    levels = levels_by_channel(arrivals, targets, short)
    queues = _queues(s, tenant.id, group_id, now)
    channels = {}
    for kind in CHANNEL_KINDS:
        channels[kind] = {**queues[kind], **levels[kind],
                          "offered_today": sum(1 for f in arrivals if f.channel_kind == kind)}
    waiting = [q for q in queues.values() if q["waiting"]]
    return {
        "tenant": tenant.slug,
        "group": group.name if group else None,
        "now": now.isoformat(),
        "local_time": now.astimezone(zone).strftime("%H:%M"),
        "day": day.first.isoformat(),
        "timezone": zone.key,
        "totals": {
            **levels["all"],
            "waiting": sum(q["waiting"] for q in queues.values()),
            "longest_wait_seconds": max((q["longest_wait_seconds"] for q in waiting),
                                        default=None),
            "in_progress": sum(q["in_progress"] for q in queues.values()),
            "waiting_customer": sum(q["waiting_customer"] for q in queues.values()),
            "booked": sum(q["booked"] for q in queues.values()),
            "offered_today": len(arrivals),
        },
        "channels": channels,
        "agents": agents_summary(tenant_agents(s, tenant.id, group_id, now)),
        "hours": _hours(arrivals, targets, short, zone, now),
    }


def _queues(s: Session, tenant_id: int, group_id: int | None, now: datetime
            ) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {
        k: {"waiting": 0, "longest_wait_seconds": None, "in_progress": 0,
            "waiting_customer": 0, "booked": 0} for k in CHANNEL_KINDS}
    rows = s.exec(select(Interaction.channel_kind, Interaction.status, Interaction.queued_at)
                  .where(*scope(tenant_id, group_id),
                         col(Interaction.status).in_(OPEN_STATUSES)))
    for kind, status, queued_at in rows:
        q = out.setdefault(kind, {"waiting": 0, "longest_wait_seconds": None, "in_progress": 0,
                                  "waiting_customer": 0, "booked": 0})
        if status == "queued":
            if queued_at > now:
                q["booked"] += 1  # a call-back asked for later: not waiting yet
                continue
            q["waiting"] += 1
            wait = (now - queued_at).total_seconds()
            q["longest_wait_seconds"] = max(q["longest_wait_seconds"] or 0.0, wait)
        elif status == "assigned":
            q["in_progress"] += 1
        else:
            q["waiting_customer"] += 1
    return out


def _hours(arrivals: list[Facts], targets: Any, short: float, zone: Any, now: datetime
           ) -> list[dict[str, Any]]:
    """Volume and service level per local hour of arrival, from midnight to now."""
    last = local_hour(now, zone)
    buckets: dict[int, list[Facts]] = {h: [] for h in range(last + 1)}
    for f in arrivals:
        buckets.setdefault(local_hour(f.arrived_at, zone), []).append(f)
    out = []
    for hour in sorted(buckets):
        items = buckets[hour]
        in_target = counted = 0
        for kind in {f.channel_kind for f in items}:
            target = targets.get(kind)
            if target is None:
                continue
            lv = level_of([f for f in items if f.channel_kind == kind], target, short)
            in_target += lv.answered_in_target
            counted += lv.answered + lv.abandoned
        out.append({"hour": hour, "offered": len(items),
                    "by_channel": {k: sum(1 for f in items if f.channel_kind == k)
                                   for k in CHANNEL_KINDS},
                    "service_level": in_target / counted if counted else None})
    return out
