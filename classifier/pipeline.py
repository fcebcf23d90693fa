"""One tenant's classifier: keyword rules, then (when trained) a model, then fallback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from classifier.keywords import KeywordMatcher, KeywordRule

Source = Literal["keyword", "model", "fallback"]


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str | None
    confidence: float
    source: Source


class TextModel(Protocol):
    def predict_one(self, text: str) -> tuple[str, float]: ...


class TenantClassifier:
    def __init__(
        self,
        rules: Iterable[KeywordRule],
        fallback_label: str | None,
        model: TextModel | None = None,
        threshold: float = 0.5,
    ) -> None:
        self.matcher = KeywordMatcher(rules)
        self.fallback_label = fallback_label
        self.model = model
        self.threshold = threshold

    def predict(self, text: str) -> Prediction:
        hit = self.matcher.match(text)
        if hit is not None:
            return Prediction(hit.label, 1.0, "keyword")
        if self.model is not None and text.strip():
            label, confidence = self.model.predict_one(text)
            if confidence >= self.threshold:
                return Prediction(label, confidence, "model")
        return Prediction(self.fallback_label, 0.0, "fallback")
