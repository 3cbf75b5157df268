"""CLI: ``sdgcities profiles list | publish`` — the stored profile layers (issue 12).

``sdgcities spatial neighbourhoods|exposure|group-profile --city C`` keep their result as
a DRAFT layer; a reviewer publishes it here, as ``sdgcities review publish`` does for
indicator values.
"""

from __future__ import annotations

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, handle_errors

profiles_app = typer.Typer(
    help="Stored profile layers (neighbourhoods, exposure, groups): list, publish.",
    no_args_is_help=True,
)


@profiles_app.command("list")
@handle_errors
def list_cmd(
    city: str | None = typer.Option(None, help="Only this city's layers (slug, id or name)."),
) -> None:
    """List the stored profile layers, newest first, drafts included.

    Examples:

      sdgcities profiles list

      sdgcities profiles list --city las-palmas-esp
    """
    from sdgcities.profiling.service import list_layers
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        rows = [
            (str(x.id), slug, x.kind, x.name, "published" if x.is_published else "draft",
             x.created_at.strftime("%Y-%m-%d %H:%M"))
            for x, slug in list_layers(session, city)
        ]  # fmt: skip
    if not rows:
        console.print("No profile layers stored yet (run a spatial command with --city).")
        return
    table = Table(title="Profile layers", header_style="bold")
    for col in ("id", "city", "kind", "name", "status", "created"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@profiles_app.command("publish")
@handle_errors
def publish_cmd(
    layer_id: int = typer.Argument(..., help="The layer's id (see `sdgcities profiles list`)."),
) -> None:
    """Make a stored draft layer public (its page, JSON API and OGC collection).

    Examples:

      sdgcities profiles publish 3
    """
    from sdgcities.profiling.service import publish_layer
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        layer = publish_layer(session, layer_id)
        text = f"{layer.kind} layer {layer.id} ({layer.name})"
    console.print(f"[green]✓[/] published {text}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(profiles_app, name="profiles")
