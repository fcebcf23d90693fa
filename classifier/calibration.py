"""Temperature scaling: one number that turns decision scores into honest probabilities.

Fitted on out-of-fold scores (texts the model did not train on), by minimising the
negative log-likelihood of the true labels. One parameter cannot overfit and keeps the
ranking of labels unchanged, so accuracy is untouched; only the confidence moves.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar


def negative_log_likelihood(
    scores: npt.NDArray[np.floating], targets: npt.NDArray[np.intp], temperature: float
) -> float:
    z = np.asarray(scores, dtype=np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(targets)), targets]))


def fit_temperature(scores: npt.NDArray[np.floating], targets: npt.NDArray[np.intp]) -> float:
    """The temperature (searched over 0.001 … 100, log scale) with the lowest NLL."""
    if len(targets) == 0:
        return 1.0
    result = minimize_scalar(
        lambda log_t: negative_log_likelihood(scores, targets, float(np.exp(log_t))),
        bounds=(np.log(1e-3), np.log(1e2)),
        method="bounded",
    )
    return float(np.exp(result.x))


def expected_calibration_error(
    confidence: npt.NDArray[np.floating], correct: npt.NDArray[np.bool_], bins: int = 10
) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins."""
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            total += in_bin.mean() * abs(confidence[in_bin].mean() - correct[in_bin].mean())
    return float(total)
