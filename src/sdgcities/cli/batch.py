"""CLI: ``sdgcities batch CITIES.yaml`` — many cities on Dask."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, err_console, handle_errors, progress


def _scheduler(value: str | None) -> str | None:
    """``tcp://HOST:PORT`` (or another Dask comm scheme), else a usage error with an example."""
    import re

    if value is None:
        return None
    if not re.fullmatch(r"([a-z]+://)?[\w.\-\[\]:]+:\d{1,5}", value.strip()):
        raise typer.BadParameter(
            f"{value!r} is not a scheduler address; write e.g. tcp://10.0.0.5:8786",
            param_hint="--scheduler",
        )
    return value.strip()


def quiet_dask() -> None:
    """Dask's INFO lines only with ``-v``: in this process and in the workers it starts."""
    import logging
    import os

    if logging.getLogger().getEffectiveLevel() <= logging.INFO:
        return
    # worker processes read the level from the environment when they import distributed
    os.environ["DASK_LOGGING__DISTRIBUTED"] = "warning"
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.WARNING)


@handle_errors
def batch(
    cities_file: Path = typer.Argument(..., help="Batch file (YAML) listing cities and kits."),
    scheduler: str | None = typer.Option(
        None,
        callback=_scheduler,
        help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786. "
        "Default: a LocalCluster on this machine.",
    ),
    workers: int = typer.Option(2, min=1, help="LocalCluster workers (ignored with --scheduler)."),
    retries: int = typer.Option(2, min=0, help="Retries of a city whose worker died."),
    force: bool = typer.Option(False, help="Recompute even when inputs are unchanged."),
) -> None:
    """Compute the spatial indicators of many cities on Dask, one task per city.

    One broken city never stops the batch; each city's results are written to the store
    once, in one transaction, when it completes. Unchanged inputs are not recomputed.

    Dask's own log lines are hidden; `sdgcities -v batch …` shows them.

    Examples:

      sdgcities batch cities.yaml

      sdgcities batch cities.yaml --scheduler tcp://10.0.0.5:8786 --force

    Example batch file:

        cities:
          - {name: Porto Alegre, country: BRA, kit: porto_alegre/}
          - {name: Las Palmas de Gran Canaria, country: ESP, kit: las_palmas/}
    """
    quiet_dask()
    from sdgcities.batch import load_batch_spec, run_batch
    from sdgcities.batch.run import CityOutcome, outcome_rows

    spec = load_batch_spec(cities_file)
    colours = {"ok": "green", "cached": "cyan", "partial": "yellow", "failed": "red"}
    with progress("cities", total=len(spec.cities)) as advance:

        def on_progress(o: CityOutcome, done: int, total: int) -> None:
            advance(1)
            c = colours.get(o.status, "white")
            console.print(f"[{c}]{o.status:>7}[/] {o.city}" + (f" — {o.error}" if o.error else ""))

        report = run_batch(
            engine(), spec, scheduler=scheduler, n_workers=workers, retries=retries,
            force=force, on_progress=on_progress,
        )  # fmt: skip
    table = Table(title=f"Batch on {report.scheduler}: {report.seconds:.1f} s", header_style="bold")
    for col in ("city", "status", "computed", "cached", "error", "seconds"):
        table.add_column(col, overflow="fold")
    for row in outcome_rows(report):
        c = colours.get(row["status"], "white")
        table.add_row(row["city"], f"[{c}]{row['status']}[/]", row["computed"], row["cached"],
                      row["error"], f"{row['seconds']:.2f}")  # fmt: skip
    console.print(table)
    counts = ", ".join(f"{v} {k}" for k, v in report.counts().items())
    if report.ok:
        console.print(f"[green]✓[/] {counts}")
    else:
        err_console.print(f"[yellow]finished with problems:[/] {counts}")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)
