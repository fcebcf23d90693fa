from __future__ import annotations

import numpy as np
import pytest

from classifier.errors import DataError
from classifier.training import TrainedModel, train


def test_lean_path_matches_batch_scores(desk_model: TrainedModel) -> None:
    model = desk_model.model
    texts = ["ma carte est bloquée", "prix de l'abonnement", "erreur de facture", "pas de réseau"]
    batch = model.decision_matrix(texts)
    for row, text in zip(batch, texts, strict=True):
        np.testing.assert_allclose(model.scores(text), row, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("message", "label"),
    [
        # SMS spelling and missing accents, never seen in training
        ("slt stp g 1 pb avc ma carte elle est bloquee", "cartes"),
        ("bjr ma carte marche tjrs pas au distributeur", "cartes"),
        ("c koi le prix de l abonnement svp", "ventes"),
        ("svp un devis pr ma boite", "ventes"),
        ("pk on m a preleve 2 fois sur la facture", "facturation"),
        ("erreur sur ma factur", "facturation"),
        ("pb de connexion internet depuis hier soir", "technique"),
        ("l appli plante tjrs", "technique"),
        # English, with typos
        ("my crad is blocked", "cartes"),
        ("how much is the premium plan", "ventes"),
    ],
)
def test_unseen_french_and_sms_spelling_route_right(
    desk_model: TrainedModel, message: str, label: str
) -> None:
    assert desk_model.model.predict_one(message)[0] == label


def test_confidence_is_a_probability_and_top_k_sorted(desk_model: TrainedModel) -> None:
    model = desk_model.model
    p = model.proba("ma carte est bloquée")
    assert p.shape == (4,) and abs(p.sum() - 1) < 1e-6
    top = model.top_k("ma carte est bloquée", k=3)
    assert [score for _, score in top] == sorted((s for _, s in top), reverse=True)


def test_bad_input_gives_zero_confidence_without_error(desk_model: TrainedModel) -> None:
    for text in ["", "🙂🙂", "\x00\xff" * 100, "x" * 100_000]:
        label, confidence = desk_model.model.predict_one(text)
        assert isinstance(label, str)
        assert 0.0 <= confidence <= 1.0
    assert desk_model.model.predict_one("")[1] == 0.0


def test_training_reports_cross_validated_figures(desk_model: TrainedModel) -> None:
    ev = desk_model.evaluation
    assert ev is not None
    assert 0.5 < ev.accuracy <= 1.0 and 0.0 < ev.macro_f1 <= 1.0
    assert desk_model.n_examples == 40
    assert desk_model.label_counts["cartes"] == 10


def test_training_needs_two_labels() -> None:
    with pytest.raises(DataError, match="at least 2 labels"):
        train([("a b c", "x"), ("d e f", "x")])
    with pytest.raises(DataError):
        train([("", "x"), ("🙂", "y")])


def test_two_label_training_works() -> None:
    tm = train([("refund please", "billing"), ("app crashes", "tech")] * 3)
    assert tm.model.predict_one("I want a refund")[0] == "billing"


def test_predict_one_agrees_with_proba(desk_model: TrainedModel) -> None:
    model = desk_model.model
    for text in ["ma carte est bloquée", "prix de l'abonnement", "pas de réseau", "xyz"]:
        label, confidence = model.predict_one(text)
        p = model.proba(text)
        assert label == model.labels[int(p.argmax())]
        assert abs(confidence - float(p.max())) < 1e-6


def test_folds_are_stratified_and_cover_every_example() -> None:
    from classifier.training import _folds

    y = np.array([0] * 10 + [1] * 7 + [2] * 2)
    folds = _folds(y, 2, seed=0)
    held_out = np.sort(np.concatenate([test for _, test in folds]))
    np.testing.assert_array_equal(held_out, np.arange(len(y)))
    for train_idx, test_idx in folds:
        assert len(np.intersect1d(train_idx, test_idx)) == 0
        assert abs(len(test_idx) - len(y) / 2) <= 1
        for label, count in ((0, 10), (1, 7), (2, 2)):
            assert abs(int((y[test_idx] == label).sum()) - count / 2) <= 1
