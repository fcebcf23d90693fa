"""Configuring the ACD: tenant rules (hours, SLA targets, wrap-up, pick-up,
priorities, after-hours), skill groups (strategy, overflow, stickiness…), and
agents (skills, capacities, languages). Every write is validated by the pure
``routing`` library, so an impossible configuration is refused with its reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from app.access import Actor
from app.actions.setup import clean_keywords, tenant_by_slug
from app.context import AppContext
from app.errors import Conflict, Invalid, NotFound
from app.models import AgentSkill, AgentState, Membership, SkillGroup, Tenant, User
from app.services.audit import audit
from app.services.routing_config import build_tenant_config, group_dict
from channels.types import CHANNEL_KINDS
from routing.agents import check_capacity, check_skills
from routing.config import GroupConfig, TenantConfig
from routing.errors import ConfigError

# Keys of tenant.settings["routing"] that are ours (not routing.config's) and ride along.
_EXTRA_TENANT_KEYS = ("closed_message",)


# What a malformed value deep in the JSON can raise while being read.
_BAD_VALUE = (ConfigError, TypeError, ValueError, AttributeError, KeyError)


def _validate(raw: dict[str, Any], groups: list[dict[str, Any]], *,
              group: dict[str, Any] | None = None) -> None:
    """Refuse impossible rules with the reason and, when it can be told, the field
    (``group``: the skill group being edited, whose rules are under ``routing.``)."""
    _check_closed_message(raw.get("closed_message"))
    core = {k: v for k, v in raw.items() if k not in _EXTRA_TENANT_KEYS}
    try:
        build_tenant_config(core, groups)
    except _BAD_VALUE as exc:
        message = str(exc) if isinstance(exc, ConfigError) else f"routing config: {exc}"
        field = _group_field(group) if group is not None else _tenant_field(core)
        raise Invalid(message, field=field) from None


def _check_closed_message(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise Invalid('closed_message must map a language to a text: {"fr": "…", "en": "…"}',
                      field="closed_message")


def _fails(check: Callable[[], Any]) -> bool:
    try:
        check()
    except _BAD_VALUE:
        return True
    return False


def _tenant_field(rules: dict[str, Any]) -> str | None:
    """The deepest key of the tenant rules that is wrong on its own."""
    def bad(partial: dict[str, Any]) -> bool:
        return _fails(lambda: TenantConfig.from_dict(partial))

    for key, value in rules.items():
        if not bad({key: value}):
            continue
        if not isinstance(value, dict):
            return key
        if key == "hours":
            tz = value.get("timezone")
            if bad({"hours": {"timezone": tz}}):
                return "hours.timezone"
            weekly = value.get("weekly")
            if isinstance(weekly, dict):
                for day, windows in weekly.items():
                    if bad({"hours": {"timezone": tz, "weekly": {day: windows}}}):
                        return f"hours.weekly.{day}"
            for sub in value:
                if sub not in ("timezone", "weekly") and bad({"hours": {"timezone": tz,
                                                                        sub: value[sub]}}):
                    return f"hours.{sub}"
            return "hours"
        for sub, item in value.items():
            if key == "priority" and sub == "escalation_priority" and isinstance(item, dict):
                for level, prio in item.items():
                    if bad({key: {sub: {level: prio}}}):
                        return f"{key}.{sub}.{level}"
            if not bad({key: {sub: item}}):
                continue
            if key == "sla" and isinstance(item, dict):
                for part in ("share", "seconds"):
                    if part not in item or bad({key: {sub: {**_SLA_FILLER, part: item[part]}}}):
                        return f"{key}.{sub}.{part}"
            return f"{key}.{sub}"
        return key
    return None


_SLA_FILLER = {"share": 0.8, "seconds": 30}


def _group_field(group: dict[str, Any]) -> str | None:
    """The key of a skill group's rules at fault, as ``routing.<key>``."""
    gid = group["id"]

    def bad(partial: dict[str, Any]) -> bool:
        return _fails(lambda: GroupConfig.from_dict({"id": gid, **partial}))

    for key, value in group.items():
        if key in ("id", "name") or not bad({key: value}):
            continue
        if key == "overflow" and isinstance(value, dict):
            if "target_group" not in value:
                return "routing.overflow.target_group"
            for sub in ("target_group", "max_waiting", "max_oldest_wait_seconds"):
                if sub in value and bad({"overflow": {"target_group": -1, "max_waiting": 1,
                                                      sub: value[sub]}}):
                    return f"routing.overflow.{sub}"
            return "routing.overflow.max_waiting"  # no condition given
        return f"routing.{key}"
    # Each rule is fine alone: the group's place among the others (a loop, a target
    # that does not exist) is wrong.
    if group.get("overflow") is not None:
        return "routing.overflow.target_group"
    if group.get("after_hours_group") is not None:
        return "routing.after_hours_group"
    return None


def _groups(s: Session, tenant_id: int) -> list[SkillGroup]:
    return list(s.exec(select(SkillGroup).where(SkillGroup.tenant_id == tenant_id)
                       .order_by(col(SkillGroup.id))).all())


def set_tenant_routing(
    ctx: AppContext, actor: Actor, slug: str, rules: dict[str, Any]
) -> dict[str, Any]:
    """Replace the tenant's ACD rules (business hours, holidays, after-hours
    behaviour, SLA targets, wrap-up, no-pick-up, priority rules)."""
    if not isinstance(rules, dict):
        raise Invalid("routing rules must be an object")
    if "groups" in rules:
        raise Invalid("group rules are set on each skill group (PATCH /api/v1/skill-groups/{id})")
    with ctx.transaction() as tx:
        s = tx.session
        tenant = tenant_by_slug(s, actor, slug)
        assert tenant.id is not None
        actor.require_admin(tenant.id)
        _validate(rules, [group_dict(g) for g in _groups(s, tenant.id)])
        tenant.settings = {**(tenant.settings or {}), "routing": rules}
        s.add(tenant)
        audit(tx, actor, "routing.update", tenant_id=tenant.id, target=slug, data=rules)
        return rules


def tenant_routing(ctx: AppContext, actor: Actor, slug: str) -> dict[str, Any]:
    with ctx.read_session() as s:
        tenant = tenant_by_slug(s, actor, slug)
        return dict((tenant.settings or {}).get("routing") or {})


def update_skill_group(
    ctx: AppContext, actor: Actor, group_id: int, *, name: str | None = None,
    keywords: list[str] | None = None, is_fallback: bool | None = None,
    routing: dict[str, Any] | None = None,
) -> SkillGroup:
    with ctx.transaction() as tx:
        s = tx.session
        group = s.get(SkillGroup, group_id)
        if group is None or group.tenant_id not in actor.tenant_ids:
            raise NotFound("skill group not found")
        actor.require_supervisor(group.tenant_id)
        if name is not None:
            name = " ".join(name.split())
            if not name or len(name) > 100:
                raise Invalid("name must be 1-100 characters")
            clash = s.exec(select(SkillGroup.id).where(SkillGroup.tenant_id == group.tenant_id,
                                                       SkillGroup.name == name,
                                                       SkillGroup.id != group.id)).first()
            if clash is not None:
                raise Conflict(f"skill group '{name}' already exists")
            group.name = name
        if keywords is not None:
            group.keywords = clean_keywords(keywords)
        if is_fallback:
            for other in _groups(s, group.tenant_id):
                if other.is_fallback and other.id != group.id:
                    other.is_fallback = False
                    s.add(other)
        if is_fallback is not None:
            group.is_fallback = is_fallback
        if routing is not None:
            if not isinstance(routing, dict):
                raise Invalid("routing must be an object")
            group.routing = {k: v for k, v in routing.items() if k not in ("id", "name")}
        tenant = s.get(Tenant, group.tenant_id)
        assert tenant is not None
        others = [group_dict(g) for g in _groups(s, group.tenant_id) if g.id != group.id]
        raw = dict((tenant.settings or {}).get("routing") or {})
        _validate(raw, [*others, group_dict(group)], group=group_dict(group))
        s.add(group)
        audit(tx, actor, "skill_group.update", tenant_id=group.tenant_id, target=group.name,
              data={"name": name, "keywords": keywords, "is_fallback": is_fallback,
                    "routing": routing})
        return group


def update_agent(
    ctx: AppContext, actor: Actor, user_id: int, *, skills: dict[str, int] | None = None,
    capacity: dict[str, int] | None = None, total_capacity: int | None = None,
    clear_total: bool = False, languages: list[str] | None = None,
) -> dict[str, Any]:
    """Skills (by group id or name in the actor's tenants), per-channel capacity, a
    total cap and languages. Skills of tenants the actor does not administer are
    left untouched."""
    with ctx.transaction() as tx:
        s = tx.session
        user = s.get(User, user_id)
        member_of = set(s.exec(select(Membership.tenant_id)
                               .where(Membership.user_id == user_id)).all())
        shared = member_of & actor.tenant_ids
        if user is None or not shared:
            raise NotFound("agent not found")
        for tenant_id in shared:
            actor.require_supervisor(tenant_id)
        state = s.get(AgentState, user_id) or AgentState(user_id=user_id)
        if capacity is not None or total_capacity is not None or clear_total:
            caps = dict(state.capacity or {}) if capacity is None else dict(capacity)
            unknown = set(caps) - set(CHANNEL_KINDS)
            if unknown:
                raise Invalid(f"capacity: unknown channel kind(s) {', '.join(sorted(unknown))}")
            total = None if clear_total else (total_capacity if total_capacity is not None
                                              else state.total_capacity)
            try:
                state.capacity = check_capacity(caps, total)
            except ConfigError as exc:
                raise Invalid(str(exc)) from None
            state.total_capacity = total
        if languages is not None:
            cleaned = sorted({str(code).strip().lower()[:8] for code in languages if code})
            state.languages = cleaned
        s.add(state)
        if skills is not None:
            _replace_skills(s, user_id, shared, skills)
        for tenant_id in shared:
            audit(tx, actor, "agent.update", tenant_id=tenant_id, target=user.email,
                  data={"skills": skills, "capacity": capacity,
                        "total_capacity": total_capacity, "languages": languages})
        levels = dict(s.exec(select(AgentSkill.skill_group_id, AgentSkill.level)
                             .where(AgentSkill.user_id == user_id)).all())
        return {"id": user_id, "skills": levels, "capacity": state.capacity,
                "total_capacity": state.total_capacity, "languages": state.languages}


def _replace_skills(s: Session, user_id: int, tenant_ids: set[int],
                    skills: dict[str, int]) -> None:
    groups = s.exec(select(SkillGroup).where(col(SkillGroup.tenant_id).in_(sorted(tenant_ids)))
                    ).all()
    by_key: dict[str, SkillGroup] = {}
    for g in groups:
        by_key.setdefault(g.name, g)
        by_key[str(g.id)] = g
    wanted: dict[int, int] = {}
    for key, level in skills.items():
        group = by_key.get(str(key))
        if group is None or group.id is None:
            raise Invalid(f"skill group '{key}' not found in your tenants")
        if not isinstance(level, int) or isinstance(level, bool):
            raise Invalid(f"skill level for '{key}' must be a whole number 1 to 5")
        wanted[group.id] = level
    try:
        check_skills(wanted)
    except ConfigError as exc:
        raise Invalid(str(exc)) from None
    tenant_of = {g.id: g.tenant_id for g in groups}
    current = s.exec(select(AgentSkill).where(
        AgentSkill.user_id == user_id, col(AgentSkill.tenant_id).in_(sorted(tenant_ids)))).all()
    for row in current:
        if row.skill_group_id not in wanted:
            s.delete(row)
        else:
            row.level = wanted.pop(row.skill_group_id)
            s.add(row)
    for group_id, level in wanted.items():
        s.add(AgentSkill(tenant_id=tenant_of[group_id], user_id=user_id,
                         skill_group_id=group_id, level=level))
