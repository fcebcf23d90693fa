"""Accuracy on real third-party data (licences beside the data in data/ and classifier/data/)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from classifier.errors import DataError
from classifier.evaluate import eval_csv
from classifier.spam import evaluate_spam
from tests.unit.classifier.conftest import DATA

CONTRACT_KEYS = {
    "accuracy",
    "macro_f1",
    "n_train",
    "n_test",
    "train_seconds",
    "predict_us_per_item",
}


def test_bitext_departments_through_eval_csv() -> None:
    result = eval_csv(
        DATA / "bitext_cs_en" / "train.csv",
        DATA / "bitext_cs_en" / "test.csv",
        label_column="category",
    )
    assert set(result) == CONTRACT_KEYS
    json.dumps(result)  # the CLI prints it as its last line
    assert (result["n_train"], result["n_test"]) == (3612, 902)
    assert result["accuracy"] >= 0.97
    assert result["macro_f1"] >= 0.95
    assert result["predict_us_per_item"] > 0


def test_sms_spam_split() -> None:
    figures = evaluate_spam()
    assert figures["accuracy"] >= 0.97
    assert figures["spam_caught"] >= 0.85
    assert figures["ham_flagged"] <= 0.01


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_missing_columns_name_what_exists(tmp_path: Path) -> None:
    train = _csv(tmp_path / "a.csv", ["text", "category"], [["hello", "x"], ["bye", "y"]])
    with pytest.raises(DataError, match=r"no label column 'label'.*'text', 'category'"):
        eval_csv(train, train)
    with pytest.raises(DataError, match=r"no text column 'body'"):
        eval_csv(train, train, text_column="body", label_column="category")
    with pytest.raises(DataError, match="cannot read"):
        eval_csv(tmp_path / "nope.csv", train)


@pytest.mark.slow
def test_banking77_full() -> None:
    result = eval_csv(
        DATA / "banking77" / "train.csv",
        DATA / "banking77" / "test.csv",
        label_column="category",
    )
    assert result["n_train"] == 10003 and result["n_test"] == 3080
    assert result["accuracy"] >= 0.92  # measured 0.9266; the 0.93 target is not reached
