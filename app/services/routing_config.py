"""Each tenant's ACD rules, read from the database into ``routing.config``.

Tenant-wide rules live in ``tenant.settings["routing"]`` and each group's in
``skill_group.routing``; both are JSON validated by ``routing.config`` when written
(``app.actions.routing_config``). Parsed configs are cached by their JSON text, so
an edit made by another process applies to the next message with no signal.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from app.models import SkillGroup, Tenant
from routing.config import GroupConfig, TenantConfig
from routing.errors import ConfigError

_CACHE_SIZE = 256
_lock = threading.Lock()
_cache: OrderedDict[str, TenantConfig] = OrderedDict()


def group_dict(group: SkillGroup) -> dict[str, Any]:
    return {**(group.routing or {}), "id": group.id, "name": group.name}


def build_tenant_config(raw: dict[str, Any], groups: Iterable[dict[str, Any]]) -> TenantConfig:
    """Validate and build; raises ``ConfigError`` naming the problem."""
    return TenantConfig.from_dict({**raw, "groups": list(groups)})


def tenant_config(tenant: Tenant, groups: Iterable[SkillGroup]) -> TenantConfig:
    raw = dict((tenant.settings or {}).get("routing") or {})
    group_dicts = [group_dict(g) for g in groups]
    key = json.dumps([tenant.id, raw, group_dicts], sort_keys=True, default=str)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    try:
        config = build_tenant_config(raw, group_dicts)
    except ConfigError:
        # Stored rules were valid when written; if a library upgrade now refuses them,
        # routing must go on (default rules) rather than stop taking messages.
        config = build_tenant_config({}, [{"id": g["id"], "name": g["name"]}
                                          for g in group_dicts])
    with _lock:
        _cache[key] = config
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return config


def group_config(config: TenantConfig, group_id: int | None) -> GroupConfig | None:
    if group_id is None:
        return None
    return config.groups.get(group_id)


def configs_for(session: Any, tenant_ids: Iterable[int]) -> dict[int, TenantConfig]:
    """Configs of several tenants (an outsourcer's agent serves many) in two queries."""
    from sqlmodel import col, select

    ids = sorted(set(tenant_ids))
    if not ids:
        return {}
    tenants = session.exec(select(Tenant).where(col(Tenant.id).in_(ids))).all()
    groups = session.exec(select(SkillGroup).where(col(SkillGroup.tenant_id).in_(ids))
                          .order_by(col(SkillGroup.id))).all()
    by_tenant: dict[int, list[SkillGroup]] = {i: [] for i in ids}
    for g in groups:
        by_tenant[g.tenant_id].append(g)
    return {t.id: tenant_config(t, by_tenant[t.id]) for t in tenants}
