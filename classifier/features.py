"""Text features for the linear models: words, word pairs and character n-grams.

One code path turns text into a sparse TF-IDF vector, for training (row by row) and for
live prediction (one message), so the two can never disagree. It is plain Python dicts
and numpy; scikit-learn is only used to fit coefficients on the rows it produces.

Three blocks, each L2-normalised on its own, so no block drowns the others:

* words: unigrams and adjacent bigrams of word stems ("card", "card arriv");
* pairs: unordered pairs of word stems up to ``pair_window`` apart but not adjacent
  ("arriv|card" in "has my card still not arrived") — intent lives in such
  co-occurrences more than in word order, and they add ~0.5 point on Banking77;
* chars: character n-grams inside each space-padded word, unstemmed (" car", "ard "),
  which survive typos, inflections and missing accents.

Stems (``classifier.stemming``, since model format 3) let "arrived|card" and
"arrive|card" be one feature; models of earlier formats keep whole words (``stem=False``).
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from classifier.shorthand import expand
from classifier.stemming import stem
from classifier.text import strip_accents

# Apostrophes split words, so French elisions ("l'argent", "j'ai") give "l", "argent".
_TOKEN = re.compile(r"[0-9a-z]+")
_WORD_CACHE_LIMIT = 200_000
_LAYOUT_CACHE_LIMIT = 1_000
# Feature kinds in the numeric keys of word and pair features (see Vectorizer._keys).
_BIGRAM, _PAIR, _UNIGRAM = 0, 1, 2

BLOCKS = ("words", "pairs", "chars")


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    word_ngrams: int = 2
    pair_window: int = 8
    # From 3: 1- and 2-grams add nothing in CV (Banking77, two seeds: 0.9133 either way
    # with stems) and cost a fifth of the training time and of the active features.
    char_min: int = 3
    char_max: int = 5
    min_df: int = 2  # drop features seen in fewer training texts: noise and model size
    stem: bool = True  # words and pairs over stems (False: whole words, formats 1-2)

    def __post_init__(self) -> None:
        if self.word_ngrams not in (1, 2):
            # Longer n-grams lost accuracy in CV, and the numeric look-up has no key for them.
            raise ValueError(f"word_ngrams must be 1 or 2, not {self.word_ngrams}")

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> FeatureConfig:
        """Settings as stored in a model file; files from before stemming lack ``stem``
        and were trained on whole words."""
        return cls(**{"stem": False, **values})


def model_tokens(text: str) -> list[str]:
    """Lower-case, accent-free words with SMS shorthand expanded."""
    # ASCII text (most of it) has no accents to strip: skip the per-character pass.
    lowered = text.lower() if text.isascii() else strip_accents(text.casefold())
    return expand(_TOKEN.findall(lowered))


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


def _word_and_pair_doc_freq(
    messages: Sequence[npt.NDArray[np.int64]], stems: Sequence[str], config: FeatureConfig
) -> dict[str, Counter[str]]:
    """Document frequency of every word and pair feature of the messages (given as
    numbered stems), counted as integer keys and named once at the end."""
    base = len(stems) + 1
    keys: list[npt.NDArray[np.int64]] = []
    for ids in messages:
        if len(ids) == 0:
            continue
        left, right, kind = _spans(len(ids), config.word_ngrams, config.pair_window)
        a, b = ids[left], ids[right]
        pair = kind == _PAIR  # unordered: the smaller number first
        a, b = np.where(pair, np.minimum(a, b), a), np.where(pair, np.maximum(a, b), b)
        keys.append(np.unique(kind * base * base + a * base + b))
    found, counts = np.unique(
        np.concatenate(keys) if keys else np.zeros(0, np.int64), return_counts=True
    )
    doc_freq: dict[str, Counter[str]] = {"words": Counter(), "pairs": Counter()}
    for key, count in zip(found.tolist(), counts.tolist(), strict=True):
        kind, rest = divmod(key, base * base)
        left, right = stems[rest // base], stems[rest % base]
        if kind == _UNIGRAM:
            doc_freq["words"][left] = count
        elif kind == _BIGRAM:
            doc_freq["words"][f"{left} {right}"] = count
        else:
            name = f"{left}|{right}" if left <= right else f"{right}|{left}"
            doc_freq["pairs"][name] = count
    return doc_freq


@functools.lru_cache(maxsize=1024)
def _spans(
    count: int, word_ngrams: int, pair_window: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(left positions, right positions, kinds) of every unigram, bigram and pair of a
    message of ``count`` tokens: the features :func:`word_features` and
    :func:`pair_features` name, in numbers."""
    spans: list[tuple[int, int, int]] = [(i, i, _UNIGRAM) for i in range(count)]
    if word_ngrams >= 2:
        spans.extend((i, i + 1, _BIGRAM) for i in range(count - 1))
    spans.extend(
        (i, j, _PAIR) for i in range(count) for j in range(i + 2, min(count, i + pair_window + 1))
    )
    left, right, kind = (np.asarray(part, dtype=np.int64) for part in zip(*spans, strict=True))
    return left, right, kind


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
        self.idf = np.asarray(idf, dtype=np.float32)
        self.n_features = int(idf.shape[0])
        # The blocks are consecutive column ranges: a column's block is found by bisection.
        self._block_ends = np.cumsum([len(vocabularies[block]) for block in BLOCKS])[:-1]
        self._build_keys()
        # Per distinct word, memoised (words repeat endlessly): the number of its stem
        # and the columns of its character n-grams.
        self._words: dict[str, tuple[int, npt.NDArray[np.intp]]] = {}
        # Per message length: where its bigrams, pairs and unigrams sit (see _keys).
        self._layouts: dict[int, tuple[npt.NDArray[np.int64], ...]] = {}
        self._scratch = threading.local()

    def _build_keys(self) -> None:
        """Word and pair features as integers, for a vectorised look-up.

        Each stem that occurs in a word or pair feature gets a number below ``base``
        (``base - 1`` stands for every other stem); a feature over stems a, b is the key
        ``kind·base² + a·base + b``. An unordered pair is entered in both orders, so a
        message's pairs need no sorting. Keys are sorted for ``np.searchsorted``; a
        sentinel larger than any key ends the table.
        """
        stem_ids: dict[str, int] = {}
        entries: list[tuple[int, str, str, int]] = []
        for feature, col in self.vocabularies["words"].items():
            if " " in feature:
                left, right = feature.split(" ")
                entries.append((_BIGRAM, left, right, col))
            else:
                entries.append((_UNIGRAM, feature, feature, col))
        for feature, col in self.vocabularies["pairs"].items():
            left, right = feature.split("|")
            entries.append((_PAIR, left, right, col))
            if left != right:
                entries.append((_PAIR, right, left, col))
        for _, left, right, _ in entries:
            stem_ids.setdefault(left, len(stem_ids))
            stem_ids.setdefault(right, len(stem_ids))
        base = len(stem_ids) + 1
        keys = np.fromiter(
            (k * base * base + stem_ids[a] * base + stem_ids[b] for k, a, b, _ in entries),
            dtype=np.int64,
            count=len(entries),
        )
        cols = np.fromiter((c for *_, c in entries), dtype=np.intp, count=len(entries))
        order = np.argsort(keys)
        self._stem_ids = stem_ids
        self._base = base
        self._key_table = np.append(keys[order], np.iinfo(np.int64).max)
        self._key_cols = np.append(cols[order], -1)

    @classmethod
    def fit(cls, texts: Iterable[str], config: FeatureConfig | None = None) -> Vectorizer:
        config = config or FeatureConfig()
        # Per distinct word, computed once: the number of its stem, its character n-grams.
        seen: dict[str, tuple[int, frozenset[str]]] = {}
        stem_ids: dict[str, int] = {}
        messages: list[npt.NDArray[np.int64]] = []
        char_df: Counter[str] = Counter()
        for text in texts:
            ids: list[int] = []
            chars: set[str] = set()
            for word in model_tokens(text):
                entry = seen.get(word)
                if entry is None:
                    root = stem(word) if config.stem else word
                    number = stem_ids.setdefault(root, len(stem_ids))
                    entry = seen[word] = (number, frozenset(char_features(word, config)))
                ids.append(entry[0])
                chars |= entry[1]
            messages.append(np.asarray(ids, dtype=np.int64))
            char_df.update(chars)
        doc_freq = _word_and_pair_doc_freq(messages, list(stem_ids), config)
        doc_freq["chars"] = char_df
        vocabularies: dict[str, dict[str, int]] = {}
        idf_values: list[float] = []
        for block in BLOCKS:
            # Words keep singletons: a rare word is often the one that names the intent.
            floor = 1 if block == "words" else config.min_df
            kept = sorted(f for f, df in doc_freq[block].items() if df >= floor)
            start = len(idf_values)
            vocabularies[block] = {f: start + k for k, f in enumerate(kept)}
            # Smoothed IDF, as if one extra document held every feature once.
            n_docs = len(messages)
            idf_values.extend(math.log((1 + n_docs) / (1 + doc_freq[block][f])) + 1.0 for f in kept)
        return cls(config, vocabularies, np.asarray(idf_values, dtype=np.float32))

    def _word(self, word: str) -> tuple[int, npt.NDArray[np.intp]]:
        entry = self._words.get(word)
        if entry is None:
            chars = self.vocabularies["chars"]
            cols = [c for f in char_features(word, self.config) if (c := chars.get(f)) is not None]
            root = stem(word) if self.config.stem else word
            entry = (self._stem_ids.get(root, self._base - 1), np.asarray(cols, dtype=np.intp))
            if len(self._words) >= _WORD_CACHE_LIMIT:
                self._words.clear()
            self._words[word] = entry
        return entry

    def _layout(self, count: int) -> tuple[npt.NDArray[np.int64], ...]:
        """:func:`_spans` with each kind turned into its key offset, kind·base²."""
        layout = self._layouts.get(count)
        if layout is None:
            left, right, kind = _spans(count, self.config.word_ngrams, self.config.pair_window)
            layout = (left, right, kind * self._base * self._base)
            if len(self._layouts) >= _LAYOUT_CACHE_LIMIT:
                self._layouts.clear()
            self._layouts[count] = layout
        return layout

    def columns(self, tokens: Sequence[str]) -> npt.NDArray[np.intp]:
        """Column of every feature occurrence in the tokens, all blocks, repeats kept."""
        if not tokens:
            return np.zeros(0, dtype=np.intp)
        ids: list[int] = []
        parts: list[npt.NDArray[np.intp]] = []
        for word in tokens:
            stem_id, char_cols = self._word(word)
            ids.append(stem_id)
            parts.append(char_cols)
        left, right, offset = self._layout(len(ids))
        stems = np.asarray(ids, dtype=np.int64)
        keys = stems[left] * self._base + stems[right] + offset
        pos = np.searchsorted(self._key_table, keys)
        found = self._key_cols[pos[self._key_table[pos] == keys]]
        return np.concatenate([found, *parts])

    def _counts(
        self, cols: npt.NDArray[np.intp]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Distinct columns and how often each occurs, without sorting: each occurrence
        writes its position into a per-thread column-indexed scratch array, so all
        occurrences of a column then read the position of the last one."""
        scratch = getattr(self._scratch, "positions", None)
        if scratch is None or len(scratch) < len(cols):
            self._scratch.positions = scratch = np.arange(max(len(cols), 64), dtype=np.intp)
        marks = getattr(self._scratch, "marks", None)
        if marks is None:
            self._scratch.marks = marks = np.zeros(self.n_features, dtype=np.intp)
        marks[cols] = scratch[: len(cols)]
        counts = np.bincount(marks[cols], minlength=len(cols))
        last = counts > 0
        return cols[last], counts[last]

    def vector(self, text: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
        """Sparse TF-IDF row of one text as (column indices, values).

        A handful of numpy calls over all blocks at once: look-up, counting, weighting
        and the per-block L2 norms (the blocks being column ranges) need no Python loop
        over features.
        """
        cols = self.columns(model_tokens(text))
        if len(cols) == 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
        idx, tf = self._counts(cols)
        # Sublinear term frequency: a word said twice is not twice the evidence.
        weights = np.log(tf, dtype=np.float32)
        weights += 1.0
        weights *= self.idf[idx]
        block = np.searchsorted(self._block_ends, idx, side="right")
        norms = np.sqrt(np.bincount(block, weights=weights * weights, minlength=len(BLOCKS)))
        weights /= norms.astype(np.float32)[block]
        return idx, weights

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
