"""Small inline SVG charts drawn on the server: stacked columns and horizontal bars.

Each chart is one `<svg role="img">` with a title, a description, axis labels and a legend, and
every bar carries a `<title>` with its figure; pages still put a table beside each chart for
anyone who cannot see it. Text goes through `format_html`, so labels are always escaped.
"""

import math
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"


@dataclass(frozen=True)
class Series:
    """One coloured layer of a stacked chart: a value per category."""

    name: str
    colour: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart; `text` is printed beside the bar."""

    label: str
    value: float
    colour: str
    text: str = ""


def nice_step(top: float, ticks: int = 5) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving about `ticks` whole-number ticks."""
    if top <= ticks:
        return 1
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * magnitude:
            return int(multiple * magnitude)
    raise AssertionError("unreachable")


def _n(x: float) -> str:
    # Coordinates with one decimal: crisp enough, and short.
    return f"{x:.1f}".removesuffix(".0")


def _join(parts) -> SafeString:
    # Every part was built by format_html, so the joined text is as safe as its parts.
    return mark_safe("".join(parts))  # noqa: S308


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" '
        'width="100%" role="img" aria-labelledby="{}-title {}-desc" font-family="{}" '
        'font-size="12" fill="{}">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        width,
        height,
        chart_id,
        chart_id,
        FONT,
        INK,
        chart_id,
        title,
        chart_id,
        desc,
        body,
    )


def _legend(series, x: float, y: float, totals: bool = False) -> SafeString:
    parts, offset = [], 0.0
    for s in series:
        name = f"{s.name} ({sum(s.values):,})" if totals else s.name
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" rx="2" fill="{}"/>'
                '<text x="{}" y="{}">{}</text>',
                _n(x + offset),
                _n(y - 10),
                s.colour,
                _n(x + offset + 16),
                _n(y),
                name,
            )
        )
        offset += 16 + 7.5 * len(name) + 18
    return format_html('<g class="legend">{}</g>', _join(parts))


def stacked_columns(
    chart_id: str,
    categories: list[str],
    series: list[Series],
    *,
    title: str,
    x_title: str,
    y_title: str,
    width: int = 1000,
    height: int = 340,
) -> SafeString:
    """Columns, one per category, each stacked from the first series (at the bottom) up."""
    left, right, top, bottom = 56, 12, 40, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    step = nice_step(max(totals, default=0))
    axis_top = max(step, math.ceil(max(totals, default=0) / step) * step)
    scale = plot_h / axis_top
    base = top + plot_h

    # Each layer's total in the legend, so that a rare one too thin to see is still counted.
    parts = [_legend(series, left, 16, totals=True)]
    for tick in range(0, axis_top + 1, step):
        y = base - tick * scale
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                left,
                left + plot_w,
                _n(y),
                _n(y),
                GRID,
                left - 6,
                _n(y + 4),
                MUTED,
                f"{tick:,}",
            )
        )
    slot = plot_w / max(len(categories), 1)
    bar_w = slot * 0.68
    for i, (category, total) in enumerate(zip(categories, totals, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        y = base
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = value * scale
            y -= h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}: {} {}</title></rect>",
                    _n(x),
                    _n(y),
                    _n(bar_w),
                    _n(h),
                    s.colour,
                    category,
                    f"{value:,}",
                    s.name.lower(),
                )
            )
        if total:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
                    _n(x + bar_w / 2),
                    _n(y - 4),
                    MUTED,
                    f"{total:,}",
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(x + bar_w / 2),
                base + 18,
                category,
            )
        )
    parts.append(
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>',
            left,
            left + plot_w,
            base,
            base,
            MUTED,
        )
    )
    parts.append(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>'
            '<text transform="translate(14 {}) rotate(-90)" text-anchor="middle" fill="{}">{}'
            "</text>",
            _n(left + plot_w / 2),
            height - 10,
            MUTED,
            x_title,
            _n(top + plot_h / 2),
            MUTED,
            y_title,
        )
    )
    if not any(totals):
        parts.append(_empty(left + plot_w / 2, top + plot_h / 2))
    desc = "; ".join(
        f"{category}: {total:,}" for category, total in zip(categories, totals, strict=True)
    )
    body = _join(parts)
    return _svg(chart_id, width, height, title, f"{y_title} by {x_title.lower()}: {desc}", body)


def horizontal_bars(
    chart_id: str,
    bars: list[Bar],
    *,
    title: str,
    x_title: str,
    max_value: float | None = None,
    unit: str = "",
    width: int = 520,
    label_width: int = 100,
) -> SafeString:
    """One bar per row, labelled on the left, its `text` (or value) printed at its end."""
    row_h, top, bottom = 30, 8, 44
    text_room = 170
    plot_w = width - label_width - text_room
    height = top + row_h * max(len(bars), 1) + bottom
    top_value = max_value if max_value is not None else max((b.value for b in bars), default=0)
    step = nice_step(top_value, 4) if max_value is None else max_value / 4
    axis_top = max(step, math.ceil(top_value / step) * step) if top_value else step
    scale = plot_w / axis_top
    base = top + row_h * max(len(bars), 1)

    parts = []
    tick = 0.0
    while tick <= axis_top + 1e-9:
        x = label_width + tick * scale
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
                _n(x),
                _n(x),
                top,
                base,
                GRID,
                _n(x),
                base + 16,
                MUTED,
                f"{tick:,.0f}{unit}",
            )
        )
        tick += step
    for i, bar in enumerate(bars):
        y = top + i * row_h
        w = bar.value * scale
        text = bar.text or f"{bar.value:,.0f}{unit}"
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}">'
                "<title>{}: {}</title></rect>"
                '<text x="{}" y="{}">{}</text>',
                label_width - 8,
                _n(y + row_h / 2 + 4),
                bar.label,
                label_width,
                _n(y + 5),
                _n(w),
                row_h - 10,
                bar.colour,
                bar.label,
                text,
                _n(label_width + w + 6),
                _n(y + row_h / 2 + 4),
                text,
            )
        )
    parts.append(
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
            '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
            label_width,
            label_width,
            top,
            base,
            MUTED,
            _n(label_width + plot_w / 2),
            height - 8,
            MUTED,
            x_title,
        )
    )
    if not bars:
        parts.append(_empty(label_width + plot_w / 2, top + row_h / 2 + 4))
    desc = "; ".join(f"{b.label}: {b.text or f'{b.value:,.0f}{unit}'}" for b in bars)
    body = _join(parts)
    return _svg(chart_id, width, height, title, desc or "No data.", body)


def _empty(x: float, y: float) -> SafeString:
    return format_html(
        '<text x="{}" y="{}" text-anchor="middle" fill="{}">No data for this period</text>',
        _n(x),
        _n(y),
        MUTED,
    )
