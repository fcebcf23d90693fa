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


def _reference_doc_freq(texts: list[str], config: FeatureConfig) -> dict[str, Counter[str]]:
    doc_freq: dict[str, Counter[str]] = {"words": Counter(), "pairs": Counter()}
    for text in texts:
        tokens = model_tokens(text)
        stems = [stem(t) for t in tokens] if config.stem else tokens
        doc_freq["words"].update(set(word_features(stems, config)))
        doc_freq["pairs"].update(set(pair_features(stems, config)))
    return doc_freq


@pytest.mark.parametrize("config", [FeatureConfig(), FeatureConfig(word_ngrams=1, stem=False)])
def test_fitted_vocabulary_is_the_one_the_definitions_give(config: FeatureConfig) -> None:
    texts = [*TEXTS, "", "le le le le", "card card card"]
    v = Vectorizer.fit(texts, config)
    expected = _reference_doc_freq(texts, config)
    assert set(v.vocabularies["words"]) == set(expected["words"])
    pairs = {f for f, df in expected["pairs"].items() if df >= config.min_df}
    assert set(v.vocabularies["pairs"]) == pairs
    n = len(texts)
    for block in ("words", "pairs"):
        for feature, col in v.vocabularies[block].items():
            idf = np.log((1 + n) / (1 + expected[block][feature])) + 1
            assert abs(v.idf[col] - idf) < 1e-5
