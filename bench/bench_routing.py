"""Routing decision speed: 500 agents, 20 groups, 10,000 waiting interactions.

    python bench/bench_routing.py [--samples N] [--seed K]

Times one decision at a time, as the live dispatcher makes them:
- push: new work -> overflow rules + group rules + best free agent among the
  group's agents (and, for reference, a scan of all 500 agents);
- pull: an agent frees up -> best waiting work across their groups, from the
  queue index (and, for reference, the linear pick_work over all 10,000);
and a simulator run (events per second).  Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routing.config import GroupConfig
from routing.engine import pick_agent, pick_work
from routing.overflow import OverflowRule, route_group
from routing.queue_index import QueueIndex
from routing.simulator import simulate
from routing.types import Agent, Work

KINDS = ("chat", "email", "sms", "callback")
CAPACITY = {"chat": 3, "email": 5, "sms": 5, "callback": 1}
GROUPS = 20
AGENTS = 500
WAITING = 10_000
NOW = 1_000_000.0


def build(rng: random.Random) -> tuple[list[Agent], dict[int, GroupConfig], QueueIndex]:
    groups = {
        g: GroupConfig(
            g,
            strategy=("longest_idle", "least_occupied", "round_robin")[g % 3],
            overflow=OverflowRule(g + 1, max_waiting=100_000) if g < GROUPS - 1 else None,
        )
        for g in range(GROUPS)
    }
    agents = []
    for i in range(AGENTS):
        skills = {g: rng.randint(1, 5) for g in rng.sample(range(GROUPS), rng.randint(2, 5))}
        load = {k: rng.randint(0, CAPACITY[k]) for k in KINDS}
        agents.append(
            Agent(
                i, "available" if rng.random() < 0.9 else "away", skills, dict(CAPACITY),
                load=load, total_capacity=10, idle_since=NOW - rng.uniform(0, 3600),
                languages=frozenset(rng.sample(["fr", "en", "wo"], rng.randint(1, 3))),
            )
        )
    index = QueueIndex()
    for i in range(WAITING):
        index.add(make_work(i, rng, groups), NOW)
    return agents, groups, index


def make_work(i: int, rng: random.Random, groups: dict[int, GroupConfig]) -> Work:
    g = rng.randrange(GROUPS)
    lang = rng.choice([None, None, "fr", "en", "wo"])
    w = Work(i, g, rng.choice(KINDS), NOW - rng.uniform(0, 7200), rng.randint(1, 5), lang)
    return groups[g].prepare(w)


def percentiles(ns: list[int]) -> tuple[float, float]:
    ordered = sorted(ns)
    p50 = statistics.median(ordered) / 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000
    return p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    agents, groups, index = build(rng)
    by_group: dict[int, list[Agent]] = {}
    for a in agents:
        for g in a.skills:
            by_group.setdefault(g, []).append(a)
    clock = time.perf_counter_ns

    push, push_all = [], []
    for i in range(args.samples):
        w = Work(WAITING + i, rng.randrange(GROUPS), rng.choice(KINDS), NOW, 3, "fr")
        t0 = clock()
        routed = route_group(w.group_id, NOW, groups, index.stats)
        cfg = groups[routed.group_id]
        w = cfg.prepare(w)
        pick_agent(w, by_group.get(routed.group_id, ()), NOW, strategy=cfg.strategy,
                   last_agent_id=7, prefer_level=cfg.prefer_level)
        push.append(clock() - t0)
        t0 = clock()
        pick_agent(w, agents, NOW)
        push_all.append(clock() - t0)

    pull, pull_linear = [], []
    next_id = 10 * WAITING
    for i in range(args.samples):
        agent = agents[rng.randrange(AGENTS)]
        agent.load = {k: rng.randint(0, CAPACITY[k] - 1) for k in KINDS}
        agent.presence = "available"
        t0 = clock()
        got = index.pick(agent, NOW)
        if got is not None:
            index.remove(got.id)
        pull.append(clock() - t0)
        if got is not None:  # keep 10,000 waiting
            next_id += 1
            index.add(make_work(next_id, rng, groups), NOW)
        if i < 200:
            waiting = list(index)
            t0 = clock()
            pick_work(agent, waiting, NOW)
            pull_linear.append(clock() - t0)

    sim = simulate(50, 900, 180, 20, 200, seed=args.seed)

    rows = [
        ("push (group's agents, with overflow + rules)", *percentiles(push)),
        ("push (scan of all 500 agents)", *percentiles(push_all)),
        ("pull (queue index, 10,000 waiting)", *percentiles(pull)),
        ("pull (linear pick_work, 10,000 waiting)", *percentiles(pull_linear)),
    ]
    print(f"{'decision':48} {'p50 µs':>9} {'p99 µs':>9}")
    for name, p50, p99 in rows:
        print(f"{name:48} {p50:9.1f} {p99:9.1f}")
    print(
        f"simulator: {sim.events:,} events in {sim.wall_seconds:.2f} s = "
        f"{sim.events_per_second:,.0f} events/s ({sim.offered:,} calls, 50 agents)"
    )
    print(json.dumps({
        "agents": AGENTS, "groups": GROUPS, "waiting": WAITING, "samples": args.samples,
        "push_p50_us": rows[0][1], "push_p99_us": rows[0][2],
        "push_all_agents_p50_us": rows[1][1], "push_all_agents_p99_us": rows[1][2],
        "pull_p50_us": rows[2][1], "pull_p99_us": rows[2][2],
        "pull_linear_p50_us": rows[3][1], "pull_linear_p99_us": rows[3][2],
        "simulator_events_per_second": round(sim.events_per_second),
    }))


if __name__ == "__main__":
    main()
