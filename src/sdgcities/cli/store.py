"""CLI: ``sdgcities init`` — create or upgrade the store."""

from __future__ import annotations

import typer

from sdgcities.cli._common import console, handle_errors


@handle_errors
def init() -> None:
    """Create the store (or upgrade it to the current schema) and load the built-in catalogue."""
    from sdgcities.config import get_settings
    from sdgcities.store.db import init_store

    settings = get_settings()
    engine = init_store(settings)
    try:
        from sdgcities.catalogue.registry import sync_builtin_catalogue
        from sdgcities.store.db import transaction

        with transaction(engine) as session:
            n = sync_builtin_catalogue(session)
        console.print(f"catalogue: {n} built-in indicators")
    except ImportError:  # catalogue not installed yet
        pass
    shown = settings.database_url
    if "@" in shown:  # never print a password
        scheme, rest = shown.split("://", 1)
        shown = f"{scheme}://***@{rest.split('@', 1)[1]}"
    console.print(f"[green]✓[/] store ready: {shown}")
    console.print(f"  data directory: {settings.data_dir}")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
