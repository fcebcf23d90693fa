"""Service level, ASA and abandonment of a set of interactions, per channel and overall.

The convention is ``routing.sla.service_level``'s: answered within the channel's
target ÷ (answered + abandoned), where customers who gave up within the short-abandon
threshold (5 s by default) count in neither. Each channel is measured against its own
target; the overall figure adds up the channels' counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.services.metrics_facts import Facts
from app.services.metrics_time import CHANNEL_KINDS, ratio
from routing.sla import ServiceLevel, SlaTarget, WaitRecord, service_level


def level_of(facts: Iterable[Facts], target: SlaTarget, short_abandon: float) -> ServiceLevel:
    records = []
    for f in facts:
        wait = f.wait_seconds
        if wait is not None:
            records.append(WaitRecord(wait, answered=f.answered_at is not None))
    return service_level(records, target.seconds, short_abandon_seconds=short_abandon)


def level_dict(level: ServiceLevel, target: SlaTarget | None) -> dict[str, Any]:
    return {
        "service_level": level.service_level,
        "answered": level.answered,
        "answered_in_target": level.answered_in_target,
        "abandoned": level.abandoned,
        "short_abandoned": level.short_abandoned,
        "abandon_rate": level.abandon_rate,
        "asa_seconds": level.asa_seconds,
        "target": None if target is None else {"share": target.share,
                                               "seconds": target.seconds},
        "met": None if target is None or level.service_level is None
        else level.service_level >= target.share,
    }


def levels_by_channel(
    facts: Iterable[Facts], targets: Mapping[str, SlaTarget], short_abandon: float,
    kinds: Iterable[str] = CHANNEL_KINDS,
) -> dict[str, dict[str, Any]]:
    """``{kind: figures}`` for each kind, plus ``"all"`` summing the channels' counts."""
    by_kind: dict[str, list[Facts]] = {k: [] for k in kinds}
    for f in facts:
        by_kind.setdefault(f.channel_kind, []).append(f)
    out: dict[str, dict[str, Any]] = {}
    levels: list[ServiceLevel] = []
    for kind, items in by_kind.items():
        target = targets.get(kind)
        if target is None:
            continue
        level = level_of(items, target, short_abandon)
        levels.append(level)
        out[kind] = level_dict(level, target)
    answered = sum(lv.answered for lv in levels)
    in_target = sum(lv.answered_in_target for lv in levels)
    abandoned = sum(lv.abandoned for lv in levels)
    short = sum(lv.short_abandoned for lv in levels)
    waits = sum((lv.asa_seconds or 0.0) * lv.answered for lv in levels)
    out["all"] = {
        "service_level": ratio(in_target, answered + abandoned),
        "answered": answered,
        "answered_in_target": in_target,
        "abandoned": abandoned,
        "short_abandoned": short,
        "abandon_rate": ratio(abandoned + short, answered + abandoned + short),
        "asa_seconds": ratio(waits, answered),
        "target": None,
        "met": None,
    }
    return out
