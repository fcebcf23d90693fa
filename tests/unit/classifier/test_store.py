from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from classifier import model_file
from classifier.errors import ModelFormatError
from classifier.keywords import KeywordRule
from classifier.pipeline import TenantClassifier
from classifier.store import LiveModel, ModelStore
from classifier.training import TrainedModel, train


def test_round_trip_predicts_identically(desk_model: TrainedModel, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    model_file.save(desk_model.model, path, extra={"note": "x"})
    loaded, header = model_file.load(path)
    assert header["extra"] == {"note": "x"}
    assert loaded.labels == desk_model.model.labels
    for text in ["ma carte est bloquée", "prix", "facture"]:
        np.testing.assert_allclose(loaded.proba(text), desk_model.model.proba(text), rtol=1e-6)


def test_no_pickle_inside(desk_model: TrainedModel, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    model_file.save(desk_model.model, path)
    with np.load(path, allow_pickle=False) as archive:  # would raise on object arrays
        assert set(archive.files) >= {"header", "coef", "vocabulary"}


def test_corrupt_truncated_and_foreign_files_are_refused(
    desk_model: TrainedModel, tmp_path: Path
) -> None:
    data = model_file.to_bytes(desk_model.model)
    with pytest.raises(ModelFormatError):
        model_file.from_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFormatError):
        model_file.from_bytes(b"not a model at all")
    with pytest.raises(ModelFormatError):
        model_file.load(tmp_path / "missing.npz")


def _rewrite_member(data: bytes, tmp_path: Path, name: str, array: np.ndarray) -> bytes:
    src = tmp_path / "src.npz"
    src.write_bytes(data)
    out = tmp_path / "out.npz"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.namelist():
            if item == f"{name}.npy":
                with zout.open(item, "w") as f:
                    np.lib.format.write_array(f, array, allow_pickle=False)
            else:
                zout.writestr(item, zin.read(item))
    return out.read_bytes()


def test_tampered_arrays_fail_the_checksum(desk_model: TrainedModel, tmp_path: Path) -> None:
    data = model_file.to_bytes(desk_model.model)
    bad = _rewrite_member(data, tmp_path, "coef", desk_model.model.coef * 2)
    with pytest.raises(ModelFormatError, match="checksum"):
        model_file.from_bytes(bad)


def test_future_format_version_is_refused(desk_model: TrainedModel, tmp_path: Path) -> None:
    data = model_file.to_bytes(desk_model.model)
    header = model_file.read_header(data)
    header["format_version"] = 99
    raw = np.frombuffer(json.dumps(header).encode(), np.uint8)
    with pytest.raises(ModelFormatError, match="version"):
        model_file.from_bytes(_rewrite_member(data, tmp_path, "header", raw))


def test_store_versions_activate_and_rollback(desk_model: TrainedModel, tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "tenant")
    assert store.versions() == [] and store.active() is None
    v1 = store.save(desk_model)
    v2 = store.save(desk_model)
    assert (v1, v2) == (1, 2) and store.active() == 2 and store.latest() == 2
    assert store.metadata(2)["evaluation"]["accuracy"] > 0.5
    assert store.rollback() == 1 and store.active() == 1
    store.activate(2)
    assert store.active() == 2
    with pytest.raises(KeyError):
        store.activate(7)
    v3 = store.save(desk_model, activate=False)
    assert store.active() == 2 and v3 == 3


def test_live_model_keeps_serving_when_new_version_is_corrupt(
    desk_model: TrainedModel, tmp_path: Path
) -> None:
    store = ModelStore(tmp_path / "tenant")
    store.save(desk_model)
    live = LiveModel(store)
    assert live.refresh() is None and live.version == 1
    # A new version lands corrupt (disk error, partial copy): it cannot be activated...
    v2 = store.save(desk_model, activate=False)
    (tmp_path / "tenant" / f"{v2:06d}.npz").write_bytes(b"garbage")
    with pytest.raises(ModelFormatError):
        store.activate(v2)
    # ...and even if ACTIVE is pointed at it by hand, the live model stays on version 1.
    (tmp_path / "tenant" / "ACTIVE").write_text("2\n")
    error = live.refresh()
    assert isinstance(error, ModelFormatError)
    assert live.version == 1
    assert live.predict_one("ma carte est bloquée")[0] == "cartes"


def test_tenant_without_data_runs_on_keywords_alone(tmp_path: Path) -> None:
    clf = TenantClassifier.from_store(
        [KeywordRule("cartes", ("carte",))], "triage", tmp_path / "empty"
    )
    assert clf.predict("ma carte").source == "keyword"
    assert clf.predict("bonjour").source == "fallback"


def test_hot_swap_after_retraining(desk_model: TrainedModel, tmp_path: Path) -> None:
    clf = TenantClassifier.from_store([], "triage", tmp_path / "t", threshold=0.0)
    assert clf.predict("ma carte est bloquée").label == "triage"
    ModelStore(tmp_path / "t").save(desk_model)
    assert isinstance(clf.model, LiveModel)
    clf.model.refresh()
    assert clf.predict("ma carte est bloquée").label == "cartes"


def test_retrain_from_agent_relabels(tmp_path: Path) -> None:
    from tests.unit.classifier.conftest import DESK_EXAMPLES

    extra = [("ma carte grise est perdue", "vehicules")] * 3 + [
        ("carte grise de ma voiture", "vehicules"),
        ("immatriculation de mon véhicule", "vehicules"),
    ]
    store = ModelStore(tmp_path / "t")
    store.save(train(DESK_EXAMPLES))
    store.save(train(DESK_EXAMPLES + extra))
    assert "vehicules" in store.load().labels
    store.rollback()
    assert "vehicules" not in store.load().labels
