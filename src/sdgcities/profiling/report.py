"""The group profile as a report: HTML (inline SVG maps, sources, caveats) or PDF.

The PDF is the same HTML through :func:`sdgcities.documents.html_to_pdf` (WeasyPrint,
offline). Maps are plain SVG drawn here from the layers — no tiles, no network.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from sdgcities.profiling.groups import GroupProfile

#: sequential palette (ColorBrewer YlOrRd 5), light = low
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")

_LABELS = {
    "transit_access": "Public transport within reach (11.2.1), %",
    "open_space_access": "Open space within 400 m (11.7.1 b), %",
    "density_per_km2": "People per km²",
    "population": "People",
}


def label(key: str) -> str:
    if key in _LABELS:
        return _LABELS[key]
    for m in ("15min", "30min"):
        if key.endswith(f"_{m}"):
            return f"{key[: -len(m) - 1].replace('_', ' ').capitalize()} within {m[:2]} min walk, %"
    return key.replace("_", " ")


def svg_map(
    layer: gpd.GeoDataFrame,
    column: str,
    *,
    title: str,
    width: int = 560,
    height: int = 420,
    outlines: gpd.GeoDataFrame | None = None,
) -> str:
    """A choropleth of ``column`` (5 equal-count classes) as an accessible inline SVG."""
    g = layer.to_crs("EPSG:4326")
    vals = np.asarray(g[column], dtype=float)
    minx, miny, maxx, maxy = g.total_bounds
    if outlines is not None and len(outlines):
        ob = outlines.to_crs("EPSG:4326").total_bounds
        minx, miny, maxx, maxy = (
            min(minx, ob[0]),
            min(miny, ob[1]),
            max(maxx, ob[2]),
            max(maxy, ob[3]),
        )
    kx = math.cos(math.radians((miny + maxy) / 2))
    sx = (width - 20) / max((maxx - minx) * kx, 1e-12)
    sy = (height - 20) / max(maxy - miny, 1e-12)
    s = min(sx, sy)

    def xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return 10 + (x - minx) * kx * s, height - 10 - (y - miny) * s

    fin = vals[np.isfinite(vals)]
    edges = np.quantile(fin, [0.2, 0.4, 0.6, 0.8]) if len(fin) else np.array([])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="map"><title>{html.escape(title)}</title>'
    ]

    def path_of(geom: Any) -> str:
        d = []
        for poly in shapely.get_parts(geom):
            if poly.geom_type == "Point":
                continue
            for ring in [poly.exterior, *poly.interiors]:
                c = np.asarray(ring.coords)
                px, py = xy(c[:, 0], c[:, 1])
                d.append(
                    "M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True)) + "Z"
                )
        return "".join(d)

    for geom, v in zip(g.geometry, vals, strict=True):
        colour = "#dddddd" if not np.isfinite(v) else PALETTE[int(np.searchsorted(edges, v))]
        if geom.geom_type == "Point":
            px, py = xy(np.array([geom.x]), np.array([geom.y]))
            parts.append(f'<circle cx="{px[0]:.1f}" cy="{py[0]:.1f}" r="2" fill="{colour}"/>')
        else:
            parts.append(
                f'<path d="{path_of(geom)}" fill="{colour}" stroke="#666" stroke-width="0.3"/>'
            )
    if outlines is not None:
        for geom in outlines.to_crs("EPSG:4326").geometry:
            parts.append(
                f'<path d="{path_of(geom)}" fill="none" stroke="#08306b" stroke-width="1.5"/>'
            )
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch" style="background:{c}"></span>{html.escape(t)}</li>'
        for c, t in zip(PALETTE, _legend_text(edges, fin), strict=False)
    )
    return "".join(parts) + f'<ul class="legend" aria-label="legend">{legend}</ul>'


def _legend_text(edges: np.ndarray, fin: np.ndarray) -> list[str]:
    if not len(fin):
        return []
    b = [float(fin.min()), *map(float, edges), float(fin.max())]
    return [f"{b[i]:,.1f} – {b[i + 1]:,.1f}" for i in range(len(b) - 1)]


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "—" if not math.isfinite(v) else f"{v:,.1f}"
    if v is None:
        return "—"
    return html.escape(str(v))


def group_report_html(gp: GroupProfile, *, city: str = "", sources: list[str] | None = None) -> str:
    """The report page (English; self-contained, no scripts)."""
    keys = [k for k in gp.city["_all"] if k != "population"]
    groups = gp.groups
    head = "".join(f"<th scope='col'>{html.escape(g)}</th>" for g in groups)
    rows = [
        "<tr><th scope='row'>People</th>"
        + "".join(f"<td>{_fmt(gp.city[g]['population'])}</td>" for g in groups)
        + "</tr>"
    ]
    for k in keys:
        rows.append(
            f"<tr><th scope='row'>{html.escape(label(k))}</th>"
            + "".join(f"<td>{_fmt(gp.city[g].get(k))}</td>" for g in groups)
            + "</tr>"
        )
    gap_rows = []
    for g, gaps in gp.gaps.items():
        worst = sorted(
            ((v, k) for k, v in gaps.items() if v is not None and k != "density_per_km2")
        )
        text = ", ".join(f"{label(k)} {v:+.1f} points" for v, k in worst[:3]) or "—"
        gap_rows.append(
            f"<li><strong>{html.escape(g)}</strong> vs {html.escape(gp.reference)}: "
            f"{html.escape(text)}</li>"
        )
    maps = []
    if gp.points is not None and len(gp.points):
        pts = gp.points
        others = [g for g in groups if g != gp.reference]
        share = np.where(
            pts["population"] > 0, 100 * pts[others].sum(axis=1) / pts["population"], np.nan
        )
        maps.append(
            "<figure>"
            + svg_map(
                pts.assign(share=share),
                "share",
                title=f"Share of {', '.join(others)} in the population, %",
                outlines=gp.area_layer,
            )
            + f"<figcaption>Share of {html.escape(', '.join(others))} in the population at each "
            "population point (%); outlines: camps and settlements.</figcaption></figure>"
        )
    area_rows = []
    for a in gp.areas:
        cells = "".join(f"<td>{_fmt(a['groups'][g]['population'])}</td>" for g in groups)
        area_rows.append(f"<tr><th scope='row'>{html.escape(a['name'])}</th>{cells}</tr>")
    src = sources or []
    prov = gp.provenance
    caveats = [
        "Access shares use each population point's result from the same walk network "
        "(4.8 km/h; 15 and 30 minutes = 1.2 and 2.4 km); group counts weight them.",
        "Groups are assumed to live where their feature's population is; within a feature "
        "they share its access.",
        "OSM completeness varies: services and open spaces that are not mapped count as absent.",
    ]
    if prov.get("population_is_estimate"):
        caveats.append("Population is an ESTIMATE from OSM building footprints.")
    caveats += gp.warnings[:10]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Urban profile by population group{(" — " + html.escape(city)) if city else ""}</title>
<style>
body{{font-family:sans-serif;max-width:60rem;margin:1rem auto;color:#111}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.2rem .5rem;text-align:right}}
th[scope=row]{{text-align:left}}.legend{{list-style:none;padding:0;display:flex;gap:1rem}}
.swatch{{display:inline-block;width:1rem;height:1rem;margin-right:.3rem;vertical-align:middle}}
</style></head><body>
<h1>Urban profile by population group{(" — " + html.escape(city)) if city else ""}</h1>
<p>Reference group: <strong>{html.escape(gp.reference)}</strong>.
Total population: {_fmt(gp.city["_all"]["population"])}.</p>
<h2>Indicators by group</h2>
<table><thead><tr><th scope="col">Indicator</th>{head}</tr></thead><tbody>{
        "".join(rows)
    }</tbody></table>
<h2>Largest gaps to the reference group</h2><ul>{"".join(gap_rows)}</ul>
<h2>Maps</h2>{"".join(maps) or "<p>No map: no population points.</p>"}
{
        (
            '<h2>Camps and settlements</h2><table><thead><tr><th scope="col">Area</th>'
            + head
            + "</tr></thead><tbody>"
            + "".join(area_rows)
            + "</tbody></table>"
        )
        if area_rows
        else ""
    }
<h2>Sources</h2><ul>{"".join(f"<li>{html.escape(s)}</li>" for s in src)}
<li>Street network, services and open spaces: © OpenStreetMap contributors, ODbL 1.0</li>
<li>Method: sdgcities.profiling.groups; 11.2.1 and 11.7.1 b by the sdgcities
spatial engine</li></ul>
<h2>Caveats</h2><ul>{"".join(f"<li>{html.escape(c)}</li>" for c in caveats)}</ul>
</body></html>"""


def write_report(
    gp: GroupProfile, out: Path, *, city: str = "", sources: list[str] | None = None
) -> Path:
    """Write ``out`` as .html or .pdf."""
    page = group_report_html(gp, city=city, sources=sources)
    if out.suffix.lower() == ".pdf":
        from sdgcities.documents import html_to_pdf

        out.write_bytes(html_to_pdf(page))
    else:
        out.write_text(page, encoding="utf-8")
    return out
