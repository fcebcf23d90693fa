"""Train a tenant's model from labelled examples, with honest evaluation figures.

Examples come from agents' work (a re-route or a resolution labels an interaction).
One k-fold pass over the training data gives the cross-validated accuracy and
macro-F1 that are stored with the model, and the out-of-fold scores that calibrate its
confidence and fit the mixing layer over the labels' scores (``classifier.stacking``).
The test set of a benchmark is never seen here.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from classifier.calibration import expected_calibration_error, fit_temperature
from classifier.errors import DataError
from classifier.features import FeatureConfig, Vectorizer
from classifier.linear import LinearTextModel, softmax
from classifier.metrics import accuracy, macro_f1
from classifier.mlp import MlpHead, fit_mlp
from classifier.sanitize import usable_text
from classifier.stacking import fit_stacker

# Chosen by cross-validation on the Banking77 *training* set (0.25/0.5/1.0 all
# within 0.2 point; 0.5 best). Higher C overfits the few examples a small tenant has.
DEFAULT_C = 0.5
# Below this many examples per fold a cross-validated figure says nothing.
_MIN_PER_FOLD = 2
# The mixing layer has labels² weights: fitted only with 3+ labels and this many
# examples per label on average; otherwise (and for 2 labels, where it would be mere
# Platt scaling and the spam filter's threshold is set on temperature scaling) the
# model keeps the identity and the temperature. A safety floor, not a tuned value.
STACK_MIN_PER_LABEL = 20
# LinearSVC stopping tolerance: 1e-3 instead of the default 1e-4 gives the same 3-fold
# CV accuracy on Banking77 (0.9025) and is ~13 % faster, which pays for the mixing layer.
_SVM_TOL = 1e-3


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Cross-validated figures on the training data (out-of-fold predictions)."""

    accuracy: float
    macro_f1: float
    folds: int
    calibration_error: float  # expected calibration error of the confidence, 10 bins
    n_examples: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "folds": self.folds,
            "calibration_error": self.calibration_error,
            "n_examples": self.n_examples,
        }


@dataclass(frozen=True, slots=True)
class TrainedModel:
    model: LinearTextModel
    evaluation: Evaluation | None
    n_examples: int
    label_counts: dict[str, int]
    train_seconds: float
    params: dict[str, float | int]
    trained_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels


def _clean_examples(examples: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for text, label in examples:
        clean = usable_text(text)
        if clean is None or not label:
            continue  # an empty or binary text teaches nothing
        texts.append(clean)
        labels.append(str(label))
    if len(set(labels)) < 2:
        raise DataError(
            f"need examples of at least 2 labels to train, got {len(set(labels))} "
            f"label(s) over {len(texts)} usable example(s)"
        )
    return texts, labels


def _fit_linear(
    x: csr_matrix, y: npt.NDArray[np.intp], n_labels: int, c: float, seed: int = 0
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """One-vs-rest linear SVM; returns (features × labels) weights and intercepts."""
    from sklearn.svm import LinearSVC  # imported on first training only: slow to import

    # A fixed seed for liblinear's shuffling: the same examples give the same model
    # (unseeded, Banking77 test accuracy wandered between 0.9237 and 0.9244).
    svm = LinearSVC(C=c, dual=True, max_iter=5000, tol=_SVM_TOL, random_state=seed)
    svm.fit(x, y)
    coef = np.zeros((x.shape[1], n_labels), dtype=np.float32)
    intercept = np.zeros(n_labels, dtype=np.float32)
    present = svm.classes_
    if len(present) == 2:
        # Binary SVM gives one score s for the second class; ±s/2 keeps the same margin.
        for sign, label in zip((-0.5, 0.5), present, strict=True):
            coef[:, label] = sign * svm.coef_[0]
            intercept[label] = sign * svm.intercept_[0]
    else:
        coef[:, present] = svm.coef_.T
        intercept[present] = svm.intercept_
        # A label absent from this fold must never win.
        missing = np.setdiff1d(np.arange(n_labels), present)
        intercept[missing] = -1e3
    return coef, intercept


def _folds(y: npt.NDArray[np.intp], n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold split: each label's examples, shuffled, dealt round-robin.

    The deal carries on from one label to the next, so fold sizes differ by at most
    one even when labels have fewer examples than folds. (Not scikit-learn's splitter:
    importing sklearn.model_selection alone cost 0.8 s CPU of every first training.)
    """
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=np.intp)
    dealt = 0
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        rng.shuffle(members)
        fold_of[members] = (dealt + np.arange(len(members))) % n_folds
        dealt += len(members)
    return [(np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)) for k in range(n_folds)]


def cross_validated_scores(
    x: csr_matrix, y: npt.NDArray[np.intp], n_labels: int, c: float, n_folds: int, seed: int
) -> npt.NDArray[np.float32]:
    """Out-of-fold decision scores: each row scored by a model that never saw it."""
    scores = np.zeros((x.shape[0], n_labels), dtype=np.float32)
    for train_idx, test_idx in _folds(y, n_folds, seed):
        coef, intercept = _fit_linear(x[train_idx], y[train_idx], n_labels, c, seed)
        scores[test_idx] = np.asarray(x[test_idx] @ coef) + intercept
    return scores


def _fit_network(
    x: csr_matrix, y: npt.NDArray[np.intp], n_labels: int, n_folds: int, seed: int
) -> MlpHead:
    """The ensemble network on all rows, its temperature fitted on out-of-fold logits."""
    oof = np.zeros((x.shape[0], n_labels), dtype=np.float32)
    for train_idx, test_idx in _folds(y, n_folds, seed):
        head = fit_mlp(x[train_idx], y[train_idx], n_labels, seed=seed)
        oof[test_idx] = head.logits_matrix(x[test_idx])
    head = fit_mlp(x, y, n_labels, seed=seed)
    head.temperature = fit_temperature(oof, y)
    return head


def train(
    examples: Sequence[tuple[str, str]],
    *,
    c: float = DEFAULT_C,
    features: FeatureConfig | None = None,
    cv_folds: int = 2,
    evaluate: bool = True,
    stack: bool = True,
    ensemble: bool = True,
    seed: int = 0,
) -> TrainedModel:
    """Fit a calibrated linear model on ``(text, label)`` pairs.

    With ``evaluate`` (the default) a ``cv_folds``-fold pass gives the stored
    cross-validated accuracy / macro-F1 (of the first-level SVM: the mixing layer is
    fitted on those very out-of-fold scores, so they cannot also judge it) and
    calibrates the confidence; with ``stack`` and enough examples the out-of-fold
    scores also fit the mixing layer, whose softmax is calibrated as it is; with
    ``ensemble`` too (and the same floor of examples) a small network
    (``classifier.mlp``) is trained beside the SVM, its temperature fitted on its own
    out-of-fold logits, and the two members' log-probabilities are averaged. Without
    ``evaluate``, or with too few examples, the confidence keeps a neutral temperature
    of 1 and there is no mixing layer.
    Raises :class:`DataError` when fewer than two labels have usable examples.
    """
    from threadpoolctl import threadpool_limits  # comes with scikit-learn

    # One core, as the budget says: BLAS threads gain nothing on these small dense
    # products and, on a busy machine, their spinning made training 2-6x slower.
    with threadpool_limits(1):
        return _train(examples, c, features, cv_folds, evaluate, stack, ensemble, seed)


def _train(
    examples: Sequence[tuple[str, str]],
    c: float,
    features: FeatureConfig | None,
    cv_folds: int,
    evaluate: bool,
    stack: bool,
    ensemble: bool,
    seed: int,
) -> TrainedModel:
    started = time.perf_counter()
    texts, label_names = _clean_examples(examples)
    labels = sorted(set(label_names))
    index = {label: k for k, label in enumerate(labels)}
    y = np.asarray([index[label] for label in label_names], dtype=np.intp)
    # The vocabulary (an unsupervised choice) is fitted once on all the training texts and
    # shared by the folds, which keeps training within budget on one core.
    vectorizer = Vectorizer.fit(texts, features)
    x = vectorizer.matrix(texts)

    evaluation: Evaluation | None = None
    temperature = 1.0
    mix: npt.NDArray[np.float32] | None = None
    mix_bias: npt.NDArray[np.float32] | None = None
    stacked = False
    mlp: MlpHead | None = None
    folds = min(cv_folds, len(texts) // _MIN_PER_FOLD)
    if evaluate and folds >= 2:
        oof = cross_validated_scores(x, y, len(labels), c, folds, seed)
        predicted = oof.argmax(axis=1)
        temperature = fit_temperature(oof, y)
        confidence = softmax(oof, temperature).max(axis=1)
        evaluation = Evaluation(
            accuracy=accuracy(y, predicted),
            macro_f1=macro_f1(y, predicted),
            folds=folds,
            calibration_error=expected_calibration_error(confidence, predicted == y),
            n_examples=len(texts),
        )
        if stack and len(labels) >= 3 and len(texts) >= STACK_MIN_PER_LABEL * len(labels):
            mix, mix_bias = fit_stacker(oof, y, temperature=temperature)
            temperature, stacked = 1.0, True
            if ensemble:
                mlp = _fit_network(x, y, len(labels), folds, seed)

    coef, intercept = _fit_linear(x, y, len(labels), c, seed)
    model = LinearTextModel(vectorizer, labels, coef, intercept, temperature, mix, mix_bias, mlp)
    return TrainedModel(
        model=model,
        evaluation=evaluation,
        n_examples=len(texts),
        label_counts=dict(Counter(label_names)),
        train_seconds=time.perf_counter() - started,
        params={
            "c": c,
            "cv_folds": cv_folds,
            "seed": seed,
            "stacked": int(stacked),
            "ensemble": int(mlp is not None),
            **vectorizer.config.to_dict(),
        },
    )
