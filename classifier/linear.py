"""The lean prediction path: a fitted linear model over :class:`Vectorizer` features.

Scores are ``x · W + b`` over the few columns a message activates, gathered from a
(features × labels) matrix; a small (labels × labels) mixing layer fitted on
out-of-fold scores (``classifier.stacking``; the identity when there is none) and a
softmax with a fitted temperature turn them into calibrated probabilities. With an
ensemble network (``classifier.mlp``, since model format 4) the log-probabilities of
both members are averaged with fixed weights and renormalised. No
scikit-learn at prediction time: its per-call overhead alone is over a millisecond,
this whole path is a small fraction of that.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from classifier.features import Vectorizer
from classifier.mlp import MlpHead, log_softmax
from classifier.sanitize import usable_text


def softmax(scores: npt.NDArray[np.floating], temperature: float) -> npt.NDArray[np.float64]:
    z = np.asarray(scores, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: npt.NDArray[np.float64] = e / e.sum(axis=-1, keepdims=True)
    return out


class LinearTextModel:
    """Labels, features and coefficients of one trained model. Implements ``TextModel``."""

    def __init__(
        self,
        vectorizer: Vectorizer,
        labels: Sequence[str],
        coef: npt.NDArray[np.float32],
        intercept: npt.NDArray[np.float32],
        temperature: float = 1.0,
        mix: npt.NDArray[np.float32] | None = None,
        mix_bias: npt.NDArray[np.float32] | None = None,
        mlp: MlpHead | None = None,
    ) -> None:
        if coef.shape != (vectorizer.n_features, len(labels)):
            raise ValueError(
                f"coefficients are {coef.shape}, expected ({vectorizer.n_features}, {len(labels)})"
            )
        self.vectorizer = vectorizer
        self.labels = tuple(labels)
        self.coef = np.ascontiguousarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.temperature = float(temperature)
        k = len(labels)
        self.mix = np.ascontiguousarray(np.eye(k) if mix is None else mix, dtype=np.float32)
        self.mix_bias = np.asarray(np.zeros(k) if mix_bias is None else mix_bias, np.float32)
        if self.mix.shape != (k, k) or self.mix_bias.shape != (k,):
            raise ValueError(f"mixing layer is {self.mix.shape}, expected ({k}, {k})")
        if mlp is not None and (mlp.w1.shape[0], mlp.w2.shape[1]) != (vectorizer.n_features, k):
            raise ValueError("ensemble network does not match the features or the labels")
        self.mlp = mlp

    def _final(
        self, linear: npt.NDArray[np.float32], network: npt.NDArray[np.float32] | None
    ) -> tuple[npt.NDArray[np.floating], float]:
        """Final logits (one row or many) and the temperature of their softmax: the
        mixing layer's logits, or with a network the weighted mean of both members'
        calibrated log-probabilities (temperature 1)."""
        z = self.logits(linear)
        if self.mlp is None or network is None:
            return z, self.temperature
        w = self.mlp.weight
        mixed = (1 - w) * log_softmax(z / self.temperature) + w * log_softmax(
            network / self.mlp.temperature
        )
        return mixed, 1.0

    def _final_one(self, text: str) -> tuple[npt.NDArray[np.floating], float]:
        idx, val = self.vectorizer.vector(text)
        linear = self.intercept.copy() if len(idx) == 0 else val @ self.coef[idx] + self.intercept
        network = None if self.mlp is None else self.mlp.logits_one(idx, val)
        return self._final(linear, network)

    def scores(self, text: str) -> npt.NDArray[np.float32]:
        """Raw decision score per label (before calibration)."""
        idx, val = self.vectorizer.vector(text)
        if len(idx) == 0:
            return self.intercept.copy()
        out: npt.NDArray[np.float32] = val @ self.coef[idx] + self.intercept
        return out

    def logits(self, scores: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """First-level scores (one row or many) through the mixing layer."""
        out: npt.NDArray[np.float32] = scores @ self.mix + self.mix_bias
        return out

    def proba(self, text: str) -> npt.NDArray[np.float64]:
        """Calibrated probability per label, in the order of :attr:`labels`."""
        z, temperature = self._final_one(text)
        return softmax(z, temperature)

    def predict_one(self, text: str) -> tuple[str, float]:
        """Best label and its calibrated probability. Unusable text gets confidence 0."""
        clean = usable_text(text)
        if clean is None:
            return self.labels[0], 0.0
        z, temperature = self._final_one(clean)
        best = int(z.argmax())
        # The softmax of the best label alone: 1 / Σ exp((z - z_best) / T), in float64
        # as :meth:`proba`; the whole distribution is not needed.
        gaps = (z - z[best]).astype(np.float64) / temperature
        return self.labels[best], float(1.0 / np.exp(gaps).sum())

    def top_k(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k most likely labels with their probabilities, best first."""
        clean = usable_text(text)
        if clean is None:
            return []
        p = self.proba(clean)
        order = np.argsort(-p)[:k]
        return [(self.labels[i], float(p[i])) for i in order]

    def decision_matrix(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Scores of many texts at once (evaluation, calibration), same maths as one."""
        x = self.vectorizer.matrix(texts)
        out: npt.NDArray[np.float32] = np.asarray(x @ self.coef) + self.intercept
        return out

    def proba_matrix(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Calibrated probabilities of many texts at once, same maths as :meth:`proba`."""
        x = self.vectorizer.matrix(texts)
        linear = np.asarray(x @ self.coef) + self.intercept
        network = None if self.mlp is None else self.mlp.logits_matrix(x)
        z, temperature = self._final(linear, network)
        return softmax(z, temperature)

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        return [self.labels[i] for i in self.proba_matrix(texts).argmax(axis=1)]

    @property
    def size_bytes(self) -> int:
        """Memory taken by the arrays (the vocabulary strings come on top)."""
        arrays = (self.coef, self.intercept, self.vectorizer.idf, self.mix, self.mix_bias)
        return int(sum(a.nbytes for a in arrays)) + (0 if self.mlp is None else self.mlp.nbytes)
