"""The classifier inside the product: language, urgency, learning from agents,
retraining, hot swap, roll back, spam flag."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app import actions
from app.actions import learning
from app.actions.transfer import transfer
from app.context import AppContext
from app.errors import Conflict, Invalid
from app.models import ClassifierExample, Interaction, InteractionEvent, Message, SkillGroup
from app.models.tenancy import Tenant
from channels.types import Identity, InboundMessage
from tests.factories import World, bearer, make_world

ROOT = Path(__file__).resolve().parents[3]
# None of these hits the test tenant's keywords (commande, prix, acheter / panne…).
SALES = ["je voudrais un sac de riz parfume", "quel est le tarif de l'huile",
         "combien coute la livraison a thies", "je veux dix cartons de sucre",
         "vous avez des promotions cette semaine", "tarif du lait en poudre svp",
         "je souhaite reserver dix cartons", "est ce que le riz parfume est disponible"]
SUPPORT = ["mon decodeur ne s'allume plus", "la connexion internet coupe tout le temps",
           "l'application plante au demarrage", "je n'arrive pas a me connecter a mon compte",
           "mon telephone affiche une erreur", "la box clignote en rouge depuis hier",
           "impossible de recharger mon credit", "l'ecran reste noir apres la mise a jour"]


def sms(w: World, n: int, text: str) -> int:
    assert w.channel.id is not None
    return actions.ingest(ctx_of(w), InboundMessage(
        channel_id=w.channel.id, sender=Identity("phone", f"+2217750{n:05d}"), text=text,
        provider_id=f"p-{n}-{hash(text) & 0xFFFF}")).interaction_id


_CTX: dict[int, AppContext] = {}


def ctx_of(w: World) -> AppContext:
    return _CTX[id(w)]


def world(ctx: AppContext) -> World:
    w = make_world(ctx, agents={"awa": {"ventes": 3, "support": 3, "triage": 3}})
    _CTX[id(w)] = ctx
    return w


def group_id(ctx: AppContext, name: str) -> int:
    with ctx.read_session() as s:
        return s.exec(select(SkillGroup.id).where(SkillGroup.name == name)).one() or 0


def test_language_and_urgency_shape_the_interaction(ctx: AppContext) -> None:
    w = world(ctx)
    fr = sms(w, 1, "C'est inadmissible, je porte plainte et je veux un remboursement !")
    en = sms(w, 2, "Hello, how much is the delivery to Dakar please?")
    with ctx.read_session() as s:
        complaint = s.get(Interaction, fr)
        question = s.get(Interaction, en)
        assert complaint is not None and question is not None
        assert complaint.language == "fr" and question.language == "en"
        assert complaint.priority > question.priority
        created = s.exec(select(InteractionEvent).where(
            InteractionEvent.interaction_id == fr, InteractionEvent.kind == "created")).one()
    assert created.data["classification"]["escalation"] == 3
    assert "inadmissible" in created.data["classification"]["cues"]


def test_complaints_go_to_the_in_house_group_when_the_tenant_says_so(ctx: AppContext) -> None:
    w = world(ctx)
    with ctx.transaction() as tx:
        tenant = tx.session.exec(select(Tenant)).one()
        tenant.settings = {**tenant.settings, "classifier": {"complaint_group": "support"}}
        tx.session.add(tenant)
    iid = sms(w, 1, "Je veux passer une commande mais votre service est inadmissible, plainte !")
    with ctx.read_session() as s:
        row = s.get(Interaction, iid)
        assert row is not None and row.skill_group_id == group_id(ctx, "support")


def test_agents_decisions_train_a_model_that_routes_without_keywords(
    ctx: AppContext, client: TestClient
) -> None:
    w = world(ctx)
    # Nothing here hits a keyword: it all lands in triage, and agents move it.
    ids = {}
    for n, text in enumerate(SALES * 2 + SUPPORT * 2):
        ids[n] = sms(w, n, text + (" merci" if n >= 16 and n < 32 else ""))
    ventes, support = group_id(ctx, "ventes"), group_id(ctx, "support")
    for n, iid in ids.items():
        target = ventes if n < 16 else support
        transfer(ctx, w.admin, iid, reason="mauvaise file", group_id=target)
        actions.resolve(ctx, w.admin, iid)
    with ctx.read_session() as s:
        examples = s.exec(select(ClassifierExample)).all()
    assert len(examples) == 32  # one per interaction: its final answer
    assert sorted(e.label for e in examples) == ["support"] * 16 + ["ventes"] * 16
    assert client.get(f"/api/v1/tenants/{w.tenant}/classifier",
                      headers=bearer(w.admin_token)).json()["mode"] == "keywords"
    r = client.post(f"/api/v1/tenants/{w.tenant}/classifier/train",
                    headers=bearer(w.tokens["awa"]))
    assert r.status_code == 403
    r = client.post(f"/api/v1/tenants/{w.tenant}/classifier/train",
                    headers=bearer(w.admin_token))
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1 and r.json()["evaluation"]["accuracy"] > 0.5
    fresh = sms(w, 999, "combien coute un carton de sucre et de l'huile")
    with ctx.read_session() as s:
        row = s.get(Interaction, fresh)
        assert row is not None
        assert (row.classification_source, row.skill_group_id) == ("model", ventes)
    # A second version, then roll back to the first through the API.
    learning.train_tenant(ctx, w.channel.tenant_id)
    status = client.get(f"/api/v1/tenants/{w.tenant}/classifier",
                        headers=bearer(w.admin_token)).json()
    assert status["active"] == 2 and len(status["versions"]) == 2
    r = client.post(f"/api/v1/tenants/{w.tenant}/classifier/activate", json={},
                    headers=bearer(w.admin_token))
    assert r.json() == {"active": 1}
    assert ctx.classifiers.version(w.channel.tenant_id) == 1
    other = make_world(ctx, "other")
    r = client.get(f"/api/v1/tenants/{w.tenant}/classifier", headers=bearer(other.admin_token))
    assert r.status_code == 404


def test_a_corrupt_model_is_refused_and_the_previous_stays(ctx: AppContext) -> None:
    w = world(ctx)
    ids = [sms(w, n, t) for n, t in enumerate(SALES * 2 + SUPPORT * 2)]
    for n, iid in enumerate(ids):
        transfer(ctx, w.admin, iid, reason="tri", group_id=group_id(
            ctx, "ventes" if n < 16 else "support"))
    assert learning.train_tenant(ctx, w.channel.tenant_id).version == 1
    store_dir = ctx.classifiers.store_dir(w.channel.tenant_id)
    (store_dir / "000002.json").write_text('{"version": 2}')
    (store_dir / "000002.npz").write_bytes(b"not a model at all")
    with pytest.raises(Invalid, match="version 2 cannot be used"):
        learning.activate_model(ctx, w.admin, w.tenant, 2)
    assert ctx.classifiers.version(w.channel.tenant_id) == 1


def test_too_few_examples_is_a_clear_refusal(ctx: AppContext) -> None:
    w = world(ctx)
    with pytest.raises(Conflict, match="at least 20"):
        learning.train_tenant(ctx, w.channel.tenant_id)


def test_suspicious_sms_is_flagged_not_dropped(ctx: AppContext) -> None:
    w = world(ctx)
    spam_id = sms(w, 1, "WINNER!! You have been selected to receive a £1000 cash prize. "
                        "Call 09061701461 now to claim. Valid 12 hours only. T&C apply")
    ham_id = sms(w, 2, "Bonjour, ma commande n'est pas encore arrivée")
    with ctx.read_session() as s:
        spam_row, ham_row = s.get(Interaction, spam_id), s.get(Interaction, ham_id)
        assert spam_row is not None and ham_row is not None
        assert spam_row.meta.get("spam_suspected") is True
        assert not ham_row.meta.get("spam_suspected")
        flagged = s.exec(select(Message).where(Message.interaction_id == spam_id)).one()
    assert flagged.meta["spam"]["flagged"] is True


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env={**os.environ})


def test_classifier_eval_command_on_real_data() -> None:
    out = run_cli("classifier", "eval", "--train", "data/bitext_cs_en/train.csv", "--test",
                  "data/bitext_cs_en/test.csv", "--label-column", "category")
    assert out.returncode == 0, out.stderr
    import json

    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(result) == {"accuracy", "macro_f1", "n_train", "n_test", "train_seconds",
                           "predict_us_per_item"}
    assert result["accuracy"] > 0.95 and result["n_test"] == 902
    bad = run_cli("classifier", "eval", "--train", "data/bitext_cs_en/train.csv", "--test",
                  "data/bitext_cs_en/test.csv", "--label-column", "department")
    assert bad.returncode == 2 and "department" in bad.stderr and "category" in bad.stderr
