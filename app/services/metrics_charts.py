"""Geometry for the small inline SVG charts: plain numbers, drawn by the templates.

No charting library: a bar chart is a few rectangles, and computing them here keeps
the pages light and the templates free of arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 480
HEIGHT = 140
BASELINE = 120  # y of the axis; labels go below it
TOP = 12


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str  # class of the rectangle (channel colour, or below/above target)
    title: str  # shown on hover and read by screen readers


@dataclass(frozen=True, slots=True)
class Chart:
    bars: list[Bar]
    labels: list[tuple[float, str]]  # x, text under the axis
    max_label: str  # the value of the top of the scale
    line_y: float | None = None  # a target line, when there is one
    line_label: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    empty: bool = False
    legend: list[tuple[str, str]] = field(default_factory=list)  # css class, text


def _scale_top(peak: float) -> float:
    """A round number at or above the peak, so the scale reads easily."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak <= step:
            return float(step)
    return float(peak)


def stacked_bars(columns: Sequence[tuple[str, Sequence[tuple[str, float, str]]]],
                 label_every: int = 1) -> Chart:
    """``columns``: (label, [(css, value, title)…]) — one bar per column, stacked."""
    n = max(len(columns), 1)
    slot = WIDTH / n
    peak = max((sum(v for _, v, _ in parts) for _, parts in columns), default=0.0)
    top = _scale_top(peak) if peak > 0 else 1.0
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for i, (label, parts) in enumerate(columns):
        x = i * slot + slot * 0.15
        y = float(BASELINE)
        for css, value, title in parts:
            if value <= 0:
                continue
            h = (BASELINE - TOP) * value / top
            y -= h
            bars.append(Bar(round(x, 1), round(y, 1), round(slot * 0.7, 1), round(h, 1), css,
                            title))
        if i % label_every == 0:
            labels.append((round(i * slot + slot / 2, 1), label))
    return Chart(bars, labels, f"{top:g}", empty=peak <= 0)


def share_bars(columns: Sequence[tuple[str, float | None, str]], target: float | None,
               label_every: int = 1) -> Chart:
    """Bars of a share (0–1) per column, coloured by whether they reach ``target``."""
    n = max(len(columns), 1)
    slot = WIDTH / n
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for i, (label, value, title) in enumerate(columns):
        if value is not None:
            h = (BASELINE - TOP) * value
            css = "ok" if target is None or value >= target else "low"
            bars.append(Bar(round(i * slot + slot * 0.15, 1), round(BASELINE - h, 1),
                            round(slot * 0.7, 1), round(h, 1), css, title))
        if i % label_every == 0:
            labels.append((round(i * slot + slot / 2, 1), label))
    line = None if target is None else round(BASELINE - (BASELINE - TOP) * target, 1)
    return Chart(bars, labels, "100 %", line_y=line, empty=not bars)
