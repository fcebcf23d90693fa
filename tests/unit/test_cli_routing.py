"""`teranga simulate` and `teranga staffing`, as scripts call them."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True,
                          text=True, timeout=300)


def test_simulate_prints_the_contract_json_last() -> None:
    out = run("simulate", "--agents", "8", "--arrivals-per-hour", "100", "--aht-seconds", "200",
              "--target-seconds", "20", "--hours", "50", "--seed", "7")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(result) == {"service_level", "asa_seconds", "abandon_rate", "occupancy",
                           "offered", "erlang_c"}
    assert set(result["erlang_c"]) == {"service_level", "asa_seconds"}
    assert abs(result["service_level"] - result["erlang_c"]["service_level"]) < 0.05
    assert result["abandon_rate"] == 0.0


def test_simulate_with_patience_counts_abandons() -> None:
    out = run("simulate", "--agents", "3", "--arrivals-per-hour", "60", "--aht-seconds", "180",
              "--target-seconds", "20", "--hours", "20", "--patience-seconds", "60",
              "--seed", "3")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert 0 < result["abandon_rate"] < 1


def test_bad_arguments_are_clear() -> None:
    out = run("simulate", "--agents", "0", "--arrivals-per-hour", "1", "--aht-seconds", "1",
              "--target-seconds", "1", "--hours", "1")
    assert out.returncode == 2 and "--agents must be positive" in out.stderr


def test_staffing_answers_the_seed_hotline() -> None:
    """60,000 calls a month, 5.5 minutes each, 80 % in 20 s."""
    out = run("staffing", "--per-month", "60000", "--aht-seconds", "330",
              "--service-level", "80", "--target-seconds", "20")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["agents_needed"] == 30
    assert result["service_level"] >= 0.8
