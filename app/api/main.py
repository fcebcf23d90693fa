"""The ASGI application: API, webhooks, websockets, UI and (optionally) workers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.routes import (
    admin_pages,
    callbacks,
    canned,
    chat,
    classifier,
    contacts,
    conversation,
    csat_public,
    health,
    inbox,
    interactions,
    knowledge,
    ops,
    pages,
    people,
    realtime,
    routing_config,
    setup,
    supervisor,
    supervisor_pages,
    tools,
    webhooks,
)
from app.context import AppContext, build_context
from app.errors import ActionError
from app.observability import RequestContext
from channels.sms.base import WebhookError

log = logging.getLogger(__name__)


def create_app(ctx: AppContext | None = None, *, workers: bool | None = None,
               freeze_startup: bool = False) -> FastAPI:
    """``freeze_startup``: a long-running server (``teranga serve``) freezes what
    start-up built out of the garbage collector's full passes (``app.gc_tuning``)."""
    ctx = ctx or build_context()
    run_workers = ctx.settings.workers if workers is None else workers

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from app.sqlite_checkpoint import start_checkpointer
        from app.workers.runner import Workers

        checkpointer = start_checkpointer(ctx.engine)
        relay = None
        if ctx.settings.redis_url:
            from app.events_redis import RedisRelay

            relay = RedisRelay(ctx.settings.redis_url, ctx.bus)
            await relay.start()
        runner = Workers(ctx) if run_workers else None
        if runner is not None:
            await runner.start()
        app.state.workers = runner
        app.state.relay = relay
        if freeze_startup:
            from app.gc_tuning import freeze_startup_objects

            freeze_startup_objects()
        try:
            yield
        finally:
            hub = getattr(app.state, "chat_hub", None)
            if hub is not None:
                await hub.stop()
            if runner is not None:
                await runner.stop()
            if relay is not None:
                await relay.stop()
            if checkpointer is not None:
                checkpointer.stop()

    app = FastAPI(
        title="Teranga",
        version="0.1.0",
        description="Omnichannel contact-centre inbox: email, SMS, chat and call-back in one "
        "queue, routed by skills.",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.add_middleware(RequestContext)
    for module in (health, ops, setup, routing_config, people, interactions, tools, webhooks,
                   realtime, chat, callbacks, classifier, pages):
        app.include_router(module.router)
    # The agent and admin UI's own API and pages.
    for ui_module in (inbox, conversation, contacts, canned, knowledge, admin_pages):
        app.include_router(ui_module.router)
    for module in (supervisor, supervisor_pages, csat_public):
        app.include_router(module.router)
    _error_handlers(app)
    return app


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ActionError)
    async def _action_error(_: Request, exc: ActionError) -> JSONResponse:
        body = {"detail": exc.detail}
        if exc.field:
            body["field"] = exc.field
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(WebhookError)
    async def _webhook_error(_: Request, exc: WebhookError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:
        return JSONResponse({"detail": "a number in the request is out of range"},
                            status_code=422)

    @app.exception_handler(DataError)
    async def _bad_value(_: Request, exc: DataError) -> JSONResponse:
        # The database refused a value (out of range, malformed): the request's fault.
        return JSONResponse({"detail": "a value in the request is out of range or malformed"},
                            status_code=422)

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        return _unavailable(exc)

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return _unavailable(exc)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Any:
        headers = getattr(exc, "headers", None)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


def _unavailable(exc: Exception) -> JSONResponse:
    # The gateway retries on 503: the message is not lost, only delayed.
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return JSONResponse({"detail": "database unavailable, retry later"}, status_code=503,
                        headers={"Retry-After": "5"})
