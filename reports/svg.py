"""Small inline SVG charts drawn by ndr itself (no chart library, nothing fetched).

Every text and attribute goes through markupsafe's escape, so labels from mail cannot break out
of the markup. The output is a Markup string to place in the HTML template as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

# Okabe-Ito + Tableau-like colours, distinguishable for colour-blind readers; "other" is grey.
PALETTE: tuple[str, ...] = (
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c564b", "#f0e442", "#7f3c8d", "#11a579",
)
OTHER_COLOUR = "#9aa3ad"
WIDTH, HEIGHT = 660, 250
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 26


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """One named series of daily counts."""

    name: str  # legend label
    values: tuple[int, ...]  # one count per day
    colour: str  # fill / stroke colour


def el(tag: str, attrs: dict[str, object] | None = None, *children: str) -> Markup:
    """One element with escaped attributes; children must already be Markup (or are escaped)."""
    parts = [f"<{tag}"]
    for key, value in (attrs or {}).items():
        parts.append(f' {key}="{escape(str(value))}"')
    if not children:
        return Markup("".join(parts) + "/>")  # noqa: S704 - every part above is escaped
    inner = "".join(str(escape(c)) for c in children)
    return Markup("".join(parts) + ">" + inner + f"</{tag}>")  # noqa: S704 - every part above is escaped


def colours(names: Sequence[str]) -> dict[str, str]:
    """A stable colour per name, in order; 'other' and 'unknown' grey."""
    out: dict[str, str] = {}
    i = 0
    for name in names:
        if name in ("other", "unknown"):
            out[name] = OTHER_COLOUR
        else:
            out[name] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


def nice_max(value: int) -> tuple[int, int]:
    """(axis maximum, tick step) with 3-6 round ticks covering `value`."""
    if value <= 0:
        return 1, 1
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return step * math.ceil(value / step), step


def _frame(days: Sequence[date], top: int, title: str) -> tuple[list[Markup], float, float]:
    """Axes, grid and labels; returns (elements, x step per day, y scale per unit)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    axis_max, step = nice_max(top)
    per_day = plot_w / max(1, len(days))
    scale = plot_h / axis_max
    parts: list[Markup] = [el("title", None, title)]
    for tick in range(0, axis_max + 1, step):
        y = TOP + plot_h - tick * scale
        parts.append(el("line", {"x1": LEFT, "x2": WIDTH - RIGHT, "y1": f"{y:.1f}", "y2": f"{y:.1f}",
                                 "class": "grid"}))
        parts.append(el("text", {"x": LEFT - 6, "y": f"{y + 4:.1f}", "class": "ytick"}, str(tick)))
    every = max(1, math.ceil(len(days) / 12))
    for i, day in enumerate(days):
        if i % every == 0:
            x = LEFT + (i + 0.5) * per_day
            parts.append(el("text", {"x": f"{x:.1f}", "y": HEIGHT - 10, "class": "xtick"}, day.strftime("%m-%d")))
    parts.append(el("line", {"x1": LEFT, "x2": WIDTH - RIGHT, "y1": TOP + plot_h, "y2": TOP + plot_h,
                             "class": "axis"}))
    return parts, per_day, scale


def _svg(parts: list[Markup], label: str) -> Markup:
    return el("svg", {"viewBox": f"0 0 {WIDTH} {HEIGHT}", "role": "img", "aria-label": label, "class": "chart",
                      "xmlns": "http://www.w3.org/2000/svg", "preserveAspectRatio": "xMidYMid meet"}, *parts)


def stacked_bars(days: Sequence[date], series: Sequence[Series], title: str) -> Markup:
    """Bars per day, stacked by series (bottom first). Each segment has a tooltip title."""
    totals = [sum(s.values[i] for s in series) for i in range(len(days))]
    parts, per_day, scale = _frame(days, max(totals, default=0), title)
    base_y = HEIGHT - BOTTOM
    bar_w = max(1.0, per_day * 0.72)
    for i, day in enumerate(days):
        y = float(base_y)
        x = LEFT + i * per_day + (per_day - bar_w) / 2
        for s in series:
            n = s.values[i]
            if n <= 0:
                continue
            h = n * scale
            y -= h
            tip = el("title", None, f"{day.isoformat()}  {s.name}: {n}")
            parts.append(el("rect", {"x": f"{x:.1f}", "y": f"{y:.1f}", "width": f"{bar_w:.1f}",
                                     "height": f"{h:.1f}", "fill": s.colour, "class": "bar"}, tip))
    return _svg(parts, title)


def lines(days: Sequence[date], series: Sequence[Series], title: str) -> Markup:
    """One polyline per series with a dot per day (dots carry the tooltips)."""
    top = max((max(s.values, default=0) for s in series), default=0)
    parts, per_day, scale = _frame(days, top, title)
    base_y = HEIGHT - BOTTOM
    for s in series:
        points = [(LEFT + (i + 0.5) * per_day, base_y - v * scale) for i, v in enumerate(s.values)]
        parts.append(el("polyline", {"points": " ".join(f"{x:.1f},{y:.1f}" for x, y in points), "fill": "none",
                                     "stroke": s.colour, "class": "line"}))
        for (x, y), day, v in zip(points, days, s.values, strict=True):
            if v:
                tip = el("title", None, f"{day.isoformat()}  {s.name}: {v}")
                parts.append(el("circle", {"cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": 2.6, "fill": s.colour,
                                           "class": "dot"}, tip))
    return _svg(parts, title)
