"""CLI: ``sdgcities backup FILE`` and ``sdgcities restore FILE`` — the store, while it runs."""

from __future__ import annotations

from pathlib import Path

import typer

from sdgcities.cli._common import console, engine, handle_errors, progress


@handle_errors
def backup(
    file: Path = typer.Argument(..., help="The backup file to write (must not exist yet)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
) -> None:
    """Back up the store while the platform runs: a consistent snapshot, written atomically.

    SQLite stores are copied with SQLite's online backup API; PostgreSQL stores with
    pg_dump (custom format). Writers are not stopped.

    Examples:

      sdgcities backup store-2026-12-01.db

      DATABASE_URL=postgresql://sdg@db/sdgcities sdgcities backup store.pgdump
    """
    from sdgcities.store.backup import backup_store, database_label

    eng = engine()
    with progress("backing up", total=None) as advance:

        def on_progress(done: int, total: int) -> None:
            advance(0, total=total)

        info = backup_store(eng, file, overwrite=overwrite, progress=on_progress)
    console.print(
        f"[green]✓[/] backup of {database_label(eng)} → {info.path} "
        f"({info.bytes / 1e6:,.1f} MB, schema {info.revision})"
    )


@handle_errors
def restore(
    file: Path = typer.Argument(..., help="A file made by `sdgcities backup`."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Replace the store's content with a backup — all of it, or nothing.

    The file is checked first (an sdgcities backup of this backend, of a schema this
    version knows); the store is then replaced in one transaction and migrated to the
    current schema.

    Examples:

      sdgcities restore store-2026-12-01.db --yes

      DATABASE_URL=postgresql://sdg@db/sdgcities sdgcities restore store.pgdump
    """
    from sdgcities.store.backup import database_label, restore_store

    eng = engine()
    if not yes and not typer.confirm(
        f"Replace everything in {database_label(eng)} with {file}?", default=False
    ):
        raise typer.Exit(1)
    with console.status(f"restoring {file.name} …"):
        info = restore_store(eng, file)
    console.print(
        f"[green]✓[/] {database_label(eng)} restored from {info.path} (schema {info.revision})"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("backup")(backup)
    app.command("restore")(restore)
