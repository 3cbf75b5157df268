"""CLI: ``sdgcities report`` — documents generated from the store (a group: one
subcommand per report)."""

from __future__ import annotations

from pathlib import Path

import typer

from sdgcities.cli._common import console, engine, handle_errors, progress

report_app = typer.Typer(help="Reports generated from the data.", no_args_is_help=True)


@report_app.command("board")
@handle_errors
def board_cmd(
    out: Path = typer.Option(..., "--out", help="FILE.pdf, FILE.html or FILE.docx."),
    include_drafts: bool = typer.Option(
        False, "--include-drafts", help="Also unpublished programmes."
    ),
) -> None:
    """The Executive Board report on the flagship programmes (HTML, PDF or DOCX).

    Narrative blocks edited on the programme pages are kept; every figure points to its
    funding-line record (FL-N) or the report's paragraph (¶N).

    Examples:

      sdgcities report board --out board.pdf

      sdgcities report board --out board.docx
    """
    from sdgcities.programmes.board import write
    from sdgcities.store.db import transaction

    with progress(f"Writing {out.name}") as _advance, transaction(engine()) as session:
        write(session, out, published_only=not include_drafts)
    console.print(f"[green]✓[/] wrote the Board report to {out}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(report_app, name="report")
