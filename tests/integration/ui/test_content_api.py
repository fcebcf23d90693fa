"""Canned responses, suggested replies and the knowledge base, per tenant."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.actions.suggestions import rank
from app.context import AppContext
from tests.factories import bearer, make_world
from tests.integration.ui.helpers import interaction_id, sms, two_worlds


def test_canned_responses_fill_their_variables(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    admin = bearer(w.admin_token)
    r = client.post(f"/api/v1/tenants/{w.tenant}/canned-responses", headers=admin, json={
        "title": "Prix du riz", "shortcut": "/riz",
        "body": "Bonjour {{contact.name}}, le sac de riz est à 15 000 F. {{agent.name}}, "
                "{{tenant.name}}"})
    assert r.status_code == 201, r.text
    canned = r.json()
    assert canned["shortcut"] == "riz"
    sms(client, w, "+221771234567", "Le prix du riz ?", "c1")
    iid = interaction_id(client, w, "+221771234567")
    awa = bearer(w.tokens["awa"])
    listing = client.get(f"/api/v1/interactions/{iid}/canned-responses", headers=awa).json()
    assert [c["title"] for c in listing["items"]] == ["Prix du riz"]
    assert "contact.name" in listing["variables"]
    filled = client.get(f"/api/v1/interactions/{iid}/canned-responses/{canned['id']}",
                        headers=awa).json()
    # The SMS contact has no name yet: the gap closes and the agent is told.
    assert filled["text"] == "Bonjour, le sac de riz est à 15 000 F. Awa, Acme SARL"
    assert filled["missing"] == ["contact.name"]
    contact_id = client.get(f"/api/v1/interactions/{iid}", headers=awa).json()["contact"]["id"]
    client.patch(f"/api/v1/contacts/{contact_id}", json={"name": "Fatou Diop"}, headers=awa)
    filled = client.get(f"/api/v1/interactions/{iid}/canned-responses/{canned['id']}",
                        headers=awa).json()
    assert filled["text"].startswith("Bonjour Fatou Diop, le sac") and filled["missing"] == []


def test_canned_response_writes_are_checked(ctx: AppContext, client: TestClient) -> None:
    a, b = two_worlds(ctx)
    admin = bearer(a.admin_token)
    url = f"/api/v1/tenants/{a.tenant}/canned-responses"
    for body in ({"title": "", "body": "x"}, {"title": "x", "body": "{{contact.age}}"},
                 {"title": "x", "body": "y", "shortcut": "no spaces"},
                 {"title": "x", "body": "y", "language": "wo"}, {"title": "x"},
                 {"title": "x", "body": "y", "colour": "red"}):
        assert client.post(url, json=body, headers=admin).status_code == 422, body
    # An agent reads them but does not write them.
    assert client.post(url, json={"title": "x", "body": "y"},
                       headers=bearer(a.tokens["awa"])).status_code == 403
    created = client.post(url, json={"title": "Horaires", "body": "Ouvert 8h-18h"},
                          headers=admin).json()
    # Another tenant's admin: 404 on list, edit and delete, and on the tenant's groups.
    other = bearer(b.admin_token)
    assert client.get(url, headers=other).status_code == 404
    assert client.patch(f"/api/v1/canned-responses/{created['id']}", json={"title": "z"},
                        headers=other).status_code == 404
    assert client.delete(f"/api/v1/canned-responses/{created['id']}",
                         headers=other).status_code == 404
    groups = client.get(f"/api/v1/tenants/{b.tenant}/skill-groups", headers=other).json()
    foreign_group = groups["items"][0]["id"]
    assert client.post(url, json={"title": "x", "body": "y", "skill_group_id": foreign_group},
                       headers=admin).status_code == 404
    r = client.patch(f"/api/v1/canned-responses/{created['id']}",
                     json={"body": "Ouvert de 8h à 18h"}, headers=admin)
    assert r.status_code == 200 and r.json()["body"] == "Ouvert de 8h à 18h"
    assert client.get(url + "?q=horaires", headers=admin).json()["items"][0]["id"] == created["id"]
    assert client.delete(f"/api/v1/canned-responses/{created['id']}",
                         headers=admin).status_code == 204
    assert client.get(url, headers=admin).json()["items"] == []


def test_suggested_replies_rank_the_closest_canned_response(
        ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    admin = bearer(w.admin_token)
    url = f"/api/v1/tenants/{w.tenant}/canned-responses"
    for title, body in (("Livraison", "Nous livrons à Dakar en 48 heures, livraison gratuite."),
                        ("Prix du riz", "Le sac de riz de 50 kg coûte 15 000 F CFA."),
                        ("Crédit bloqué", "Pour débloquer votre crédit, composez #123#.")):
        assert client.post(url, json={"title": title, "body": body}, headers=admin
                           ).status_code == 201
    sms(client, w, "+221771234567", "Mon credit est bloque depuis hier", "g1")
    iid = interaction_id(client, w, "+221771234567")
    got = client.get(f"/api/v1/interactions/{iid}/suggestions", headers=admin).json()["items"]
    assert got and got[0]["title"] == "Crédit bloqué"
    assert got[0]["text"] == "Pour débloquer votre crédit, composez #123#."
    assert all(g["title"] != "Livraison" for g in got)


def test_rank_ignores_small_words_and_accents() -> None:
    docs = ["le prix du riz", "la livraison à Touba", "votre crédit"]
    assert [i for i, _ in rank("Quel est le PRIX du Riz ?", docs)] == [0]
    assert [i for i, _ in rank("credit", docs)] == [2]
    assert rank("le la du", docs) == []


def test_knowledge_base_search_ignores_accents_and_stays_in_its_tenant(
        ctx: AppContext, client: TestClient) -> None:
    a, b = two_worlds(ctx)
    admin = bearer(a.admin_token)
    url = f"/api/v1/tenants/{a.tenant}/knowledge"
    made = client.post(url, headers=admin, json={
        "kind": "script", "title": "Accueil téléphonique",
        "body": "Bonjour, Acme à votre écoute. Demander le numéro de commande.",
        "tags": ["appel"]})
    assert made.status_code == 201, made.text
    client.post(url, headers=admin, json={"kind": "faq", "title": "Délais de livraison",
                                          "body": "48 heures à Dakar."})
    awa = bearer(a.tokens["awa"])
    found = client.get(url + "?q=ecoute commande", headers=awa).json()["items"]
    assert [x["title"] for x in found] == ["Accueil téléphonique"]
    assert [x["title"] for x in client.get(url + "?q=DELAIS", headers=awa).json()["items"]
            ] == ["Délais de livraison"]
    assert len(client.get(url + "?kind=faq", headers=awa).json()["items"]) == 1
    assert client.get(url + "?q=50%", headers=awa).json()["items"] == []
    assert client.get(url + "?kind=poem", headers=awa).status_code == 422
    article = made.json()["id"]
    r = client.patch(f"/api/v1/knowledge/{article}", json={"body": "Acme, bonjour !"},
                     headers=admin)
    assert r.status_code == 200
    assert client.get(url + "?q=commande", headers=awa).json()["items"] == []
    other = bearer(b.admin_token)
    assert client.get(url, headers=other).status_code == 404
    assert client.get(f"/api/v1/knowledge/{article}", headers=other).status_code == 404
    assert client.patch(f"/api/v1/knowledge/{article}", json={"title": "x"},
                        headers=other).status_code == 404
    assert client.delete(f"/api/v1/knowledge/{article}", headers=other).status_code == 404
    assert client.post(url, json={"title": "x", "body": "y"}, headers=awa).status_code == 403
    assert client.post(url, json={"title": "x", "body": "y", "tags": ["a" * 51]},
                       headers=admin).status_code == 422
    assert client.delete(f"/api/v1/knowledge/{article}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/knowledge/{article}", headers=admin).status_code == 404
