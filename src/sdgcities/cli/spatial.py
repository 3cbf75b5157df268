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
    from sdgcities.spatial.hexes import most_underserved, write_layer

    with_hexes = [r for r in results if r.hexes is not None and len(r.hexes)]
    if with_hexes:
        worst = most_underserved(with_hexes[0].hexes, n=5)
        if len(worst):
            t = Table(title="Most underserved hexes (people without access)", header_style="bold")
            for col in ("h3", "population", "not covered", "distance m"):
                t.add_column(col, justify="right" if col != "h3" else "left")
            for row in worst.to_dict("records"):
                t.add_row(
                    str(row["h3"]),
                    f"{row.get('population', 0):,.0f}",
                    f"{row.get('population', 0) - row.get('population_covered', 0):,.0f}",
                    "" if row.get("distance_m") is None else f"{row['distance_m']:,.0f}",
                )
            console.print(t)
    if layer is not None:
        if not with_hexes:
            err_console.print("[yellow]this indicator has no hex layer; --layer ignored[/]")
        else:
            write_layer(with_hexes[-1].hexes, layer)
            console.print(f"[green]✓[/] hex layer written to {layer}")
    if json_out is not None:
        json_out.write_text(json.dumps(_json_payload(results), indent=2, default=str))
        console.print(f"[green]✓[/] result written to {json_out}")


def _compute(name: str, kit: CityKit, params: dict[str, Any]) -> list[IndicatorResult]:
    from sdgcities.spatial.registry import get_spatial_indicator

    ind = get_spatial_indicator(name)
    merged = {**ind.defaults, **{k: v for k, v in params.items() if v is not None}}
    with console.status(f"computing {ind.code} {ind.title} …"):
        return ind.compute(kit, merged)


def _existing(path: Path | None, what: str) -> Path | None:
    if path is not None and not path.exists():
        from sdgcities.errors import InputFileError

        raise InputFileError(path, f"{what} file does not exist", "check the path")
    return path


@spatial_app.command("transit-access")
@handle_errors
def transit_access(
    osm: Path = typer.Option(..., help="OpenStreetMap extract (.osm.pbf)."),
    gtfs: list[Path] = typer.Option([], help="GTFS feed (.zip); repeat for several feeds."),
    population: Path | None = typer.Option(
        None,
        help="Population: GeoTIFF, grid (.gpkg/.geojson) or CSV of H3 cells / lon,lat points. "
        "Without it, population is estimated from OSM buildings (flagged as an estimate).",
    ),
    population_column: str | None = typer.Option(None, help="Population column name."),
    boundary: Path | None = typer.Option(None, help="City boundary (.geojson/.gpkg)."),
    stop_source: str | None = typer.Option(
        None, help="Stops from 'gtfs', 'osm' or 'gtfs+osm' (default: gtfs if given, else osm)."
    ),
    frequency: str | None = typer.Option(
        None, help="Also compute shares by GTFS service frequency class (high/medium/low)."
    ),
    low_capacity_m: float = typer.Option(500.0, help="Walk distance to bus/tram stops (m)."),
    high_capacity_m: float = typer.Option(1000.0, help="Walk distance to rail/metro/ferry (m)."),
    h3_resolution: int = typer.Option(9, min=5, max=12, help="H3 resolution of the hex layer."),
    floor_area_per_person: float | None = typer.Option(
        None, help="m² of floor area per person when estimating population from buildings."
    ),
    layer: Path | None = typer.Option(None, help=_LAYER_HELP),
    json_out: Path | None = typer.Option(None, "--json", help=_JSON_HELP),
) -> None:
    """SDG 11.2.1 — share of people within 500 m walk of a bus/tram stop or 1 km of rail.

    Example: sdgcities spatial transit-access --osm city.osm.pbf --gtfs bus.zip
    --population population_h3.csv --layer access.gpkg --json access.json
    """
    from sdgcities.spatial.kit import CityKit

    kit = CityKit(
        osm=_existing(osm, "OSM"),
        gtfs=[p for p in gtfs if _existing(p, "GTFS")],
        population=_existing(population, "population"),
        population_column=population_column,
        boundary=_existing(boundary, "boundary"),
    )
    params = {
        "stop_source": stop_source,
        "frequency": frequency,
        "low_capacity_m": low_capacity_m,
        "high_capacity_m": high_capacity_m,
        "h3_resolution": h3_resolution,
        "floor_area_per_person": floor_area_per_person,
        "population_column": population_column,
    }
    results = _compute("transit-access", kit, params)
    _summary(results, "SDG 11.2.1 convenient access to public transport")
    for r in results:
        if r.disaggregation:
            console.print("by group / frequency: " + ", ".join(
                f"{k} {v:.1f} %" for k, v in r.disaggregation.items()))  # fmt: skip
    _outputs(results, layer, json_out)


@spatial_app.command("open-space")
@handle_errors
def open_space(
    osm: Path = typer.Option(..., help="OpenStreetMap extract (.osm.pbf)."),
    population: Path | None = typer.Option(
        None, help="Population layer (without it: estimated from OSM buildings)."
    ),
    population_column: str | None = typer.Option(None, help="Population column name."),
    boundary: Path | None = typer.Option(
        None, help="City boundary / built-up area (.geojson/.gpkg); default: the extract's bbox."
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
    """
    from sdgcities.spatial.kit import CityKit

    kit = CityKit(
        osm=_existing(osm, "OSM"),
        population=_existing(population, "population"),
        population_column=population_column,
        boundary=_existing(boundary, "boundary"),
    )
    params = {
        "walk_m": walk_m,
        "h3_resolution": h3_resolution,
        "floor_area_per_person": floor_area_per_person,
        "population_column": population_column,
    }
    results = _compute("open-space", kit, params)
    _summary(results, "SDG 11.7.1 open public space")
    _outputs(results, layer, json_out)


@spatial_app.command("land-consumption")
@handle_errors
def land_consumption(
    built_up: Path = typer.Option(..., help="GHSL built-up epochs raster (GeoTIFF)."),
    epochs: tuple[int, int] = typer.Option(..., help="Two epochs, e.g. --epochs 2000 2020."),
    population_start: float = typer.Option(..., help="Population at the first epoch."),
    population_end: float = typer.Option(..., help="Population at the second epoch."),
    boundary: Path | None = typer.Option(None, help="Area of interest (.geojson/.gpkg)."),
    formula: str = typer.Option("ln", help="'ln' (UN metadata 2021) or 'relative' (older)."),
    json_out: Path | None = typer.Option(None, "--json", help=_JSON_HELP),
) -> None:
    """SDG 11.3.1 — land consumption rate / population growth rate (LCRPGR)."""
    from sdgcities.spatial.kit import CityKit

    kit = CityKit(
        built_up=_existing(built_up, "built-up"), boundary=_existing(boundary, "boundary")
    )
    params = {
        "epochs": list(epochs),
        "population_series": {epochs[0]: population_start, epochs[1]: population_end},
        "formula": formula,
    }
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
    """SDG 11.6.2 — population-weighted annual mean PM2.5, against the WHO 2021 guideline."""
    from sdgcities.spatial.kit import CityKit

    kit = CityKit(
        pm25=_existing(pm25, "PM2.5"),
        population=_existing(population, "population"),
        boundary=_existing(boundary, "boundary"),
    )
    results = _compute("air-quality", kit, {"population_column": population_column})
    _summary(results, "SDG 11.6.2 fine particulate matter (population weighted)")
    band = results[0].details.get("who_band") or results[0].details.get("band")
    if band:
        console.print(f"WHO 2021: {band}")
    _outputs(results, None, json_out)


@spatial_app.command("urban-extent")
@handle_errors
def urban_extent(
    population: Path = typer.Option(..., help="Population raster (any resolution; → 1 km)."),
    boundary: Path | None = typer.Option(None, help="Area of interest (.geojson/.gpkg)."),
    layer: Path | None = typer.Option(None, help="Write the urban centres here (.gpkg, …)."),
    json_out: Path | None = typer.Option(None, "--json", help=_JSON_HELP),
) -> None:
    """Degree of Urbanisation: urban centres, clusters and rural cells; UN city-size class."""
    from sdgcities.spatial.urbanisation import urban_extent as _urban_extent

    pop = _existing(population, "population")
    assert pop is not None
    with console.status("classifying the 1 km grid …"):
        centres, res = _urban_extent(pop, aoi=_existing(boundary, "boundary"))
    _summary([res], "Degree of Urbanisation")
    for k, v in res.disaggregation.items():
        console.print(f"  {k}: {v:.1f} % of population")
    if layer is not None:
        centres.to_file(layer) if layer.suffix != ".parquet" else centres.to_parquet(layer)
        console.print(f"[green]✓[/] urban centres written to {layer}")
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

    Re-running with unchanged inputs and parameters is a no-op; changing one input
    recomputes only the indicators that use it.
    """
    from sdgcities.spatial.kit import discover_kit
    from sdgcities.spatial.runs import run_city

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
    if report.failed and not results:
        raise typer.Exit(1)


@spatial_app.command("layer")
@handle_errors
def export_layer(
    city: str = typer.Argument(..., help="City name or slug."),
    indicator: str = typer.Argument(..., help="Indicator code, e.g. 11.2.1."),
    out: Path = typer.Argument(..., help="Output file (.gpkg, .parquet or .geojson)."),
) -> None:
    """Export a stored hex layer of a city (GeoPackage, GeoParquet or GeoJSON)."""
    from sdgcities.spatial.hexes import write_layer
    from sdgcities.spatial.layers import load_hex_layer
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        gdf = load_hex_layer(session, city, indicator)
    write_layer(gdf, out)
    console.print(f"[green]✓[/] {len(gdf):,} hexes written to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(spatial_app, name="spatial")
