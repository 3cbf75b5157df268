"""CLI: ``sdgcities spatial …`` — spatial SDG 11 indicators from local open-data files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, err_console, handle_errors

if TYPE_CHECKING:  # geopandas loads when a command runs, not for `sdgcities spatial --help`
    from sdgcities.spatial.kit import CityKit
    from sdgcities.spatial.result import IndicatorResult

spatial_app = typer.Typer(
    help="Spatial SDG 11 indicators from local files (.osm.pbf, GTFS, population, rasters).\n\n"
    "Never calls an online API. Distances are along the street network in a UTM projection.",
    no_args_is_help=True,
)

_LAYER_HELP = "Write the H3 hex layer here (.gpkg, .parquet/.geoparquet or .geojson)."
_JSON_HELP = "Write the result as JSON here (indicator, value, population_total, …)."


def _summary(results: list[IndicatorResult], title: str) -> None:
    table = Table(title=title, header_style="bold")
    for col in ("indicator", "value", "unit", "population", "covered", "seconds"):
        table.add_column(col, justify="right" if col != "indicator" else "left")
    for r in results:
        value = "undefined" if r.value is None else f"{r.value:,.2f}"
        table.add_row(
            r.indicator,
            value,
            r.unit,
            "" if r.population_total is None else f"{r.population_total:,.0f}",
            "" if r.population_covered is None else f"{r.population_covered:,.0f}",
            f"{r.timings.get('total', 0):.2f}",
        )
    console.print(table)
    for r in results:
        if r.undefined_reason:
            console.print(f"[yellow]{r.indicator} undefined:[/] {r.undefined_reason}")
        for w in r.warnings:
            console.print(f"[yellow]⚠ {r.indicator}:[/] {w}")
        if r.timings and len(r.timings) > 1:
            parts = ", ".join(f"{k} {v:.3f} s" for k, v in r.timings.items())
            console.print(f"[dim]{r.indicator} time: {parts}[/]")


def _json_payload(results: list[IndicatorResult]) -> dict[str, Any]:
    first = results[0].to_json_dict()
    if len(results) > 1:
        # e.g. 11.7.1: (a) is the value; population fields come from the part that has them
        for r in results[1:]:
            for k in ("population_total", "population_covered"):
                if first.get(k) is None and getattr(r, k) is not None:
                    first[k] = getattr(r, k)
        first["parts"] = [r.to_json_dict() for r in results]
    return first


def _outputs(results: list[IndicatorResult], layer: Path | None, json_out: Path | None) -> None:
    from sdgcities.spatial._features import Features, features_of
    from sdgcities.spatial.hexes import distance_label, most_underserved, write_layer

    # read as Features: the table needs no geopandas (only writing a layer does)
    with_hexes = [(r, h) for r in results if (h := features_of(r, "hexes")) is not None and len(h)]
    if with_hexes:
        worst = most_underserved(with_hexes[0][1], n=5)
        assert isinstance(worst, Features)
        if len(worst):
            t = Table(title="Most underserved hexes (people without access)", header_style="bold")
            for col in ("h3", "population", "not covered", "distance m"):
                t.add_column(col, justify="right" if col != "h3" else "left")
            for row in worst.records():
                t.add_row(
                    str(row["h3"]),
                    f"{row.get('population', 0):,.0f}",
                    f"{row.get('population', 0) - row.get('population_covered', 0):,.0f}",
                    distance_label(row, worst.attrs.get("limit_m")),
                )
            console.print(t)
    if layer is not None:
        if not with_hexes:
            err_console.print("[yellow]this indicator has no hex layer; --layer ignored[/]")
        else:
            write_layer(with_hexes[-1][0].hexes, layer)
            console.print(f"[green]✓[/] hex layer written to {layer}")
    if json_out is not None:
        payload = _json_safe(_json_payload(results))
        json_out.write_text(json.dumps(payload, indent=2, default=str, allow_nan=False))
        console.print(f"[green]✓[/] result written to {json_out}")


def _check_outputs(
    layer: Path | None, json_out: Path | None, *, layer_hint: str = "'--layer'"
) -> None:
    """Refuse output paths that cannot be written before any work is done (exit 2)."""
    from sdgcities.errors import InputFileError
    from sdgcities.spatial._outputs import check_output_path

    for path, hint, formats in (
        (layer, layer_hint, None),
        (json_out, "'--json'", {".json": "JSON"}),
    ):
        if path is None:
            continue
        try:
            check_output_path(path, formats=formats)
        except InputFileError as err:
            raise typer.BadParameter(
                f"{err.path}: {err.problem}; {err.fix}", param_hint=hint
            ) from None


def _compute(name: str, kit: CityKit, params: dict[str, Any]) -> list[IndicatorResult]:
    from sdgcities.spatial.registry import get_spatial_indicator

    ind = get_spatial_indicator(name)
    merged = {**ind.defaults, **{k: v for k, v in params.items() if v is not None}}
    with console.status(f"computing {ind.code} {ind.title} …"):
        return ind.compute(kit, merged)


def _existing(path: Path | None, what: str) -> Path | None:
    """``path`` when it is an existing file; a usage error (exit 2) when it is a folder."""
    if path is not None and path.is_dir():
        raise typer.BadParameter(
            f"{path} is a folder; pass the {what} file itself", param_hint=f"the {what} file"
        )
    if path is not None and not path.exists():
        from sdgcities.errors import InputFileError

        raise InputFileError(path, f"{what} file does not exist", "check the path")
    return path


@spatial_app.command("transit-access")
@handle_errors
def transit_access(
    osm: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="OpenStreetMap extract (.osm.pbf)."
    ),
    gtfs: list[Path] = typer.Option(
        [], exists=True, help="GTFS feed (.zip or unpacked folder); repeat for several feeds."
    ),
    population: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="Population: GeoTIFF, grid (.gpkg/.geojson) or CSV of H3 cells / lon,lat points. "
        "Without it, population is estimated from OSM buildings (flagged as an estimate).",
    ),
    population_column: str | None = typer.Option(None, help="Population column name."),
    boundary: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="City boundary (.geojson/.gpkg)."
    ),
    stop_source: str | None = typer.Option(
        None,
        metavar="gtfs|osm|gtfs+osm",
        callback=lambda v: _choice(v, ("gtfs", "osm", "gtfs+osm"), "--stop-source"),
        help="Stops from 'gtfs', 'osm' or 'gtfs+osm' (default: gtfs if given, else osm).",
    ),
    frequency: str | None = typer.Option(
        None,
        metavar="low|medium|high",
        callback=lambda v: _choice(v, ("low", "medium", "high"), "--frequency"),
        help="Add shares by GTFS service frequency class (departures/hour per station, "
        "06:00-20:00, normal weekday: high > 10, medium 4-10, low < 4); the value named is "
        "the class whose 'at least' share is printed. Never changes the headline value.",
    ),
    service_date: str | None = typer.Option(
        None,
        metavar="YYYY-MM-DD",
        callback=lambda v: _date_option(v),
        help="Weekday whose timetable --frequency counts (YYYY-MM-DD; default: the feed's "
        "normal weekday, the Monday-Friday date with the most common number of trips).",
    ),
    low_capacity_m: float = typer.Option(
        500.0,
        callback=lambda v: _walk_m(v, "--low-capacity-m"),
        help="Walk distance to bus/tram stops (m, official: 500).",
    ),
    high_capacity_m: float = typer.Option(
        1000.0,
        callback=lambda v: _walk_m(v, "--high-capacity-m"),
        help="Walk distance to rail/metro/ferry (m, official: 1000).",
    ),
    snap: str = typer.Option(
        "segment",
        metavar="segment|node",
        callback=lambda v: _choice(v, ("segment", "node"), "--snap"),
        help="Where points and stops join the network: the nearest street 'segment' "
        "(default) or the nearest network 'node' (as OSMnx users do). Stored with the value.",
    ),
    count_access_walk: bool = typer.Option(
        True,
        help="Count the straight walk from a population point (and a stop) to the street "
        "as walked. Stored with the value.",
    ),
    h3_resolution: int = typer.Option(9, min=5, max=12, help="H3 resolution of the hex layer."),
    floor_area_per_person: float | None = typer.Option(
        None,
        min=1.0,
        max=1000.0,
        help="m² of floor area per person when estimating population from buildings.",
    ),
    population_total: float | None = typer.Option(
        None,
        min=1.0,
        help="Known total population to spread over the buildings when estimating "
        "(e.g. a census figure); without it, floor area / --floor-area-per-person.",
    ),
    layer: Path | None = typer.Option(None, help=_LAYER_HELP),
    json_out: Path | None = typer.Option(None, "--json", help=_JSON_HELP),
) -> None:
    """SDG 11.2.1 — share of people within 500 m walk of a bus/tram stop or 1 km of rail.

    Examples:

      sdgcities spatial transit-access --osm city.osm.pbf --gtfs bus.zip
      --gtfs rail.zip --population population_h3.csv --layer access.gpkg --json access.json

      sdgcities spatial transit-access --osm city.osm.pbf --gtfs bus.zip
      --population pop.csv --frequency high --snap node --no-count-access-walk
    """
    import datetime as dt

    from sdgcities.spatial.transit import transit_access_from_files

    _check_outputs(layer, json_out)
    if low_capacity_m > high_capacity_m:
        raise typer.BadParameter(
            f"{high_capacity_m:g} m is shorter than --low-capacity-m {low_capacity_m:g} m; "
            "rail reaches at least as far as bus (official: 1000 and 500)",
            param_hint="'--high-capacity-m'",
        )
    source = stop_source or ("gtfs" if gtfs else "osm")
    if "gtfs" in source and not gtfs:
        raise typer.BadParameter(
            f"--stop-source {source} needs at least one --gtfs feed", param_hint="'--gtfs'"
        )
    if frequency is not None and "gtfs" not in source:
        raise typer.BadParameter(
            "shares by frequency need GTFS timetables; add --gtfs (OSM stops have none)",
            param_hint="'--frequency'",
        )
    with console.status("computing 11.2.1 convenient access to public transport …"):
        res = transit_access_from_files(
            osm,
            gtfs,
            population,
            boundary=boundary,
            population_column=population_column,
            stop_source=source,
            frequency=frequency,
            service_date=dt.date.fromisoformat(service_date) if service_date else None,
            low_capacity_m=low_capacity_m,
            high_capacity_m=high_capacity_m,
            h3_resolution=h3_resolution,
            snap=snap,
            count_access_walk=count_access_walk,
            floor_area_per_person=floor_area_per_person,
            population_total=population_total,
        )
    _summary([res], "SDG 11.2.1 convenient access to public transport")
    console.print(f"[dim]snapping: {res.parameters['snapping']}[/]")
    if res.disaggregation:
        console.print("by group: " + ", ".join(
            f"{k} {v:.1f} %" for k, v in res.disaggregation.items()))  # fmt: skip
    by_class = res.details.get("share_by_frequency")
    if by_class:
        at_least = res.details["share_by_min_frequency"]
        console.print(
            "by best service frequency within reach: "
            + ", ".join(f"{k} {v:.1f} %" for k, v in by_class.items())
            + f"; at least {frequency}: {at_least[frequency]:.1f} %"
            + f" (service date {', '.join(map(str, _dates(res.details)))})"
        )
    _outputs([res], layer, json_out)


@spatial_app.command("open-space")
@handle_errors
def open_space(
    osm: Path = typer.Option(..., help="OpenStreetMap extract (.osm.pbf)."),
    population: Path | None = typer.Option(
        None, help="Population layer (without it: estimated from OSM buildings)."
    ),
    population_column: str | None = typer.Option(None, help="Population column name."),
    boundary: Path | None = typer.Option(
        None, help="City boundary (.geojson/.gpkg): limits (b) and the built-up area."
    ),
    built_up_area: Path | None = typer.Option(
        None,
        help="The city's built-up area (polygon, e.g. the GHSL urban centre): the denominator "
        "of (a). Without it: a GHSL --built-up raster, the urban centre of a population "
        "raster, or (recorded as a fallback) the boundary.",
    ),
    built_up: Path | None = typer.Option(
        None, help="GHSL built-up raster (epochs or GHS-BUILT-S) for the built-up area."
    ),
    walk_m: float = typer.Option(400.0, help="Walk distance to an open public space (m)."),
    h3_resolution: int = typer.Option(9, min=5, max=12, help="H3 resolution of the hex layer."),
    floor_area_per_person: float | None = typer.Option(
        None, help="m² of floor area per person when estimating population from buildings."
    ),
    layer: Path | None = typer.Option(None, help=_LAYER_HELP),
    json_out: Path | None = typer.Option(None, "--json", help=_JSON_HELP),
) -> None:
    """SDG 11.7.1 — (a) open public space + streets as a share of the built-up area,
    (b) share of people within 400 m walk of an open public space.

    Example: sdgcities spatial open-space --osm city.osm.pbf --population pop.gpkg
    --boundary boundary.geojson --built-up-area urban_centre.gpkg --layer parks.gpkg
    """
    from sdgcities.spatial.kit import CityKit

    _check_outputs(layer, json_out)
    kit = CityKit(
        osm=_existing(osm, "OSM"),
        population=_existing(population, "population"),
        population_column=population_column,
        boundary=_existing(boundary, "boundary"),
        built_up_area=_existing(built_up_area, "built-up area"),
        built_up=_existing(built_up, "built-up raster"),
    )
    params = {
        "walk_m": walk_m,
        "h3_resolution": h3_resolution,
        "floor_area_per_person": floor_area_per_person,
        "population_column": population_column,
    }
    results = _compute("open-space", kit, params)
    _summary(results, "SDG 11.7.1 open public space")
    for r in results:
        where = r.parameters.get("built_up_area") or {}
        if r.indicator == "11.7.1" and where.get("source"):
            km2 = r.details.get("built_up_km2")
            size = f", {km2:,.2f} km² measured" if km2 is not None else ""
            fallback = " [yellow](fallback)[/]" if where.get("fallback") else ""
            console.print(f"built-up area of (a): {where['source']}{size}{fallback}")
    _outputs(results, layer, json_out)


@spatial_app.command("land-consumption")
@handle_errors
def land_consumption(
    built_up: list[Path] = typer.Option(
        ...,
        help="GHSL built-up raster (GeoTIFF): one epochs raster (each pixel the year it was "
        "built), or --built-up twice with one GHS-BUILT-S surface raster (m²/cell) per epoch.",
    ),
    epochs: tuple[int, int] = typer.Option(..., help="Two epochs, e.g. --epochs 2000 2020."),
    population_start: float = typer.Option(..., help="Population at the first epoch."),
    population_end: float = typer.Option(..., help="Population at the second epoch."),
    boundary: Path | None = typer.Option(None, help="Area of interest (.geojson/.gpkg)."),
    formula: str = typer.Option("ln", help="'ln' (UN metadata 2021) or 'relative' (older)."),
    surface_threshold: float = typer.Option(
        0.5, min=0.01, max=1.0, help="Surface rasters: share of a cell built for it to count."
    ),
    json_out: Path | None = typer.Option(None, "--json", help=_JSON_HELP),
) -> None:
    """SDG 11.3.1 — land consumption rate / population growth rate (LCRPGR).

    Example: sdgcities spatial land-consumption --built-up ghs_built_epochs.tif
    --epochs 2000 2020 --population-start 4.1e6 --population-end 5.0e6
    --boundary aoi.geojson --json lcrpgr.json
    """
    from sdgcities.spatial.kit import CityKit

    if len(built_up) > 2:
        raise typer.BadParameter(
            "pass one epochs raster or two surface rasters", param_hint="'--built-up'"
        )
    _check_outputs(None, json_out)
    rasters = [_existing(p, "built-up") for p in built_up]
    kit = CityKit(built_up=rasters[0], boundary=_existing(boundary, "boundary"))
    params: dict[str, Any] = {
        "epochs": list(epochs),
        "population_series": {epochs[0]: population_start, epochs[1]: population_end},
        "formula": formula,
        "surface_threshold": surface_threshold,
    }
    if len(rasters) == 2:
        params["built_up_end"] = str(rasters[1])
    results = _compute("land-consumption", kit, params)
    _summary(results, "SDG 11.3.1 land consumption vs population growth")
    for k, v in results[0].details.items():
        if isinstance(v, int | float):
            console.print(f"  {k}: {v:,.4f}")
    _outputs(results, None, json_out)


@spatial_app.command("air-quality")
@handle_errors
def air_quality(
    pm25: Path = typer.Option(..., help="Annual mean PM2.5 raster (µg/m³, GeoTIFF)."),
    population: Path = typer.Option(..., help="Population raster or polygon grid."),
    population_column: str | None = typer.Option(None, help="Population column (grids)."),
    boundary: Path | None = typer.Option(None, help="City boundary (.geojson/.gpkg)."),
    json_out: Path | None = typer.Option(None, "--json", help=_JSON_HELP),
) -> None:
    """SDG 11.6.2 — population-weighted annual mean PM2.5, against the WHO 2021 guideline.

    The population is a raster (counts per cell) or a polygon grid (.gpkg/.geojson with
    a count column); negative concentrations and non-numeric counts are refused.

    Example: sdgcities spatial air-quality --pm25 pm25_2019.tif
    --population population_grid.gpkg --population-column population
    --boundary boundary.geojson --json pm25.json
    """
    from sdgcities.spatial.kit import CityKit

    _check_outputs(None, json_out)
    kit = CityKit(
        pm25=_existing(pm25, "PM2.5"),
        population=_existing(population, "population"),
        boundary=_existing(boundary, "boundary"),
    )
    results = _compute("air-quality", kit, {"population_column": population_column})
    _summary(results, "SDG 11.6.2 fine particulate matter (population weighted)")
    details = results[0].details
    band = details.get("who_2021_band")
    if band:
        meets = "meets" if details.get("meets_who_2021_guideline") else "exceeds"
        console.print(
            f"WHO 2021 air quality guideline (5 µg/m³): {meets} it; strictest level met: "
            f"{band}; {details.get('exceedance_factor', 0):.1f} × the guideline"
        )
    _outputs(results, None, json_out)


@spatial_app.command("urban-extent")
@handle_errors
def urban_extent(
    population: Path = typer.Option(..., help="Population raster (any resolution; → 1 km)."),
    boundary: Path | None = typer.Option(None, help="Area of interest (.geojson/.gpkg)."),
    layer: Path | None = typer.Option(None, help="Write the urban centres here (.gpkg, …)."),
    json_out: Path | None = typer.Option(None, "--json", help=_JSON_HELP),
) -> None:
    """Degree of Urbanisation: urban centres, clusters and rural cells; the area's class.

    The whole population grid is classified first, then the boundary is overlaid; the
    area is a city, a town or semi-dense area, or a rural area by its population shares.

    Example: sdgcities spatial urban-extent --population ghs_pop_2020.tif
    --boundary boundary.geojson --layer urban_centres.gpkg --json degurba.json
    """
    from sdgcities.spatial.hexes import write_layer
    from sdgcities.spatial.urbanisation import urban_extent as _urban_extent

    pop = _existing(population, "population")
    assert pop is not None
    bnd = _existing(boundary, "boundary")
    _check_outputs(layer, json_out)
    with console.status("classifying the 1 km grid …"):
        centres, res = _urban_extent(pop, aoi=bnd)
    _summary([res], "Degree of Urbanisation")
    for k, v in res.disaggregation.items():
        console.print(f"  {k}: {v:.1f} % of population")
    if res.details.get("class_label"):
        console.print(
            f"class of the area: [bold]{res.details['class_label']}[/] "
            f"({res.details.get('class_rule', '')})"
        )
    if layer is not None:
        write_layer(centres, layer)
        console.print(f"[green]✓[/] {len(centres)} urban centre(s) written to {layer}")
    _outputs([res], None, json_out)


@spatial_app.command("run")
@handle_errors
def run(
    city: str = typer.Option(..., help="The city (name or slug) the values belong to."),
    kit: Path = typer.Option(..., help="Folder of the city's input files (see docs)."),
    indicator: list[str] = typer.Option([], help="Only these (name or code); repeatable."),
    year: int | None = typer.Option(None, help="Year the values are stored under."),
    force: bool = typer.Option(False, help="Recompute even when inputs are unchanged."),
) -> None:
    """Compute everything a city's input folder allows and store it, with provenance.

    Re-running with unchanged inputs and parameters is a no-op (exit 0); changing one
    input recomputes only the indicators that use it. Exit 1 when any indicator failed
    (the others are stored).

    Example: sdgcities spatial run --city "Las Palmas" --kit kits/las_palmas
    --indicator open-space --year 2023
    """
    from sdgcities.spatial.kit import discover_kit
    from sdgcities.spatial.registry import get_spatial_indicator
    from sdgcities.spatial.runs import run_city

    for name in indicator:
        try:
            get_spatial_indicator(name)
        except LookupError as unknown:
            raise typer.BadParameter(str(unknown), param_hint="'--indicator'") from None
    if kit.exists() and not kit.is_dir():
        raise typer.BadParameter(f"{kit} is a file; pass the kit's folder", param_hint="'--kit'")
    k = discover_kit(kit)
    report = run_city(engine(), city, k, indicators=indicator or None, year=year, force=force)
    results = [r for rs in report.results.values() for r in rs]
    if results:
        _summary(results, f"{report.city}: computed and stored")
    for code in report.cached:
        console.print(f"[dim]{code}: unchanged inputs — cached value kept[/]")
    for code, why in report.skipped.items():
        console.print(f"[dim]{code}: skipped ({why})[/]")
    for code, err in report.failed.items():
        err_console.print(f"[red]✗ {code}:[/] {err}")
    if report.failed:
        err_console.print(
            f"[bold red]✗ {len(report.failed)} indicator(s) failed:[/] "
            f"{', '.join(report.failed)}; the others were stored"
        )
        raise typer.Exit(1)
    if not results and not report.cached:
        err_console.print(
            f"[bold red]✗ nothing to compute:[/] {kit} has none of the inputs an indicator "
            "needs (see the reasons above; inputs are found by file name, see the docs)"
        )
        raise typer.Exit(1)


@spatial_app.command("layer")
@handle_errors
def export_layer(
    city: str = typer.Argument(..., help="City name or slug."),
    indicator: str = typer.Argument(..., help="Indicator code, e.g. 11.2.1."),
    out: Path = typer.Argument(..., help="Output file (.gpkg, .parquet or .geojson)."),
) -> None:
    """Export a stored hex layer of a city (GeoPackage, GeoParquet or GeoJSON).

    Example: sdgcities spatial layer helsinki-fin 11.2.1 access.gpkg
    """
    from sdgcities.spatial.hexes import write_layer
    from sdgcities.spatial.layers import load_hex_layer
    from sdgcities.store.db import transaction

    _check_outputs(out, None, layer_hint="'OUT'")
    with transaction(engine()) as session:
        gdf = load_hex_layer(session, city, indicator)
    write_layer(gdf, out)
    console.print(f"[green]✓[/] {len(gdf):,} hexes written to {out}")


# ------------------------------------------------------------ option helpers (transit-access)


def _choice(value: str | None, allowed: tuple[str, ...], flag: str) -> str | None:
    """``value`` when it is one of ``allowed`` (or None); a usage error (exit 2) otherwise."""
    if value is not None and value not in allowed:
        raise typer.BadParameter(
            f"{value!r} is not one of {', '.join(allowed)}", param_hint=f"'{flag}'"
        )
    return value


def _walk_m(value: float, flag: str) -> float:
    """A walk distance in metres: finite, above 0, at most 10 km (else exit 2)."""
    import math

    if not math.isfinite(value) or value <= 0 or value > 10_000:
        raise typer.BadParameter(
            f"{value:g} is not a walk distance; give metres above 0 and at most 10000",
            param_hint=f"'{flag}'",
        )
    return value


def _date_option(value: str | None) -> str | None:
    import datetime as dt

    if value is None:
        return None
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; write YYYY-MM-DD", param_hint="'--service-date'"
        ) from None
    return value


def _dates(details: dict[str, Any]) -> list[str]:
    dates = details.get("service_dates") or {}
    return sorted(set(dates.values())) if isinstance(dates, dict) else list(dates)


def _json_safe(value: Any) -> Any:
    """``value`` with NaN/±inf replaced by None, so the JSON written is valid JSON."""
    import math

    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _json_safe(value.item())
    return value


def register(app: typer.Typer) -> None:
    app.add_typer(spatial_app, name="spatial")


def _register_profiling() -> None:
    from sdgcities.cli.spatial_profiling import register_profiling

    register_profiling(spatial_app)


_register_profiling()  # issue 12: neighbourhoods, exposure, group-profile
