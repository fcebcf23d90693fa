"""People: creating users and agents, tokens, browser sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.access import Actor
from app.actions.setup import tenant_by_slug
from app.context import AppContext
from app.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from app.models import (
    AgentSkill,
    AgentState,
    AuthToken,
    LoginFailure,
    Membership,
    SkillGroup,
    Tenant,
    User,
)
from app.models.people import ROLES
from app.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    token_hash,
    verify_password,
)
from app.services.audit import audit
from app.services.identities import normalize_email
from channels.types import CHANNEL_KINDS

# A new agent can hold this much work until someone says otherwise.
DEFAULT_CAPACITY = {"chat": 3, "email": 5, "sms": 5, "callback": 1}
SESSION_DAYS = 14
LOCKOUT_FAILURES = 5
IP_FAILURES = 30
LOCKOUT_WINDOW = timedelta(minutes=15)


def create_user(
    ctx: AppContext,
    actor: Actor | None,
    *,
    email: str,
    name: str,
    role: str,
    password: str | None,
    tenants: list[str],
    skills: dict[str, int] | None = None,
    capacity: dict[str, int] | None = None,
    languages: list[str] | None = None,
) -> User:
    """Create a user. ``actor=None`` is the command line (the machine's owner)."""
    email = normalize_email(email)
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise Invalid("name must not be empty")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    caps = dict(DEFAULT_CAPACITY)
    for kind, n in (capacity or {}).items():
        if kind not in CHANNEL_KINDS:
            raise Invalid(f"capacity: unknown channel kind '{kind}'")
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 100:
            raise Invalid(f"capacity for '{kind}' must be a whole number from 0 to 100")
        caps[kind] = n
    for group, level in (skills or {}).items():
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
            raise Invalid(f"skill level for '{group}' must be 1 to 5")
    if actor is not None:
        actor.require_admin()
    password_hash = hash_password(password) if password else None
    try:
        with ctx.transaction() as tx:
            s = tx.session
            if s.exec(select(User.id).where(User.email == email)).first() is not None:
                raise Conflict(f"a user with e-mail {email} already exists")
            tenant_rows = _tenants(s, actor, tenants)
            user = User(email=email, name=name.strip(), role=role, password_hash=password_hash,
                        created_at=ctx.clock())
            s.add(user)
            s.flush()
            assert user.id is not None
            for tenant in tenant_rows:
                assert tenant.id is not None
                s.add(Membership(tenant_id=tenant.id, user_id=user.id))
            s.add(AgentState(user_id=user.id, capacity=caps, languages=list(languages or []),
                             presence_changed_at=ctx.clock(), idle_since=ctx.clock()))
            for tenant in tenant_rows:
                audit(tx, actor, "user.create", tenant_id=tenant.id, target=email,
                      data={"role": role, "skills": skills, "capacity": capacity})
            for skill_group, level in _skill_groups(s, tenant_rows, skills or {}):
                assert skill_group.id is not None
                s.add(AgentSkill(tenant_id=skill_group.tenant_id, user_id=user.id,
                                 skill_group_id=skill_group.id, level=level))
    except IntegrityError:
        raise Conflict(f"a user with e-mail {email} already exists") from None
    return user


def _tenants(s: Session, actor: Actor | None, slugs: list[str]) -> list[Tenant]:
    out = []
    for slug in dict.fromkeys(slugs):
        if actor is None:
            tenant = s.exec(select(Tenant).where(Tenant.slug == slug)).first()
            if tenant is None:
                raise NotFound(f"tenant '{slug}' not found")
        else:
            tenant = tenant_by_slug(s, actor, slug)
        out.append(tenant)
    return out


def _skill_groups(
    s: Session, tenants: list[Tenant], skills: dict[str, int]
) -> list[tuple[SkillGroup, int]]:
    """Skill keys are a group name (looked up in the user's tenants), ``slug/name``,
    or a group id."""
    if not skills:
        return []
    tenant_ids = [t.id for t in tenants]
    groups = s.exec(select(SkillGroup).where(col(SkillGroup.tenant_id).in_(tenant_ids))).all()
    slugs = {t.id: t.slug for t in tenants}
    out: list[tuple[SkillGroup, int]] = []
    for key, level in skills.items():
        matches = [
            g for g in groups
            if g.name == key or f"{slugs[g.tenant_id]}/{g.name}" == key or str(g.id) == key
        ]
        if not matches:
            raise Invalid(f"skill group '{key}' not found in the user's tenants")
        out.extend((g, level) for g in matches)
    return out


def issue_token(ctx: AppContext, email: str, *, kind: str = "api", name: str | None = None) -> str:
    """A new secret for the user; only its hash is kept."""
    email = normalize_email(email)
    token = new_token("tg_" if kind == "api" else "ts_")
    with ctx.transaction() as tx:
        s = tx.session
        user = s.exec(select(User).where(User.email == email)).first()
        if user is None or not user.is_active:
            raise NotFound(f"no active user with e-mail {email}")
        assert user.id is not None
        now = ctx.clock()
        expires = now + timedelta(days=SESSION_DAYS) if kind == "session" else None
        s.add(AuthToken(user_id=user.id, kind=kind, token_hash=token_hash(token), name=name,
                        created_at=now, expires_at=expires))
    return token


def login(ctx: AppContext, email: str, password: str, ip: str | None = None) -> str:
    """Check a password and open a browser session; the same answer for every failure.

    Guessing is slowed down: after ``LOCKOUT_FAILURES`` failures for one address (or
    ``IP_FAILURES`` from one IP) within ``LOCKOUT_WINDOW``, logins are refused with 429
    until the window has passed, without even checking the password.
    """
    email = email.strip().lower()[:254]
    now = ctx.clock()
    since = now - LOCKOUT_WINDOW
    with ctx.read_session() as s:
        by_email = s.exec(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.email == email, LoginFailure.created_at > since)).one()
        by_ip = s.exec(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.ip == ip, LoginFailure.created_at > since)).one() if ip else 0
        if by_email >= LOCKOUT_FAILURES or by_ip >= IP_FAILURES:
            minutes = int(LOCKOUT_WINDOW.total_seconds() // 60)
            raise TooManyRequests(f"too many failed logins; try again in {minutes} minutes")
        user = s.exec(select(User).where(User.email == email)).first()
    if not verify_password(user.password_hash if user else None, password) or not (
        user and user.is_active
    ):
        with ctx.transaction() as tx:
            tx.session.add(LoginFailure(email=email, ip=ip, created_at=now))
        raise Unauthorized("wrong e-mail or password")
    with ctx.transaction() as tx:
        for row in tx.session.exec(select(LoginFailure).where(LoginFailure.email == email)):
            tx.session.delete(row)
    return issue_token(ctx, email, kind="session")


def revoke_token(ctx: AppContext, token: str) -> None:
    with ctx.transaction() as tx:
        row = tx.session.exec(select(AuthToken).where(AuthToken.token_hash == token_hash(token))
                              ).first()
        if row is not None and row.revoked_at is None:
            row.revoked_at = ctx.clock()
            tx.session.add(row)


def user_for_token(ctx: AppContext, token: str, kind: str | None = None) -> User | None:
    with ctx.read_session() as s:
        row = s.exec(select(AuthToken).where(AuthToken.token_hash == token_hash(token))).first()
        if row is None or row.revoked_at is not None:
            return None
        if kind is not None and row.kind != kind:
            return None
        if row.expires_at is not None and row.expires_at <= ctx.clock():
            return None
        user = s.get(User, row.user_id)
        if user is None or not user.is_active:
            return None
        return user


def user_summary(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role}
