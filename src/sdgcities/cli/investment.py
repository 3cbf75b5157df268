"""CLI: ``sdgcities investment`` — project intake and the IATI 2.03 activity export."""

from __future__ import annotations

from pathlib import Path

import typer

from sdgcities.cli._common import console, engine, handle_errors

investment_app = typer.Typer(
    help="City investment facility: project intake and IATI export.", no_args_is_help=True
)


@investment_app.command("import")
@handle_errors
def import_cmd(
    projects: Path = typer.Argument(..., help="CSV, one row per project."),
) -> None:
    """Add projects to the pipeline (all or nothing; every problem by row and column).

    Columns: city, title, description, sector (DAC 5-digit), sdg_targets (e.g.
    11.2;11.6), budget, currency (ISO 4217), start, end (YYYY-MM-DD), stage (ideation,
    pre-feasibility, feasibility, structuring, financial close, implementation),
    implementing_org; optional tranches (instrument:amount;… in the project's currency,
    summing to the budget; instruments grant, concessional loan, commercial loan, equity,
    guarantee) and gates (stage:YYYY-MM-DD;… the date each gate was passed).

    Examples:

      sdgcities investment import projects.csv
    """
    from sdgcities.investment.service import import_projects
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        n = len(import_projects(session, projects))
    console.print(f"[green]✓[/] {n} projects added from {projects.name}")


@investment_app.command("export-iati")
@handle_errors
def export_iati_cmd(
    out: Path = typer.Option(..., "--out", help="The IATI activities XML file to write."),
    city: str | None = typer.Option(None, "--city", help="Only this city's projects."),
) -> None:
    """Write the pipeline as IATI 2.03 activities (SDG targets as sector vocabulary 8).

    Examples:

      sdgcities investment export-iati --out pipeline.xml

      sdgcities investment export-iati --city nairobi --out nairobi.xml
    """
    from sdgcities.investment.service import export_iati
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        n = export_iati(session, out, city=city)
    console.print(f"[green]✓[/] wrote {n} IATI activities to {out}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(investment_app, name="investment")
