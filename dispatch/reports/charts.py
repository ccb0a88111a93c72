"""Inline SVG charts for the printable report: no JavaScript, no images to fetch."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
BAR = 18
GAP = 10
LABEL = 120
COLOURS = {"delivered": "#1e7a34", "handed_over": "#6aa9e9", "failed": "#b3261e"}


def bars(title: str, rows: Sequence[tuple[str, dict[str, int]]], legend: dict[str, str]) -> Markup:
    """Stacked horizontal bars, one per row: ``rows`` is ``[(label, {series: value})]``."""
    height = len(rows) * (BAR + GAP) + 40
    largest = max((sum(values.values()) for _, values in rows), default=0) or 1
    scale = (WIDTH - LABEL - 60) / largest
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" '
            'width="100%" style="max-width:{w}px"><title>{t}</title>'
        ).format(w=WIDTH, h=height, t=title)
    ]
    for index, (label, values) in enumerate(rows):
        y = index * (BAR + GAP) + 4
        parts.append(
            Markup('<text x="0" y="{}" font-size="12">{}</text>').format(y + BAR - 5, label)
        )
        x = float(LABEL)
        for series, value in values.items():
            if value <= 0:
                continue
            width = value * scale
            parts.append(
                Markup(
                    '<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="{}">'
                    "<title>{}: {}</title></rect>"
                ).format(x, y, width, BAR, COLOURS.get(series, "#888"), legend[series], value)
            )
            x += width
        parts.append(
            Markup('<text x="{:.1f}" y="{}" font-size="12">{}</text>').format(
                x + 4, y + BAR - 5, sum(values.values())
            )
        )
    x = float(LABEL)
    for series, name in legend.items():
        y = height - 14
        parts.append(
            Markup(
                '<rect x="{:.0f}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{:.0f}" y="{}" font-size="11">{}</text>'
            ).format(x, y, COLOURS.get(series, "#888"), x + 14, y + 9, name)
        )
        x += 14 + 7 * len(name) + 20
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def cumulative(title: str, points: Sequence[tuple[int, int]], total: int, x_label: str) -> Markup:
    """A step line of acknowledgements so far against minutes after the alert."""
    height, left, bottom = 220, 40, 30
    if not points:
        return Markup("")
    last_minute = max(m for m, _ in points)
    top = max(total, 1)
    sx = (WIDTH - left - 20) / max(last_minute, 1)
    sy = (height - bottom - 10) / top

    def xy(minute: int, count: int) -> str:
        return f"{left + minute * sx:.1f},{height - bottom - count * sy:.1f}"

    path = [xy(0, 0)]
    previous = 0
    for minute, count in points:
        path += [xy(minute, previous), xy(minute, count)]
        previous = count
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" width="100%" '
        'style="max-width:{w}px"><title>{t}</title>'
        '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#555"/>'
        '<line x1="{l}" y1="10" x2="{l}" y2="{b}" stroke="#555"/>'
        '<line x1="{l}" y1="{ty}" x2="{r}" y2="{ty}" stroke="#bbb" stroke-dasharray="4 3"/>'
        '<text x="2" y="{tyt}" font-size="11">{total}</text>'
        '<polyline fill="none" stroke="#0b5394" stroke-width="2" points="{p}"/>'
        '<text x="{l}" y="{h2}" font-size="11">0</text>'
        '<text x="{r2}" y="{h2}" font-size="11">{last} {xl}</text></svg>'
    ).format(
        w=WIDTH,
        h=height,
        t=title,
        l=left,
        b=height - bottom,
        r=WIDTH - 20,
        ty=f"{height - bottom - top * sy:.1f}",
        tyt=f"{height - bottom - top * sy + 4:.1f}",
        total=total,
        p=" ".join(path),
        h2=height - 10,
        r2=WIDTH - 90,
        last=last_minute,
        xl=escape(x_label),
    )
