"""CLI: ``sdgcities revenue`` — the own-source revenue diagnostic (after UN-Habitat ROSRA)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, err_console, handle_errors
from sdgcities.revenue.rosra import GAPS, KPIS, Diagnostic

revenue_app = typer.Typer(
    help="Own-source revenue diagnostic (UN-Habitat ROSRA): potential, gaps and KPIs.",
    no_args_is_help=True,
)


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _show(result: Diagnostic, title: str) -> None:
    table = Table(title=title, header_style="bold")
    table.add_column("stream")
    for col in ("potential", "actual", *GAPS, "recoverable"):
        table.add_column(col.replace("_", " "), justify="right")
    for col in KPIS:
        table.add_column(col.replace("_ratio", ""), justify="right")
    for s in (*result.streams, result.total):
        kpis = [getattr(s, k) for k in KPIS]
        table.add_row(
            f"[bold]{s.stream}[/]" if s is result.total else s.stream,
            *(_money(getattr(s, c)) for c in ("potential", "actual", *GAPS)),
            _money(s.recoverable),
            *("—" if k is None else f"{k:.1%}" for k in kpis),
        )
    console.print(table)
    ranked = ", ".join(f"{i}. {s.stream}" for i, s in enumerate(result.priorities(), start=1))
    console.print(f"Priorities by recoverable revenue: {ranked}")
    for w in result.warnings:
        err_console.print(f"[yellow]![/] {w}")


@revenue_app.command("analyse")
@handle_errors
def analyse_cmd(
    streams: Path = typer.Argument(..., help="CSV, one row per revenue stream."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the result as JSON here."),
) -> None:
    """Split each stream's potential revenue into actual revenue and five gaps.

    Columns: stream, estimated, registered, compliant, average_bill, achievable_bill
    (required); billed, collected, fiscal_base, market_value (optional, for the
    collection and valuation ratios). potential = estimated × achievable_bill =
    actual + compliance_gap + coverage_gap + valuation_gap + mixed_gap_unregistered +
    mixed_gap_registered. Nothing is stored.

    Examples:

      sdgcities revenue analyse streams.csv

      sdgcities revenue analyse streams.csv --json diagnostic.json
    """
    from sdgcities.revenue.service import analyse_file

    result = analyse_file(streams)
    _show(result, f"Revenue diagnostic — {streams.name}")
    if json_out is not None:
        text = json.dumps(result.as_dict(), indent=2, allow_nan=False)
        tmp = json_out.with_name(json_out.name + ".part")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(json_out)
        console.print(f"[green]✓[/] wrote {json_out}")


@revenue_app.command("import")
@handle_errors
def import_cmd(
    city: str = typer.Argument(..., help="The city (slug, id or exact name)."),
    streams: Path = typer.Argument(..., help="CSV, one row per revenue stream."),
    year: int = typer.Option(..., "--year", help="The fiscal year the figures describe."),
    currency: str | None = typer.Option(None, "--currency", help="ISO 4217 code, e.g. KES."),
    publish: bool = typer.Option(False, "--publish", help="Make it public (default: draft)."),
    replace: bool = typer.Option(False, "--replace", help="Replace that year's diagnostic."),
) -> None:
    """Store a city's revenue diagnostic for a year (all or nothing; a draft unless --publish).

    The file has the columns of `sdgcities revenue analyse`; every problem is listed
    with row and column and nothing is stored until the whole file is valid.

    Examples:

      sdgcities revenue import nairobi streams.csv --year 2024 --currency KES

      sdgcities revenue import nairobi streams-fixed.csv --year 2024 --replace --publish
    """
    from sdgcities.revenue.service import import_diagnostic
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        stored = import_diagnostic(
            session, city, streams, year=year, currency=currency, publish=publish, replace=replace
        )
    state = "published" if stored.is_published else "draft"
    _show(stored.result, f"{stored.city_name} {stored.year} ({state})")
    console.print(
        f"[green]✓[/] stored {len(stored.inputs)} streams for {stored.city_name} {stored.year}"
    )


@revenue_app.command("show")
@handle_errors
def show_cmd(
    city: str = typer.Argument(..., help="The city (slug, id or exact name)."),
    year: int | None = typer.Option(None, "--year", help="Fiscal year (default: newest)."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the result as JSON here."),
) -> None:
    """Show a stored diagnostic (drafts included: the CLI works on the local store).

    Examples:

      sdgcities revenue show nairobi

      sdgcities revenue show nairobi --year 2024 --json nairobi-2024.json
    """
    from sdgcities.revenue.service import get_diagnostic
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        stored = get_diagnostic(session, city, year, published_only=False)
    _show(stored.result, f"{stored.city_name} {stored.year}")
    if json_out is not None:
        payload = {"city": stored.city_slug, "year": stored.year, **stored.result.as_dict()}
        json_out.write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n", "utf-8")
        console.print(f"[green]✓[/] wrote {json_out}")


@revenue_app.command("publish")
@handle_errors
def publish_cmd(
    city: str = typer.Argument(..., help="The city (slug, id or exact name)."),
    year: int = typer.Option(..., "--year", help="The fiscal year to publish."),
) -> None:
    """Make a stored draft diagnostic public (pages and API show it to everyone).

    Examples:

      sdgcities revenue publish nairobi --year 2024
    """
    from sdgcities.revenue.service import publish_diagnostic
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        stored = publish_diagnostic(session, city, year)
    console.print(f"[green]✓[/] published the {stored.year} diagnostic of {stored.city_name}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(revenue_app, name="revenue")
