"""Charts as SVG, drawn on the server: no script, printable, readable by screen readers.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that says what it
shows in words, text labels on every bar, and colours from CSS classes (so dark mode
and print follow the stylesheet). The page puts the same numbers in a table beside
it. Geometry is in a 720-unit-wide viewBox; the figure keeps a minimum width and
scrolls on a phone rather than shrinking text below legibility.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
BAR = 16
BAR_GAP = 3
ROW_GAP = 12
AXIS = 26
LEGEND = 26
VALUE_ROOM = 92
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # class of its bars: "s1", "s2", "good", "bad", "muted"


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[float | None, ...]  # one per series; None: no data
    css: str = ""  # a class for the whole row ("flagged", "correct")
    detail: str = ""  # shown on hover, and read with the label


Formatter = Callable[[float], str]


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(height: float, title: str, description: str, body: list[str], css: str) -> Markup:
    n = next(_ids)
    return Markup(  # noqa: S704 - every text below is escaped where it is put in
        f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'role="img" aria-labelledby="chart-{n}-t chart-{n}-d" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="chart-{n}-t">{escape(title)}</title>'
        f'<desc id="chart-{n}-d">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def bar_chart(
    rows: Sequence[Row],
    *,
    series: Sequence[Series],
    title: str,
    description: str,
    domain: tuple[float, float] = (0.0, 1.0),
    ticks: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0),
    fmt: Formatter = percent,
    reference: tuple[float, str] | None = None,
    label_width: int = 250,
) -> Markup:
    """Horizontal bars, one group per row and one bar per series; negatives go left of 0."""
    low, high = domain
    plot = WIDTH - label_width - VALUE_ROOM

    def x(value: float) -> float:
        clamped = min(max(value, low), high)
        return label_width + (clamped - low) / (high - low) * plot

    top = LEGEND if len(series) > 1 else 6
    group = len(series) * BAR + (len(series) - 1) * BAR_GAP
    height = top + len(rows) * (group + ROW_GAP) + AXIS
    body: list[str] = []
    if len(series) > 1:
        body.append(_legend(series, label_width))
    bottom = height - AXIS
    for tick in ticks:
        body.append(
            f'<line class="grid" x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top - 4}" '
            f'y2="{bottom}"/><text class="tick" x="{x(tick):.1f}" y="{bottom + 17}" '
            f'text-anchor="middle">{escape(fmt(tick))}</text>'
        )
    zero = x(0.0) if low < 0 < high else x(low)
    for index, row in enumerate(rows):
        y = top + index * (group + ROW_GAP)
        body.append(f'<g class="row {escape(row.css)}">')
        tip = f"{row.label}{': ' + row.detail if row.detail else ''}"
        body.append(f"<title>{escape(tip)}</title>")
        # About 8.2 units a character at 13 px leaves the longest label inside the chart.
        room = (label_width - 16) * 10 // 82
        body.append(
            f'<text class="label" x="{label_width - 10}" y="{y + group / 2 + 5:.1f}" '
            f'text-anchor="end">{escape(_truncate(row.label, room))}</text>'
        )
        for offset, (one, value) in enumerate(zip(series, row.values, strict=True)):
            bar_y = y + offset * (BAR + BAR_GAP)
            if value is None:
                body.append(
                    f'<text class="value none" x="{zero + 4:.1f}" y="{bar_y + 12.5}">'
                    f"{escape(one.name + ': ' if len(series) > 1 else '')}no data</text>"
                )
                continue
            left, right = sorted((zero, x(value)))
            body.append(
                f'<rect class="bar {one.css}" x="{left:.1f}" y="{bar_y}" '
                f'width="{max(right - left, 1.5):.1f}" height="{BAR}" rx="3"/>'
            )
            body.append(
                f'<text class="value" x="{max(right, zero) + 6:.1f}" y="{bar_y + 12.5}">'
                f"{escape(fmt(value))}</text>"
            )
        body.append("</g>")
    if reference is not None:
        at, text = reference
        body.append(
            f'<line class="reference" x1="{x(at):.1f}" x2="{x(at):.1f}" y1="{top - 6}" '
            f'y2="{bottom}"/><text class="reference-label" x="{x(at) + 4:.1f}" '
            f'y="{bottom - 4}">{escape(text)}</text>'
        )
    body.append(
        f'<line class="axis" x1="{label_width}" x2="{label_width + plot}" '
        f'y1="{bottom}" y2="{bottom}"/>'
    )
    return _svg(height, title, description, body, "bars" if len(series) > 1 else "bars single")


def _legend(series: Sequence[Series], left: int) -> str:
    parts = []
    x = float(left)
    for one in series:
        parts.append(
            f'<rect class="bar {one.css}" x="{x:.1f}" y="4" width="14" height="14" rx="3"/>'
            f'<text class="legend" x="{x + 20:.1f}" y="16">{escape(one.name)}</text>'
        )
        x += 34 + 8 * len(one.name)
    return "".join(parts)


def column_chart(
    counts: Sequence[int],
    *,
    labels: Sequence[str],
    title: str,
    description: str,
    x_title: str,
    css: Sequence[str] = (),
) -> Markup:
    """Vertical columns with the count above each (a distribution)."""
    height, top, left, bottom_room = 230, 16, 40, 46
    plot_h = height - top - bottom_room
    plot_w = WIDTH - left - 10
    biggest = max([*counts, 1])
    slot = plot_w / max(len(counts), 1)
    bar_w = min(64.0, slot * 0.7)
    bottom = top + plot_h
    body = [f'<line class="axis" x1="{left}" x2="{left + plot_w}" y1="{bottom}" y2="{bottom}"/>']
    for index, (count, label) in enumerate(zip(counts, labels, strict=True)):
        cx = left + slot * index + slot / 2
        h = plot_h * count / biggest
        extra = css[index] if index < len(css) else "s1"
        body.append(
            f'<rect class="bar {escape(extra)}" x="{cx - bar_w / 2:.1f}" y="{bottom - h:.1f}" '
            f'width="{bar_w:.1f}" height="{max(h, 0):.1f}" rx="3"><title>'
            f"{escape(label)}: {count}</title></rect>"
            f'<text class="value" x="{cx:.1f}" y="{bottom - h - 5:.1f}" '
            f'text-anchor="middle">{count}</text>'
            f'<text class="tick" x="{cx:.1f}" y="{bottom + 18}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    body.append(
        f'<text class="axis-title" x="{left + plot_w / 2:.1f}" y="{height - 6}" '
        f'text-anchor="middle">{escape(x_title)}</text>'
    )
    return _svg(height, title, description, body, "columns")
