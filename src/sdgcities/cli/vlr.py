"""CLI: ``sdgcities vlr CITY --out DRAFT.pdf`` (or ``.html``) — the city's VLR draft."""

from __future__ import annotations

from pathlib import Path

import typer

from sdgcities.cli._common import console, engine, handle_errors


def vlr_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write: .pdf or .html."),
    include_drafts: bool = typer.Option(
        False, "--include-drafts", help="Include current drafts (needs --as with draft rights)."
    ),
    as_: str | None = typer.Option(
        None, "--as", help="E-mail of the account asking (for --include-drafts)."
    ),
) -> None:
    """Write a city's Voluntary Local Review draft as PDF or HTML.

    Figures come from the store (published values unless --include-drafts); the
    narrative blocks are the ones the city edited on /cities/CITY/vlr.

    Examples:

      sdgcities vlr kisumu-ken --out kisumu-vlr.pdf

      sdgcities vlr kisumu-ken --out kisumu-vlr.html --include-drafts --as lab@kisumu.go.ke
    """
    if out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise typer.BadParameter("the file must end in .pdf or .html", param_hint="--out")
    if include_drafts and not as_:
        raise typer.BadParameter(
            "say who asks for drafts, e.g. --as lab@city.org", param_hint="--as"
        )
    from sdgcities.cli._common import progress
    from sdgcities.cli.review import actor
    from sdgcities.reporting.vlr import write
    from sdgcities.store.db import transaction

    with transaction(engine()) as s, progress("Writing the VLR draft") as _step:
        user = actor(s, as_)
        write(s, city, out, user=user, include_drafts=include_drafts)
    console.print(f"[green]✓[/] wrote {out} ({out.stat().st_size:,} bytes)")


def register(app: typer.Typer) -> None:
    """Add ``vlr`` to the main app."""
    app.command("vlr")(handle_errors(vlr_cmd))
