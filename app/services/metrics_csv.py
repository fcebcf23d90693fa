"""CSV exports of the report and the statement, ready for a spreadsheet.

French files use ``;`` between fields and a decimal comma, as French spreadsheets
expect; English files use ``,`` and a decimal point. Both start with a UTF-8 byte
order mark so that accents survive being opened by double-click. Durations are in
seconds and shares are fractions (0.85), so that the file computes; rows name the
channel or agent in words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from app.services.metrics_format import Formatter
from app.services.metrics_time import CHANNEL_KINDS


def _table(fmt: Formatter, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if fmt.lang == "fr" else ",", lineterminator="\r\n")
    writer.writerow([fmt._(h) for h in header])
    for row in rows:
        writer.writerow([_cell(fmt, v) for v in row])
    return "\ufeff" + buf.getvalue()


def _cell(fmt: Formatter, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return fmt._("yes") if value else fmt._("no")
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if fmt.lang == "fr" else text
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a name must never run as a spreadsheet formula
    return str(value)


REPORT_HEADER = ("Section", "Name", "Contacts received", "Answered", "Answered within target",
                 "Abandoned", "Service level", "Target share", "Target seconds",
                 "Average speed of answer (s)", "First response median (s)",
                 "First response p90 (s)", "Resolution median (s)", "Resolution p90 (s)",
                 "Handled", "Handling time (s)", "Average handling time (s)",
                 "CSAT answers", "CSAT average")
STATEMENT_HEADER = ("Month", "Channel", "Contacts received", "Contacts handled",
                    "Production hours", "Service level", "Target share", "Target seconds",
                    "Target met", "Abandoned")


def report_csv(report: dict[str, Any], fmt: Formatter) -> str:
    rows: list[list[Any]] = []
    for kind in (*CHANNEL_KINDS, "all"):
        c = report["channels"][kind]
        target = c["target"] or {}
        rows.append([fmt._("Channel"), fmt.channel(kind), c["offered"], c["answered"],
                     c["answered_in_target"], c["abandoned"] + c["short_abandoned"],
                     c["service_level"], target.get("share"), target.get("seconds"),
                     c["asa_seconds"], c["first_response_median_seconds"],
                     c["first_response_p90_seconds"], c["resolution_median_seconds"],
                     c["resolution_p90_seconds"], c["handled"], c["handling_seconds"],
                     c["handling_seconds"] / c["handled"] if c["handled"] else None,
                     None, None])
    for a in report["agents"]:
        rows.append([fmt._("Agent"), a["name"], None, None, None, None, None, None, None,
                     None, None, None, None, None, a["handled"], a["handling_seconds"],
                     a["aht_seconds"], a["csat_answers"], a["csat_average"]])
    for g in report["csat"]["groups"]:
        rows.append([fmt._("Skill group"), g["name"], *([None] * 15), g["answers"],
                     g["average"]])
    return _table(fmt, REPORT_HEADER, rows)


def statement_csv(statement: dict[str, Any], fmt: Formatter) -> str:
    rows = []
    for r in statement["rows"]:
        target = r["target"] or {}
        rows.append([statement["month"], fmt.channel(r["channel"]), r["received"],
                     r["handled"], r["production_hours"], r["service_level"],
                     target.get("share"), target.get("seconds"), r["met"], r["abandoned"]])
    return _table(fmt, STATEMENT_HEADER, rows)
