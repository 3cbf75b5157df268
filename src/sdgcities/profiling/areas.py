"""Neighbourhoods: the areas a city is profiled by, from one of three sources.

* ``file`` — polygons the city imports (GeoPackage, GeoJSON, GeoParquet …), each with an
  id (``id_column``, else ``id``/``code``/``fid``, else the 1-based feature number) and a
  name (``name_column``, else ``name``, else the id);
* ``osm`` — from the extract: ``place=neighbourhood|suburb|quarter`` mapped as areas; where
  a place is mapped only as a point, the points become **Voronoi cells clipped to the
  boundary** (each point gets the land nearer to it than to any other place point — the
  usual reading of a point-mapped place); or ``boundary=administrative`` areas of one
  ``admin_level`` (``osm-admin``);
* ``h3`` — H3 cells of a coarser resolution (e.g. 7 ≈ 5.2 km²) covering the population.

The choice is recorded in :attr:`Neighbourhoods.provenance`.

Partition rule (:func:`check_partition`): neighbourhoods may not overlap — two features
sharing more than ``overlap_tolerance_m2`` (default 100 m², a sliver of digitising noise)
is an **error** naming both; land of the city boundary outside every neighbourhood larger
than ``gap_tolerance_m2`` (default 10,000 m² = 1 ha) is a **warning**, an error when
``strict``. Invalid geometries are an error naming the feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from sdgcities.errors import Finding, SpatialInputError, ValidationError
from sdgcities.spatial._crs import utm_crs_for

SOURCES = ("file", "osm", "osm-admin", "h3")
_ID_NAMES = ("id", "code", "fid", "neighbourhood_id", "area_id")
_NAME_NAMES = ("name", "nombre", "nome", "nom", "label")


@dataclass
class Neighbourhoods:
    """Neighbourhood polygons (EPSG:4326, columns ``area_id``, ``name``) and their origin."""

    areas: gpd.GeoDataFrame
    provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def metric_crs(gdf: gpd.GeoDataFrame) -> Any:
    g = gdf.to_crs("EPSG:4326")
    minx, miny, maxx, maxy = g.total_bounds
    return utm_crs_for((minx + maxx) / 2, (miny + maxy) / 2)


def _pick(cols: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.lower(): c for c in cols}
    return next((low[n] for n in names if n in low), None)


def _label(areas: gpd.GeoDataFrame, i: int) -> str:
    row = areas.iloc[i]
    return f"feature {i + 1} (id {row['area_id']!r}, {row['name']!r})"


def check_partition(
    areas: gpd.GeoDataFrame,
    boundary: gpd.GeoDataFrame | None,
    *,
    source: str,
    overlap_tolerance_m2: float = 100.0,
    gap_tolerance_m2: float = 10_000.0,
    strict: bool = False,
) -> list[str]:
    """Check validity, overlaps and gaps (see the module docstring); return the warnings."""
    crs = metric_crs(areas)
    geom = areas.geometry.to_crs(crs)
    findings: list[Finding] = []
    bad = ~geom.is_valid.to_numpy()
    for i in np.flatnonzero(bad):
        reason = shapely.is_valid_reason(geom.iloc[i])
        findings.append(
            Finding(
                f"{_label(areas, int(i))} has an invalid geometry ({reason})",
                file=source,
                row=int(i) + 1,
                column="geometry",
                fix="repair it (QGIS 'Fix geometries' or shapely.make_valid) and import again",
            )
        )
    if findings:
        raise ValidationError(f"{source}: {len(findings)} invalid neighbourhood(s)", findings)
    tree = shapely.STRtree(geom.values)
    left, right = tree.query(geom.values, predicate="intersects")
    keep = left < right
    for a, b in zip(left[keep], right[keep], strict=True):
        shared = shapely.intersection(geom.iloc[a], geom.iloc[b]).area
        if shared > overlap_tolerance_m2:
            findings.append(
                Finding(
                    f"{_label(areas, int(a))} and {_label(areas, int(b))} overlap by "
                    f"{shared:,.0f} m² (more than {overlap_tolerance_m2:,.0f} m²)",
                    file=source,
                    row=int(a) + 1,
                    column="geometry",
                    fix="neighbourhoods must not overlap: cut the shared area from one of them",
                )
            )
    if findings:
        raise ValidationError(
            f"{source}: {len(findings)} pair(s) of neighbourhoods overlap (a person would be "
            "counted twice)",
            findings,
        )
    warnings: list[str] = []
    if boundary is not None:
        city = shapely.make_valid(boundary.to_crs(crs).union_all())
        union = shapely.union_all(geom.values)
        # the boundary minus the union is slow to build when it is (nearly) empty, as for
        # neighbourhoods cut to the boundary; the area outside them is the boundary's
        # area less its intersection's, several times faster: the exact difference is
        # built only when that says there may be a gap to report
        rough = city.area - shapely.intersection(city, union).area
        gap = shapely.difference(city, union) if rough > gap_tolerance_m2 / 2 else shapely.Polygon()
        if gap.area > gap_tolerance_m2:
            text = (
                f"{source}: {gap.area / 1e6:,.3f} km² of the city boundary "
                f"({100 * gap.area / max(city.area, 1e-9):.1f} %) lies in no neighbourhood "
                f"(tolerance {gap_tolerance_m2:,.0f} m²); its people are reported as "
                "'outside every neighbourhood'"
            )
            if strict:
                raise SpatialInputError(
                    source,
                    text.split(": ", 1)[1],
                    "add neighbourhoods that cover the gap, "
                    "or run without --strict to accept it as a warning",
                )
            warnings.append(text)
    return warnings


def _finish(
    gdf: gpd.GeoDataFrame,
    ids: Any,
    names: Any,
    provenance: dict[str, Any],
    boundary: gpd.GeoDataFrame | None,
    *,
    source: str,
    strict: bool,
) -> Neighbourhoods:
    areas = gpd.GeoDataFrame(
        {"area_id": [str(i) for i in ids], "name": [str(n) for n in names]},
        geometry=gdf.geometry.to_crs("EPSG:4326").values,
        crs="EPSG:4326",
    )
    dup = areas["area_id"].duplicated(keep=False)
    if dup.any():
        rows = [int(i) + 1 for i in np.flatnonzero(dup.to_numpy())]
        raise ValidationError(
            f"{source}: neighbourhood ids are not unique",
            [
                Finding(
                    f"id {areas['area_id'].iloc[r - 1]!r} is used more than once",
                    file=source,
                    row=r,
                    column="area_id",
                    fix="give each neighbourhood its own id",
                )
                for r in rows[:50]
            ],
        )
    warnings = check_partition(areas, boundary, source=source, strict=strict)
    provenance = {
        **provenance,
        "count": len(areas),
        "partition_rule": (
            "overlaps > 100 m² are an error; boundary land outside every neighbourhood > 1 ha "
            "is a warning (an error with --strict)"
        ),
    }
    return Neighbourhoods(areas, provenance, warnings)


def from_file(
    path: str | Path,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
    strict: bool = False,
) -> Neighbourhoods:
    """Neighbourhood polygons from a file (validated; see :func:`check_partition`)."""
    from sdgcities.spatial._vector import read_polygons

    gdf = read_polygons(path, what="neighbourhoods")
    cols = [str(c) for c in gdf.columns if c != "geometry"]
    for wanted, flag in ((id_column, "--id-column"), (name_column, "--name-column")):
        if wanted is not None and wanted not in gdf.columns:
            raise SpatialInputError(
                path,
                f"has no column {wanted!r} (found {', '.join(cols) or 'none'})",
                f"pass {flag} naming one of its columns",
            )
    idc = id_column or _pick(cols, _ID_NAMES)
    namec = name_column or _pick(cols, _NAME_NAMES)
    ids = gdf[idc].astype(str).tolist() if idc else [str(i + 1) for i in range(len(gdf))]
    names = gdf[namec].fillna("").astype(str).tolist() if namec else list(ids)
    names = [n or i for n, i in zip(names, ids, strict=True)]
    prov = {"source": "file", "file": Path(path).name, "id_column": idc, "name_column": namec}
    return _finish(gdf, ids, names, prov, boundary, source=str(path), strict=strict)


def _extent(boundary: gpd.GeoDataFrame | None, bbox: tuple[float, ...] | None) -> Any:
    if boundary is not None:
        return shapely.make_valid(boundary.to_crs("EPSG:4326").union_all())
    if bbox is None:
        raise SpatialInputError(
            "<neighbourhoods>",
            "point-mapped places need an area to divide",
            "pass --boundary (the city boundary)",
        )
    return shapely.box(*bbox)


def from_osm(
    osm_path: str | Path,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    admin_level: str | None = None,
    extras: Any = None,
    strict: bool = False,
) -> Neighbourhoods:
    """Neighbourhoods from the extract: ``place=*`` areas (points → Voronoi cells clipped to
    the boundary), or, with ``admin_level``, ``boundary=administrative`` areas of that level.

    Place areas win over place points of the same name; points inside a place area are
    dropped (the area already stands for them).
    """
    from sdgcities.profiling.osmextra import read_osm_extras

    ex = extras if extras is not None else read_osm_extras(osm_path, buildings=False)
    src = str(osm_path)
    extent = _extent(boundary, bbox)
    if admin_level is not None:
        adm = ex.admin.loc[ex.admin["admin_level"].astype(str) == str(admin_level)]
        if adm.empty:
            levels = sorted(set(ex.admin["admin_level"].dropna().astype(str)))
            raise SpatialInputError(
                src,
                f"has no boundary=administrative area of admin_level={admin_level}",
                f"use one of {', '.join(levels)}"
                if levels
                else "use place=* neighbourhoods (--neighbourhoods osm) or import polygons",
            )
        clipped = adm.geometry.intersection(extent)
        adm = adm.loc[~clipped.is_empty].assign(geometry=clipped[~clipped.is_empty].values)
        prov_admin = {
            "source": "osm-admin",
            "file": Path(osm_path).name,
            "admin_level": admin_level,
        }
        return _finish(
            adm,
            [f"r{i}" for i in adm["osm_id"]],
            adm["name"].fillna(""),
            prov_admin,
            boundary,
            source=src,
            strict=strict,
        )
    pl = ex.places
    if pl.empty:
        raise SpatialInputError(
            src,
            "has no place=neighbourhood|suburb|quarter",
            "import neighbourhood polygons "
            "(--neighbourhoods FILE), use --admin-level, or H3 cells (--h3 7)",
        )
    kind = pl.geometry.geom_type
    polys = pl.loc[kind.isin(["Polygon", "MultiPolygon"])]
    pts = pl.loc[kind == "Point"]
    # an area mapped for a place stands for it; so do areas a point falls in
    if not polys.empty and not pts.empty:
        inside = shapely.contains_xy(polys.union_all(), pts.geometry.x, pts.geometry.y)
        named = set(polys["name"].dropna())
        pts = pts.loc[~inside & ~pts["name"].isin(named)]
    parts: list[gpd.GeoDataFrame] = []
    if not polys.empty:
        # nested places (a suburb holding its quarters): keep the finest level
        order = {"quarter": 0, "neighbourhood": 1, "suburb": 2}
        polys = polys.assign(_o=polys["place"].map(order)).sort_values("_o")
        taken = shapely.Polygon()
        keep = []
        for _, row in polys.iterrows():
            g = shapely.difference(shapely.intersection(row.geometry, extent), taken)
            if g.area > 0:
                keep.append({**row.drop(["geometry", "_o"]).to_dict(), "geometry": g})
                taken = shapely.union(taken, g)
        parts.append(gpd.GeoDataFrame(keep, geometry="geometry", crs="EPSG:4326"))
        extent_left = shapely.difference(extent, taken)
    else:
        extent_left = extent
    if len(pts):
        crs = metric_crs(pts)
        mp = pts.to_crs(crs)
        region = gpd.GeoSeries([extent_left], crs="EPSG:4326").to_crs(crs).iloc[0]
        cells = shapely.voronoi_polygons(
            shapely.multipoints(mp.geometry.values), extend_to=region.envelope.buffer(1000)
        )
        cells = list(shapely.get_parts(cells))
        tree = shapely.STRtree(cells)
        # voronoi output is not in input order: match each point to its cell
        idx = tree.query(mp.geometry.values, predicate="within")
        cell_of = dict(zip(idx[0], idx[1], strict=True))
        geoms = [shapely.intersection(cells[cell_of[i]], region) for i in range(len(mp))]
        vor = gpd.GeoDataFrame(
            pts.drop(columns="geometry").reset_index(drop=True),
            geometry=gpd.GeoSeries(geoms, crs=crs).to_crs("EPSG:4326").values,
            crs="EPSG:4326",
        )
        parts.append(vor.loc[~vor.geometry.is_empty])
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    prov: dict[str, Any] = {
        "source": "osm",
        "file": Path(osm_path).name,
        "tags": "place=neighbourhood|suburb|quarter",
        "areas": len(polys),
        "points_as_voronoi": len(pts),
        "rule": "areas as mapped (finest level kept where nested); point-mapped places "
        "become Voronoi cells clipped to the boundary",
    }
    ids = [
        f"{'w' if g.geom_type != 'Point' else 'n'}{i}"
        for i, g in zip(gdf["osm_id"], gdf.geometry, strict=True)
    ]
    names = [n if isinstance(n, str) and n else i for n, i in zip(gdf["name"], ids, strict=True)]
    return _finish(gdf, ids, names, prov, boundary, source=src, strict=strict)


def from_h3(
    points: gpd.GeoDataFrame,
    resolution: int,
    *,
    boundary: gpd.GeoDataFrame | None = None,
) -> Neighbourhoods:
    """H3 cells of ``resolution`` holding at least one population point (clipped to the
    boundary when one is given)."""
    if not 0 <= resolution <= 15:
        raise SpatialInputError(
            "<parameters>",
            f"--h3 {resolution} is not an H3 resolution",
            "give 0–15 (7 ≈ 5.2 km², 8 ≈ 0.74 km²)",
        )
    pts = points.to_crs("EPSG:4326")
    cells = sorted(
        {
            h3.latlng_to_cell(la, lo, resolution)
            for lo, la in zip(pts.geometry.x, pts.geometry.y, strict=True)
        }
    )
    geoms = [shapely.Polygon([(lo, la) for la, lo in h3.cell_to_boundary(c)]) for c in cells]
    gdf = gpd.GeoDataFrame({"area_id": cells}, geometry=geoms, crs="EPSG:4326")
    if boundary is not None:
        gdf = gdf.assign(
            geometry=gdf.geometry.intersection(
                shapely.make_valid(boundary.to_crs("EPSG:4326").union_all())
            )
        )
        gdf = gdf.loc[~gdf.geometry.is_empty]
    prov = {"source": "h3", "resolution": resolution}
    nb = _finish(gdf, gdf["area_id"], gdf["area_id"], prov, None, source="<h3>", strict=False)
    return nb


def assign_points(areas: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Index (row of ``areas``) of the neighbourhood each point lies in, -1 for none."""
    out = np.full(len(lon), -1, dtype=np.int64)
    if len(lon) == 0:
        return out
    pts = shapely.points(np.asarray(lon, float), np.asarray(lat, float))
    tree = shapely.STRtree(areas.geometry.values)
    pi, ai = tree.query(pts, predicate="intersects")
    # a point on a shared edge goes to the first area (no double counting)
    first = np.unique(pi, return_index=True)[1]
    out[pi[first]] = ai[first]
    return out
