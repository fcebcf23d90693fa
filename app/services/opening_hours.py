"""A tenant's business hours, read in one place: the ACD's rules
(``tenant.settings["routing"]["hours"]``, set with ``PUT /api/v1/tenants/{slug}/routing``),
so the widget, call-back slots and the distributor agree. No hours means always open.
"""

from __future__ import annotations

from typing import Any

from app.models import Tenant
from routing import BusinessHours, ConfigError


def tenant_hours(tenant: Tenant) -> BusinessHours | None:
    spec: Any = ((tenant.settings or {}).get("routing") or {}).get("hours")
    if not spec:
        return None
    if not isinstance(spec, dict):
        return None
    try:
        return BusinessHours.parse({"timezone": tenant.timezone, **spec})
    except ConfigError:
        # A broken hours setting must not take the widget down: treat as always open.
        return None
