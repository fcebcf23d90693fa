"""Configuring the ACD: tenant rules, skill groups, agents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from sqlmodel import col, select

from app.actions import routing_config as actions
from app.actions.setup import tenant_by_slug
from app.api.deps import Ctx, CurrentActor, Id
from app.api.routes.setup import group_dict
from app.api.schemas import AgentPatch, SkillGroupPatch
from app.errors import NotFound
from app.models import AgentSkill, AgentState, Membership, SkillGroup, User
from app.services.assignment import agent_loads

router = APIRouter(prefix="/api/v1", tags=["routing"])


@router.get("/tenants/{slug}/routing")
def get_tenant_routing(slug: str, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    return actions.tenant_routing(ctx, actor, slug)


@router.put("/tenants/{slug}/routing")
def put_tenant_routing(
    slug: str, ctx: Ctx, actor: CurrentActor,
    rules: dict[str, Any] = Body(..., examples=[{
        "hours": {"timezone": "Africa/Dakar",
                  "weekly": {"mon": ["08:00-12:30", "14:00-18:00"], "sat": ["09:00-13:00"]},
                  "holidays": ["2026-12-25"]},
        "after_hours": {"sms": "auto_reply", "chat": "offer_callback", "email": "queue"},
        "sla": {"chat": {"share": 0.8, "seconds": 30}, "sms": {"share": 0.8, "seconds": 900}},
        "wrap_up_seconds": 30, "no_pickup_seconds": {"chat": 30, "callback": 60},
    }]),
) -> dict[str, Any]:
    """Business hours and holidays, after-hours behaviour per channel, SLA targets per
    channel, wrap-up, no-pick-up timeouts and priority rules. Refused with 422 and the
    reason when impossible (unknown time zone, hours that do not parse…)."""
    return actions.set_tenant_routing(ctx, actor, slug, rules)


@router.get("/skill-groups/{group_id}")
def get_skill_group(group_id: Id, ctx: Ctx, actor: CurrentActor) -> dict[str, Any]:
    with ctx.read_session() as s:
        group = s.get(SkillGroup, group_id)
        if group is None or group.tenant_id not in actor.tenant_ids:
            raise NotFound("skill group not found")
        return {**group_dict(group), "routing": group.routing}


@router.patch("/skill-groups/{group_id}")
def patch_skill_group(group_id: Id, body: SkillGroupPatch, ctx: Ctx, actor: CurrentActor
                      ) -> dict[str, Any]:
    """Name, keywords, fallback flag, and routing rules: ``strategy`` (longest_idle,
    least_occupied, round_robin), ``overflow`` ({target_group, max_waiting,
    max_oldest_wait_seconds}), ``after_hours_group``, ``sticky_wait_seconds``,
    ``aging_seconds``, ``language_wait_seconds``, ``hours``. Overflow loops are refused."""
    group = actions.update_skill_group(ctx, actor, group_id, name=body.name,
                                       keywords=body.keywords, is_fallback=body.is_fallback,
                                       routing=body.routing)
    return {**group_dict(group), "routing": group.routing}


@router.get("/agents")
def list_agents(ctx: Ctx, actor: CurrentActor, tenant: str | None = None) -> dict[str, Any]:
    """Agents of your tenants with their presence, skills, capacity and load now."""
    with ctx.read_session() as s:
        tenant_ids = sorted(actor.tenant_ids)
        if tenant is not None:
            t = tenant_by_slug(s, actor, tenant)
            tenant_ids = [t.id] if t.id is not None else []
        user_ids = sorted(set(s.exec(select(Membership.user_id)
                                     .where(col(Membership.tenant_id).in_(tenant_ids))).all()))
        users = s.exec(select(User).where(col(User.id).in_(user_ids))
                       .order_by(col(User.name))).all()
        states = {st.user_id: st for st in s.exec(
            select(AgentState).where(col(AgentState.user_id).in_(user_ids)))}
        skills: dict[int, dict[int, int]] = {}
        for row in s.exec(select(AgentSkill).where(col(AgentSkill.user_id).in_(user_ids),
                                                   col(AgentSkill.tenant_id).in_(tenant_ids))):
            skills.setdefault(row.user_id, {})[row.skill_group_id] = row.level
        loads = agent_loads(s, user_ids)
        items = []
        for u in users:
            st = states.get(u.id or 0)
            items.append({
                "id": u.id, "name": u.name, "email": u.email, "role": u.role,
                "presence": st.presence if st else "offline",
                "capacity": st.capacity if st else {},
                "total_capacity": st.total_capacity if st else None,
                "languages": st.languages if st else [],
                "skills": skills.get(u.id or 0, {}),
                "load": loads.get(u.id or 0, {}),
            })
        return {"items": items}


@router.patch("/agents/{user_id}")
def patch_agent(user_id: Id, body: AgentPatch, ctx: Ctx, actor: CurrentActor
                ) -> dict[str, Any]:
    """Skills ({group id or name: level 1-5}; replaces the agent's skills in your
    tenants), capacity per channel kind, a total cap, languages."""
    return actions.update_agent(ctx, actor, user_id, skills=body.skills,
                                capacity=body.capacity, total_capacity=body.total_capacity,
                                clear_total=body.clear_total_capacity,
                                languages=body.languages)
