"""Inline SVG charts for the late-report pages: no JavaScript, no CDN, escaped labels.

One horizontal stacked bar per group (MPID or desk): on-time reports, then late reports, with the
counts and the late ratio written beside the bar, so the chart reads without colour too.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

BAR_HEIGHT = 22
GAP = 10
LABEL_WIDTH = 170
BAR_WIDTH = 420
TEXT_WIDTH = 190


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    on_time: int
    late: int

    @property
    def total(self) -> int:
        return self.on_time + self.late


def stacked_bars(bars: list[Bar], title: str) -> str:
    """An ``<svg>`` element (a string) with one bar per item; an empty chart says so."""
    width = LABEL_WIDTH + BAR_WIDTH + TEXT_WIDTH
    if not bars:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="40" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            '<text x="0" y="24" class="chart-empty">No reports in this period.</text></svg>'
        )
    biggest = max(bar.total for bar in bars) or 1
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        on_width = round(BAR_WIDTH * bar.on_time / biggest)
        late_width = round(BAR_WIDTH * bar.late / biggest)
        ratio = (bar.late / bar.total * 100) if bar.total else 0.0
        label = escape(bar.label)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" class="chart-label">'
            f"{label}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{on_width}" height="{BAR_HEIGHT}" '
            f'class="bar-on-time"><title>{label}: {bar.on_time} on time</title></rect>'
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH + on_width}" y="{y}" width="{late_width}" '
            f'height="{BAR_HEIGHT}" class="bar-late"><title>{label}: {bar.late} late</title></rect>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + on_width + late_width + 6}" y="{y + 16}" '
            f'class="chart-value">{bar.late} late of {bar.total} ({ratio:.0f}%)</text>'
        )
    legend_y = height - 6
    parts.append(
        f'<rect x="{LABEL_WIDTH}" y="{legend_y - 10}" width="10" height="10" class="bar-on-time"/>'
        f'<text x="{LABEL_WIDTH + 14}" y="{legend_y}" class="chart-legend">on time</text>'
        f'<rect x="{LABEL_WIDTH + 80}" y="{legend_y - 10}" width="10" height="10" '
        'class="bar-late"/>'
        f'<text x="{LABEL_WIDTH + 94}" y="{legend_y}" class="chart-legend">late</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
