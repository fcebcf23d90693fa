"""One tenant's classifier: keyword rules, then (when trained) a model, then fallback.

Every message also gets its language and urgency, so one call gives ``ingest`` all it
needs: the skill group (label, confidence, source), the language for agent matching,
and the escalation level with a priority bump.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from classifier.keywords import KeywordMatcher, KeywordRule
from classifier.language import detect_language
from classifier.sanitize import usable_text
from classifier.urgency import assess_urgency

Source = Literal["keyword", "model", "fallback"]


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str | None
    confidence: float
    source: Source
    language: str = "und"  # "fr", "en", "wo" or "und"
    escalation: int = 1  # 1 information, 2 sales/hotline, 3 complaint
    priority_bump: int = 0  # suggested increase of the interaction's priority
    cues: tuple[str, ...] = ()  # urgency/complaint terms that fired
    matched: tuple[str, ...] = ()  # keyword terms behind a "keyword" decision


class TextModel(Protocol):
    def predict_one(self, text: str) -> tuple[str, float]: ...


class TenantClassifier:
    def __init__(
        self,
        rules: Iterable[KeywordRule],
        fallback_label: str | None,
        model: TextModel | None = None,
        threshold: float = 0.5,
        *,
        default_language: str = "fr",
        complaint_label: str | None = None,
    ) -> None:
        """``complaint_label``: when set, a complaint (escalation 3) goes to that group
        before keywords and model — the seed's level-3 calls go to the in-house team."""
        self.matcher = KeywordMatcher(rules)
        self.fallback_label = fallback_label
        self.model = model
        self.threshold = threshold
        self.default_language = default_language
        self.complaint_label = complaint_label

    @classmethod
    def from_store(
        cls,
        rules: Iterable[KeywordRule],
        fallback_label: str | None,
        store_dir: str | os.PathLike[str],
        threshold: float = 0.5,
        *,
        default_language: str = "fr",
        complaint_label: str | None = None,
    ) -> TenantClassifier:
        """A classifier whose model is the store's active version, hot-swappable with
        ``self.model.refresh()``; with no stored model it runs on keywords alone."""
        from classifier.store import LiveModel, ModelStore  # store imports training: lazy

        live = LiveModel(ModelStore(store_dir))
        live.refresh()
        return cls(
            rules,
            fallback_label,
            live,
            threshold,
            default_language=default_language,
            complaint_label=complaint_label,
        )

    def predict(self, text: str) -> Prediction:
        clean = usable_text(text)
        if clean is None:
            return Prediction(self.fallback_label, 0.0, "fallback", self.default_language)
        language = detect_language(clean, default=self.default_language).code
        urgency = assess_urgency(clean)

        def decided(
            label: str | None, confidence: float, source: Source, matched: tuple[str, ...] = ()
        ) -> Prediction:
            return Prediction(
                label,
                confidence,
                source,
                language=language,
                escalation=urgency.level,
                priority_bump=urgency.priority_bump,
                cues=urgency.cues,
                matched=matched,
            )

        if self.complaint_label is not None and urgency.level == 3:
            return decided(self.complaint_label, 1.0, "keyword", urgency.cues)
        hit = self.matcher.match(clean)
        if hit is not None:
            return decided(hit.label, 1.0, "keyword", hit.matched)
        if self.model is not None:
            label, confidence = self.model.predict_one(clean)
            if label and confidence >= self.threshold:
                return decided(label, confidence, "model")
            # Below the tenant's threshold: triage, but keep the model's confidence.
            return decided(self.fallback_label, confidence, "fallback")
        return decided(self.fallback_label, 0.0, "fallback")
