"""A second-level softmax over the one-vs-rest scores: it learns how the labels' scores
relate (when label A scores high, B is often the true one) from out-of-fold scores.

The one-vs-rest SVM scores each label on its own; near-synonymous intents then get
close, unrelated margins. A multinomial logistic regression fitted on the *out-of-fold*
score vectors (texts each model never saw) learns a (labels × labels) mixing matrix and
a bias, jointly, with a softmax — and its probabilities come out calibrated. Fitted with
L-BFGS on plain numpy in a couple of seconds; at prediction it is one small matmul.

+0.9 point accuracy by 3-fold CV on the Banking77 training set (0.9025 → 0.9116), with
expected calibration error 0.018 (see docs/classifier.md).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

# Inverse L2 strength as in scikit-learn (loss = C·ΣNLL + ½‖W‖²); chosen by 3-fold CV
# on the Banking77 training set among 0.3 / 1 / 3 (0.9114 / 0.9111 / 0.9085 accuracy),
# 1 for its calibration (ECE 0.018 against 0.067 at 0.3).
DEFAULT_STACK_C = 1.0


def fit_stacker(
    scores: npt.NDArray[np.floating],
    targets: npt.NDArray[np.intp],
    c: float = DEFAULT_STACK_C,
    max_iter: int = 100,
    temperature: float = 1.0,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """(labels × labels) weights and biases of a softmax over out-of-fold ``scores``.

    The penalty pulls the weights towards zero, as scikit-learn's does (pulling them
    towards the identity instead lost 0.4 point in CV). The search starts from the
    temperature-scaled identity — the first-level model as it is — so 100 L-BFGS steps
    suffice (3-fold CV: 50 steps 0.9105, 100 steps 0.9117, 200 steps 0.9117).
    """
    # float32 products: half the time of float64, the same optimum to ~1e-6.
    s = np.asarray(scores, dtype=np.float32)
    n, k = s.shape
    onehot = np.zeros((n, k), dtype=np.float32)
    onehot[np.arange(n), targets] = 1.0
    penalty = 1.0 / (c * n)

    def loss_grad(params: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        w = params[: k * k].reshape(k, k).astype(np.float32)
        b = params[k * k :].astype(np.float32)
        z = s @ w + b
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        norm = e.sum(axis=1, keepdims=True)
        nll = float(np.mean(np.log(norm[:, 0]) - z[np.arange(n), targets]))
        g = (e / norm - onehot) / n
        grad_w = s.T @ g + penalty * w
        grad = np.concatenate([grad_w.ravel(), g.sum(axis=0)]).astype(np.float64)
        return nll + 0.5 * penalty * float(np.sum(w * w)), grad

    start = np.concatenate([(np.eye(k) / temperature).ravel(), np.zeros(k)])
    result = minimize(loss_grad, start, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    w = result.x[: k * k].reshape(k, k).astype(np.float32)
    b = result.x[k * k :].astype(np.float32)
    return w, b
