"""The admin's classifier page: the model in service with its figures, the versions,
retrain and roll back through the JSON API with the page's CSRF token, audited."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import actions
from app.actions import learning
from app.context import AppContext
from app.models import AuditEntry, ClassifierExample
from channels.types import Identity, InboundMessage
from tests.factories import World, make_world
from tests.integration.ui.test_ui_pages import login

SALES = ["je voudrais un sac de riz parfume", "quel est le tarif de l'huile",
         "combien coute la livraison a thies", "je veux dix cartons de sucre",
         "vous avez des promotions cette semaine", "tarif du lait en poudre svp",
         "je souhaite reserver dix cartons", "est ce que le riz parfume est disponible"]
SUPPORT = ["mon decodeur ne s'allume plus", "la connexion internet coupe tout le temps",
           "l'application plante au demarrage", "je n'arrive pas a me connecter a mon compte",
           "mon telephone affiche une erreur", "la box clignote en rouge depuis hier",
           "impossible de recharger mon credit", "l'ecran reste noir apres la mise a jour"]


def labelled_examples(ctx: AppContext, w: World) -> None:
    """What agents' decisions would have left: 32 labelled examples."""
    tenant_id, channel_id = w.channel.tenant_id, w.channel.id
    assert channel_id is not None
    texts = SALES * 2 + SUPPORT * 2
    ids = [actions.ingest(ctx, InboundMessage(
        channel_id=channel_id, sender=Identity("phone", f"+2217750{n:05d}"), text=text,
        provider_id=f"ex-{n}")).interaction_id for n, text in enumerate(texts)]
    with ctx.transaction() as tx:
        for n, (iid, text) in enumerate(zip(ids, texts, strict=True)):
            tx.session.add(ClassifierExample(
                tenant_id=tenant_id, interaction_id=iid, text=text,
                label="ventes" if n < 16 else "support", source="test"))


def csrf(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_classifier_page_shows_versions_and_retrains_and_rolls_back(
    ctx: AppContext, client: TestClient
) -> None:
    w = make_world(ctx, passwords=True)
    login(client, "admin@acme.test")
    page = client.get("/admin/t/acme/classifier?lang=en")
    assert page.status_code == 200
    assert "No model yet" in page.text and "Retrain now" in page.text
    assert "Roll back" not in page.text
    token = csrf(page.text)
    url = "/api/v1/tenants/acme/classifier"
    # Too few examples: a clear refusal (409), which the page shows next to the button.
    r = client.post(f"{url}/train", headers={"X-CSRF-Token": token})
    assert r.status_code == 409 and "at least 20" in r.json()["detail"]
    # Without the page's token, a cookie alone cannot retrain.
    assert client.post(f"{url}/train").status_code == 403

    labelled_examples(ctx, w)
    r = client.post(f"{url}/train", headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    learning.train_tenant(ctx, w.channel.tenant_id, w.admin)
    html = client.get("/admin/t/acme/classifier?lang=en").text
    assert re.search(r'id="active-version">2<', html)
    assert "Accuracy" in html and "Macro-F1" in html and "Calibration error" in html
    assert re.search(r'id="examples-count">32<', html)
    assert "Roll back to the previous version" in html and "Activate version 1" in html
    assert "Activate version 2" not in html  # the one in service
    assert not re.search(r"\son[a-z]+=", html)

    r = client.post(f"{url}/activate", json={}, headers={"X-CSRF-Token": token})
    assert r.json() == {"active": 1}
    assert re.search(r'id="active-version">1<',
                     client.get("/admin/t/acme/classifier?lang=en").text)
    r = client.post(f"{url}/activate", json={"version": 2}, headers={"X-CSRF-Token": token})
    assert r.json() == {"active": 2}
    with ctx.read_session() as s:
        log = s.exec(select(AuditEntry).where(col(AuditEntry.action).startswith("classifier."))
                     .order_by(col(AuditEntry.id))).all()
    assert [(e.action, e.target, e.actor_id) for e in log] == [
        ("classifier.train", "v1", w.admin.user_id), ("classifier.train", "v2", w.admin.user_id),
        ("classifier.rollback", "v1", w.admin.user_id),
        ("classifier.activate", "v2", w.admin.user_id)]
    assert log[2].data == {"previous": 2, "active": 1}

    french = client.get("/admin/t/acme/classifier?lang=fr").text
    assert "Réentraîner maintenant" in french and "Historique des versions" in french


def test_classifier_page_is_for_admins_of_the_tenant(ctx: AppContext, client: TestClient
                                                      ) -> None:
    make_world(ctx, "acme", passwords=True)
    make_world(ctx, "globex", passwords=True)
    login(client, "awa@acme.test")
    assert client.get("/admin/t/acme/classifier").status_code == 403
    login(client, "admin@acme.test")
    assert client.get("/admin/t/globex/classifier").status_code == 404
    assert "/admin/t/acme/classifier" in client.get("/admin/t/acme").text
