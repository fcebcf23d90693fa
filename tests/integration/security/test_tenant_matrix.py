"""Tenant isolation, generated from the app's own route table: every route that
takes an id or a slug, called by tenant A's people with an object of tenant B,
answers 404 — never data, never a hint that it exists. A new route with a path
parameter this test does not know fails it until someone says what it is."""

from __future__ import annotations

import typing
from datetime import date, datetime
from typing import Any

import pytest
from fastapi import params as params_module
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlmodel import select

from app import actions
from app.actions.canned import create_canned
from app.actions.knowledge import create_article
from app.api.main import create_app
from app.context import AppContext
from app.models import Interaction, Message, SkillGroup
from channels.types import Identity, InboundMessage
from tests.factories import bearer, make_world
from tests.support.routes import api_routes

# Routes whose path parameter is not a tenant object (or that authenticate otherwise).
NOT_TENANT_SCOPED = ("/webhooks/", "/public/", "/ws/", "/static", "/csat/", "/widget")


BOGUS: dict[type, Any] = {int: 987_654_321, str: "no-such-tenant"}


def normalise(text: str, values: Any) -> str:
    """The answer with the identifiers the caller sent blanked out."""
    for value in sorted({str(v) for v in values.values()}, key=len, reverse=True):
        text = text.replace(value, "<id>")
    return text


def example(annotation: Any) -> Any:
    """A value the body validator accepts, so the handler itself must answer."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return args[0]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return example(next(a for a in args if a is not type(None)))
    if annotation in (str,):
        return "example text"
    if annotation is datetime:
        return "2030-01-02T10:00:00Z"
    if annotation is date:
        return "2030-01-02"
    if annotation in (int, float):
        return 1
    if annotation is bool:
        return False
    if origin in (list, tuple, set) or annotation is list:
        return []
    if origin is dict or annotation is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return body_for(annotation)
    return None


def body_for(model: type[BaseModel]) -> dict[str, Any]:
    return {name: example(field.annotation) for name, field in model.model_fields.items()
            if field.is_required()}


def payload(route: APIRoute) -> dict[str, Any]:
    """JSON, or form fields for routes that take a form (uploads)."""
    params = route.dependant.body_params
    if params and all(isinstance(p.field_info, (params_module.Form, params_module.File))
                      for p in params):
        return {"data": {p.alias: "example" for p in params
                         if not isinstance(p.field_info, params_module.File)}}
    return {"json": request_body(route)}


def request_body(route: APIRoute) -> dict[str, Any] | None:
    params = route.dependant.body_params
    if not params:
        return None
    if len(params) == 1:
        annotation = params[0].field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return body_for(annotation)
        return example(annotation) or {}
    return {p.name: example(p.field_info.annotation) for p in params}


@pytest.fixture
def tenant_b_objects(ctx: AppContext) -> dict[str, Any]:
    a = make_world(ctx, "alpha")
    b = make_world(ctx, "beta")
    assert b.channel.id is not None
    actions.set_presence(ctx, b.agents["awa"], "available")
    got = actions.ingest(ctx, InboundMessage(channel_id=b.channel.id,
                                             sender=Identity("phone", "+221771234567"),
                                             text="commande", provider_id="b-1"))
    with ctx.read_session() as s:
        group = s.exec(select(SkillGroup).where(SkillGroup.tenant_id == b.channel.tenant_id)
                       ).first()
        message = s.exec(select(Message).where(Message.interaction_id == got.interaction_id)
                         ).first()
        interaction = s.get(Interaction, got.interaction_id)
        assert interaction is not None and group is not None and message is not None
        contact_id = interaction.contact_id
    canned = create_canned(ctx, b.admin, b.tenant, title="Prix", body="Le sac est à 15 000 F")
    article = create_article(ctx, b.admin, b.tenant, kind="faq", title="Horaires",
                             body="Ouvert de 8 h à 18 h")
    values = {
        "canned_id": canned.id,
        "article_id": article.id,
        "interaction_id": got.interaction_id,
        "channel_id": b.channel.id,
        "group_id": group.id,
        "skill_group_id": group.id,
        "user_id": b.agents["awa"].user_id,
        "agent_id": b.agents["awa"].user_id,
        "contact_id": contact_id,
        "message_id": message.id,
        "slug": b.tenant,
        "tenant": b.tenant,
    }
    return {"a": a, "b": b, "values": values}


def test_every_id_route_hides_other_tenants(
    ctx: AppContext, tenant_b_objects: dict[str, Any]
) -> None:
    a, values = tenant_b_objects["a"], tenant_b_objects["values"]
    app = create_app(ctx, workers=False)
    checked = 0
    not_found = 0
    unknown: list[str] = []
    with TestClient(app) as client:
        for route in api_routes(app):
            if route.path.startswith(NOT_TENANT_SCOPED) or not route.include_in_schema:
                continue  # HTML pages use sessions: tests/integration/ui checks them
            names = [p.name for p in route.dependant.path_params]
            if not names:
                continue
            if any(n not in values for n in names):
                unknown.append(f"{route.path} ({', '.join(n for n in names if n not in values)})")
                continue
            path = route.path.format(**{n: values[n] for n in names})
            bogus = route.path.format(**{n: BOGUS[type(values[n])] for n in names})
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                for who in (a.admin_token, a.tokens["awa"]):
                    r = client.request(method, path, headers=bearer(who), **payload(route))
                    # Exactly what an object that does not exist gets: no hint.
                    none = client.request(method, bogus, headers=bearer(who),
                                          **payload(route))
                    assert normalise(r.text, values) == normalise(none.text, BOGUS), route.path
                    assert r.status_code == none.status_code
                    # 404; or the body was refused before any lookup (422), alike for both.
                    assert r.status_code in (404, 422), (method, route.path, r.status_code,
                                                         r.text)
                    not_found += r.status_code == 404
                    assert "+221771234567" not in r.text
                    checked += 1
    assert not unknown, f"say what these path parameters are: {unknown}"
    assert checked >= 10
    assert not_found >= checked * 0.8  # the example bodies are good enough to reach the lookup
