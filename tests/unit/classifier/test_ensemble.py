"""The ensemble network: trained beside the SVM, on the lean path, stored and checked."""

from __future__ import annotations

import random

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
