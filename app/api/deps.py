"""Dependencies: the app context, the current user (bearer token or session cookie)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from app.access import Actor, load_actor
from app.actions.users import user_for_token
from app.context import AppContext
from app.errors import Forbidden, Unauthorized
from app.models import User
from app.security import csrf_token

SESSION_COOKIE = "teranga_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def authenticate(ctx: AppContext, request: Request) -> User:
    token = bearer_token(request)
    if token is not None:
        user = user_for_token(ctx, token, kind="api")
        if user is None:
            raise Unauthorized("invalid or revoked token")
        return user
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        user = user_for_token(ctx, session, kind="session")
        if user is None:
            raise Unauthorized("session expired; log in again")
        if request.method not in SAFE_METHODS:
            # Cookies ride along on cross-site requests; a header only our pages can
            # compute proves the request comes from one of them.
            sent = request.headers.get(CSRF_HEADER, "")
            expected = csrf_token(ctx.settings.resolved_secret_key, session)
            if not hmac.compare_digest(sent, expected):
                raise Forbidden("missing or wrong CSRF token")
        return user
    raise Unauthorized("authentication required: send 'Authorization: Bearer <token>'")


def _actor_sync(ctx: AppContext, request: Request) -> Actor:
    user = authenticate(ctx, request)
    with ctx.read_session() as s:
        return load_actor(s, user)


async def current_actor(request: Request, ctx: Ctx) -> Actor:
    return await run_in_threadpool(_actor_sync, ctx, request)


CurrentActor = Annotated[Actor, Depends(current_actor)]

# Database ids are 64-bit: a larger number can only be a mistake, answered with 422.
MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
