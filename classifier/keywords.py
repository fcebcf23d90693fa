"""Keyword rules: whole words or phrases, accent- and case-insensitive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from classifier.text import normalize


@dataclass(frozen=True, slots=True)
class KeywordRule:
    label: str  # the skill group this rule points to
    terms: tuple[str, ...]
    weight: float = 1.0
    # Terms that veto this label whatever else matched: "carte" → cards, but not when
    # the message says "carte grise" (a car registration, another desk).
    negative: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KeywordHit:
    label: str
    score: float
    matched: tuple[str, ...]


class KeywordMatcher:
    """Scores each label by the weighted keywords found in a text.

    Terms are matched on word boundaries of the normalised text, so 'prêt' matches
    'PRET' and 'pret?' but not 'prets' or 'interpret'. A negative term present in the
    text removes its label from the scores.
    """

    def __init__(self, rules: Iterable[KeywordRule]) -> None:
        self._terms: list[tuple[str, str, float]] = []
        self._vetoes: list[tuple[str, str]] = []
        for rule in rules:
            for term in rule.terms:
                norm = normalize(term)
                if norm:
                    self._terms.append((f" {norm} ", rule.label, rule.weight))
            for term in rule.negative:
                norm = normalize(term)
                if norm:
                    self._vetoes.append((f" {norm} ", rule.label))

    def scores(self, text: str) -> dict[str, KeywordHit]:
        padded = f" {normalize(text)} "
        vetoed = {label for term, label in self._vetoes if term in padded}
        found: dict[str, tuple[float, list[str]]] = {}
        for term, label, weight in self._terms:
            if label not in vetoed and term in padded:
                score, matched = found.get(label, (0.0, []))
                matched.append(term.strip())
                found[label] = (score + weight, matched)
        return {
            label: KeywordHit(label, score, tuple(matched))
            for label, (score, matched) in found.items()
        }

    def match(self, text: str) -> KeywordHit | None:
        """The winning label, or None when no rule fires or two labels tie."""
        hits = sorted(self.scores(text).values(), key=lambda h: h.score, reverse=True)
        if not hits:
            return None
        if len(hits) > 1 and hits[1].score >= hits[0].score:
            return None
        return hits[0]
