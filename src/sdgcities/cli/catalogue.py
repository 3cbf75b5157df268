"""CLI: ``sdgcities indicators list|show|matrix|import`` — the indicator catalogue."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, handle_errors

indicators_app = typer.Typer(
    help=(
        "The indicator catalogue: SDG 11, the UN Urban Monitoring Framework (UMF) and the "
        "indicators your city or hub adds."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@indicators_app.command("list")
@handle_errors
def list_cmd(
    framework: str | None = typer.Option(
        None, "--framework", "-f", help="Only this framework: SDG, UMF or custom."
    ),
    goal: str | None = typer.Option(None, "--goal", "-g", help="Only this SDG goal, e.g. 11."),
    search: str | None = typer.Option(
        None, "--search", "-s", help="Text in the code or name, e.g. transport."
    ),
) -> None:
    """List indicators.

    Examples:

      sdgcities indicators list

      sdgcities indicators list --framework UMF

      sdgcities indicators list --search transport
    """
    from sdgcities.catalogue.registry import ensure_builtin_catalogue, list_indicators, umf_code_of
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        ensure_builtin_catalogue(session)
        rows = list_indicators(session, framework=framework, goal=goal, search=search)
        table = Table(header_style="bold", title=f"{len(rows)} indicators")
        for col in ("code", "name", "unit", "better", "goal", "SDG link", "UMF", "owner"):
            table.add_column(
                col,
                overflow="fold",
                no_wrap=col in ("code", "better", "goal"),
                ratio=4 if col == "name" else 1,
            )
        for ind in rows:
            umf = umf_code_of(ind) or ""
            if umf and not ind.confirmed:
                umf += " (unconfirmed)"
            table.add_row(
                ind.code,
                ind.name,
                ind.unit,
                ind.direction,
                ind.goal or "",
                ind.sdg_code if ind.framework != "SDG" and ind.sdg_code else "",
                umf,
                ind.owner or "built-in",
            )
    console.print(table)


@indicators_app.command("show")
@handle_errors
def show_cmd(
    code: str = typer.Argument(..., help="Indicator code, e.g. 11.2.1 or UMF-1.4.1."),
) -> None:
    """Show one indicator with its method.

    Example:

      sdgcities indicators show 11.3.1
    """
    from sdgcities.catalogue.registry import (
        UMF_DOMAINS,
        UMF_OBJECTIVES,
        ensure_builtin_catalogue,
        get_indicator,
        umf_code_of,
    )
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        ensure_builtin_catalogue(session)
        ind = get_indicator(session, code)
        table = Table(show_header=False, title=f"{ind.code} — {ind.framework}")
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        extra = ind.extra or {}
        umf = umf_code_of(ind)
        rows = [
            ("name", ind.name),
            ("unit", ind.unit),
            (
                "better",
                ind.direction + (f" (target {extra['target']})" if "target" in extra else ""),
            ),
            ("goal", ind.goal or ""),
            ("SDG indicator", ind.sdg_code or ""),
            ("custodian", ind.custodian),
            ("method", ind.method_summary),
            ("method version", ind.method_version),
            ("catalogue version", ind.catalogue_version),
            ("owner", ind.owner or "built-in"),
        ]
        if umf and ind.umf_domain and ind.umf_objective:
            rows.append(
                (
                    "UMF placement",
                    f"{umf}: {UMF_DOMAINS[ind.umf_domain]} × {UMF_OBJECTIVES[ind.umf_objective]}"
                    + ("" if ind.confirmed else " — placement not confirmed"),
                )
            )
        for field, value in rows:
            table.add_row(field, value)
    console.print(table)


@indicators_app.command("matrix")
@handle_errors
def matrix_cmd() -> None:
    """Show the UMF matrix (5 domains × 4 objectives) with the indicators in each cell.

    Example:

      sdgcities indicators matrix
    """
    from sdgcities.catalogue.registry import (
        UMF_DOMAINS,
        UMF_OBJECTIVES,
        ensure_builtin_catalogue,
        umf_code_of,
        umf_matrix,
    )
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        ensure_builtin_catalogue(session)
        matrix = umf_matrix(session)
        table = Table(header_style="bold", show_lines=True, title="UN Urban Monitoring Framework")
        table.add_column("domain")
        for o, label in UMF_OBJECTIVES.items():
            table.add_column(f"{o} {label}", overflow="fold")
        for d, label in UMF_DOMAINS.items():
            cells = []
            for o in UMF_OBJECTIVES:
                lines = [
                    f"{umf_code_of(i) or i.code}{'' if i.confirmed else '?'} {i.sdg_code or ''}"
                    for i in matrix[(d, o)]
                ]
                cells.append("\n".join(lines))
            table.add_row(f"{d} {label}", *cells)
    console.print(table)
    console.print("? = placement not confirmed; the SDG indicator linked follows each code")


@indicators_app.command("import")
@handle_errors
def import_cmd(
    path: Path = typer.Argument(..., help="A YAML or CSV file of indicators (or placements)."),
    owner: str = typer.Option(..., "--owner", "-o", help="Who adds them: a city slug or hub name."),
) -> None:
    """Add your own indicators, or move indicators in the UMF matrix (all or nothing).

    A CSV needs the columns code, name and direction (higher, lower or target); optional:
    framework, unit, custodian, method_summary, method_version, goal, sdg_code, umf_code,
    confirmed. A YAML file has an `indicators:` list with the same fields and may have a
    `placements:` list ({code, umf_code, confirmed}) to move indicators in the matrix.

    Examples:

      sdgcities indicators import my_indicators.csv --owner porto-alegre-bra

      sdgcities indicators import umf_placements.yaml --owner "Regional hub LAC"
    """
    from sdgcities.catalogue.registry import ensure_builtin_catalogue, import_indicators
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        ensure_builtin_catalogue(session)
        done = import_indicators(session, path, owner=owner)
        codes = [i.code for i in done]
    console.print(f"[green]✓[/] {len(codes)} indicator(s) imported: {', '.join(codes)}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(indicators_app, name="indicators")
