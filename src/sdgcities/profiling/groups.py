"""Profiles by population group in migration and displacement contexts (programme 4).

Group counts (host community, migrants, refugees, internally displaced persons …; and,
where present, by sex ``female``/``male`` and age ``age_*``) come as columns of a table
keyed like the population layer (an H3/id column both share, else the same features in
the same order). Each partition of the population — the groups, the sexes, the age
bands — must add up to the feature's total population within ``tolerance`` (the larger
of 0.5 person and 1 %); a feature that does not is an error naming it and both sums.

Per group ``g`` (weights ``G_i``) and area (the city, each camp or settlement):
every access indicator ``100 · Σ G_i · s_i / Σ G_i`` with ``s_i`` the same per-point
result the neighbourhood profile uses (:func:`sdgcities.profiling.profile.indicator_values`),
density ``Σ G_i / area``, and the gaps between groups ``x_g − x_ref`` (``ref`` the host
community, or the first group).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from sdgcities.errors import Finding, SpatialInputError, ValidationError

_KEYS = ("h3", "id", "h3_index", "hex", "hex_id", "cell", "fid", "code")
_NOT_GROUPS = {
    "population",
    "pop",
    "total",
    "lon",
    "lat",
    "lng",
    "x",
    "y",
    "longitude",
    "latitude",
    "geometry",
    "schools",
    "jobs",
    "healthcare",
    "name",
}
SEX_COLUMNS = ("female", "male")
REFERENCE_NAMES = ("host", "host_community", "hosts", "residents")


@dataclass
class GroupTable:
    """Group counts joined to the population features (``frame``: population + groups)."""

    frame: pd.DataFrame | gpd.GeoDataFrame
    groups: list[str]
    sexes: list[str]
    ages: list[str]
    key: str | None
    source: str
    reference: str

    @property
    def all_columns(self) -> list[str]:
        return [*self.groups, *self.sexes, *self.ages]


def _read_table(path: Path) -> pd.DataFrame | gpd.GeoDataFrame:
    if not path.is_file():
        raise SpatialInputError(path, "groups file not found", "check the path")
    if path.suffix.lower() == ".csv":
        try:
            return pd.read_csv(path)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise SpatialInputError(
                path, f"cannot be read as CSV ({exc})", "save it as UTF-8 CSV"
            ) from exc
    from sdgcities.spatial._vector import read_vector

    return read_vector(path, what="groups layer")


def check_sums(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    total: str,
    what: str,
    source: str,
    keys: list[str],
    tolerance: float = 0.01,
) -> None:
    """Refuse features whose ``columns`` do not add up to ``total`` (see the docstring)."""
    tot = frame[total].to_numpy(dtype=float)
    s = frame[columns].to_numpy(dtype=float).sum(axis=1)
    bad = np.abs(s - tot) > np.maximum(0.5, tolerance * np.abs(tot))
    if bad.any():
        idx = np.flatnonzero(bad)
        raise ValidationError(
            f"{source}: the {what} of {len(idx)} feature(s) do not add up to the population "
            f"({' + '.join(c.removeprefix('pop_') for c in columns)} ≠ population)",
            [
                Finding(
                    f"feature {keys[i]!r}: {what} add up to {s[i]:,.1f} but the population "
                    f"is {tot[i]:,.1f}",
                    file=source,
                    column=", ".join(c.removeprefix("pop_") for c in columns),
                    fix="correct the counts so that they sum to the feature's population "
                    "(tolerance: 0.5 person or 1 %)",
                )
                for i in idx[:100]
            ],
        )


def read_groups(
    path: str | Path,
    population_path: str | Path,
    *,
    columns: list[str] | None = None,
    population_column: str | None = None,
    reference: str | None = None,
) -> GroupTable:
    """Join group counts to the population layer and check that they sum to it."""
    gp, pp = Path(path), Path(population_path)
    if pp.suffix.lower() in (".tif", ".tiff"):
        raise SpatialInputError(
            pp,
            "group counts are joined to population features, not raster cells",
            "pass the population as a grid/H3 CSV or GeoPackage with the same ids as the groups",
        )
    g = _read_table(gp)
    p = _read_table(pp)
    from sdgcities.spatial.population import _POP_NAMES, _pick

    pcol = population_column or _pick([str(c) for c in p.columns], _POP_NAMES)
    if pcol is None or pcol not in p.columns:
        raise SpatialInputError(pp, "has no population column", "pass --population-column")
    low_g = {str(c).lower(): c for c in g.columns}
    low_p = {str(c).lower(): c for c in p.columns}
    key = next((k for k in _KEYS if k in low_g and k in low_p), None)
    if key is not None:
        gk, pk = low_g[key], low_p[key]
        dup = g[gk].astype(str).duplicated()
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            raise SpatialInputError(
                gp,
                f"row {i + 2}: {gk} {g[gk].iloc[i]!r} appears twice",
                "give each feature one row",
            )
        gi = g.set_index(g[gk].astype(str))
        missing = [str(v) for v in p[pk].astype(str) if v not in gi.index]
        if missing:
            raise SpatialInputError(
                gp,
                f"has no row for {len(missing)} population feature(s), e.g. {gk} {missing[0]!r}",
                "add a row (zeros are fine) for every population feature",
            )
        g = gi.reindex(p[pk].astype(str).tolist()).reset_index(drop=True)
    elif len(g) != len(p):
        raise SpatialInputError(
            gp,
            f"has {len(g)} features and no id shared with the population layer ({len(p)} features)",
            f"add an id column (one of {', '.join(_KEYS)}) to both",
        )
    numeric = [
        c
        for c in g.columns
        if str(c).lower() not in _NOT_GROUPS
        and str(c).lower() not in _KEYS
        and pd.api.types.is_numeric_dtype(g[c])
    ]
    if columns:
        unknown = [c for c in columns if c not in g.columns]
        if unknown:
            raise SpatialInputError(
                gp,
                f"has no column(s) {', '.join(unknown)}",
                f"use columns of the file: {', '.join(map(str, numeric))}",
            )
        groups = list(columns)
    else:
        groups = [
            str(c)
            for c in numeric
            if str(c).lower() not in SEX_COLUMNS and not str(c).lower().startswith("age_")
        ]
    sexes = [str(c) for c in numeric if str(c).lower() in SEX_COLUMNS]
    ages = [str(c) for c in numeric if str(c).lower().startswith("age_")]
    if len(groups) < 2:
        raise SpatialInputError(
            gp,
            f"has {len(groups)} group column(s) ({', '.join(groups)})",
            "give at least two groups, e.g. host,refugees",
        )
    frame = p.copy()
    for c in [*groups, *sexes, *ages]:
        v = pd.to_numeric(g[c], errors="coerce")
        bad = v.isna() | (v < 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValidationError(
                f"{gp}: group counts must be numbers ≥ 0",
                [
                    Finding(
                        "not a count of people",
                        file=str(gp),
                        row=i + 2,
                        column=str(c),
                        value=str(g[c].iloc[i]),
                        fix="write a number ≥ 0",
                    )
                ],
            )
        frame[f"pop_{c}"] = v.to_numpy(dtype=float)
    keys = p[low_p[key]].astype(str).tolist() if key else [str(i + 1) for i in range(len(p))]
    frame["_total"] = pd.to_numeric(frame[pcol], errors="coerce")
    for cols, what in ((groups, "groups"), (sexes, "sexes"), (ages, "age bands")):
        if cols:
            check_sums(
                frame,
                [f"pop_{c}" for c in cols],
                total="_total",
                what=what,
                source=str(gp),
                keys=keys,
            )
    frame = frame.drop(columns="_total")
    ref = reference or next((c for c in groups if c.lower() in REFERENCE_NAMES), groups[0])
    if ref not in groups:
        raise SpatialInputError(
            gp, f"reference group {ref!r} is not a group column", f"use one of {', '.join(groups)}"
        )
    return GroupTable(frame, groups, sexes, ages, key, str(gp), ref)


def write_population_with_groups(table: GroupTable, original: Path, folder: Path) -> Path:
    """The population layer with ``pop_<group>`` columns, for the engine to read."""
    out = folder / f"population_groups{'.csv' if original.suffix.lower() == '.csv' else '.gpkg'}"
    if out.suffix == ".csv":
        pd.DataFrame(table.frame).to_csv(out, index=False)
    else:
        gpd.GeoDataFrame(table.frame).to_file(out, driver="GPKG")
    return out


@dataclass
class GroupProfile:
    groups: list[str]
    reference: str
    city: dict[str, dict[str, Any]]  # group -> indicators
    gaps: dict[str, dict[str, float | None]]  # group -> indicator -> x_g - x_ref
    areas: list[dict[str, Any]]  # per area: name, per group indicators
    provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    area_layer: gpd.GeoDataFrame | None = None
    points: gpd.GeoDataFrame | None = None
    sexes: list[str] = field(default_factory=list)
    ages: list[str] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "kind": "group_profile",
            "groups": self.groups,
            "reference": self.reference,
            "population_total": self.city.get("_all", {}).get("population"),
            "by_group": self.city,
            "gaps_to_reference": self.gaps,
            "areas": self.areas,
            "sexes": self.sexes,
            "age_bands": self.ages,
            "provenance": self.provenance,
            "warnings": self.warnings,
        }


def _group_values(pts: Any, mask: np.ndarray, col: str, area_km2: float | None) -> dict[str, Any]:
    from sdgcities.profiling.profile import indicator_values

    vals = indicator_values(pts, mask, weight=col)
    people = vals.pop(col)
    vals = {"population": people, **vals}
    if area_km2:
        vals["density_per_km2"] = round(people / area_km2, 3)
    return vals


def group_profile(
    kit: Any,
    table: GroupTable,
    *,
    areas: gpd.GeoDataFrame | None = None,
    params: dict[str, Any] | None = None,
) -> GroupProfile:
    """Per group and area (see the module docstring); the engine runs once on the kit."""
    from sdgcities.profiling.areas import assign_points, metric_crs
    from sdgcities.profiling.osmextra import read_osm_extras
    from sdgcities.profiling.profile import points_from_kit

    if kit.osm is None or kit.population is None:
        raise SpatialInputError(
            kit.root or "<kit>", "a group profile needs --osm and --population", "pass both"
        )
    with tempfile.TemporaryDirectory() as tmp:
        merged = write_population_with_groups(table, Path(kit.population), Path(tmp))
        k2 = replace(kit, population=merged)
        extras = read_osm_extras(kit.osm, buildings=False)
        pts, ctx, prov, warnings, _t = points_from_kit(k2, dict(params or {}), extras=extras)
    cols = {g: f"pop_{g}" for g in [*table.groups, *table.sexes, *table.ages]}
    missing = [g for g, c in cols.items() if c not in pts.weights]
    if missing:
        raise SpatialInputError(
            table.source,
            f"groups {missing} were lost reading the layer",
            "name group columns with letters, digits and _",
        )
    every = np.ones(len(pts.lon), dtype=bool)
    city_area = None
    if ctx.boundary is not None:
        city_area = float(ctx.boundary.to_crs(metric_crs(ctx.boundary)).area.sum()) / 1e6
    city: dict[str, dict[str, Any]] = {"_all": _group_values(pts, every, "population", city_area)}
    for g, c in cols.items():
        city[g] = _group_values(pts, every, c, city_area)
    ref = city[table.reference]
    gaps: dict[str, dict[str, float | None]] = {}
    for g in table.groups:
        if g == table.reference:
            continue
        gaps[g] = {
            k: (None if v is None or ref.get(k) is None else round(v - ref[k], 4))
            for k, v in city[g].items()
            if k != "population" and isinstance(v, int | float)
        }
    rows: list[dict[str, Any]] = []
    if areas is not None and len(areas):
        where = assign_points(areas.to_crs("EPSG:4326"), pts.lon, pts.lat)
        km2 = areas.to_crs(metric_crs(areas)).area.to_numpy() / 1e6
        for i in range(len(areas)):
            m = where == i
            rows.append(
                {
                    "zone": str(areas["zone"].iloc[i]),
                    "name": str(areas["name"].iloc[i]),
                    "area_km2": round(float(km2[i]), 6),
                    "groups": {g: _group_values(pts, m, c, float(km2[i])) for g, c in cols.items()},
                }
            )
    import shapely

    pgdf = gpd.GeoDataFrame(
        {g: pts.weights[c] for g, c in cols.items()},
        geometry=shapely.points(pts.lon, pts.lat),
        crs="EPSG:4326",
    )
    pgdf["population"] = pts.weights["population"]
    prov = {
        **prov,
        "groups_file": Path(table.source).name,
        "key": table.key,
        "reference": table.reference,
        "tolerance": "0.5 person or 1 % per feature",
        "attribution": "© OpenStreetMap contributors, ODbL 1.0",
    }
    return GroupProfile(
        table.groups,
        table.reference,
        city,
        gaps,
        rows,
        prov,
        warnings,
        areas,
        pgdf,
        table.sexes,
        table.ages,
    )


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and math.isfinite(v)


def group_layer_features(gp: GroupProfile, *, max_points: int = 5000) -> gpd.GeoDataFrame:
    """The map layer of a group profile: the camps/settlements (areas) when given, each
    with, per group ``g``, its people (``g``), its share of the area's people
    (``g_share``, %) and its indicators (``g__<indicator>``); else the population points
    with their group counts and shares (the first ``max_points``)."""
    if gp.area_layer is not None and len(gp.area_layer) and gp.areas:
        rows = []
        for r in gp.areas:
            total = sum(float(v.get("population") or 0) for g, v in r["groups"].items()
                        if g in gp.groups)  # fmt: skip
            row: dict[str, Any] = {"name": r["name"], "population": total}
            for g, vals in r["groups"].items():
                row[g] = vals.get("population")
                row[f"{g}_share"] = 100 * (vals.get("population") or 0) / total if total else None
                for k, v in vals.items():
                    if k != "population" and _finite(v):
                        row[f"{g}__{k}"] = v
            rows.append(row)
        return gpd.GeoDataFrame(
            pd.DataFrame(rows), geometry=gp.area_layer.geometry.values, crs=gp.area_layer.crs
        )
    pts = gp.points if gp.points is not None else gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    pts = pts.head(max_points).copy()
    for g in gp.groups:
        if g in pts:
            pts[f"{g}_share"] = (100 * pts[g] / pts["population"]).where(pts["population"] > 0)
    return pts
