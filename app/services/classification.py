"""Each tenant's classifier: its skill groups' keywords, then its trained model (from
the tenant's model store under the data dir), then the fallback group.

Cached per process and keyed by the rules themselves, so a keyword edited in another
process applies to the next message. A model trained anywhere is picked up within
``REFRESH_SECONDS`` (hot swap: a broken file is refused, the previous model stays).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.models import SkillGroup, Tenant
from classifier import KeywordRule, LiveModel, Prediction, TenantClassifier

log = logging.getLogger(__name__)

REFRESH_SECONDS = 30.0
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class GroupRules:
    name: str
    keywords: tuple[str, ...]
    is_fallback: bool


@dataclass(frozen=True, slots=True)
class TenantRules:
    groups: tuple[GroupRules, ...]
    threshold: float = DEFAULT_THRESHOLD
    language: str = "fr"
    complaint_group: str | None = None


def classifier_rules(tenant: Tenant, groups: Sequence[SkillGroup]) -> TenantRules:
    """What the tenant's classifier is built from: keywords per group, the confidence
    below which work goes to triage, its language, and where complaints go."""
    settings = (tenant.settings or {}).get("classifier") or {}
    return TenantRules(
        groups=tuple(GroupRules(g.name, tuple(g.keywords or ()), g.is_fallback) for g in groups),
        threshold=float(settings.get("threshold", DEFAULT_THRESHOLD)),
        language=tenant.locale or "fr",
        complaint_group=settings.get("complaint_group"),
    )


class ClassifierCache:
    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self._lock = threading.Lock()
        self._by_tenant: dict[int, tuple[TenantRules, TenantClassifier, float]] = {}

    def store_dir(self, tenant_id: int) -> Path:
        return self.models_dir / f"tenant-{tenant_id}"

    def get(self, tenant_id: int, rules: TenantRules) -> TenantClassifier:
        now = time.monotonic()
        with self._lock:
            cached = self._by_tenant.get(tenant_id)
        if cached is not None and cached[0] == rules:
            _, built, refreshed = cached
            if now - refreshed > REFRESH_SECONDS:
                self.refresh(tenant_id)
            return built
        fallback = next((g.name for g in rules.groups if g.is_fallback), None)
        keyword_rules = [KeywordRule(g.name, g.keywords) for g in rules.groups if g.keywords]
        built = TenantClassifier.from_store(
            keyword_rules, fallback, self.store_dir(tenant_id), rules.threshold,
            default_language=rules.language, complaint_label=rules.complaint_group)
        with self._lock:
            self._by_tenant[tenant_id] = (rules, built, now)
        return built

    def refresh(self, tenant_id: int) -> None:
        """Pick up a newly activated (or rolled back) model now."""
        with self._lock:
            cached = self._by_tenant.get(tenant_id)
            if cached is None:
                return
            self._by_tenant[tenant_id] = (cached[0], cached[1], time.monotonic())
        model = cached[1].model
        if isinstance(model, LiveModel):
            error = model.refresh()
            if error is not None:
                log.warning("tenant %s: new model refused, keeping the previous one: %s",
                            tenant_id, error)

    def predict(self, tenant_id: int, rules: TenantRules, text: str) -> Prediction:
        return self.get(tenant_id, rules).predict(text)

    def version(self, tenant_id: int) -> int | None:
        with self._lock:
            cached = self._by_tenant.get(tenant_id)
        model = cached[1].model if cached else None
        return model.version if isinstance(model, LiveModel) else None
