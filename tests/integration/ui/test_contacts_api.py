"""The contact card: read, annotate, search, merge; and the inbox lists."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from app.context import AppContext
from app.models import Attachment, Contact, Message
from tests.factories import bearer, make_world
from tests.integration.ui.helpers import interaction_id, sms, two_worlds


def _contact_of(client: TestClient, token: str, iid: int) -> int:
    return int(client.get(f"/api/v1/interactions/{iid}", headers=bearer(token)
                          ).json()["contact"]["id"])


def test_card_shows_identities_flags_and_history(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    sms(client, w, "+221771234567", "Je veux acheter", "k1")
    iid = interaction_id(client, w, "+221771234567")
    cid = _contact_of(client, w.admin_token, iid)
    awa = bearer(w.tokens["awa"])
    r = client.patch(f"/api/v1/contacts/{cid}", headers=awa,
                     json={"name": "Fatou Diop", "vip": True, "notes": "Boutique à Pikine"})
    assert r.status_code == 200, r.text
    card = client.get(f"/api/v1/contacts/{cid}", headers=awa).json()
    assert card["name"] == "Fatou Diop" and card["vip"] is True
    assert card["notes"] == "Boutique à Pikine"
    assert card["identities"] == [{"kind": "phone", "value": "+221771234567"}]
    assert [(i["id"], i["channel"], i["visible"]) for i in card["interactions"]] == [
        (iid, "sms", True)]
    # Opting out is anyone's to record; opting back in is a supervisor's.
    assert client.patch(f"/api/v1/contacts/{cid}", json={"sms_opted_out": True},
                        headers=awa).json()["sms_opted_out"] is True
    assert client.patch(f"/api/v1/contacts/{cid}", json={"sms_opted_out": False},
                        headers=awa).status_code == 403
    assert client.patch(f"/api/v1/contacts/{cid}", json={"sms_opted_out": False},
                        headers=bearer(w.admin_token)).json()["sms_opted_out"] is False
    assert client.patch(f"/api/v1/contacts/{cid}", json={"vip": "very"},
                        headers=awa).status_code == 422
    assert client.patch(f"/api/v1/contacts/{cid}", json={"name": "x" * 201},
                        headers=awa).status_code == 422


def test_merge_contacts_keeps_every_identity_and_the_opt_out(
        ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    admin = bearer(w.admin_token)
    sms(client, w, "+221771234567", "Je veux acheter", "k2")
    sms(client, w, "+221781111111", "Je veux acheter", "k3")
    keep = _contact_of(client, w.admin_token, interaction_id(client, w, "+221771234567"))
    gone = _contact_of(client, w.admin_token, interaction_id(client, w, "+221781111111"))
    client.patch(f"/api/v1/contacts/{gone}", json={"sms_opted_out": True, "notes": "B"},
                 headers=admin)
    found = client.get(f"/api/v1/tenants/{w.tenant}/contacts?q=781111", headers=admin).json()
    assert [c["id"] for c in found["items"]] == [gone]
    r = client.post(f"/api/v1/contacts/{keep}/merge", json={"other_id": gone}, headers=admin)
    assert r.status_code == 200, r.text
    card = r.json()
    assert sorted(card["phones"]) == ["+221771234567", "+221781111111"]
    assert card["sms_opted_out"] is True and card["notes"] == "B"
    assert len(card["interactions"]) == 2
    with ctx.read_session() as s:
        assert s.get(Contact, gone) is None
    assert client.get(f"/api/v1/contacts/{gone}", headers=admin).status_code == 404
    assert client.post(f"/api/v1/contacts/{keep}/merge", json={"other_id": keep},
                       headers=admin).status_code == 422
    assert client.get(f"/api/v1/tenants/{w.tenant}/contacts?q=x",
                      headers=admin).status_code == 422


def test_another_tenants_contact_is_404(ctx: AppContext, client: TestClient) -> None:
    a, b = two_worlds(ctx)
    sms(client, a, "+221771234567", "Je veux acheter", "k4")
    sms(client, b, "+221771234567", "Je veux acheter", "k5")
    mine = _contact_of(client, a.admin_token, interaction_id(client, a, "+221771234567"))
    theirs = _contact_of(client, b.admin_token, interaction_id(client, b, "+221771234567"))
    admin_a = bearer(a.admin_token)
    assert client.get(f"/api/v1/contacts/{theirs}", headers=admin_a).status_code == 404
    assert client.patch(f"/api/v1/contacts/{theirs}", json={"vip": True},
                        headers=admin_a).status_code == 404
    assert client.post(f"/api/v1/contacts/{mine}/merge", json={"other_id": theirs},
                       headers=admin_a).status_code == 404
    assert client.get(f"/api/v1/tenants/{b.tenant}/contacts?q=7712",
                      headers=admin_a).status_code == 404


def test_inbox_lists_filter_and_count(ctx: AppContext, client: TestClient) -> None:
    a, b = two_worlds(ctx)
    sms(client, a, "+221771234567", "Je veux acheter", "i1")
    sms(client, a, "+221772222222", "Panne du compteur", "i2")
    sms(client, b, "+221773333333", "Je veux acheter", "i3")
    awa = bearer(a.tokens["awa"])
    queue = client.get("/api/v1/inbox?view=queue", headers=awa).json()
    # Awa sells: she sees the sale waiting, not the support case, nor the other tenant.
    assert [i["contact"]["phones"] for i in queue["items"]] == [["+221771234567"]]
    assert queue["counts"] == {"mine": 0, "queue": 1, "later": 0}
    assert client.get("/api/v1/inbox?view=all", headers=awa).status_code == 403
    admin = bearer(a.admin_token)
    everything = client.get("/api/v1/inbox?view=all", headers=admin).json()
    assert everything["counts"]["all"] == 2 and {i["tenant"] for i in everything["items"]} == {
        "acme"}
    only_support = client.get("/api/v1/inbox?view=all&skill_group=support", headers=admin).json()
    assert [i["skill_group"] for i in only_support["items"]] == ["support"]
    assert client.get("/api/v1/inbox?view=all&channel=email", headers=admin
                      ).json()["items"] == []
    for bad in ("view=everything", "channel=fax", "status=resolved"):
        assert client.get(f"/api/v1/inbox?{bad}", headers=admin).status_code == 422, bad


def test_email_reply_keeps_subject_cc_and_attachments(
        ctx: AppContext, client: TestClient) -> None:
    from app import actions
    from channels.types import Identity, InboundMessage

    w = make_world(ctx)
    email = actions.create_channel(ctx, w.admin, w.tenant, "email", "Support mail", {})
    assert email.id is not None
    result = actions.ingest(ctx, InboundMessage(
        channel_id=email.id, sender=Identity("email", "client@example.sn"),
        text="Ma commande n'est pas arrivée", subject="Commande 42", provider_id="<a@x>"))
    admin = bearer(w.admin_token)
    r = client.post(f"/api/v1/interactions/{result.interaction_id}/email-replies", headers=admin,
                    data={"text": "Elle part demain.", "subject": "Re: Commande 42",
                          "cc": "chef@acme.sn; compta@acme.sn"},
                    files=[("attachments", ("facture.txt", b"total 15000", "text/plain"))])
    assert r.status_code == 202, r.text
    with ctx.read_session() as s:
        message = s.get(Message, r.json()["message_id"])
        assert message is not None and message.subject == "Re: Commande 42"
        assert message.meta["cc"] == ["chef@acme.sn", "compta@acme.sn"]
        files = s.exec(select(Attachment).where(Attachment.message_id == message.id)).all()
        assert [(f.filename, f.size) for f in files] == [("facture.txt", 11)]
    bad = client.post(f"/api/v1/interactions/{result.interaction_id}/email-replies",
                      headers=admin, data={"text": "x", "cc": "not an address"})
    assert bad.status_code == 422
    sms(client, w, "+221771234567", "Je veux acheter", "e1")
    on_sms = client.post(f"/api/v1/interactions/{interaction_id(client, w, '+221771234567')}"
                         "/email-replies", headers=admin, data={"text": "x"})
    assert on_sms.status_code == 409
