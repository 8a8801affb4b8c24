"""Charts as inline SVG, built on the server: no script, no ``style`` attribute
(the CSP forbids both), only SVG presentation attributes. Every chart is
``role="img"`` with a ``<title>`` and ``<desc>`` it is labelled by; the page
puts a data table beside it, so the chart is never the only way to read the
numbers. Every piece of text is escaped here.

- :func:`column_chart`: one value per period (vertical columns), e.g. sessions
  per month;
- :func:`bar_chart`: one value per category (horizontal bars), e.g. placements
  per distance band;
- :func:`forest_plot`: estimates with intervals on a log scale around 1, e.g.
  odds ratios with their 95% confidence intervals.

A value that is not shown (a suppressed count ``[c]``, a missing one) has no
bar or mark, only its symbol written where the bar would be.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
INK = "#0b0c0c"
GRID = "#b1b4b6"
BAR = "#1d70b8"
FONT_SIZE = 14
CHAR_WIDTH = 7.5
"""About how wide one character of 14px Arial is, for laying out labels."""
MAX_COLUMN = 48.0
"""The widest a column is drawn, however few there are."""
LABEL_CHARS = 34
"""Category labels longer than this are cut (the data table has them whole)."""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    """None when the value is not shown (suppressed or missing)."""
    shown: str
    """The value as written (``40``, ``[c]``)."""


@dataclass(frozen=True)
class Estimate:
    label: str
    value: float | None
    low: float | None
    high: float | None
    shown: str
    """The estimate as written, e.g. ``1.42 (0.40 to 5.06)`` or ``[c]``."""
    group: str = ""
    """Estimates of one group are drawn together under its name."""


def text(value: object) -> str:
    """``value`` as SVG text or attribute content: escaped."""
    return escape(str(value), quote=True)


def number(value: float) -> str:
    """A coordinate or tick value: at most two decimals, no trailing zeros."""
    written = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if written == "-0" else written


def shorten(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


# -- scales -------------------------------------------------------------------


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round ticks from 0 up to at least ``top``: steps of 1, 2 or 5 times a power
    of ten, at most ``count`` of them above 0."""
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    steps = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def log_ticks(low: float, high: float) -> list[float]:
    """Ticks of a log scale from the 1-2-5 series (…, 0.1, 0.2, 0.5, 1, 2, 5, …):
    the largest at or below ``low`` to the smallest at or above ``high``; the
    powers of ten around them instead when that gives more than seven."""
    if not (0 < low <= high) or not math.isfinite(high):
        raise ValueError("a log scale needs 0 < low <= high")
    series = [
        m * 10.0**e
        for e in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1)
        for m in (1, 2, 5)
    ]
    first = max(v for v in series if v <= low * (1 + 1e-9))
    last = min(v for v in series if v >= high * (1 - 1e-9))
    ticks = [round(v, 10) for v in series if first <= v <= last]
    if len(ticks) > 7:
        lowest = math.floor(math.log10(first) + 1e-9)
        highest = math.ceil(math.log10(last) - 1e-9)
        ticks = [round(10.0**e, 10) for e in range(lowest, highest + 1)]
    return ticks


@dataclass(frozen=True)
class LinearScale:
    top: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        clamped = min(max(value, 0.0), self.top)
        return self.start + (self.end - self.start) * clamped / self.top


@dataclass(frozen=True)
class LogScale:
    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        clamped = min(max(value, self.low), self.high)
        span = math.log(self.high) - math.log(self.low)
        share = (math.log(clamped) - math.log(self.low)) / span if span else 0.5
        return self.start + (self.end - self.start) * share


# -- the frame of every chart -------------------------------------------------


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> str:
    ident = text(chart_id)
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="cld-chart" role="img" '
            f'width="{WIDTH}" height="{number(height)}" '
            f'viewBox="0 0 {WIDTH} {number(height)}" '
            f'aria-labelledby="{ident}-title {ident}-desc" id="{ident}">',
            f'<title id="{ident}-title">{text(title)}</title>',
            f'<desc id="{ident}-desc">{text(desc)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _label(
    x: float, y: float, content: str, *, anchor: str = "start", bold: bool = False
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{number(x)}" y="{number(y)}" text-anchor="{anchor}" '
        f'font-size="{FONT_SIZE}" fill="{INK}"{weight}>{text(content)}</text>'
    )


def _line(
    x1: float, y1: float, x2: float, y2: float, colour: str, extra: str = ""
) -> str:
    return (
        f'<line x1="{number(x1)}" y1="{number(y1)}" x2="{number(x2)}" '
        f'y2="{number(y2)}" stroke="{colour}" stroke-width="1"{extra}/>'
    )


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return (
        f'<rect x="{number(x)}" y="{number(y)}" width="{number(width)}" '
        f'height="{number(height)}" fill="{fill}"/>'
    )


def empty_chart(chart_id: str, title: str, desc: str) -> str:
    """A chart with nothing to draw: its title and a line saying so."""
    return _svg(chart_id, title, desc, 60, [_label(10, 35, "No data to show.")])


# -- the charts ---------------------------------------------------------------


def column_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis_label: str,
    labels_every: int | None = None,
) -> str:
    """One vertical column per bar, in order (periods left to right); the axis
    labels of every ``labels_every``-th bar (chosen to fit when None)."""
    if not bars:
        return empty_chart(chart_id, title, desc)
    height, top_pad, bottom, left, right = 300.0, 30.0, 50.0, 56.0, 16.0
    base = height - bottom
    ticks = nice_ticks(max((b.value or 0.0) for b in bars))
    scale = LinearScale(ticks[-1], base, top_pad)
    slot = (WIDTH - left - right) / len(bars)
    every = labels_every or max(1, math.ceil(len(bars) * 70 / (WIDTH - left - right)))
    body = [_label(left, 16, axis_label)]
    for tick in ticks:
        y = scale(tick)
        body.append(_line(left, y, WIDTH - right, y, GRID))
        body.append(_label(left - 6, y + 5, number(tick), anchor="end"))
    for i, bar in enumerate(bars):
        x = left + i * slot
        centre = x + slot / 2
        if bar.value is None:
            body.append(_label(centre, base - 6, bar.shown, anchor="middle"))
        else:
            top = scale(bar.value)
            width = min(slot * 0.7, MAX_COLUMN)
            body.append(_rect(centre - width / 2, top, width, base - top, BAR))
        if i % every == 0:
            body.append(_label(centre, base + 20, bar.label, anchor="middle"))
    body.append(_line(left, base, WIDTH - right, base, INK))
    return _svg(chart_id, title, desc, height, body)


def bar_chart(
    bars: Sequence[Bar], *, chart_id: str, title: str, desc: str, axis_label: str
) -> str:
    """One horizontal bar per category, top to bottom, its value written beside it."""
    if not bars:
        return empty_chart(chart_id, title, desc)
    row, top_pad, bottom, right = 30.0, 40.0, 30.0, 60.0
    longest = max(len(shorten(b.label)) for b in bars)
    left = min(12 + longest * CHAR_WIDTH, WIDTH / 2)
    height = top_pad + row * len(bars) + bottom
    ticks = nice_ticks(max((b.value or 0.0) for b in bars))
    scale = LinearScale(ticks[-1], left, WIDTH - right)
    axis = top_pad + row * len(bars)
    body = [_label(left, 16, axis_label)]
    for tick in ticks:
        x = scale(tick)
        body.append(_line(x, top_pad - 6, x, axis, GRID))
        body.append(_label(x, axis + 20, number(tick), anchor="middle"))
    for i, bar in enumerate(bars):
        y = top_pad + i * row
        body.append(_label(left - 8, y + row / 2 + 5, shorten(bar.label), anchor="end"))
        end = left
        if bar.value is not None:
            end = scale(bar.value)
            body.append(_rect(left, y + 5, end - left, row - 10, BAR))
        body.append(_label(end + 6, y + row / 2 + 5, bar.shown))
    body.append(_line(left, top_pad - 6, left, axis, INK))
    return _svg(chart_id, title, desc, height, body)


def forest_plot(
    estimates: Sequence[Estimate],
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis_label: str = "Odds ratio (log scale)",
    reference: float = 1.0,
) -> str:
    """Each estimate as a square on a log scale with its interval as a line, a
    dashed line at ``reference``, estimates grouped under their group's name and
    each written on the right."""
    if not estimates:
        return empty_chart(chart_id, title, desc)
    row, top_pad, bottom = 24.0, 40.0, 40.0
    left, right_text = 210.0, 150.0
    plot_end = WIDTH - right_text
    points = [
        v
        for e in estimates
        for v in (e.value, e.low, e.high)
        if v is not None and math.isfinite(v) and v > 0
    ]
    ticks = log_ticks(
        max(min([*points, reference / 2]), 0.01),
        min(max([*points, reference * 2]), 100.0),
    )
    scale = LogScale(ticks[0], ticks[-1], left, plot_end - 10)
    lines: list[tuple[str, Estimate | None]] = []
    group: str | None = None
    for each in estimates:
        if each.group and each.group != group:
            lines.append((each.group, None))
        group = each.group
        lines.append((each.label, each))
    height = top_pad + row * len(lines) + bottom
    axis = top_pad + row * len(lines)
    body = [_label(left, 16, axis_label), _label(plot_end + 10, 16, "Estimate")]
    for tick in ticks:
        x = scale(tick)
        body.append(_line(x, top_pad - 6, x, axis, GRID))
        body.append(_label(x, axis + 20, number(tick), anchor="middle"))
    x_ref = scale(reference)
    body.append(_line(x_ref, top_pad - 6, x_ref, axis, INK, ' stroke-dasharray="4 3"'))
    for i, (label, estimate) in enumerate(lines):
        middle = top_pad + i * row + row / 2
        if estimate is None:
            body.append(_label(8, middle + 5, shorten(label, 26), bold=True))
            continue
        body.append(_label(left - 8, middle + 5, shorten(label, 26), anchor="end"))
        body.append(_label(plot_end + 10, middle + 5, estimate.shown))
        if estimate.low is not None and estimate.high is not None:
            body.append(
                _line(scale(estimate.low), middle, scale(estimate.high), middle, INK)
            )
        if estimate.value is not None and estimate.value > 0:
            x = scale(estimate.value)
            body.append(_rect(x - 4, middle - 4, 8, 8, BAR))
    body.append(_line(left, axis, plot_end - 10, axis, INK))
    return _svg(chart_id, title, desc, height, body)
