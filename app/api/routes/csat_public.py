"""``/csat/{token}``: the customer's one-click satisfaction page (no login).

The token in the link is the credential: signed with the installation's secret key,
it names one survey. ``GET`` shows five buttons; ``POST`` records the score, from
the page's form or as JSON ``{"score": 1-5, "comment"?}`` (the chat widget).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.actions import csat
from app.api.routes.pages import render, request_language
from app.context import AppContext
from app.errors import ActionError, Invalid
from app.models import CsatSurvey, Tenant
from app.services.metrics_format import Formatter

router = APIRouter(prefix="/csat", tags=["csat"])
MAX_BODY_BYTES = 8 * 1024
# The chat widget posts from the client's own website: any origin may, since the token
# in the path is the only credential (no cookie is read or set here).
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "86400"}


def _survey(ctx: AppContext, token: str) -> tuple[CsatSurvey, str, str]:
    with ctx.read_session() as s:
        survey = csat.survey_for_token(ctx, s, token)
        tenant = s.get(Tenant, survey.tenant_id)
        assert tenant is not None
        return survey, tenant.name, tenant.locale


def _page(request: Request, name: str, values: dict[str, Any], lang: str,
          status_code: int = 200) -> Response:
    response = render(request, name, {**values, "fmt": Formatter(lang)}, lang,
                      status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token must not leak onwards
    return response


@router.get("/{token}", response_class=HTMLResponse, include_in_schema=False)
async def survey_page(token: str, request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    try:
        survey, business, locale = await run_in_threadpool(_survey, ctx, token)
    except ActionError as exc:
        lang = request_language(request)
        return _page(request, "supervisor/csat_public.html", {"error": exc.detail}, lang,
                     exc.status)
    lang = request_language(request, locale)
    closed = ctx.clock() > survey.expires_at
    return _page(request, "supervisor/csat_public.html",
                 {"business": business, "token": token, "score": survey.score,
                  "closed": closed}, lang)


@router.options("/{token}", include_in_schema=False)
async def survey_preflight(token: str) -> Response:
    """The browser's CORS preflight before the widget's JSON POST."""
    return Response(status_code=204, headers=CORS)


@router.post("/{token}")
async def survey_answer(token: str, request: Request) -> Response:
    """Record a score from 1 (bad) to 5 (excellent); a later answer within the window
    replaces the earlier one."""
    ctx: AppContext = request.app.state.ctx
    wants_json = request.headers.get("content-type", "").startswith("application/json")
    lang = request_language(request)
    try:
        score, comment = await _read(request, wants_json)
        survey = await run_in_threadpool(csat.answer_survey, ctx, token, score, comment,
                                         "chat" if wants_json else "web")
    except ActionError as exc:
        if wants_json:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=CORS)
        return _page(request, "supervisor/csat_public.html", {"error": exc.detail}, lang,
                     exc.status)
    if wants_json:
        return JSONResponse({"status": "ok", "score": survey.score}, headers=CORS)
    return _page(request, "supervisor/csat_public.html", {"thanks": True, "score": survey.score},
                 lang)


async def _read(request: Request, wants_json: bool) -> tuple[int, str | None]:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise Invalid(f"body larger than {MAX_BODY_BYTES} bytes")
    if wants_json:
        try:
            data = json.loads(body or b"null")
        except ValueError:
            raise Invalid("body must be JSON: {\"score\": 1-5}") from None
        if not isinstance(data, dict):
            raise Invalid("body must be a JSON object: {\"score\": 1-5}")
        raw_score, comment = data.get("score"), data.get("comment")
    else:
        form = await request.form()
        raw_score, comment = form.get("score"), form.get("comment")
    try:
        score = int(str(raw_score)) if not isinstance(raw_score, bool) else 0
    except ValueError:
        raise Invalid("score must be a whole number from 1 to 5") from None
    if comment is not None and not isinstance(comment, str):
        raise Invalid("comment must be text")
    return score, comment
