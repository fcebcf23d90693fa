"""Every benchmark of ``bench/``, one after the other, into one report.

    python bench/run_all.py                 # the whole suite (about 10-15 minutes)
    python bench/run_all.py --only webhook  # the runs whose name contains "webhook"
    make bench

Each benchmark runs in its own process with a size chosen so the suite fits in
about a quarter of an hour on a small machine; its last JSON line is collected.
Benchmarks another branch has not brought here yet are listed as skipped. Writes
``bench/results/report.json`` (everything) and ``bench/results/report.md`` (a
table), and says how loaded the machine was: figures from a shared machine are
only comparable with those of the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"


@dataclass(frozen=True)
class Run:
    name: str
    script: str
    args: tuple[str, ...] = ()
    timeout: float = 600.0


SUITE = (
    Run("routing", "bench_routing.py", ("--samples", "2000")),
    Run("classifier", "bench_classifier.py", ("--quick",)),
    Run("email_parse", "bench_email.py", ("--messages", "1000")),
    Run("email_ingest", "email_ingest.py", ("--messages", "1000")),
    Run("chat_sockets", "chat_sockets.py",
        ("--connections", "10000", "--rate", "1000", "--seconds", "10", "--replies", "50")),
    Run("ingest_inprocess_sqlite", "ingest_inprocess.py", ("--messages", "1500")),
    Run("ingest_inprocess_sqlite_batch16", "ingest_inprocess.py",
        ("--messages", "1500", "--batch", "16")),
    Run("ingest_inprocess_postgresql", "ingest_inprocess.py",
        ("--db", "postgresql", "--messages", "1500")),
    Run("ingest_inprocess_postgresql_batch16", "ingest_inprocess.py",
        ("--db", "postgresql", "--messages", "3000", "--batch", "16")),
    Run("ingest_inprocess_postgresql_batch16_follow_ups", "ingest_inprocess.py",
        ("--db", "postgresql", "--messages", "3000", "--batch", "16", "--senders", "50")),
    Run("webhook_sqlite_1", "webhook.py", ("--db", "sqlite", "--messages", "2000")),
    Run("webhook_postgresql_1", "webhook.py", ("--db", "postgresql", "--messages", "2000")),
    Run("webhook_postgresql_2", "webhook.py",
        ("--db", "postgresql", "--processes", "2", "--messages", "2000")),
    Run("ws_latency_postgresql_1_100", "ws_latency.py",
        ("--db", "postgresql", "--processes", "1", "--rate", "100", "--seconds", "15")),
    Run("ws_latency_postgresql_2_300", "ws_latency.py",
        ("--db", "postgresql", "--processes", "2", "--rate", "300", "--seconds", "15")),
)


def last_json(output: str) -> dict[str, Any] | None:
    for line in reversed(output.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def run(item: Run) -> dict[str, Any]:
    script = BENCH / item.script
    if not script.exists():
        return {"status": "skipped", "why": f"bench/{item.script} is not on this branch"}
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, str(script), *item.args], cwd=ROOT,
                              capture_output=True, text=True, timeout=item.timeout)
    except subprocess.TimeoutExpired:
        return {"status": "failed", "why": f"no answer within {item.timeout:.0f} s"}
    seconds = round(time.monotonic() - started, 1)
    result = last_json(done.stdout)
    if done.returncode != 0 or result is None:
        return {"status": "failed", "seconds": seconds, "exit": done.returncode,
                "why": (done.stderr or done.stdout)[-1500:]}
    return {"status": "ok", "seconds": seconds, "command": f"python bench/{item.script} "
            + " ".join(item.args), "result": result}


def headline(name: str, result: dict[str, Any]) -> str:
    """The figures that matter, in a few words."""
    if result.get("benchmark") == "webhook_sms_ingest":
        sms, bare = result["sms"], result["bare_endpoint"]
        return (f"{sms['per_second']} SMS/s (p99 {sms['p99_ms']} ms) vs bare "
                f"{bare['per_second']} req/s: ratio {result['ratio_to_bare']}; server CPU "
                f"{sms.get('server_cpu_ms_per_request', '?')} ms/SMS")
    if result.get("benchmark") == "ws_latency":
        due = result["ingest_to_socket_from_due"]
        post = result["ingest_to_socket_from_post"]
        return (f"{result['rate_achieved']}/{result['rate_asked']} SMS/s; ingest -> socket "
                f"from due time p50 {due['p50_ms']} ms, p99 {due['p99_ms']} ms; from post "
                f"p99 {post['p99_ms']} ms; heard {result['heard_on_socket']}/{result['sms']}")
    if result.get("benchmark") == "chat_sockets":
        return (f"{result['idle_connections']} sockets, RSS {result['rss_mb_idle']} MB; "
                f"{result['rate_per_second']} lines/s: ack p50 {result['ack_p50_ms']} ms, "
                f"p99 {result['ack_p99_ms']} ms; {result.get('server_cpu_ms_per_line')} ms "
                "CPU/line")
    if result.get("benchmark") == "ingest_inprocess":
        return (f"{result['us_per_ingest']} us/ingest ({result['cpu_us_per_ingest']} us CPU), "
                f"{result['statements_per_ingest']} statements")
    flat: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat.append(f"{prefix} {value}")

    walk("", result)
    telling = ("per_s", "_us", "_ms", "seconds", "accuracy", "f1", "rate")
    flat.sort(key=lambda item: not any(t in item.split(" ")[0] for t in telling))
    return "; ".join(flat[:5])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated parts of run names")
    args = parser.parse_args()
    wanted = [w for w in args.only.split(",") if w]
    suite = [r for r in SUITE if not wanted or any(w in r.name for w in wanted)]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    report: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in os.getloadavg()]},
        "runs": {},
    }
    for item in suite:
        print(f"{item.name}: running bench/{item.script} {' '.join(item.args)}", flush=True)
        outcome = run(item)
        outcome["load_average_after"] = round(os.getloadavg()[0], 2)
        report["runs"][item.name] = outcome
        print(f"  {outcome['status']}"
              + (f": {headline(item.name, outcome['result'])}" if outcome["status"] == "ok"
                 else f": {outcome.get('why', '')[-300:]}"), flush=True)
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "report.md").write_text(markdown(report))
    print(f"wrote {RESULTS / 'report.json'} and report.md")


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Benchmark report",
        "",
        f"Commit `{report['commit']}`, {report['generated_at']}, {m['cpus']} CPUs, Python "
        f"{m['python']}; load average (1/5/15 min) {m['load_average_before']} before, "
        f"{m['load_average_after']} after. On a shared machine, compare figures within "
        "one run only (each webhook run measures its own bare endpoint for that reason).",
        "",
        "| benchmark | figures | seconds | load after |",
        "| --- | --- | ---: | ---: |",
    ]
    for name, outcome in report["runs"].items():
        if outcome["status"] == "ok":
            text = headline(name, outcome["result"])
        else:
            why = (outcome.get("why") or "").strip().splitlines()
            text = f"*{outcome['status']}*: {why[-1] if why else ''}".replace("|", "/")
        lines.append(f"| {name} | {text} | {outcome.get('seconds', '')} | "
                     f"{outcome.get('load_average_after', '')} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
