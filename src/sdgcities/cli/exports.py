"""CLI: ``sdgcities export observations|scores|open-sdg|sdmx``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sdgcities.cli._common import console, engine, handle_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

export_app = typer.Typer(help="Export observations and scores: CSV, XLSX, Open SDG, SDMX-ML.")

CITY_HELP = "Only this city (name, slug or id); repeat for several. Default: all cities."


def _out_file(path: Path, example: str) -> Path:
    """A usage error for a folder where the output file goes."""
    if path.is_dir():
        raise typer.BadParameter(
            f"{path} is a folder; give a file name, e.g. {path / example}", param_hint="OUT"
        )
    return path


def _out_dir(path: Path) -> Path:
    """A usage error for a file where the output folder goes."""
    if path.exists() and not path.is_dir():
        raise typer.BadParameter(
            f"{path} is a file; give a folder (it is created if missing)", param_hint="OUT_DIR"
        )
    return path


def _city_ids(session: Session, cities: list[str]) -> list[int] | None:
    from sdgcities.assessment import _store

    return [_store.get_city(session, c).id for c in cities] if cities else None


@export_app.command("observations")
@handle_errors
def export_observations(
    out: Path = typer.Argument(..., help="Output file (.csv or .xlsx)."),
    fmt: str | None = typer.Option(
        None, "--format", help="csv or xlsx (default: from the suffix)."
    ),
    city: list[str] = typer.Option([], "--city", help=CITY_HELP),
    published_only: bool = typer.Option(False, "--published-only", help="Leave out drafts."),
) -> None:
    """Current observations (every disaggregation) to CSV or XLSX.

    Examples:

      sdgcities export observations out/observations.csv

      sdgcities export observations out/porto.xlsx --city porto-alegre-bra --published-only
    """
    from sdgcities.exports.tabular import export_observations as run
    from sdgcities.store.db import transaction

    _out_file(out, "observations.csv")
    with transaction(engine()) as session:
        n = run(
            session, out, fmt=fmt, city_ids=_city_ids(session, city), published_only=published_only
        )
    console.print(f"[green]✓[/] {n} observations → {out}")


@export_app.command("scores")
@handle_errors
def export_scores(
    out: Path = typer.Argument(..., help="Output file (.csv long table, or .xlsx with sheets)."),
    fmt: str | None = typer.Option(
        None, "--format", help="csv or xlsx (default: from the suffix)."
    ),
    city: list[str] = typer.Option([], "--city", help=CITY_HELP),
    benchmark_set: str | None = typer.Option(None, "--benchmark-set"),
    published_only: bool = typer.Option(False, "--published-only", help="Leave out drafts."),
) -> None:
    """Indicator, goal and index scores with colours and progress.

    Examples:

      sdgcities export scores out/scores.csv

      sdgcities export scores out/scores.xlsx --benchmark-set sdg11-default
    """
    from sdgcities.exports.tabular import export_scores as run
    from sdgcities.store.db import transaction

    _out_file(out, "scores.csv")
    with transaction(engine()) as session:
        n = run(
            session,
            out,
            fmt=fmt,
            city_ids=_city_ids(session, city),
            benchmark_set=benchmark_set,
            published_only=published_only,
        )
    console.print(f"[green]✓[/] scores of {n} cities → {out}")


@export_app.command("open-sdg")
@handle_errors
def export_open_sdg(
    out_dir: Path = typer.Argument(..., help="Folder; gets data/indicator_*.csv and meta/*.md."),
    city: list[str] = typer.Option([], "--city", help=CITY_HELP),
    indicator: list[str] = typer.Option([], "--indicator", help="Only this indicator; repeatable."),
    include_drafts: bool = typer.Option(False, "--include-drafts", help="Also draft values."),
) -> None:
    """Open SDG input files (tidy CSV + YAML metadata per indicator) for sdg-build.

    Examples:

      sdgcities export open-sdg out/

      sdgcities export open-sdg out/ --city porto-alegre-bra --indicator 11.7.1
    """
    from sdgcities.exports.opensdg import export_open_sdg as run
    from sdgcities.store.db import transaction

    _out_dir(out_dir)
    with transaction(engine()) as session:
        paths = run(
            session,
            out_dir,
            city_ids=_city_ids(session, city),
            indicator_codes=indicator or None,
            published_only=not include_drafts,
        )
    n = sum(1 for p in paths if p.suffix == ".csv")
    console.print(f"[green]✓[/] {n} indicators → {out_dir}/data and {out_dir}/meta")


@export_app.command("sdmx")
@handle_errors
def export_sdmx(
    out: Path = typer.Argument(
        ..., help="SDMX-ML data file; the structure goes to NAME.structure.xml."
    ),
    city: list[str] = typer.Option([], "--city", help=CITY_HELP),
    indicator: list[str] = typer.Option([], "--indicator", help="Only this indicator; repeatable."),
    include_drafts: bool = typer.Option(False, "--include-drafts", help="Also draft values."),
) -> None:
    """SDMX-ML 2.1 structure-specific data (REF_AREA, INDICATOR, disaggregations, TIME_PERIOD).

    Examples:

      sdgcities export sdmx out/sdg11.xml

      sdgcities export sdmx out/porto.xml --city porto-alegre-bra --include-drafts
    """
    from sdgcities.exports.sdmx import export_sdmx as run
    from sdgcities.exports.sdmx import structure_path
    from sdgcities.store.db import transaction

    _out_file(out, "sdg11.xml")
    with transaction(engine()) as session:
        n = run(
            session,
            out,
            city_ids=_city_ids(session, city),
            indicator_codes=indicator or None,
            published_only=not include_drafts,
        )
    console.print(f"[green]✓[/] {n} observations → {out} (structure: {structure_path(out)})")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(export_app, name="export")
