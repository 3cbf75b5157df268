"""Shared plumbing of the command-line interface: consoles, the store, error handling.

Every command imports this module, so it imports only the standard library, Typer and Rich's
console at module level: heavier libraries load inside the functions that need them.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from sdgcities.errors import SdgCitiesError, ValidationError

if TYPE_CHECKING:  # every command imports this module: keep SQLAlchemy out of start-up
    from sqlalchemy import Engine


def _width() -> int | None:
    """Terminal width; 140 columns when writing to a file or pipe (logs, CI, tests)."""
    if os.environ.get("COLUMNS") or sys.stdout.isatty():
        return None
    return 140


console = Console(width=_width())
err_console = Console(stderr=True, width=_width())

P = ParamSpec("P")
R = TypeVar("R")

#: exit codes: 0 success, 1 a user error (bad input, not found), 2 wrong usage (Typer)
EXIT_USER_ERROR = 1


def engine() -> Engine:
    """The store's engine, migrated to the current schema."""
    from sdgcities.store.db import init_store

    return init_store()


def report_findings(err: ValidationError, *, limit: int = 200) -> None:
    from rich.table import Table

    err_console.print(f"[bold red]✗ {err.summary}[/]")
    if not err.findings:
        return
    table = Table(show_lines=False, header_style="bold")
    for col in ("file", "row", "column", "problem", "fix"):
        table.add_column(col, overflow="fold")
    for f in err.findings[:limit]:
        problem = f.message + (f" (found {f.value!r})" if f.value is not None else "")
        table.add_row(
            f.file or "", "" if f.row is None else str(f.row), f.column or "", problem, f.fix or ""
        )
    err_console.print(table)
    if len(err.findings) > limit:
        err_console.print(f"… and {len(err.findings) - limit} more findings")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn sdgcities errors into a clear message and exit code 1 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ValidationError as err:
            report_findings(err)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except SdgCitiesError as err:
            err_console.print(f"[bold red]✗[/] {err}")
            raise typer.Exit(EXIT_USER_ERROR) from None
        except FileNotFoundError as err:
            err_console.print(f"[bold red]✗[/] file not found: {err.filename}")
            raise typer.Exit(EXIT_USER_ERROR) from None

    return wrapper


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Callable[..., Any]]:
    """A Rich progress bar; yields ``advance(n=1, total=None)``. Quiet when not a terminal."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    with bar:
        task = bar.add_task(description, total=total)

        def advance(n: float = 1, total: float | None = None) -> None:
            if total is not None:
                bar.update(task, total=total)
            bar.advance(task, n)

        yield advance


def configure_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )
