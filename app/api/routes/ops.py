"""``/metrics`` for Prometheus: counters kept by the app, gauges read at scrape."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import func
from sqlmodel import col, select

from app.api.deps import Ctx, bearer_token
from app.context import AppContext
from app.errors import Unauthorized
from app.models import AgentState, Channel, Interaction, OutboxItem, SkillGroup, Tenant
from app.observability import METRICS

router = APIRouter(tags=["operations"])


def _gauges(ctx: AppContext) -> bytes:
    registry = CollectorRegistry()
    waiting = Gauge("teranga_queue_waiting", "Interactions waiting for an agent",
                    ["tenant", "skill_group"], registry=registry)
    oldest = Gauge("teranga_queue_oldest_wait_seconds", "Longest wait in the queue now",
                   ["tenant", "skill_group"], registry=registry)
    by_status = Gauge("teranga_interactions_open", "Open interactions by status",
                      ["tenant", "status"], registry=registry)
    agents = Gauge("teranga_agents", "Agents by presence", ["presence"], registry=registry)
    outbox = Gauge("teranga_outbox", "Outbox rows by status", ["status"], registry=registry)
    unhealthy = Gauge("teranga_channel_error", "1 when the channel's last event was an error",
                      ["tenant", "channel"], registry=registry)
    now = ctx.clock()
    with ctx.read_session() as s:
        slugs = dict(s.exec(select(Tenant.id, Tenant.slug)).all())
        groups = dict(s.exec(select(SkillGroup.id, SkillGroup.name)).all())
        rows = s.exec(
            select(Interaction.tenant_id, Interaction.skill_group_id, func.count(),
                   func.min(Interaction.queued_at))
            .where(Interaction.status == "queued", Interaction.queued_at <= now)
            .group_by(col(Interaction.tenant_id), col(Interaction.skill_group_id))).all()
        for tenant_id, group_id, count, first in rows:
            labels = (slugs.get(tenant_id, "?"), groups.get(group_id, "none"))
            waiting.labels(*labels).set(count)
            oldest.labels(*labels).set((now - first).total_seconds() if first else 0)
        for tenant_id, status, count in s.exec(
            select(Interaction.tenant_id, Interaction.status, func.count())
            .where(col(Interaction.status).in_(("queued", "assigned", "waiting_customer")))
            .group_by(col(Interaction.tenant_id), col(Interaction.status))):
            by_status.labels(slugs.get(tenant_id, "?"), status).set(count)
        for presence, count in s.exec(select(AgentState.presence, func.count())
                                      .group_by(col(AgentState.presence))):
            agents.labels(presence).set(count)
        for status, count in s.exec(select(OutboxItem.status, func.count())
                                    .group_by(col(OutboxItem.status))):
            outbox.labels(status).set(count)
        for channel in s.exec(select(Channel).where(Channel.is_active)):
            failing = bool(channel.last_error_at and (
                channel.last_success_at is None or channel.last_error_at > channel.last_success_at))
            unhealthy.labels(slugs.get(channel.tenant_id, "?"), channel.name).set(int(failing))
    return generate_latest(registry)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, ctx: Ctx) -> Response:
    expected = ctx.settings.metrics_token
    if expected:
        given = bearer_token(request) or ""
        if not hmac.compare_digest(given, expected):
            raise Unauthorized("metrics need 'Authorization: Bearer <TERANGA_METRICS_TOKEN>'")
    body = generate_latest(METRICS.registry) + _gauges(ctx)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
