"""``teranga classifier eval``: train on one CSV, score on another, report the contract JSON.

Accuracy is measured through the live path — each test message classified on its own
by ``predict_one`` — and ``predict_us_per_item`` is the median time of those single
calls, not a batch average.
"""

from __future__ import annotations

import csv
import os
import statistics
import time
from pathlib import Path

from classifier.errors import DataError
from classifier.metrics import accuracy, macro_f1
from classifier.training import train

Row = tuple[str, str]


def read_labelled_csv(
    path: str | os.PathLike[str], text_column: str = "text", label_column: str = "label"
) -> list[Row]:
    """(text, label) rows of a UTF-8 CSV with a header; DataError names what is wrong."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            columns = list(reader.fieldnames or [])
            for wanted, role in ((text_column, "text"), (label_column, "label")):
                if wanted not in columns:
                    raise DataError(
                        f"{path}: no {role} column {wanted!r}; the columns are "
                        f"{', '.join(repr(c) for c in columns) or '(none)'}"
                    )
            rows = [(row[text_column] or "", row[label_column] or "") for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"cannot read {path}: {e}") from e
    if not rows:
        raise DataError(f"{path}: no data rows")
    return rows


def eval_csv(
    train_path: str | os.PathLike[str],
    test_path: str | os.PathLike[str],
    text_column: str = "text",
    label_column: str = "label",
) -> dict[str, float | int]:
    """Exactly the contract keys: accuracy, macro_f1, n_train, n_test, train_seconds,
    predict_us_per_item."""
    train_rows = read_labelled_csv(train_path, text_column, label_column)
    test_rows = read_labelled_csv(test_path, text_column, label_column)

    started = time.perf_counter()
    # The model as it would be deployed: calibrated, with its cross-validated figures.
    model = train(train_rows).model
    train_seconds = time.perf_counter() - started

    predicted: list[str] = []
    timings_ns: list[int] = []
    for text, _ in test_rows:
        t0 = time.perf_counter_ns()
        label, _confidence = model.predict_one(text)
        timings_ns.append(time.perf_counter_ns() - t0)
        predicted.append(label)
    truth = [label for _, label in test_rows]
    return {
        "accuracy": round(accuracy(truth, predicted), 4),
        "macro_f1": round(macro_f1(truth, predicted), 4),
        "n_train": len(train_rows),
        "n_test": len(test_rows),
        "train_seconds": round(train_seconds, 2),
        "predict_us_per_item": round(statistics.median(timings_ns) / 1000, 1),
    }
