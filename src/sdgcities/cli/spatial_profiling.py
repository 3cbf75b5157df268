"""CLI: ``sdgcities spatial neighbourhoods | exposure | group-profile`` (issue 12).

Registered on the ``spatial`` group by :func:`register_profiling`; heavy imports stay
inside the commands.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from sdgcities.cli._common import console, err_console, handle_errors, progress

if TYPE_CHECKING:
    from sdgcities.spatial.kit import CityKit


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON atomically (a temp file renamed), so nothing is half-written."""
    from sdgcities.cli.spatial import _json_safe

    text = json.dumps(_json_safe(payload), indent=2, default=str, allow_nan=False)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
    console.print(f"[green]✓[/] result written to {path}")


def _write_layer(gdf: Any, path: Path) -> None:
    tmp = path.with_name(f"{path.stem}_tmp{path.suffix}")
    if tmp.exists():
        tmp.unlink()
    ext = path.suffix.lower()
    if ext == ".gpkg":
        gdf.to_file(tmp, driver="GPKG", layer=path.stem)
    elif ext in (".parquet", ".geoparquet"):
        gdf.to_parquet(tmp)
    else:
        gdf.to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON")
    os.replace(tmp, path)
    console.print(f"[green]✓[/] layer written to {path}")


#: what :func:`_write_layer` writes, by suffix
_LAYER_SUFFIXES = {".gpkg": "GeoPackage", ".parquet": "GeoParquet", ".geoparquet": "GeoParquet",
                   ".geojson": "GeoJSON", ".json": "GeoJSON"}  # fmt: skip


def _check_paths(**outputs: Path | None) -> None:
    """Refuse output paths that cannot be written, before any work (exit 2).

    Local to profiling so that the command does not import the store's models (which
    :mod:`sdgcities.spatial.layers` does) before it needs them. ``outputs`` maps an option
    name (``json``, ``layer``, ``report``) to its path."""
    suffixes = {"json": {".json": "JSON"}, "report": {".html": "HTML", ".pdf": "PDF"}}
    for flag, path in outputs.items():
        if path is None:
            continue
        known = suffixes.get(flag, _LAYER_SUFFIXES)
        problem = None
        if path.suffix.lower() not in known:
            suffix = path.suffix or "(no suffix)"
            problem = f"unknown output format {suffix!r}; use {', '.join(known)}"
        elif path.is_dir():
            problem = "is a folder; name a file to write"
        elif not path.parent.is_dir():
            problem = f"folder {path.parent} does not exist; create it first"
        if problem:
            raise typer.BadParameter(f"{path}: {problem}", param_hint=f"'--{flag}'")


_CITY_HELP = "Also keep the result in the store as a DRAFT layer of this city (name or slug)."


def _store(city: str, kind: str, features: dict[str, Any], summary: dict[str, Any]) -> None:
    """Keep a layer as a draft of ``city`` (one transaction)."""
    from sdgcities.cities.service import get_city
    from sdgcities.cli._common import engine
    from sdgcities.profiling.service import store_layer
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        c = get_city(session, city)
        layer = store_layer(
            session, c, kind, features, summary, summary.get("provenance", {}), user="sdgcities cli"
        )
        lid, name = layer.id, c.name
    console.print(f"[green]✓[/] stored as draft layer {lid} of {name} (review, then publish)")


def _check_city(city: str | None) -> None:
    """Fail before any work when ``--city`` names no city of the store."""
    if city is None:
        return
    from sdgcities.cities.service import get_city
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        get_city(session, city)


def _exposure_features(res: Any) -> dict[str, Any]:
    """Population features with their exposed share, and up to 5,000 exposed buildings."""
    import geopandas as gpd
    import pandas as pd

    from sdgcities.profiling.service import feature_collection

    parts = []
    if res.cells is not None and len(res.cells):
        c = res.cells.to_crs("EPSG:4326")
        share = (100 * c["population_exposed"] / c["population"]).where(c["population"] > 0)
        parts.append(c.assign(kind="population", exposed_share=share))
    if res.buildings is not None and len(res.buildings):
        b = res.buildings.to_crs("EPSG:4326")
        b = b.loc[~b["hazard_class"].isin(["not exposed", "unknown"])].head(5000)
        parts.append(
            gpd.GeoDataFrame(
                {"kind": "building", "hazard_class": b["hazard_class"]},
                geometry=b.geometry.values,
                crs="EPSG:4326",
            )
        )
    if not parts:
        return {"type": "FeatureCollection", "features": []}
    return feature_collection(
        gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    )


def _kit(
    kit_dir: Path | None,
    osm: Path | None,
    population: Path | None,
    gtfs: list[Path],
    boundary: Path | None,
    pm25: Path | None,
    built_up_area: Path | None,
) -> CityKit:
    from sdgcities.spatial.kit import CityKit, discover_kit

    k = discover_kit(kit_dir) if kit_dir is not None else CityKit()
    for name, value in (
        ("osm", osm),
        ("population", population),
        ("boundary", boundary),
        ("pm25", pm25),
        ("built_up_area", built_up_area),
    ):
        if value is not None:
            setattr(k, name, value)
    if gtfs:
        k.gtfs = list(gtfs)
    if k.osm is None:
        raise typer.BadParameter(
            "give --osm F.pbf (or --kit DIR holding one)", param_hint="'--osm'"
        )
    return k


def _floats(text: str | None, flag: str) -> tuple[float, ...]:
    if not text:
        return ()
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a comma-separated list of numbers", param_hint=f"'{flag}'"
        ) from None


def _dimensions(path: Path | None) -> Any:
    if path is None:
        return None
    import yaml

    from sdgcities.errors import InputFileError
    from sdgcities.profiling.deprivation import parse_dimensions

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputFileError(
            path,
            f"is not valid YAML/JSON ({exc})",
            "write a list of {column, cutoff, higher_is_better, weight}",
        ) from exc
    if isinstance(data, dict):
        data = data.get("dimensions")
    if not isinstance(data, list):
        raise InputFileError(path, "holds no list of dimensions", "write `dimensions:` and a list")
    return parse_dimensions(data, source=str(path))


def neighbourhoods(
    osm: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="OpenStreetMap extract (.osm.pbf)."
    ),
    population: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="Population (GeoTIFF, grid, H3/lon-lat CSV); without it, estimated "
        "from OSM buildings (flagged).",
    ),
    neighbourhoods_file: Path | None = typer.Option(
        None,
        "--neighbourhoods",
        help="Neighbourhood polygons (.gpkg/.geojson); default: "
        "OSM place=neighbourhood|suburb|quarter from the extract.",
    ),
    h3: int | None = typer.Option(
        None, "--h3", min=0, max=15, help="Use H3 cells of this resolution as neighbourhoods."
    ),
    admin_level: str | None = typer.Option(
        None, help="Use OSM boundary=administrative areas of this admin_level."
    ),
    gtfs: list[Path] = typer.Option([], exists=True, help="GTFS feed(s) for 11.2.1."),
    boundary: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="City boundary (.geojson/.gpkg)."
    ),
    pm25: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="PM2.5 raster (µg/m³)."
    ),
    built_up_area: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="Built-up area for 11.7.1 (a)."
    ),
    kit: Path | None = typer.Option(
        None,
        file_okay=False,
        exists=True,
        help="A kit folder; the options above override its files.",
    ),
    targets: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="CSV of indicator,target (2030)."
    ),
    dimensions: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="Deprivation dimensions (YAML/JSON list of column, cutoff, "
        "higher_is_better, weight); default: sdgcities.profiling.deprivation.DEFAULT_DIMENSIONS.",
    ),
    k: float = typer.Option(
        1 / 3,
        min=0.0001,
        max=1.0,
        help="Poverty cut-off k (share of weighted dimensions), default 1/3.",
    ),
    strict: bool = typer.Option(
        False, help="Treat boundary gaps between neighbourhoods as errors."
    ),
    settlements: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="Informal settlement polygons; default: OSM residential=informal areas "
        "(when mapped). Adds people inside/outside them and the 11.1.1 proxy.",
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write the profiles as JSON here."),
    layer: Path | None = typer.Option(
        None, help="Write the profile layer (.gpkg/.geojson/.parquet)."
    ),
    city: str | None = typer.Option(None, help=_CITY_HELP),
) -> None:
    """Neighbourhood profiles, gaps and the Alkire–Foster deprivation ranking.

    Per neighbourhood: population, density, 11.2.1 and 11.7.1 b (population-weighted
    from the engine's hexes), PM2.5 when a raster is given, built-up density, and the
    share of people within 15 and 30 minutes' walk (4.8 km/h) of schools, health care
    and jobs/food; gaps to the city and to --targets; a deprivation ranking.

    Examples:

      sdgcities spatial neighbourhoods --osm city.osm.pbf --population pop.csv
      --neighbourhoods barrios.gpkg --json profiles.json --layer profiles.gpkg

      sdgcities spatial neighbourhoods --kit kits/las_palmas --h3 7 --targets targets.csv
    """
    from sdgcities.profiling.profile import neighbourhood_profiles, read_targets

    _check_paths(layer=layer, json=json_out)
    _check_city(city)
    if sum(x is not None for x in (neighbourhoods_file, h3, admin_level)) > 1:
        raise typer.BadParameter(
            "choose one of --neighbourhoods, --h3 and --admin-level",
            param_hint="'--neighbourhoods'",
        )
    if (
        neighbourhoods_file is not None
        and str(neighbourhoods_file) != "osm"
        and not neighbourhoods_file.is_file()
    ):
        from sdgcities.errors import InputFileError

        raise InputFileError(
            neighbourhoods_file,
            "neighbourhoods file does not exist",
            "check the path (or leave it out for OSM places)",
        )
    city_kit = _kit(kit, osm, population, gtfs, boundary, pm25, built_up_area)
    tg = read_targets(targets) if targets else None
    dims = _dimensions(dimensions)
    with progress("neighbourhood profiles", total=4) as advance:
        prof = neighbourhood_profiles(
            city_kit,
            neighbourhoods=neighbourhoods_file,
            h3_resolution=h3,
            admin_level=admin_level,
            targets=tg,
            dimensions=dims,
            k=k,
            strict=strict,
            progress=lambda _m: advance(1),
            settlements=settlements,
        )
    t = prof.table.sort_values(
        "af_score" if "af_score" in prof.table else "population", ascending=False
    )
    table = Table(title=f"{len(t)} neighbourhoods — most deprived first", header_style="bold")
    for col in ("rank", "neighbourhood", "people", "score", "deprived in"):
        table.add_column(col)
    for r in t.head(10).to_dict("records"):
        rank = r.get("af_rank")
        table.add_row(
            "—" if rank is None or rank != rank else str(int(rank)),
            str(r["name"]),
            f"{r['population']:,.0f}",
            f"{r.get('af_score', float('nan')):.2f}",
            str(r.get("af_deprived_in", "")),
        )
    console.print(table)
    if prof.deprivation is not None:
        d = prof.deprivation
        console.print(
            f"Alkire–Foster (k = {d.k:.2f}): H = {d.H:.3f}, A = {d.A:.3f}, "
            f"M0 = {d.M0:.3f}; dimensions: " + ", ".join(x["rule"] for x in d.dimensions_used)
        )
    if prof.slum_proxy is not None and prof.slum_proxy["value"] is not None:
        console.print(
            f"11.1.1 from mapped settlements ({prof.slum_proxy['settlements_from']}): "
            f"{prof.slum_proxy['value']:.1f} % of the population — a proxy, not the "
            "household-survey value"
        )
    for w in prof.warnings:
        err_console.print(f"[yellow]⚠[/] {w}")
    console.print(
        f"[dim]neighbourhoods: {prof.provenance['neighbourhoods'].get('source')}; "
        f"time {prof.timings.get('total', 0):.2f} s[/]"
    )
    if layer is not None:
        _write_layer(prof.table, layer)
    if json_out is not None:
        _write_json(json_out, prof.to_json_dict())
    if city is not None:
        from sdgcities.profiling.service import feature_collection

        summary = prof.to_json_dict()
        summary.pop("neighbourhoods", None)
        _store(city, "neighbourhoods", feature_collection(prof.table), summary)


def exposure(
    hazard: Path = typer.Option(
        ...,
        exists=True,
        dir_okay=False,
        help="Hazard raster (GeoTIFF) or hazard polygons (.gpkg/.geojson/.shp), with a CRS.",
    ),
    hazard_field: str | None = typer.Option(
        None,
        help="Polygons: the attribute holding the hazard value (e.g. depth) that "
        "--below/--above read; without it everything inside the polygons is exposed.",
    ),
    below: float | None = typer.Option(
        None, help="Exposed where the value is below this level, in metres (e.g. elevation)."
    ),
    above: float | None = typer.Option(
        None,
        help="Exposed where the value is above this, in the raster's units (flood depth, heat …).",
    ),
    units: str | None = typer.Option(
        None, help="The raster's units when its metadata does not say (m, cm, degC, index …)."
    ),
    classes: str | None = typer.Option(
        None,
        help="Class breakpoints inside the exposed range, "
        "e.g. 0.5,1 (same units as --below/--above).",
    ),
    population: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="Population: raster, polygon grid, or H3/lon-lat CSV.",
    ),
    population_column: str | None = typer.Option(None, help="Population column name."),
    buildings: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="Buildings: .osm.pbf or a polygon/point layer."
    ),
    settlements: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="Informal settlement polygons; default with an .osm.pbf --buildings: "
        "OSM residential=informal areas.",
    ),
    neighbourhoods_file: Path | None = typer.Option(
        None, "--neighbourhoods", exists=True, dir_okay=False, help="Neighbourhood polygons."
    ),
    return_period: str | None = typer.Option(None, help="Recorded: e.g. 100 (years)."),
    scenario: str | None = typer.Option(None, help="Recorded: e.g. SSP2-4.5 2050."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the result as JSON here."),
    layer: Path | None = typer.Option(
        None,
        help="Write the population features with their exposed people (.gpkg/.geojson/.parquet).",
    ),
    city: str | None = typer.Option(None, help=_CITY_HELP),
) -> None:
    """People and buildings exposed to a hazard, inside and outside informal settlements.

    People: exact zonal statistics (exactextract), population evenly spread in each
    feature. Buildings: the hazard at a point inside the footprint.

    Examples:

      sdgcities spatial exposure --hazard dem.tif --below 2 --units m
      --population grid.gpkg --buildings city.osm.pbf --json exposure.json

      sdgcities spatial exposure --hazard flood_rp100.tif --above 0.5 --classes 1,2
      --population pop.tif --settlements informal.gpkg --return-period 100

      sdgcities spatial exposure --hazard flood_zones.gpkg --hazard-field depth
      --above 0.5 --units m --population grid.gpkg --scenario "SSP2-4.5 2050"

      sdgcities spatial exposure --hazard landslide_zones.geojson --population pop.tif
    """
    from sdgcities.profiling import exposure as ex_

    _check_paths(layer=layer, json=json_out)
    _check_city(city)
    polygons = ex_.is_polygon_hazard(hazard)
    both, neither = below is not None and above is not None, below is None and above is None
    if both or (neither and not polygons):
        raise typer.BadParameter(
            "give exactly one of --below METRES and --above VALUE (hazard polygons: at most "
            "one, with --hazard-field)",
            param_hint="'--below'",
        )
    if hazard_field is not None and not polygons:
        raise typer.BadParameter(
            "--hazard-field is for hazard polygons (.gpkg/.geojson/.shp)",
            param_hint="'--hazard-field'",
        )
    if population is None and buildings is None:
        raise typer.BadParameter(
            "give --population and/or --buildings", param_hint="'--population'"
        )
    with progress("hazard exposure", total=3) as advance:
        cls = _floats(classes, "--classes")
        if polygons:
            rule = ex_.polygon_rule(below=below, above=above, units=units, classes=cls)
        else:
            rule = ex_.rule_for(hazard, below=below, above=above, units=units, classes=cls)
        pop = ex_.population_polygons(population, population_column) if population else None
        from sdgcities.profiling.settlements import load_settlements

        blds = ex = None
        if buildings is not None:
            if buildings.name.endswith(".pbf"):
                from sdgcities.profiling.osmextra import read_osm_extras

                ex = read_osm_extras(buildings, buildings=True)
                blds = ex.buildings
            else:
                from sdgcities.spatial._vector import read_vector

                blds = read_vector(buildings, what="buildings")
        advance(1)
        zones, zones_from = load_settlements(settlements, ex)
        nb = None
        if neighbourhoods_file is not None:
            from sdgcities.profiling.areas import from_file

            n = from_file(neighbourhoods_file)
            nb = ex_.zones_from(n.areas.rename(columns={"area_id": "zone"}))
        res = ex_.exposure(
            hazard,
            rule,
            pop,
            buildings=blds,
            settlements=zones,
            neighbourhoods=nb,
            hazard_field=hazard_field,
            settlements_from=zones_from,
        )
        advance(2)
    res.provenance.update(
        {
            "return_period": return_period,
            "scenario": scenario,
            "population": population.name if population else None,
            "buildings": buildings.name if buildings else None,
        }
    )
    t = Table(title=f"Exposure: {rule.text}", header_style="bold")
    for c in ("", "total", "exposed", "share"):
        t.add_column(c, justify="right")
    if pop is not None:
        share = 100 * res.population_exposed / res.population_total if res.population_total else 0
        t.add_row(
            "people",
            f"{res.population_total:,.0f}",
            f"{res.population_exposed:,.0f}",
            f"{share:.1f} %",
        )
    if blds is not None:
        share = 100 * res.buildings_exposed / res.buildings_total if res.buildings_total else 0
        t.add_row(
            "buildings", f"{res.buildings_total:,}", f"{res.buildings_exposed:,}", f"{share:.1f} %"
        )
    console.print(t)
    for row in res.by_class:
        console.print(
            f"  {row['class']}: {row['population_exposed']:,.0f} people, "
            f"{row['buildings_exposed']:,} buildings"
        )
    for r in res.settlements[:5]:
        console.print(f"  #{r['rank']} {r['name']}: {r['population_exposed']:,.0f} people exposed")
    if res.slum_proxy is not None and res.slum_proxy["value"] is not None:
        console.print(
            f"11.1.1 from mapped settlements ({zones_from}): {res.slum_proxy['value']:.1f} % "
            "of the population lives inside them — a proxy, not the household-survey value"
        )
    for w in res.warnings:
        err_console.print(f"[yellow]⚠[/] {w}")
    if layer is not None and res.cells is not None:
        _write_layer(res.cells, layer)
    if json_out is not None:
        _write_json(json_out, res.to_json_dict())
    if city is not None:
        _store(city, "exposure", _exposure_features(res), res.to_json_dict())


def group_profile(
    osm: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="OpenStreetMap extract (.osm.pbf)."
    ),
    population: Path = typer.Option(
        ...,
        exists=True,
        dir_okay=False,
        help="Population features (H3/lon-lat CSV or grid) — the total per feature.",
    ),
    groups: Path = typer.Option(
        ...,
        exists=True,
        dir_okay=False,
        help="Group counts (CSV/GPKG) keyed like the "
        "population (an id/h3 column), one column per group.",
    ),
    group_columns: str | None = typer.Option(
        None, help="Group columns, e.g. host,migrants,refugees,idps (default: all)."
    ),
    reference: str | None = typer.Option(None, help="Reference group (default: host)."),
    gtfs: list[Path] = typer.Option([], exists=True, help="GTFS feed(s) for 11.2.1."),
    boundary: Path | None = typer.Option(None, exists=True, dir_okay=False, help="City boundary."),
    areas: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="Camps and settlements (polygons)."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write the profile as JSON here."),
    report: Path | None = typer.Option(None, help="Write the report (.html or .pdf)."),
    city: str | None = typer.Option(None, help=_CITY_HELP),
) -> None:
    """Urban profile by population group: access, gaps between groups, density.

    The groups (and female/male, age_* columns where present) must add up to each
    feature's population (0.5 person or 1 %), else an error names the feature.

    Example:

      sdgcities spatial group-profile --osm city.osm.pbf --population pop_h3.csv
      --groups groups.csv --areas camps.gpkg --json groups.json --report profile.pdf

      sdgcities spatial group-profile --osm city.osm.pbf --population pop_h3.csv
      --groups groups.csv --areas camps.gpkg --city porto-alegre-bra
    """
    from sdgcities.profiling.groups import group_profile as _group_profile
    from sdgcities.profiling.groups import read_groups

    _check_paths(json=json_out, report=report)
    _check_city(city)
    cols = [c.strip() for c in group_columns.split(",")] if group_columns else None
    city_kit = _kit(None, osm, population, gtfs, boundary, None, None)
    with progress("group profile", total=2) as advance:
        table = read_groups(groups, population, columns=cols, reference=reference)
        zones = None
        if areas is not None:
            from sdgcities.profiling.exposure import zones_from
            from sdgcities.spatial._vector import read_polygons

            zones = zones_from(read_polygons(areas, what="camps and settlements"))
        advance(1)
        gp = _group_profile(city_kit, table, areas=zones)
        advance(1)
    t = Table(title="By population group", header_style="bold")
    keys = [k for k in gp.city["_all"] if k != "population"]
    t.add_column("indicator")
    for g in gp.groups:
        t.add_column(g, justify="right")
    t.add_row("people", *[f"{gp.city[g]['population']:,.0f}" for g in gp.groups])
    for key in keys:
        t.add_row(
            key,
            *["—" if gp.city[g].get(key) is None else f"{gp.city[g][key]:.1f}" for g in gp.groups],
        )
    console.print(t)
    for w in gp.warnings:
        err_console.print(f"[yellow]⚠[/] {w}")
    if report is not None:
        from sdgcities.profiling.report import write_report

        tmp = report.with_name(f".{report.stem}.tmp{report.suffix}")
        write_report(gp, tmp, sources=[f"Population: {population.name}", f"Groups: {groups.name}"])
        os.replace(tmp, report)
        console.print(f"[green]✓[/] report written to {report}")
    if json_out is not None:
        _write_json(json_out, gp.to_json_dict())
    if city is not None:
        from sdgcities.profiling.groups import group_layer_features
        from sdgcities.profiling.service import feature_collection

        _store(city, "groups", feature_collection(group_layer_features(gp)), gp.to_json_dict())


def register_profiling(app: typer.Typer) -> None:
    """Add the profiling commands to the ``spatial`` group."""
    app.command("neighbourhoods")(handle_errors(neighbourhoods))
    app.command("exposure")(handle_errors(exposure))
    app.command("group-profile")(handle_errors(group_profile))
