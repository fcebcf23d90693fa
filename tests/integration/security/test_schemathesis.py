"""Property-based fuzzing of the whole REST API from its own OpenAPI schema:
whatever the input, the answer is never a 5xx.

Schemathesis builds the Hypothesis strategies; we drive them ourselves (its pytest
plugin does not follow pytest 9 yet)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from app.api.main import create_app
from app.context import AppContext
from tests.factories import bearer, make_world

EXAMPLES_PER_OPERATION = 12


def test_no_server_errors_anywhere(ctx: AppContext) -> None:
    world = make_world(ctx)
    headers = bearer(world.admin_token)
    app = create_app(ctx, workers=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.body!r} -> "
                                f"{response.status_code} {response.text[:200]}")

        check()
    assert operations >= 15
    assert not failures, "\n".join(failures[:10])
