"""A tenant's business hours, read in one place.

The ACD's wiring of hours is the lead's; until then the widget and call-backs read
``tenant.settings["hours"]`` (the ``routing.BusinessHours.parse`` shape, time zone
defaulting to the tenant's). No hours configured means always open. Point this one
function at the tenant's routing config when that lands.
"""

from __future__ import annotations

from typing import Any

from app.models import Tenant
from routing import BusinessHours, ConfigError


def tenant_hours(tenant: Tenant) -> BusinessHours | None:
    spec: Any = (tenant.settings or {}).get("hours")
    if not spec:
        return None
    if not isinstance(spec, dict):
        return None
    try:
        return BusinessHours.parse({"timezone": tenant.timezone, **spec})
    except ConfigError:
        # A broken hours setting must not take the widget down: treat as always open.
        return None
