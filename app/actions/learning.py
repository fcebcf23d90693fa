"""The classifier's learning loop: agents' decisions become labelled examples, and
each tenant's model is retrained from them, versioned, hot-swapped, rolled back.

- When an agent resolves an interaction in a skill group, or moves it to another
  group, the customer's first words and that group become one example (an
  interaction gives one, its final answer).
- ``train_tenant`` fits a model on the tenant's examples (keywords still win when
  they are unambiguous), stores it as a new version with its cross-validated
  figures, and activates it; every process picks it up within half a minute.
- ``retrain_due`` runs from the workers: a tenant with enough new examples since its
  last model is retrained.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.access import Actor
from app.actions.setup import tenant_by_slug
from app.context import AppContext, Transaction
from app.errors import Conflict, Invalid, NotFound
from app.models import ClassifierExample, Interaction, Message, SkillGroup, Tenant
from app.services.audit import audit
from classifier import DataError, ModelFormatError, ModelStore, train

log = logging.getLogger(__name__)

# Fewer than this, a model would only learn noise: the tenant stays on keywords.
MIN_EXAMPLES = 20
# Retrain on schedule once this many examples arrived since the active model.
RETRAIN_EVERY = 50
MAX_EXAMPLE_CHARS = 2_000


def record_example(tx: Transaction, interaction: Interaction, source: str) -> None:
    """The interaction's final group is the label of the customer's first words."""
    s = tx.session
    if interaction.skill_group_id is None or interaction.id is None:
        return
    group = s.get(SkillGroup, interaction.skill_group_id)
    if group is None or group.is_fallback:
        return  # "triage" is where the classifier was unsure, not an answer
    first = s.exec(select(Message.text).where(
        Message.interaction_id == interaction.id, Message.direction == "in",
        Message.kind == "message").order_by(col(Message.id))).first()
    text = "\n".join(t for t in (interaction.subject, first) if t).strip()
    if not text:
        return
    existing = s.exec(select(ClassifierExample).where(
        ClassifierExample.tenant_id == interaction.tenant_id,
        ClassifierExample.interaction_id == interaction.id)).first()
    if existing is None:
        existing = ClassifierExample(tenant_id=interaction.tenant_id,
                                     interaction_id=interaction.id, text="", label="",
                                     source=source)
    existing.text = text[:MAX_EXAMPLE_CHARS]
    existing.label = group.name
    existing.source = source
    s.add(existing)


@dataclass(frozen=True, slots=True)
class TrainResult:
    version: int
    n_examples: int
    labels: list[str]
    evaluation: dict[str, Any] | None
    train_seconds: float


def _examples(s: Session, tenant_id: int) -> list[tuple[str, str]]:
    groups = set(s.exec(select(SkillGroup.name).where(SkillGroup.tenant_id == tenant_id,
                                                      col(SkillGroup.is_fallback).is_(False))))
    rows = s.exec(select(ClassifierExample.text, ClassifierExample.label)
                  .where(ClassifierExample.tenant_id == tenant_id)).all()
    # Groups renamed or deleted since: their examples no longer name a destination.
    return [(text, label) for text, label in rows if label in groups]


def train_tenant(ctx: AppContext, tenant_id: int, actor: Actor | None = None) -> TrainResult:
    """Fit, store and activate a new model version for the tenant."""
    with ctx.read_session() as s:
        examples = _examples(s, tenant_id)
    if len(examples) < MIN_EXAMPLES:
        raise Conflict(f"{len(examples)} labelled examples; at least {MIN_EXAMPLES} are needed "
                       "(they come from interactions resolved or moved by agents)")
    try:
        trained = train(examples)
    except DataError as exc:
        raise Conflict(str(exc)) from None
    store = ModelStore(ctx.classifiers.store_dir(tenant_id))
    version = store.save(trained, activate=True)
    ctx.classifiers.refresh(tenant_id)
    evaluation = trained.evaluation.to_dict() if trained.evaluation else None
    with ctx.transaction() as tx:
        audit(tx, actor, "classifier.train", tenant_id=tenant_id, target=f"v{version}",
              data={"n_examples": trained.n_examples, "evaluation": evaluation})
    log.info("tenant %s: model v%s trained on %s examples", tenant_id, version,
             trained.n_examples)
    return TrainResult(version, trained.n_examples, list(trained.labels), evaluation,
                       round(trained.train_seconds, 2))


def train_by_slug(ctx: AppContext, slug: str, actor: Actor | None = None) -> TrainResult:
    with ctx.read_session() as s:
        if actor is None:
            tenant = s.exec(select(Tenant).where(Tenant.slug == slug)).first()
            if tenant is None:
                raise NotFound(f"tenant '{slug}' not found")
        else:
            tenant = tenant_by_slug(s, actor, slug)
            assert tenant.id is not None
            actor.require_supervisor(tenant.id)
    assert tenant.id is not None
    return train_tenant(ctx, tenant.id, actor)


def model_status(ctx: AppContext, actor: Actor, slug: str) -> dict[str, Any]:
    with ctx.read_session() as s:
        tenant = tenant_by_slug(s, actor, slug)
        assert tenant.id is not None
        counts = dict(s.exec(select(ClassifierExample.label, func.count())
                             .where(ClassifierExample.tenant_id == tenant.id)
                             .group_by(col(ClassifierExample.label))).all())
    store = ModelStore(ctx.classifiers.store_dir(tenant.id))
    versions = []
    for item in store.history():
        meta = item.metadata
        versions.append({"version": item.version, "trained_at": meta.get("trained_at"),
                         "n_examples": meta.get("n_examples"), "labels": meta.get("labels"),
                         "evaluation": meta.get("evaluation"),
                         "train_seconds": meta.get("train_seconds")})
    return {"active": store.active(), "versions": versions, "examples": counts,
            "min_examples": MIN_EXAMPLES, "mode": "model" if versions else "keywords"}


def activate_model(ctx: AppContext, actor: Actor, slug: str, version: int | None) -> int:
    """Activate a version, or (``None``) roll back to the one before the active one."""
    with ctx.read_session() as s:
        tenant = tenant_by_slug(s, actor, slug)
    assert tenant.id is not None
    actor.require_admin(tenant.id)
    store = ModelStore(ctx.classifiers.store_dir(tenant.id))
    previous = store.active()
    rollback = version is None
    try:
        if version is None:
            version = store.rollback()
        else:
            store.activate(version)
    except KeyError as exc:
        raise NotFound(str(exc).strip("'\"")) from None
    except ModelFormatError as exc:
        raise Invalid(f"version {version} cannot be used: {exc}") from None
    ctx.classifiers.refresh(tenant.id)
    with ctx.transaction() as tx:
        # A roll back is named as such: the log is read by people after an incident.
        audit(tx, actor, "classifier.rollback" if rollback else "classifier.activate",
              tenant_id=tenant.id, target=f"v{version}",
              data={"previous": previous, "active": version})
    return version


def retrain_due(ctx: AppContext) -> list[int]:
    """Tenants with ``RETRAIN_EVERY`` new examples since their model are retrained."""
    with ctx.read_session() as s:
        counts = dict(s.exec(select(ClassifierExample.tenant_id, func.count())
                             .group_by(col(ClassifierExample.tenant_id))).all())
    done = []
    for tenant_id, count in counts.items():
        store = ModelStore(ctx.classifiers.store_dir(tenant_id))
        active = store.active()
        seen = int(store.metadata(active).get("n_examples", 0)) if active else 0
        if count >= MIN_EXAMPLES and count - seen >= RETRAIN_EVERY:
            try:
                train_tenant(ctx, tenant_id)
                done.append(tenant_id)
            except (Conflict, IntegrityError) as exc:
                log.info("tenant %s not retrained: %s", tenant_id, exc)
    return done
