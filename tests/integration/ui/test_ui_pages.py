"""The agent and admin pages as served: who gets what, in which language, how heavy."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.context import AppContext
from tests.factories import PASSWORD, make_world
from tests.integration.ui.helpers import sms


def login(client: TestClient, email: str) -> None:
    r = client.post("/login", data={"email": email, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def test_agent_page_lists_and_filters_server_side(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx, passwords=True)
    sms(client, w, "+221771234567", "Je veux acheter du riz", "p1")
    sms(client, w, "+221772222222", "<script>alert(1)</script> panne", "p2")
    login(client, "admin@acme.test")
    page = client.get("/agent").text
    # French for a Senegalese tenant, customer text escaped, no inline script anywhere.
    assert 'lang="fr"' in page and "Les miennes" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", page)
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers
    assert page.count('class="row') == 2
    filtered = client.get("/agent?skill_group=support").text
    assert filtered.count('class="row') == 1 and "+221772222222" in filtered
    assert client.get("/agent?channel=fax&status=nope").status_code == 200  # ignored


def test_agent_of_tenant_a_never_sees_tenant_b(ctx: AppContext, client: TestClient) -> None:
    a = make_world(ctx, "acme", passwords=True)
    b = make_world(ctx, "globex", agents={"binta": {"ventes": 3}})
    sms(client, b, "+221779999999", "Je veux acheter chez Globex", "b1")
    sms(client, a, "+221771234567", "Je veux acheter chez Acme", "a1")
    login(client, "awa@acme.test")
    page = client.get("/agent").text
    assert "+221771234567" in page and "+221779999999" not in page
    assert "Globex" not in page


def test_admin_pages_are_for_admins_of_the_tenant(ctx: AppContext, client: TestClient) -> None:
    make_world(ctx, "acme", passwords=True)
    make_world(ctx, "globex", passwords=True)
    login(client, "awa@acme.test")
    assert client.get("/admin").status_code == 403
    assert client.get("/admin/t/acme").status_code == 403
    login(client, "admin@acme.test")
    index = client.get("/admin?lang=en").text
    assert "/admin/t/acme" in index and "globex" not in index
    assert client.get("/admin/t/globex").status_code == 404
    page = client.get("/admin/t/acme?lang=en")
    assert page.status_code == 200
    html = page.text
    # The SMS channel with its webhook URL to copy; agents with their skills.
    assert "/webhooks/sms/" in html and "ventes=3" in html and "Awa" in html
    assert "Copy" in html and not re.search(r"\son[a-z]+=", html)


def test_anonymous_admin_goes_to_login(client: TestClient) -> None:
    r = client.get("/admin", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
