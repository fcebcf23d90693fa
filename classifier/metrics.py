"""Accuracy and macro-F1 on integer label arrays (no scikit-learn needed to score)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def accuracy(truth: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    t = np.asarray(truth)
    p = np.asarray(predicted)
    return float((t == p).mean()) if len(t) else 0.0


def macro_f1(truth: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Unweighted mean of per-label F1 over the labels present in truth or predictions."""
    t = np.asarray(truth)
    p = np.asarray(predicted)
    if len(t) == 0:
        return 0.0
    labels = np.union1d(t, p)
    scores = []
    for label in labels:
        tp = int(np.sum((t == label) & (p == label)))
        fp = int(np.sum((t != label) & (p == label)))
        fn = int(np.sum((t == label) & (p != label)))
        denom = 2 * tp + fp + fn
        scores.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(scores))
