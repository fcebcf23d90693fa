"""The spam model is trained once and kept under the data directory; a damaged file is
trained again, never used."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.services import spam


@pytest.fixture(autouse=True)
def _fresh_module_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spam, "_filter", None)
    monkeypatch.setattr(spam, "_cache_dir", None)


def test_first_start_keeps_the_model_and_the_next_loads_it(tmp_path: Path) -> None:
    first = spam._load_or_train(tmp_path)
    path = spam.cache_path(tmp_path)
    assert path.exists()
    loaded = spam._load_or_train(tmp_path)
    assert loaded is not first  # read from the file, not the in-process training
    text = "WINNER!! You have won a 1000 cash prize, call 09061701461 to claim now"
    assert loaded.probability(text) == pytest.approx(first.probability(text), abs=1e-6)
    assert loaded.check(text).flagged
    assert not loaded.check("Salut, je passe te voir ce soir").flagged


def test_a_damaged_file_is_refused_and_replaced(tmp_path: Path) -> None:
    path = spam.cache_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a model")
    spam_filter = spam._load_or_train(tmp_path)
    assert spam_filter.check("Call now to claim your FREE prize! Txt WIN to 80086").flagged
    assert path.read_bytes() != b"not a model"


def test_warm_in_background_uses_the_data_dir(tmp_path: Path) -> None:
    spam.warm_in_background(tmp_path / "spam")
    for thread in threading.enumerate():
        if thread.name == "spam-filter-warm":
            thread.join(timeout=300)
    assert spam.cache_path(tmp_path / "spam").exists()
    assert spam.verdict("ok")["flagged"] is False
