"""The vectorised feature look-up finds exactly the features the string definitions name."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.features import (
    FeatureConfig,
    Vectorizer,
    char_features,
    model_tokens,
    pair_features,
    word_features,
)
from classifier.stemming import stem
from tests.unit.classifier.conftest import DESK_EXAMPLES

TEXTS = [text for text, _ in DESK_EXAMPLES] + [
    "card card card not arrived arrived card",  # repeats, and a pair of a word with itself
    "slt stp g 1 pb avc ma carte elle est bloquee",
    "a",
]


def _reference_columns(v: Vectorizer, text: str) -> Counter[int]:
    """Columns by the plain definitions: strings looked up one by one."""
    tokens = model_tokens(text)
    stems = [stem(t) for t in tokens] if v.config.stem else tokens
    found: Counter[int] = Counter()
    for block, features in (
        ("words", word_features(stems, v.config)),
        ("pairs", pair_features(stems, v.config)),
        ("chars", [g for t in tokens for g in char_features(t, v.config)]),
    ):
        found.update(c for f in features if (c := v.vocabularies[block].get(f)) is not None)
    return found


@pytest.mark.parametrize(
    "config",
    [FeatureConfig(min_df=1), FeatureConfig(), FeatureConfig(word_ngrams=1, stem=False)],
)
def test_vectorised_columns_match_the_definitions(config: FeatureConfig) -> None:
    v = Vectorizer.fit(TEXTS, config)
    for text in [*TEXTS, "carte internet facture inconnue", "le le le le"]:
        got = Counter(int(c) for c in v.columns(model_tokens(text)))
        assert got == _reference_columns(v, text), text


_WORDS = ["carte", "bloquee", "card", "arrived", "le", "ma", "pas", "internet", "zzz", "1"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=25))
def test_vectorised_columns_match_on_random_messages(words: list[str]) -> None:
    v = _fitted()
    text = " ".join(words)
    assert Counter(int(c) for c in v.columns(model_tokens(text))) == _reference_columns(v, text)


_VECTORIZER: list[Vectorizer] = []


def _fitted() -> Vectorizer:
    if not _VECTORIZER:
        _VECTORIZER.append(Vectorizer.fit([*TEXTS, " ".join(_WORDS)], FeatureConfig(min_df=1)))
    return _VECTORIZER[0]


def test_vector_weights_each_block_to_unit_length() -> None:
    v = Vectorizer.fit(TEXTS)
    idx, val = v.vector("ma carte est bloquee, carte bloquee depuis hier")
    assert len(set(idx.tolist())) == len(idx)  # each column once
    blocks = np.searchsorted(np.cumsum(v.block_sizes())[:-1], idx, side="right")
    for b in set(blocks.tolist()):
        assert abs(float(np.sum(val[blocks == b] ** 2)) - 1.0) < 1e-5


def test_longer_word_ngrams_are_refused() -> None:
    with pytest.raises(ValueError, match="word_ngrams"):
        FeatureConfig(word_ngrams=3)
