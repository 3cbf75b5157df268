"""Shared plumbing of the command-line interface: consoles, the store, error handling.

Every command imports this module, so it imports only the standard library, Typer and Rich's
console at module level: heavier libraries load inside the functions that need them.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from typer.core import TyperGroup
from typer.exceptions import TyperException

from sdgcities.errors import Finding, ValidationError

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
    """Print a validation error: its summary and the findings table."""
    show_failure(err.summary, err.findings, limit=limit)


def show_failure(summary: str, findings: Sequence[Finding] = (), *, limit: int = 200) -> None:
    """``✗ summary`` and a table of findings (file, row, column, problem, fix) on stderr.

    Every text is escaped, so ``[a]`` in a message stays ``[a]`` instead of Rich markup.
    """
    from rich.markup import escape
    from rich.table import Table

    err_console.print(f"[bold red]✗[/] [bold]{escape(summary)}[/]")
    if not findings:
        return
    table = Table(show_lines=False, header_style="bold")
    for col in ("file", "row", "column", "problem", "fix"):
        table.add_column(col, overflow="fold")
    for f in findings[:limit]:
        problem = f.message + (f" (found {f.value!r})" if f.value is not None else "")
        table.add_row(
            *(
                escape(text)
                for text in (
                    f.file or "",
                    "" if f.row is None else str(f.row),
                    f.column or "",
                    problem,
                    f.fix or "",
                )
            )
        )
    err_console.print(table)
    if len(findings) > limit:
        err_console.print(f"… and {len(findings) - limit} more findings")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """The one error path of the CLI: every exception becomes a message, never a traceback.

    Validation errors print their findings table; file, format, store and connection
    errors become findings naming the file and the fix (:mod:`sdgcities.cli._errors`);
    exit code 1 for bad data, 2 for wrong usage (click's usage errors pass through).
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (TyperException, typer.Exit, typer.Abort):  # usage errors, exits: Typer's own
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as err:  # the CLI's edge: everything is reported, nothing escapes
            from sdgcities.cli._errors import describe

            failure = describe(err, dict(kwargs))
            if failure.bug:
                logging.getLogger("sdgcities.cli").debug("traceback", exc_info=err)
            show_failure(failure.summary, failure.findings)
            raise typer.Exit(failure.exit_code) from None

    wrapper.__sdgcities_handles_errors__ = True  # type: ignore[attr-defined]
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


#: help of the root's counting ``-v/--verbose`` flag
VERBOSE_HELP = "More log output: -v for progress notes, -vv for debug (a flag; repeat the v)."


def reject_verbose_value(args: Sequence[str]) -> None:
    """A usage error for ``-v 2``, ``-v2`` or ``--verbose=2``: the flag counts, takes no number.

    Only the root's options (the tokens before the command name) are looked at.
    """
    for i, token in enumerate(args):
        bad = None
        if token in ("-v", "--verbose") or (token.startswith("-v") and set(token[1:]) == {"v"}):
            nxt = args[i + 1] if i + 1 < len(args) else ""
            if nxt.lstrip("-").isdigit():
                bad = f"{token} {nxt}"
        elif token.startswith("--verbose=") or (
            token.startswith("-v") and token[2:].lstrip("v").isdigit() and len(token) > 2
        ):
            bad = token
        if bad is not None:
            raise typer.BadParameter(
                f"it counts and takes no number (found {bad!r}): write -v for more output "
                "or -vv for debug output, before the command, e.g. `sdgcities -vv batch "
                "cities.yaml`",
                param_hint="-v/--verbose",
            )
        if not token.startswith("-"):
            return


class CliGroup(TyperGroup):
    """The root group: rejects a number after the counting ``-v`` with a usage message."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        reject_verbose_value(args)
        return super().parse_args(ctx, args)
