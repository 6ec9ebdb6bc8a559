"""Server-rendered SVG charts: no script, no library, every label escaped.

Bars link to the drill-down of the number they show; the line chart is for days.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from bot.kpis.metric_info import format_value

WIDTH = 640
BAR_HEIGHT = 22
LABEL_WIDTH = 170
VALUE_WIDTH = 90
LINE_HEIGHT = 220
PAD = 28


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float | None]],
    *,
    unit: str,
    link: Callable[[str], str] | None = None,
) -> str:
    """Horizontal bars, one per (label, value); a bar links to `link(label)`."""
    height = PAD + BAR_HEIGHT * max(1, len(rows)) + 8
    peak = max((abs(v) for _, v in rows if v is not None), default=0.0) or 1.0
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        _open(title, WIDTH, height),
        f'<text x="0" y="16" class="title">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(rows):
        y = PAD + index * BAR_HEIGHT
        length = 0.0 if value is None else max(1.0, abs(value) / peak * span)
        bar = (
            _text(LABEL_WIDTH - 6, y + 15, label[:28], "end")
            + f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" height="{BAR_HEIGHT - 6}"'
            f' class="{"neg" if (value or 0) < 0 else "bar"}"/>'
            + _text(LABEL_WIDTH + length + 6, y + 15, format_value(value, unit))
        )
        if link is not None:
            bar = f'<a href="{escape(link(label))}">{bar}</a>'
        parts.append(
            f"<g><title>{escape(label)}: {escape(format_value(value, unit))}</title>{bar}</g>"
        )
    if not rows:
        parts.append(f'<text x="{LABEL_WIDTH}" y="{PAD + 15}">no data in this range</text>')
    return "".join(parts) + "</svg>"


def line_chart(title: str, points: Sequence[tuple[str, float | None]], *, unit: str) -> str:
    """A line over days (labels are ISO dates, in order); gaps where a day has no value."""
    parts = [
        _open(title, WIDTH, LINE_HEIGHT),
        f'<text x="0" y="16" class="title">{escape(title)}</text>',
    ]
    values = [v for _, v in points if v is not None]
    if not values:
        parts.append(f'<text x="{PAD}" y="{LINE_HEIGHT // 2}">no data in this range</text>')
        return "".join(parts) + "</svg>"
    low, high = min(0.0, min(values)), max(values) or 1.0
    left, top, bottom = 60, PAD + 6, LINE_HEIGHT - 30
    step = (WIDTH - left - 10) / max(1, len(points) - 1)

    def y(v: float) -> float:
        return bottom - (v - low) / ((high - low) or 1.0) * (bottom - top)

    path, pen = [], "M"
    for index, (_, value) in enumerate(points):
        if value is None:
            pen = "M"
            continue
        path.append(f"{pen}{left + index * step:.1f},{y(value):.1f}")
        pen = "L"
    parts += [
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" class="axis"/>',
        _text(left - 6, y(high) + 4, format_value(high, unit), "end"),
        _text(left - 6, bottom + 4, format_value(low, unit), "end"),
        f'<path d="{" ".join(path)}" class="line"/>',
        _text(left, LINE_HEIGHT - 8, points[0][0]),
        _text(WIDTH - 10, LINE_HEIGHT - 8, points[-1][0], "end"),
    ]
    return "".join(parts) + "</svg>"


def _open(title: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}"'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart">'
    )


def _text(x: float, y: float, content: str, anchor: str | None = None) -> str:
    align = f' text-anchor="{anchor}"' if anchor else ""
    return f'<text x="{x:.1f}" y="{y:.1f}"{align}>{escape(content)}</text>'
