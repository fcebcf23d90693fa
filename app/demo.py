"""``teranga demo``: a tenant to try Teranga with, seeded through the real actions."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.access import load_actor
from app.actions.ingest import ingest
from app.actions.setup import create_channel, create_skill_group, create_tenant
from app.actions.users import create_user
from app.context import AppContext
from app.models import Channel, Interaction, Membership, SkillGroup, Tenant, User
from app.security import hash_password
from channels.types import Identity, InboundMessage

DEMO_SLUG = "demo"
GROUPS = {
    "ventes": ["acheter", "prix", "commande", "commander", "tarif", "promo", "livraison",
               "buy", "price", "order", "delivery"],
    "support": ["panne", "bug", "marche pas", "ne fonctionne pas", "probleme", "bloque",
                "broken", "not working", "help", "aide"],
    "facturation": ["facture", "paiement", "remboursement", "payer", "debit", "invoice",
                    "refund", "payment", "billing"],
}
# Demo logins are meant to be typed: they are reset each time the demo is seeded.
USERS = [
    ("admin@demo.teranga.test", "Aminata Diallo", "admin", "teranga-admin", {}),
    ("superviseur@demo.teranga.test", "Ibrahima Sarr", "supervisor", "teranga-super", {}),
    ("awa@demo.teranga.test", "Awa Ndiaye", "agent", "teranga-agent",
     {"ventes": 4, "support": 3, "triage": 2}),
    ("moussa@demo.teranga.test", "Moussa Fall", "agent", "teranga-agent",
     {"support": 5, "facturation": 4, "triage": 2}),
]
SAMPLE_SMS = [
    ("+221771234567", "Bonjour, je voudrais commander 2 sacs de riz, quel est le prix ?"),
    ("+221781112233", "Ma facture de ce mois est trop élevée, je demande un remboursement"),
    ("+221701234000", "Mon décodeur ne fonctionne pas depuis hier soir"),
]


def seed_demo(ctx: AppContext) -> list[tuple[str, str, str]]:
    with ctx.read_session() as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == DEMO_SLUG)).first()
    if tenant is None:
        tenant = create_tenant(ctx, None, DEMO_SLUG, "Boutique Teranga (démo)")
    logins = []
    for email, name, role, password, _skills in USERS:
        with ctx.read_session() as s:
            exists = s.exec(select(User).where(User.email == email)).first()
        if exists is None:
            create_user(ctx, None, email=email, name=name, role=role, password=password,
                        tenants=[DEMO_SLUG])
        else:
            with ctx.transaction() as tx:
                exists.password_hash = hash_password(password)
                tx.session.add(exists)
        logins.append((email, password, role))
    with ctx.read_session() as s:
        admin = s.exec(select(User).where(User.email == USERS[0][0])).one()
        actor = load_actor(s, admin)
        existing = set(s.exec(select(SkillGroup.name)
                              .where(SkillGroup.tenant_id == tenant.id)).all())
    for name, keywords in GROUPS.items():
        if name not in existing:
            create_skill_group(ctx, actor, DEMO_SLUG, name, keywords)
    _grant_skills(ctx, tenant)
    with ctx.read_session() as s:
        kinds = set(s.exec(select(Channel.kind).where(Channel.tenant_id == tenant.id)).all())
    for kind, label in (("sms", "SMS 21000"), ("chat", "Chat du site"),
                        ("callback", "Rappel du site"), ("email", "contact@boutique")):
        if kind not in kinds:
            create_channel(ctx, actor, DEMO_SLUG, kind, label,
                           {"provider": "generic", "sender": "21000"} if kind == "sms" else {})
    _content(ctx, actor, tenant)
    _sample_traffic(ctx, tenant)
    return logins


def _grant_skills(ctx: AppContext, tenant: Tenant) -> None:
    from app.models import AgentSkill

    with ctx.transaction() as tx:
        s = tx.session
        groups = {g.name: g for g in s.exec(select(SkillGroup)
                                            .where(SkillGroup.tenant_id == tenant.id))}
        for email, _, _, _, skills in USERS:
            user = s.exec(select(User).where(User.email == email)).one()
            member = s.exec(select(Membership).where(Membership.user_id == user.id,
                                                     Membership.tenant_id == tenant.id)).first()
            if member is None and user.id is not None and tenant.id is not None:
                s.add(Membership(tenant_id=tenant.id, user_id=user.id))
            for group_name, level in skills.items():
                group = groups.get(group_name)
                if group is None:
                    continue
                has = s.exec(select(AgentSkill).where(AgentSkill.user_id == user.id,
                                                      AgentSkill.skill_group_id == group.id)
                             ).first()
                if has is None and user.id is not None and group.id is not None:
                    s.add(AgentSkill(tenant_id=group.tenant_id, user_id=user.id,
                                     skill_group_id=group.id, level=level))


CANNED = [
    ("Bienvenue", "Bonjour {{contact.name}}, merci de nous avoir contactés. Je suis "
     "{{agent.name}}, comment puis-je vous aider ?", "bonjour"),
    ("Prix du riz", "Le sac de riz parfumé de 50 kg est à 15 000 F CFA, livraison comprise "
     "à Dakar.", "riz"),
    ("Délai de livraison", "Nous livrons à Dakar sous 48 heures et dans les régions sous 3 à "
     "5 jours.", "livraison"),
    ("Remboursement", "Votre demande de remboursement est enregistrée ; vous recevrez le "
     "montant sur votre compte Orange Money sous 72 heures.", "rembourse"),
]
ARTICLES = [
    ("faq", "Horaires d'ouverture", "Du lundi au vendredi de 8 h à 18 h, le samedi de 9 h "
     "à 13 h (heure de Dakar).", ["horaires", "ouverture"]),
    ("script", "Accueil téléphonique", "1. Saluer et se présenter. 2. Reformuler la demande. "
     "3. Proposer une solution ou un rappel. 4. Remercier.", ["accueil", "appel"]),
]


def _content(ctx: AppContext, actor: Any, tenant: Tenant) -> None:
    """Canned responses and a small knowledge base, once."""
    from app.actions.canned import create_canned
    from app.actions.knowledge import create_article
    from app.models import CannedResponse

    with ctx.read_session() as s:
        if s.exec(select(CannedResponse.id)
                  .where(CannedResponse.tenant_id == tenant.id)).first() is not None:
            return
    for title, body, shortcut in CANNED:
        create_canned(ctx, actor, DEMO_SLUG, title=title, body=body, shortcut=shortcut)
    for kind, title, body, tags in ARTICLES:
        create_article(ctx, actor, DEMO_SLUG, kind=kind, title=title, body=body, tags=tags)


def _sample_traffic(ctx: AppContext, tenant: Tenant) -> None:
    with ctx.read_session() as s:
        if s.exec(select(Interaction.id).where(Interaction.tenant_id == tenant.id)).first():
            return
        sms = s.exec(select(Channel).where(Channel.tenant_id == tenant.id,
                                           Channel.kind == "sms")).first()
    if sms is None or sms.id is None:
        return
    for n, (phone, text) in enumerate(SAMPLE_SMS):
        ingest(ctx, InboundMessage(channel_id=sms.id, sender=Identity("phone", phone),
                                   text=text, provider_id=f"demo-{n}"))
