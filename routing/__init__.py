"""The ACD as a pure library: plain data in, decisions out.

Nothing here imports the web framework, the database or the app: production
(``app.actions``), the simulator and the benchmark drive the very same
functions.  See docs/routing.md.
"""

from routing.config import GroupConfig, TenantConfig
from routing.dispatcher import Arrival, Assignment, Dispatcher
from routing.engine import can_take, free_slots, pick_agent, pick_work
from routing.errors import ConfigError, TransferError
from routing.hours import BusinessHours
from routing.overflow import OverflowRule, route_group
from routing.queue_index import QueueIndex, QueueStats
from routing.sla import SlaTarget
from routing.types import Agent, Presence, Work

__all__ = [
    "Agent",
    "Arrival",
    "Assignment",
    "BusinessHours",
    "ConfigError",
    "Dispatcher",
    "GroupConfig",
    "OverflowRule",
    "Presence",
    "QueueIndex",
    "QueueStats",
    "SlaTarget",
    "TenantConfig",
    "TransferError",
    "Work",
    "can_take",
    "free_slots",
    "pick_agent",
    "pick_work",
    "route_group",
]
