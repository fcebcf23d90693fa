"""Suggested replies: rank a tenant's canned answers by similarity to a message.

The seed desk's "automatic answer that an agent checks and personalises": the agent is
offered the closest canned answers, never sends one unseen. Similarity is the cosine of
TF-IDF vectors (words, word pairs, character n-grams — the model's own features), with a
vocabulary fitted on the canned answers themselves, so it works from the first answer a
tenant writes, in any language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classifier.features import FeatureConfig, Vectorizer
from classifier.sanitize import usable_text

# Every feature counts: a tenant's answer library is tiny, a rare word is the point.
_CONFIG = FeatureConfig(min_df=1)


@dataclass(frozen=True, slots=True)
class CannedAnswer:
    id: str
    text: str
    title: str = ""
    # Extra words the answer should be found by ("horaires", "opening hours"), not shown.
    keywords: tuple[str, ...] = ()

    def searchable(self) -> str:
        return " ".join([self.title, self.text, *self.keywords])


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    score: float  # cosine similarity, 0..1
    text: str


class ReplySuggester:
    def __init__(self, answers: Sequence[CannedAnswer]) -> None:
        self.answers = list(answers)
        docs = [a.searchable() for a in self.answers]
        self._vectorizer = Vectorizer.fit(docs, _CONFIG)
        self._matrix = self._vectorizer.matrix(docs).tocsc() if docs else None
        self._doc_norms = (
            np.sqrt(np.asarray(self._matrix.multiply(self._matrix).sum(axis=1)).ravel())
            if self._matrix is not None
            else np.zeros(0)
        )

    def suggest(self, message: str, k: int = 3, min_score: float = 0.15) -> list[Suggestion]:
        """Up to ``k`` answers with cosine ≥ ``min_score``, best first."""
        clean = usable_text(message)
        if clean is None or self._matrix is None:
            return []
        idx, val = self._vectorizer.vector(clean)
        if len(idx) == 0:
            return []
        # Each block is unit length, so a full vector's norm is √(number of blocks used);
        # the dot product over that norm (for both sides) is the cosine.
        scores = np.asarray(self._matrix[:, idx] @ val).ravel()
        query_norm = float(np.sqrt(np.dot(val, val)))
        scores = scores / (query_norm * np.maximum(self._doc_norms, 1e-12))
        order = np.argsort(-scores)[:k]
        return [
            Suggestion(self.answers[i].id, float(scores[i]), self.answers[i].text)
            for i in order
            if scores[i] >= min_score
        ]
