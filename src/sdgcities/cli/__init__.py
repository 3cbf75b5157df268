"""The ``sdgcities`` command line (Typer + Rich).

Each command or sub-command group lives in its own module with a ``register(app)`` function.
The root knows every top-level name, its module and its one-line help from :data:`COMMANDS`
and imports a module only when one of its commands runs (or its own ``--help`` is asked for),
so that ``sdgcities --help`` and ``sdgcities --version`` start without loading pandas,
geopandas, SQLAlchemy or Dask. Adding a group is one line in :data:`COMMANDS`;
``tests/test_setup_cli.py`` checks that each line's help matches the real command.

BLAS runs on one thread unless the environment says otherwise (``OPENBLAS_NUM_THREADS``,
set before numpy loads): no command does linear algebra, and OpenBLAS' pool of one thread
per core spins at start-up. On 2 cores the whole 11.2.1 command used 0.3 s less CPU and
about 0.1 s less wall clock on Las Palmas (7 alternated runs).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads (docstring)

import importlib
from difflib import get_close_matches
from typing import Any

import typer
from typer._click.core import Command, Context  # Typer ships its own copy of Click
from typer._click.exceptions import UsageError
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand

from sdgcities import __version__
from sdgcities.cli._common import VERBOSE_HELP, CliGroup, configure_logging
from sdgcities.cli._startup import defer_flag_coercion, import_rich_utils

import_rich_utils()  # help pages and error boxes without Markdown/traceback renderers
defer_flag_coercion()  # Typer's pydantic coercion built only for values that need it

#: top-level name → (module under ``sdgcities.cli``, one-line help), in the order of ``--help``
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "store",
        "Create the store (or upgrade it to the current schema) and load the built-in catalogue.",
    ),
    "score": (
        "scoring",
        "Score cities (SDSN city-index method): from files, or from the store with colours.",
    ),
    "progress": (
        "scoring",
        "Progress of a city towards its 2030 targets (published values unless --include-drafts).",
    ),
    "challenges": (
        "scoring",
        "A city's greatest challenges, ranked, with one explanation line each.",
    ),
    "batch": ("batch", "Compute the spatial indicators of many cities on Dask, one task per city."),
    "serve": ("web", "Serve the web platform: pages, JSON API (/api/v1) and OGC API (/ogc)."),
    "demo": (
        "demo",
        "Set up a store with real bundled data, print a dashboard and serve the platform.",
    ),
    "indicators": (
        "catalogue",
        "The indicator catalogue: SDG 11, the UN Urban Monitoring Framework (UMF) and the "
        "indicators your city or hub adds.",
    ),
    "cities": (
        "cities",
        "Cities: find them in the gazetteer, add or import them, list them with their typology.",
    ),
    "import": ("observations", "Import cities, indicators or observations from files."),
    "observations": ("observations", "List, trace and correct observations."),
    "benchmarks": ("scoring", "Benchmark sets (bounds and colour thresholds) in the store."),
    "export": ("exports", "Export observations and scores: CSV, XLSX, Open SDG, SDMX-ML."),
    "spatial": (
        "spatial",
        "Spatial SDG 11 indicators from local files (.osm.pbf, GTFS, population, rasters).",
    ),
    "users": (
        "users",
        "Accounts: create them, give roles, grant cities to city editors, issue API tokens.",
    ),
    "backup": (
        "backup",
        "Back up the store while the platform runs: a consistent snapshot, written atomically.",
    ),
    "revenue": (
        "revenue",
        "Own-source revenue diagnostic (UN-Habitat ROSRA): potential, gaps and KPIs.",
    ),
    "investment": (
        "investment",
        "City investment facility: projects, investors, matching, IATI export.",
    ),
    "restore": ("backup", "Replace the store's content with a backup — all of it, or nothing."),
    "review": (
        "review",
        "Review draft values: submit them, publish them or return them with comments.",
    ),
    "hubs": ("review", "Hubs of the network: the cities each serves and its staff (reviewers)."),
    "capacity": (
        "capacity",
        "Capacity building: the strategy's implementation plan, the catalogue, needs and matches.",
    ),
    "servicedesk": (
        "servicedesk",
        "The one-stop shop: requests answered within guaranteed business-hours targets.",
    ),
    "learning": (
        "learning",
        "UN-Habitat Learn: courses, enrolment, completions, certificates, badges, reports.",
    ),
    "network": (
        "network",
        "The SDG Cities network: onboarding, urban labs, hubs, partner instances.",
    ),
    "certification": (
        "certification",
        "SDG Cities certification: stage gates with evidence, reviewed by the city's hub.",
    ),
    "vlr": ("vlr", "Write a city's Voluntary Local Review draft as PDF or HTML."),
    "plan": (
        "plan",
        "A city's 2030 strategic plan: targets, participation, places, approval, progress.",
    ),
    "assessment": (
        "assessment",
        "Institutional and digital-capacity assessments: questionnaires, answers, profiles.",
    ),
    "programmes": (
        "programmes",
        "Flagship programmes: import the Board report, show the portfolio, funding lines.",
    ),
    "report": ("report", "Reports generated from the data."),
    "notifications": (
        "notifications",
        "Notifications: send the queued e-mails, list a person's messages, mute e-mail by kind.",
    ),
    "profiles": (
        "profiles",
        "Stored profile layers (neighbourhoods, exposure, groups): list, publish.",
    ),
}

_ROOT_SETTINGS: dict[str, Any] = {"rich_markup_mode": "rich"}
#: the commands of each module already imported
_LOADED: dict[str, dict[str, Command]] = {}


def load_module_commands(module: str) -> dict[str, Command]:
    """The click commands that ``sdgcities.cli.<module>.register`` adds, by name (cached)."""
    cached = _LOADED.get(module)
    if cached is None:
        mod = importlib.import_module(f"sdgcities.cli.{module}")
        scratch = typer.Typer(**_ROOT_SETTINGS)

        @scratch.callback()
        def _scratch() -> None:  # a callback keeps a one-command module a group
            """Scratch root."""

        mod.register(scratch)
        cached = dict(typer.main.get_group(scratch).commands)
        _LOADED[module] = cached
    return cached


class LazyGroup(CliGroup):
    """The root group: lists :data:`COMMANDS` from the table, imports a module on first use."""

    _listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return [*self.commands, *(name for name in COMMANDS if name not in self.commands)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, short_help = entry
        if self._listing:  # the root's help or completion: name and help line are enough
            return TyperCommand(cmd_name, help=short_help, short_help=short_help)
        return load_module_commands(module).get(cmd_name)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as err:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in err.message:
                suggestions = ", ".join(repr(m) for m in matches)
                err.message = f"{err.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def shell_complete(self, ctx: Context, incomplete: str) -> list[Any]:
        self._listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False


app = typer.Typer(
    name="sdgcities",
    cls=LazyGroup,
    help="Measure, locate and report SDG 11 and the Urban Monitoring Framework for your city.",
    epilog=(
        "Examples: [bold]sdgcities init[/] · [bold]sdgcities indicators list --goal 11[/] · "
        "[bold]sdgcities demo --port 8010[/] · [bold]sdgcities COMMAND --help[/]"
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    **_ROOT_SETTINGS,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sdgcities {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help=VERBOSE_HELP),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """sdgcities — the SDG Cities platform."""
    configure_logging(verbose)


def main() -> None:
    app()
