"""Each tenant's classifier, built from its skill groups' keywords and cached.

The cache is keyed by the rules themselves, so a change made by another process
is picked up on the next message without any invalidation message.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from classifier import KeywordRule, Prediction, TenantClassifier


@dataclass(frozen=True, slots=True)
class GroupRules:
    name: str
    keywords: tuple[str, ...]
    is_fallback: bool


class ClassifierCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_tenant: dict[int, tuple[tuple[GroupRules, ...], TenantClassifier]] = {}

    def get(self, tenant_id: int, groups: Sequence[GroupRules]) -> TenantClassifier:
        signature = tuple(groups)
        with self._lock:
            cached = self._by_tenant.get(tenant_id)
            if cached is not None and cached[0] == signature:
                return cached[1]
        fallback = next((g.name for g in groups if g.is_fallback), None)
        rules = [KeywordRule(g.name, g.keywords) for g in groups if g.keywords]
        built = TenantClassifier(rules, fallback_label=fallback)
        with self._lock:
            self._by_tenant[tenant_id] = (signature, built)
        return built

    def predict(self, tenant_id: int, groups: Sequence[GroupRules], text: str) -> Prediction:
        return self.get(tenant_id, groups).predict(text)
