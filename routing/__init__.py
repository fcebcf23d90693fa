"""The ACD as a pure library: plain data in, decisions out.

Nothing here imports the web framework, the database or the app: production
(``app.actions``) and the simulator drive the very same functions.
"""

from routing.engine import can_take, pick_agent, pick_work
from routing.types import Agent, Presence, Work

__all__ = ["Agent", "Presence", "Work", "can_take", "pick_agent", "pick_work"]
