"""The ensemble network: trained beside the SVM, on the lean path, stored and checked."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from classifier import model_file
from classifier.errors import ModelFormatError
from classifier.linear import LinearTextModel
from classifier.training import train
from tests.unit.classifier.test_stacking import _examples, _rewrite_header


@pytest.fixture(scope="module")
def ensemble_model() -> LinearTextModel:
    trained = train(_examples(30))
    assert trained.params["ensemble"] == 1
    assert trained.model.mlp is not None
    return trained.model


def test_small_or_unstacked_models_have_no_network() -> None:
    assert train(_examples(5)).model.mlp is None
    assert train(_examples(30), ensemble=False).model.mlp is None
    assert train(_examples(30), stack=False).model.mlp is None


def test_ensemble_is_the_same_one_by_one_and_in_batch(ensemble_model: LinearTextModel) -> None:
    texts = ["ma carte est bloquee", "un devis svp", "panne internet depuis hier", "zzz qqq"]
    batch = ensemble_model.proba_matrix(texts)
    for row, text in zip(batch, texts, strict=True):
        p = ensemble_model.proba(text)
        np.testing.assert_allclose(p, row, rtol=1e-5, atol=1e-6)
        assert p.sum() == pytest.approx(1.0)
        label, confidence = ensemble_model.predict_one(text)
        assert label == ensemble_model.labels[int(p.argmax())]
        assert confidence == pytest.approx(float(p.max()), rel=1e-5)
    assert ensemble_model.predict_many(texts[:3]) == ["cartes", "ventes", "technique"]


def test_network_shifts_the_probabilities(ensemble_model: LinearTextModel) -> None:
    mlp = ensemble_model.mlp
    assert mlp is not None and 0 < mlp.weight < 1 and mlp.temperature > 0
    alone = LinearTextModel(
        ensemble_model.vectorizer,
        ensemble_model.labels,
        ensemble_model.coef,
        ensemble_model.intercept,
        ensemble_model.temperature,
        ensemble_model.mix,
        ensemble_model.mix_bias,
    )
    text = "offre et prix de l abonnement"
    assert not np.allclose(alone.proba(text), ensemble_model.proba(text))


def test_network_survives_the_model_file(ensemble_model: LinearTextModel) -> None:
    data = model_file.to_bytes(ensemble_model)
    loaded, header = model_file.from_bytes(data)
    assert header["format_version"] == 4 and header["mlp"]["weight"] == ensemble_model.mlp.weight  # type: ignore[union-attr]
    assert loaded.mlp is not None
    np.testing.assert_array_equal(loaded.mlp.w1, ensemble_model.mlp.w1)  # type: ignore[union-attr]
    for text in ["offre et prix de l abonnement", "carte perdue au distributeur"]:
        np.testing.assert_allclose(loaded.proba(text), ensemble_model.proba(text))


def test_tampered_network_is_refused(ensemble_model: LinearTextModel) -> None:
    data = model_file.to_bytes(ensemble_model)
    header = model_file.read_header(data)
    header["sha256"]["mlp_w2"] = "0" * 64
    with pytest.raises(ModelFormatError):
        model_file.from_bytes(_rewrite_header(data, header))
    header = model_file.read_header(data)
    header["mlp"] = {"temperature": -1.0, "weight": 0.3}
    with pytest.raises(ModelFormatError):
        model_file.from_bytes(_rewrite_header(data, header))


def test_training_is_deterministic() -> None:
    examples = _examples(30)
    random.Random(3).shuffle(examples)
    a, b = train(examples).model, train(examples).model
    assert a.mlp is not None and b.mlp is not None
    np.testing.assert_array_equal(a.mlp.w1, b.mlp.w1)


def _plain_fit_mlp(
    x: Any,
    y: Any,
    n_labels: int,
    *,
    hidden: int = 8,
    epochs: int = 3,
    batch: int = 16,
    seed: int = 0,
) -> list[Any]:
    """fit_mlp as first written: scipy slicing and fancy-indexed updates (the reference)."""
    from scipy.sparse import csr_matrix

    from classifier.mlp import _BETA1, _BETA2, _EPS, LEARNING_RATE

    rng = np.random.default_rng(seed)
    x = csr_matrix(x, dtype=np.float32)
    n, d = x.shape
    w1 = (rng.standard_normal((d, hidden)) * 0.05).astype(np.float32)
    b1 = np.zeros(hidden, np.float32)
    w2 = (rng.standard_normal((hidden, n_labels)) / np.sqrt(hidden)).astype(np.float32)
    b2 = np.zeros(n_labels, np.float32)
    m1, v1 = np.zeros_like(w1), np.zeros_like(w1)
    dense = [b1, w2, b2]
    moments = [(np.zeros_like(a), np.zeros_like(a)) for a in dense]
    step = 0
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            step += 1
            rows = order[start : start + batch]
            xb = x[rows]
            cols = np.unique(xb.indices)
            xs = xb[:, cols]
            h = np.maximum(xs @ w1[cols] + b1, 0.0)
            z = h @ w2 + b2
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(rows)), y[rows]] -= 1.0
            g = (p / len(rows)).astype(np.float32)
            dh = (g @ w2.T) * (h > 0)
            grads = [dh.sum(axis=0), h.T @ g, g.sum(axis=0)]
            g1 = np.asarray(xs.T @ dh, dtype=np.float32)
            rate = LEARNING_RATE * np.sqrt(1 - _BETA2**step) / (1 - _BETA1**step)
            m = _BETA1 * m1[cols] + (1 - _BETA1) * g1
            v = _BETA2 * v1[cols] + (1 - _BETA2) * g1 * g1
            m1[cols], v1[cols] = m, v
            w1[cols] -= rate * m / (np.sqrt(v) + _EPS)
            for param, grad, (mm, vv) in zip(dense, grads, moments, strict=True):
                mm *= _BETA1
                mm += (1 - _BETA1) * grad
                vv *= _BETA2
                vv += (1 - _BETA2) * grad * grad
                param -= rate * mm / (np.sqrt(vv) + _EPS)
    return [w1, b1, w2, b2]


def test_fast_fit_is_bit_for_bit_the_plain_one() -> None:
    from classifier.features import Vectorizer
    from classifier.mlp import fit_mlp

    examples = _examples(30)
    texts = [t for t, _ in examples]
    labels = sorted({label for _, label in examples})
    y = np.asarray([labels.index(label) for _, label in examples], dtype=np.intp)
    x = Vectorizer.fit(texts).matrix(texts)
    head = fit_mlp(x, y, len(labels), hidden=8, epochs=3, batch=16, seed=5)
    for got, want in zip(
        (head.w1, head.b1, head.w2, head.b2),
        _plain_fit_mlp(x, y, len(labels), seed=5),
        strict=True,
    ):
        np.testing.assert_array_equal(got, want)
