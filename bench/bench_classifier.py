"""Classifier benchmark: accuracy, macro-F1, single-message latency, training time, size.

    python bench/bench_classifier.py [--quick]

Datasets (licences beside the data): Banking77 (Casanueva et al. 2020, CC BY 4.0),
Bitext customer support (CDLA-Sharing-1.0) by department and by intent, SMS Spam
Collection (Almeida et al. 2011). The last line is JSON with every figure.
If sentence-transformers and all-MiniLM-L6-v2 are installed locally, an embedding +
logistic-regression baseline is added for comparison; otherwise it is skipped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier import model_file  # noqa: E402
from classifier.evaluate import read_labelled_csv  # noqa: E402
from classifier.metrics import accuracy, macro_f1  # noqa: E402
from classifier.spam import evaluate_spam  # noqa: E402
from classifier.training import train  # noqa: E402

DATA = REPO / "data"
Rows = list[tuple[str, str]]


def bench_dataset(name: str, train_rows: Rows, test_rows: Rows) -> dict[str, Any]:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    trained = train(train_rows)
    train_wall, train_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    model = trained.model
    for text, _ in test_rows[:200]:  # warm the per-word cache as a live process would be
        model.predict_one(text)
    timings: list[float] = []
    predicted: list[str] = []
    for text, _ in test_rows:
        t0 = time.perf_counter_ns()
        label, _ = model.predict_one(text)
        timings.append((time.perf_counter_ns() - t0) / 1000)
        predicted.append(label)
    truth = [label for _, label in test_rows]
    timings.sort()
    ev = trained.evaluation
    result: dict[str, Any] = {
        "dataset": name,
        "n_train": len(train_rows),
        "n_test": len(test_rows),
        "labels": len(model.labels),
        "accuracy": round(accuracy(truth, predicted), 4),
        "macro_f1": round(macro_f1(truth, predicted), 4),
        "cv_accuracy": round(ev.accuracy, 4) if ev else None,
        "calibration_error_cv": round(ev.calibration_error, 4) if ev else None,
        "predict_us_p50": round(statistics.median(timings), 1),
        "predict_us_p99": round(timings[int(0.99 * (len(timings) - 1))], 1),
        "train_seconds_wall": round(train_wall, 2),
        "train_seconds_cpu": round(train_cpu, 2),
        "features": model.vectorizer.n_features,
        "model_file_bytes": len(model_file.to_bytes(model)),
        "model_memory_bytes": model.size_bytes,
    }
    print(
        f"{name:24s} acc {result['accuracy']:.4f}  macro-F1 {result['macro_f1']:.4f}  "
        f"p50 {result['predict_us_p50']:.0f} us  p99 {result['predict_us_p99']:.0f} us  "
        f"train {train_wall:.1f} s wall / {train_cpu:.1f} s cpu  "
        f"file {result['model_file_bytes'] / 1e6:.1f} MB",
        flush=True,
    )
    return result


def bench_embeddings(train_rows: Rows, test_rows: Rows) -> dict[str, Any] | None:
    """all-MiniLM-L6-v2 + logistic regression, only if already installed (never fetched)."""
    try:
        from sentence_transformers import SentenceTransformer
        from sklearn.linear_model import LogisticRegression

        encoder = SentenceTransformer("all-MiniLM-L6-v2", local_files_only=True)
    except Exception as e:  # not installed or not cached: a comparison, not a requirement
        print(f"embedding baseline skipped: {type(e).__name__}", flush=True)
        return None
    x_train = encoder.encode([t for t, _ in train_rows], batch_size=64)
    lr = LogisticRegression(max_iter=2000).fit(x_train, [y for _, y in train_rows])
    timings, predicted = [], []
    for text, _ in test_rows:
        t0 = time.perf_counter_ns()
        predicted.append(lr.predict(encoder.encode([text]))[0])
        timings.append((time.perf_counter_ns() - t0) / 1000)
    truth = [y for _, y in test_rows]
    return {
        "dataset": "banking77 (MiniLM + LR)",
        "accuracy": round(accuracy(truth, predicted), 4),
        "macro_f1": round(macro_f1(truth, predicted), 4),
        "predict_us_p50": round(statistics.median(timings), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip Banking77 (the slow one)")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if not args.quick:
        b_train = read_labelled_csv(DATA / "banking77" / "train.csv", "text", "category")
        b_test = read_labelled_csv(DATA / "banking77" / "test.csv", "text", "category")
        results["banking77"] = bench_dataset("banking77", b_train, b_test)
    for column, key in (("category", "bitext_departments"), ("label", "bitext_intents")):
        results[key] = bench_dataset(
            key,
            read_labelled_csv(DATA / "bitext_cs_en" / "train.csv", "text", column),
            read_labelled_csv(DATA / "bitext_cs_en" / "test.csv", "text", column),
        )
    spam = evaluate_spam()
    results["sms_spam"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in spam.items()}
    print(
        f"{'sms_spam':24s} acc {spam['accuracy']:.4f}  spam caught {spam['spam_caught']:.4f}  "
        f"ham flagged {spam['ham_flagged']:.4f}",
        flush=True,
    )
    if not args.quick:
        embed = bench_embeddings(b_train, b_test)
        if embed:
            results["banking77_embeddings"] = embed
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
