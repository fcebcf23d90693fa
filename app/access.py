"""Who is acting, and what they may see. Every query is scoped through an Actor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from app.errors import Forbidden
from app.models import AgentSkill, Membership, User


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    email: str
    name: str
    role: str  # agent | supervisor | admin
    tenant_ids: frozenset[int]
    skill_group_ids: frozenset[int]

    @property
    def is_supervisor(self) -> bool:
        """Supervisors and admins see every interaction of their tenants."""
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def require_tenant(self, tenant_id: int) -> None:
        if tenant_id not in self.tenant_ids:
            raise Forbidden("you are not a member of this tenant")

    def require_admin(self, tenant_id: int | None = None) -> None:
        if not self.is_admin:
            raise Forbidden("this needs the admin role")
        if tenant_id is not None:
            self.require_tenant(tenant_id)

    def require_supervisor(self, tenant_id: int) -> None:
        if not self.is_supervisor:
            raise Forbidden("this needs the supervisor or admin role")
        self.require_tenant(tenant_id)

    def may_see_interaction(
        self, tenant_id: int, skill_group_id: int | None, assignee_id: int | None
    ) -> bool:
        if tenant_id not in self.tenant_ids:
            return False
        if self.is_supervisor or assignee_id == self.user_id:
            return True
        # Agents see their groups' queues, and unclassified work of their tenants.
        return skill_group_id is None or skill_group_id in self.skill_group_ids


def load_actor(session: Session, user: User) -> Actor:
    assert user.id is not None
    tenant_ids = session.exec(select(Membership.tenant_id).where(Membership.user_id == user.id))
    groups = session.exec(select(AgentSkill.skill_group_id).where(AgentSkill.user_id == user.id))
    return Actor(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        tenant_ids=frozenset(tenant_ids),
        skill_group_ids=frozenset(groups),
    )
