"""Staffing advice for the next hours: agents the target needs against agents on.

Method, per channel kind:

- **arrivals** expected in an hour = the mean of the same hour on the same weekday
  over the last 4 weeks. A tenant with less than a week of history has no such
  weeks: it gets the mean hourly rate of the last 3 hours instead.
- **handle time** = mean handling time (see ``metrics_facts``) of the interactions of
  that kind resolved in the last 7 days; without any, a stated assumption
  (``ASSUMED_AHT_SECONDS``).
- **agents needed** = Erlang C (``routing.staffing.staffing_table``) for the
  channel's service-level target; **agents on** = agents available now who may take
  that kind of work. An agent who takes several kinds counts under each, so the
  needs of several channels do not simply add up.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.models import Interaction, SkillGroup, Tenant
from app.services.metrics_agents import agents_on_for, tenant_agents
from app.services.metrics_facts import handling_seconds, resolved_between, scope
from app.services.metrics_time import CHANNEL_KINDS, mean, sla_targets, tenant_zone
from routing.errors import ConfigError
from routing.staffing import IntervalForecast, staffing_table

HISTORY_WEEKS = 4
RECENT_HOURS = 3
AHT_DAYS = 7
ASSUMED_AHT_SECONDS = {"chat": 300.0, "sms": 180.0, "email": 480.0, "callback": 360.0}
# Erlang C cannot promise 100 %: a target of 100 % is planned as 99 %.
MAX_PLANNED_SHARE = 0.99


def staffing(s: Session, tenant: Tenant, group: SkillGroup | None, now: datetime,
             hours: int = 4) -> dict[str, Any]:
    assert tenant.id is not None
    zone = tenant_zone(tenant)
    group_id = group.id if group else None
    local_now = now.astimezone(zone)
    first_hour = local_now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    history_start = first_hour - timedelta(weeks=HISTORY_WEEKS)
    arrivals = [(at, kind) for at, kind in s.exec(
        select(Interaction.created_at, Interaction.channel_kind).where(
            *scope(tenant.id, group_id), col(Interaction.created_at) >= history_start,
            col(Interaction.created_at) < now))]
    oldest = s.exec(select(Interaction.created_at).where(*scope(tenant.id, group_id))
                    .order_by(col(Interaction.created_at)).limit(1)).first()
    weekly = oldest is not None and oldest <= now - timedelta(weeks=1)
    resolved = resolved_between(s, tenant.id, now - timedelta(days=AHT_DAYS), now, group_id)
    handling = handling_seconds(s, resolved)
    agents = tenant_agents(s, tenant.id, group_id, now)
    targets = sla_targets(tenant)
    starts = [first_hour + timedelta(hours=h) for h in range(hours)]
    channels: dict[str, Any] = {}
    for kind in CHANNEL_KINDS:
        target = targets.get(kind)
        if target is None:
            continue
        times = [at for at, k in arrivals if k == kind]
        by_hour = Counter(int((at - first_hour).total_seconds() // 3600) for at in times)
        forecast = [_weekly(by_hour, h) if weekly else _recent(times, now)
                    for h in range(hours)]
        observed = [handling[f.id] for f in resolved
                    if f.channel_kind == kind and handling.get(f.id, 0.0) > 0]
        aht = mean(observed)
        on = agents_on_for(agents, kind)
        channels[kind] = {
            "target": {"share": target.share, "seconds": target.seconds},
            "aht_seconds": aht if aht is not None else ASSUMED_AHT_SECONDS[kind],
            "aht_assumed": aht is None,
            "agents_on": on,
            "rows": _rows(starts, forecast, aht or ASSUMED_AHT_SECONDS[kind], target.share,
                          target.seconds, on),
        }
    return {
        "tenant": tenant.slug,
        "group": group.name if group else None,
        "method": "same_hour_last_weeks" if weekly else "recent_hours",
        "weeks": HISTORY_WEEKS,
        "recent_hours": RECENT_HOURS,
        "timezone": zone.key,
        "channels": channels,
    }


def _weekly(by_hour: Counter[int], hour: int) -> float:
    """Mean arrivals in the same hour of the same weekday over the past weeks
    (``by_hour`` counts arrivals per hour, numbered from the first forecast hour)."""
    return sum(by_hour[hour - 168 * week] for week in range(1, HISTORY_WEEKS + 1)) \
        / HISTORY_WEEKS


def _recent(times: list[datetime], now: datetime) -> float:
    since = now - timedelta(hours=RECENT_HOURS)
    return sum(1 for at in times if at >= since) / RECENT_HOURS


def _rows(starts: list[datetime], forecast: list[float], aht: float, share: float,
          seconds: float, on: int) -> list[dict[str, Any]]:
    intervals = [IntervalForecast(st.strftime("%H:%M"), offered, aht)
                 for st, offered in zip(starts, forecast, strict=True)]
    try:
        table = staffing_table(intervals, min(share, MAX_PLANNED_SHARE), seconds,
                               agents_on=[on] * len(intervals))
    except ConfigError as exc:
        return [{"hour": iv.label, "offered": iv.offered, "error": str(exc)} for iv in intervals]
    return [{
        "hour": row.label,
        "starts_at": st.isoformat(),
        "offered": row.offered,
        "load_erlangs": row.load_erlangs,
        "agents_needed": row.agents_needed,
        "agents_on": row.agents_on,
        "gap": row.gap,
        "service_level_with_on": row.service_level_with_on,
    } for row, st in zip(table, starts, strict=True)]
