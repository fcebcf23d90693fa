"""The mixing layer over the labels' scores: it learns, stays on the lean path, is stored."""

from __future__ import annotations

import io
import json
import random
import zipfile

import numpy as np
import pytest

from classifier import model_file
from classifier.features import FeatureConfig
from classifier.linear import LinearTextModel
from classifier.stacking import fit_stacker
from classifier.training import train


def test_stacker_learns_a_systematic_confusion() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    # The first level always puts label 1's evidence on column 2 and vice versa.
    swapped = np.array([0, 2, 1])[y]
    scores = np.eye(3)[swapped] + rng.normal(0, 0.3, (600, 3))
    assert (scores.argmax(1) == y).mean() < 0.5
    w, b = fit_stacker(scores, y)
    assert w.shape == (3, 3) and b.shape == (3,)
    assert ((scores @ w + b).argmax(1) == y).mean() > 0.95


def _examples(per_label: int) -> list[tuple[str, str]]:
    rnd = random.Random(1)
    words = {
        "cartes": ["carte", "bloquee", "distributeur", "code", "perdue", "card", "atm"],
        "ventes": ["prix", "devis", "offre", "abonnement", "tarif", "price", "quote"],
        "technique": ["internet", "panne", "connexion", "reseau", "appli", "wifi", "down"],
    }
    filler = ["bonjour", "svp", "ma", "le", "mon", "depuis", "hier", "merci", "please", "my"]
    out = []
    for label, vocab in words.items():
        for _ in range(per_label):
            text = rnd.sample(vocab, 2) + rnd.sample(filler, 3)
            rnd.shuffle(text)
            out.append((" ".join(text), label))
    return out


@pytest.fixture(scope="module")
def stacked_model() -> LinearTextModel:
    trained = train(_examples(30))
    assert trained.params["stacked"] == 1
    return trained.model


def test_enough_examples_give_a_mixing_layer_on_the_lean_path(
    stacked_model: LinearTextModel,
) -> None:
    model = stacked_model
    assert not np.allclose(model.mix, np.eye(3))
    texts = ["ma carte est bloquee", "un devis svp", "panne internet depuis hier"]
    batch = model.proba_matrix(texts)
    for row, text in zip(batch, texts, strict=True):
        np.testing.assert_allclose(model.proba(text), row, rtol=1e-5, atol=1e-6)
    assert model.predict_many(texts) == ["cartes", "ventes", "technique"]


def test_few_examples_or_two_labels_keep_the_identity() -> None:
    few = train(_examples(5))
    assert few.params["stacked"] == 0
    np.testing.assert_array_equal(few.model.mix, np.eye(3))
    two = train([e for e in _examples(30) if e[1] != "technique"])
    assert two.params["stacked"] == 0


def test_mixing_layer_survives_the_model_file(stacked_model: LinearTextModel) -> None:
    loaded, header = model_file.from_bytes(model_file.to_bytes(stacked_model))
    assert header["format_version"] == model_file.FORMAT_VERSION == 4
    np.testing.assert_array_equal(loaded.mix, stacked_model.mix)
    np.testing.assert_array_equal(loaded.mix_bias, stacked_model.mix_bias)
    text = "offre et prix de l abonnement"
    np.testing.assert_allclose(loaded.proba(text), stacked_model.proba(text))


def _rewrite_header(data: bytes, header: dict[str, object], drop: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.namelist():
            if item == "header.npy":
                with zout.open(item, "w") as f:
                    raw = np.frombuffer(json.dumps(header).encode(), np.uint8)
                    np.lib.format.write_array(f, raw, allow_pickle=False)
            elif item not in drop:
                zout.writestr(item, zin.read(item))
    return out.getvalue()


def test_version_2_files_still_load_on_whole_words() -> None:
    """Models saved before stemming keep serving after an upgrade, on whole words."""
    old = train(_examples(30), features=FeatureConfig(stem=False), ensemble=False).model
    data = model_file.to_bytes(old)
    header = model_file.read_header(data)
    header["format_version"] = 2
    del header["features"]["stem"]  # version 2 files have no such setting
    del header["mlp"]  # nor an ensemble network
    loaded, _ = model_file.from_bytes(_rewrite_header(data, header))
    assert loaded.vectorizer.config.stem is False
    for text in ["offre et prix des abonnements", "cartes bloquees au distributeur"]:
        np.testing.assert_allclose(loaded.proba(text), old.proba(text), rtol=1e-6)


def test_version_1_files_still_load_without_the_layer(stacked_model: LinearTextModel) -> None:
    """Models saved before the mixing layer keep serving after an upgrade (identity layer)."""
    data = model_file.to_bytes(stacked_model)
    header = model_file.read_header(data)
    header["format_version"] = 1
    del header["sha256"]["mix"], header["sha256"]["mix_bias"], header["mlp"]
    for name in ("mlp_w1", "mlp_b1", "mlp_w2", "mlp_b2"):
        del header["sha256"][name]
    dropped = ("mix.npy", "mix_bias.npy", "mlp_w1.npy", "mlp_b1.npy", "mlp_w2.npy", "mlp_b2.npy")
    loaded, _ = model_file.from_bytes(_rewrite_header(data, header, dropped))
    assert loaded.mlp is None
    k = len(stacked_model.labels)
    np.testing.assert_array_equal(loaded.mix, np.eye(k))
    plain = LinearTextModel(
        stacked_model.vectorizer,
        stacked_model.labels,
        stacked_model.coef,
        stacked_model.intercept,
        stacked_model.temperature,
    )
    text = "offre et prix de l abonnement"
    np.testing.assert_allclose(loaded.proba(text), plain.proba(text), rtol=1e-5)
