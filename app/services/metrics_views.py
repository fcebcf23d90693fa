"""From figures to what a page shows: formatted values, states and chart geometry."""

from __future__ import annotations

from typing import Any

from app.services.metrics_charts import Chart, share_bars, stacked_bars
from app.services.metrics_format import Formatter
from app.services.metrics_time import CHANNEL_KINDS


def _lowest_target(channels: dict[str, dict[str, Any]]) -> float | None:
    """The service-level bar the day is held to: the least demanding share among
    the channels that had traffic (usually they all say 80 %)."""
    shares = [c["target"]["share"] for c in channels.values()
              if c.get("target") and (c["answered"] or c["abandoned"])]
    return min(shares) if shares else None


def wallboard_view(board: dict[str, Any], fmt: Formatter) -> dict[str, Any]:
    totals = board["totals"]
    channels = board["channels"]
    target = _lowest_target(channels)
    level = totals["service_level"]
    agents = board["agents"]
    return {
        "data": board,
        "waiting": fmt.number(totals["waiting"]),
        "longest_wait": fmt.duration(totals["longest_wait_seconds"]),
        "service_level": fmt.percent(level),
        "service_level_state": "" if level is None or target is None
        else ("ok" if level >= target else "low"),
        "target": fmt.percent(target) if target is not None else None,
        "asa": fmt.duration(totals["asa_seconds"]),
        "abandon_rate": fmt.percent(totals["abandon_rate"]),
        "occupancy": fmt.percent(agents["occupancy"]),
        "agents_on": fmt.number(agents["on"]),
        "channels": [_channel_row(kind, channels[kind], fmt) for kind in CHANNEL_KINDS],
        "volume_chart": volume_by_hour(board["hours"], fmt),
        "level_chart": level_by_hour(board["hours"], target, fmt),
    }


def _channel_row(kind: str, c: dict[str, Any], fmt: Formatter) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": fmt.channel(kind),
        "waiting": c["waiting"],
        "longest_wait": fmt.duration(c["longest_wait_seconds"]),
        "in_progress": c["in_progress"],
        "waiting_customer": c["waiting_customer"],
        "booked": c["booked"],
        "offered": c["offered_today"],
        "service_level": fmt.percent(c["service_level"]),
        "state": "" if c["met"] is None else ("ok" if c["met"] else "low"),
        "target": fmt.target(c["target"]),
        "asa": fmt.duration(c["asa_seconds"]),
        "abandon_rate": fmt.percent(c["abandon_rate"]),
    }


def volume_by_hour(hours: list[dict[str, Any]], fmt: Formatter) -> Chart:
    columns = []
    for h in hours:
        label = f"{h['hour']:02d}h"
        parts = [(f"c-{kind}", float(h["by_channel"].get(kind, 0)),
                  f"{label} · {fmt.channel(kind)}: {h['by_channel'].get(kind, 0)}")
                 for kind in CHANNEL_KINDS]
        columns.append((label, parts))
    chart = stacked_bars(columns, label_every=3 if len(columns) > 12 else 1)
    chart.legend.extend((f"c-{kind}", fmt.channel(kind)) for kind in CHANNEL_KINDS)
    return chart


def level_by_hour(hours: list[dict[str, Any]], target: float | None, fmt: Formatter) -> Chart:
    columns = [(f"{h['hour']:02d}h", h["service_level"],
                f"{h['hour']:02d}h: {fmt.percent(h['service_level'])}") for h in hours]
    chart = share_bars(columns, target, label_every=3 if len(columns) > 12 else 1)
    if target is not None:
        chart = Chart(chart.bars, chart.labels, chart.max_label, chart.line_y,
                      fmt._("target {share}").format(share=fmt.percent(target)),
                      empty=chart.empty)
    return chart


def daily_chart(daily: list[dict[str, Any]], fmt: Formatter) -> Chart:
    columns = [(d["day"][8:10], [("c-all", float(d["offered"]), f"{d['day']}: {d['offered']}")])
               for d in daily]
    every = max(1, len(columns) // 10)
    return stacked_bars(columns, label_every=every)
