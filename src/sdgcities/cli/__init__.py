"""The ``sdgcities`` command line (Typer + Rich).

Each sub-command group lives in its own module and registers here.
"""

from __future__ import annotations

import typer

from sdgcities import __version__
from sdgcities.cli._common import configure_logging

app = typer.Typer(
    name="sdgcities",
    help="Measure, locate and report SDG 11 and the Urban Monitoring Framework for your city.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sdgcities {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """sdgcities — the SDG Cities platform."""
    configure_logging(verbose)


def _register() -> None:
    from sdgcities.cli import (
        batch,
        catalogue,
        cities,
        demo,
        exports,
        investment,
        observations,
        revenue,
        scoring,
        spatial,
        store,
        users,
        web,
    )

    for module in (
        store,
        catalogue,
        cities,
        observations,
        scoring,
        exports,
        spatial,
        batch,
        users,
        web,
        demo,
        revenue,
        investment,
    ):
        module.register(app)


_register()


def main() -> None:
    app()
