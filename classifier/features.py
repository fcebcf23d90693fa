"""Text features for the linear models: words, word pairs and character n-grams.

One code path turns text into a sparse TF-IDF vector, for training (row by row) and for
live prediction (one message), so the two can never disagree. It is plain Python dicts
and numpy; scikit-learn is only used to fit coefficients on the rows it produces.

Three blocks, each L2-normalised on its own, so no block drowns the others:

* words: unigrams and adjacent bigrams ("card", "card arrived");
* pairs: unordered pairs of words up to ``pair_window`` apart but not adjacent
  ("arrived|card" in "has my card still not arrived") — intent lives in such
  co-occurrences more than in word order, and they add ~0.5 point on Banking77;
* chars: character n-grams inside each space-padded word (" car", "ard "), which
  survive typos, inflections and missing accents.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from classifier.shorthand import expand
from classifier.text import strip_accents

# Apostrophes split words, so French elisions ("l'argent", "j'ai") give "l", "argent".
_TOKEN = re.compile(r"[0-9a-z]+")
_CHAR_CACHE_LIMIT = 200_000

BLOCKS = ("words", "pairs", "chars")


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    word_ngrams: int = 2
    pair_window: int = 8
    char_min: int = 1
    char_max: int = 5
    min_df: int = 2  # drop features seen in fewer training texts: noise and model size

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def model_tokens(text: str) -> list[str]:
    """Lower-case, accent-free words with SMS shorthand expanded."""
    return expand(_TOKEN.findall(strip_accents(text.casefold())))


def word_features(tokens: Sequence[str], config: FeatureConfig) -> list[str]:
    out = list(tokens)
    for n in range(2, config.word_ngrams + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


def pair_features(tokens: Sequence[str], config: FeatureConfig) -> list[str]:
    out: list[str] = []
    count = len(tokens)
    for i, left in enumerate(tokens):
        for j in range(i + 2, min(count, i + config.pair_window + 1)):
            right = tokens[j]
            out.append(f"{left}|{right}" if left <= right else f"{right}|{left}")
    return out


def char_features(word: str, config: FeatureConfig) -> list[str]:
    padded = f" {word} "
    size = len(padded)
    return [
        padded[i : i + n]
        for n in range(config.char_min, config.char_max + 1)
        for i in range(size - n + 1)
    ]


class Vectorizer:
    """A fitted vocabulary with IDF weights; turns text into a TF-IDF row."""

    def __init__(
        self,
        config: FeatureConfig,
        vocabularies: dict[str, dict[str, int]],
        idf: npt.NDArray[np.float32],
    ) -> None:
        self.config = config
        self.vocabularies = vocabularies
        self.idf = idf
        self.n_features = int(idf.shape[0])
        # Character n-gram columns of a word, memoised: words repeat endlessly.
        self._char_columns: dict[str, list[int]] = {}

    @classmethod
    def fit(cls, texts: Iterable[str], config: FeatureConfig | None = None) -> Vectorizer:
        config = config or FeatureConfig()
        doc_freq: dict[str, Counter[str]] = {block: Counter() for block in BLOCKS}
        char_sets: dict[str, frozenset[str]] = {}  # per distinct word, computed once
        n_docs = 0
        for text in texts:
            n_docs += 1
            tokens = model_tokens(text)
            doc_freq["words"].update(set(word_features(tokens, config)))
            doc_freq["pairs"].update(set(pair_features(tokens, config)))
            chars: set[str] = set()
            for word in set(tokens):
                grams = char_sets.get(word)
                if grams is None:
                    grams = char_sets[word] = frozenset(char_features(word, config))
                chars |= grams
            doc_freq["chars"].update(chars)
        vocabularies: dict[str, dict[str, int]] = {}
        idf_values: list[float] = []
        for block in BLOCKS:
            # Words keep singletons: a rare word is often the one that names the intent.
            floor = 1 if block == "words" else config.min_df
            kept = sorted(f for f, df in doc_freq[block].items() if df >= floor)
            start = len(idf_values)
            vocabularies[block] = {f: start + k for k, f in enumerate(kept)}
            # Smoothed IDF, as if one extra document held every feature once.
            idf_values.extend(math.log((1 + n_docs) / (1 + doc_freq[block][f])) + 1.0 for f in kept)
        return cls(config, vocabularies, np.asarray(idf_values, dtype=np.float32))

    def _columns(self, tokens: Sequence[str]) -> list[list[int]]:
        """Column index of every feature occurrence, one list per block."""
        words = self.vocabularies["words"]
        pairs = self.vocabularies["pairs"]
        word_cols = [
            c for f in word_features(tokens, self.config) if (c := words.get(f)) is not None
        ]
        pair_cols = [
            c for f in pair_features(tokens, self.config) if (c := pairs.get(f)) is not None
        ]
        char_cols: list[int] = []
        cache = self._char_columns
        chars = self.vocabularies["chars"]
        for word in tokens:
            cols = cache.get(word)
            if cols is None:
                cols = [
                    c for f in char_features(word, self.config) if (c := chars.get(f)) is not None
                ]
                if len(cache) >= _CHAR_CACHE_LIMIT:
                    cache.clear()
                cache[word] = cols
            char_cols.extend(cols)
        return [word_cols, pair_cols, char_cols]

    def vector(self, text: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
        """Sparse TF-IDF row of one text as (column indices, values)."""
        index_parts: list[npt.NDArray[np.intp]] = []
        value_parts: list[npt.NDArray[np.float32]] = []
        for cols in self._columns(model_tokens(text)):
            if not cols:
                continue
            counts = Counter(cols)
            idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            # Sublinear term frequency: a word said twice is not twice the evidence.
            weights = ((1.0 + np.log(tf)) * self.idf[idx]).astype(np.float32, copy=False)
            weights /= np.sqrt(np.dot(weights, weights))
            index_parts.append(idx)
            value_parts.append(weights)
        if not index_parts:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
        return np.concatenate(index_parts), np.concatenate(value_parts)

    def matrix(self, texts: Sequence[str]) -> csr_matrix:
        """TF-IDF rows of many texts, through the very same code as :meth:`vector`."""
        indptr = [0]
        all_idx: list[npt.NDArray[np.intp]] = []
        all_val: list[npt.NDArray[np.float32]] = []
        for text in texts:
            idx, val = self.vector(text)
            all_idx.append(idx)
            all_val.append(val)
            indptr.append(indptr[-1] + len(idx))
        indices = np.concatenate(all_idx) if all_idx else np.zeros(0, dtype=np.intp)
        data = np.concatenate(all_val) if all_val else np.zeros(0, dtype=np.float32)
        return csr_matrix((data, indices, np.asarray(indptr)), shape=(len(texts), self.n_features))

    def vocabulary_list(self) -> list[str]:
        """All features ordered by column, block by block (for storage)."""
        out: list[str] = []
        for block in BLOCKS:
            out.extend(self.vocabularies[block])
        return out

    def block_sizes(self) -> list[int]:
        return [len(self.vocabularies[block]) for block in BLOCKS]

    @classmethod
    def from_parts(
        cls,
        config: FeatureConfig,
        features: Sequence[str],
        block_sizes: Sequence[int],
        idf: npt.NDArray[np.float32],
    ) -> Vectorizer:
        vocabularies: dict[str, dict[str, int]] = {}
        start = 0
        for block, size in zip(BLOCKS, block_sizes, strict=True):
            names = features[start : start + size]
            vocabularies[block] = {f: start + k for k, f in enumerate(names)}
            start += size
        return cls(config, vocabularies, idf)
