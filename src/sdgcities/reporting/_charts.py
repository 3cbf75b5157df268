"""Server-side charts as inline SVG (no JavaScript): time series, score bars, hex maps.

Plain SVG strings, escaped, with a ``<title>`` for screen readers and one ``class``
per chart kind so that a test can find each chart in the HTML.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import escape

#: colour-blind safe (Okabe–Ito)
BLUE, ORANGE, GREY = "#0072B2", "#E69F00", "#999999"
SCORE_COLOURS = {
    "green": "#009E73",
    "yellow": "#F0E442",
    "orange": "#E69F00",
    "red": "#D55E00",
}


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def time_series_svg(
    points: Sequence[tuple[int, float]], *, title: str, unit: str = "", width: int = 300
) -> str:
    """A line chart of ``(year, value)`` with a year axis and the first and last values."""
    height, left, right, top, bottom = 110, 40, 12, 14, 24
    pts = sorted(points)
    years = [y for y, _ in pts]
    values = [v for _, v in pts]
    y0, y1 = min(years), max(years)
    v0, v1 = min(values), max(values)
    if v0 == v1:
        v0, v1 = v0 - 1, v1 + 1
    span_y = max(y1 - y0, 1)

    def x(year: int) -> float:
        return left + (year - y0) / span_y * (width - left - right)

    def y(value: float) -> float:
        return top + (1 - (value - v0) / (v1 - v0)) * (height - top - bottom)

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x(a):.1f},{y(b):.1f}" for i, (a, b) in enumerate(pts)
    )
    step = max(1, math.ceil(span_y / 5))
    tick_years = range(y0, y1 + 1, step)
    base = height - bottom
    ticks = "".join(f"M{x(t):.1f},{base}v4" for t in tick_years)
    # ticks every ``step`` years; labels on the first and last year only (fewer text runs
    # to lay out: a VLR may carry hundreds of these charts)
    ends = (y0,) if y0 == y1 else (y0, y1)
    labels = "".join(
        f'<text x="{x(t):.1f}" y="{height - 6}" text-anchor="middle">{t}</text>' for t in ends
    )
    label = escape(f"{title}: {_fmt(values[0])} in {years[0]}, {_fmt(values[-1])} in {years[-1]}")
    u = escape(unit)
    return (
        f'<svg class="chart chart-series" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" font-size="9">'
        f"<title>{label}</title>"
        f'<path d="M{left},{top}V{base}H{width - right}{ticks}" fill="none" stroke="#333"/>'
        f"{labels}"
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{_fmt(v1)}</text>'
        f'<text x="{left - 4}" y="{base}" text-anchor="end">{_fmt(v0)}</text>'
        f'<text x="{left + 4}" y="{top - 4}" fill="#555">{u}</text>'
        f'<path d="{path}" fill="none" stroke="{BLUE}" stroke-width="2"/></svg>'
    )


def score_bars_svg(items: Sequence[tuple[str, float, str]], *, title: str, width: int = 520) -> str:
    """Horizontal bars of ``(label, score 0–100, colour)``, one row each."""
    row, left = 18, 120
    height = row * len(items) + 24
    bars = []
    for i, (label, score, colour) in enumerate(items):
        yy = 6 + i * row
        w = max(0.0, min(100.0, score)) / 100 * (width - left - 40)
        fill = SCORE_COLOURS.get(colour, GREY)
        bars.append(
            f'<text x="{left - 6}" y="{yy + 11}" font-size="10" text-anchor="end">'
            f'{escape(label)}</text><rect class="bar" x="{left}" y="{yy}" width="{w:.1f}" '
            f'height="{row - 5}" fill="{fill}" stroke="#333" stroke-width="0.5"/>'
            f'<text x="{left + w + 4:.1f}" y="{yy + 11}" font-size="10">{score:.0f}</text>'
        )
    axis_y = height - 14
    return (
        f'<svg class="chart chart-scores" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(bars)}"
        f'<text x="{left}" y="{axis_y + 10}" font-size="9">0</text>'
        f'<text x="{width - 40}" y="{axis_y + 10}" font-size="9" text-anchor="end">100</text></svg>'
    )


def hex_map_svg(
    cells: Sequence[tuple[str, float | None]],
    *,
    title: str,
    attribution: str = "© OpenStreetMap contributors",
    width: int = 520,
    height: int = 360,
) -> str:
    """A choropleth of H3 cells ``(cell, share 0–1)``: equirectangular, scaled by cos(lat)."""
    import h3

    rings = [(h3.cell_to_boundary(c), share) for c, share in cells]
    lats = [lat for ring, _ in rings for lat, _ in ring]
    lons = [lon for ring, _ in rings for _, lon in ring]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    w_deg = max((max(lons) - min(lons)) * k, 1e-9)
    h_deg = max(max(lats) - min(lats), 1e-9)
    pad = 10
    scale = min((width - 2 * pad) / w_deg, (height - 2 * pad - 16) / h_deg)
    polys = []
    for ring, share in rings:
        pts = " ".join(
            f"{pad + (lon - min(lons)) * k * scale:.1f},{pad + (max(lats) - lat) * scale:.1f}"
            for lat, lon in ring
        )
        fill = GREY if share is None else _blend(share)
        polys.append(f'<polygon points="{pts}" fill="{fill}" stroke="#fff" stroke-width="0.3"/>')
    return (
        f'<svg class="chart chart-map" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(polys)}"
        f'<text x="{width - 4}" y="{height - 4}" font-size="9" text-anchor="end">'
        f"{escape(attribution)}</text></svg>"
    )


def _blend(share: float) -> str:
    """From orange (0) to blue (1)."""
    s = max(0.0, min(1.0, share))
    a, b = (0xE6, 0x9F, 0x00), (0x00, 0x72, 0xB2)
    r, g, bl = (round(a[i] + (b[i] - a[i]) * s) for i in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"
