"""CLI: ``sdgcities import observations|unhabitat`` and ``sdgcities observations …``.

``import_app`` is the ``import`` command group; other modules may add their own
``import …`` commands to it.
"""

from __future__ import annotations

import getpass
import math
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from sdgcities.cli._common import console, engine, err_console, handle_errors, progress

import_app = typer.Typer(
    help="Import cities, indicators or observations from files.", no_args_is_help=True
)
obs_app = typer.Typer(help="List, trace and correct observations.", no_args_is_help=True)


def _user(user: str | None) -> str:
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _print_report(report: object) -> None:
    from sdgcities.observations.importer import ImportReport

    assert isinstance(report, ImportReport)
    for f in report.findings:
        err_console.print(f"[yellow]![/] {escape(str(f))}")
    mark = "[green]✓[/]" if report.status == "imported" else "[cyan]=[/]"
    console.print(f"{mark} {escape(report.summary())}")


@import_app.command("observations")
@handle_errors
def import_observations_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX file."),
    wide_mapping: Path | None = typer.Option(
        None,
        "--wide-mapping",
        exists=True,
        dir_okay=False,
        help="YAML {column: indicator code}: the file is a wide sheet.",
    ),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet (default: the first)."),
    user: str | None = typer.Option(None, "--user", help="Who imports (default: login name)."),
    reason: str = typer.Option("", "--reason", help="Why (stored with corrections)."),
    draft: bool = typer.Option(True, "--draft", hidden=True, help="Store as draft (default)."),
    publish: bool = typer.Option(
        False, "--publish", help="Publish at once (admins and the global hub; needs --as)."
    ),
    as_: str | None = typer.Option(
        None, "--as", help="E-mail of the account importing (needed for --publish)."
    ),
) -> None:
    """Import observations from a long (city, indicator, year, value) or wide file.

    All or nothing: every problem is listed with file, row, column and fix, and nothing is
    stored until the file is clean. A value that changes makes a new version; the same
    file twice changes nothing.

    The values land as drafts: submit them for review with `sdgcities review submit`.
    An admin or the global hub may publish at once (written to the review log).

    Examples:

      sdgcities import observations values.csv --reason "2024 survey"

      sdgcities import observations values.csv --publish --as admin@example.org
    """
    from sdgcities.cli.review import actor
    from sdgcities.observations.importer import import_observations
    from sdgcities.store.db import transaction

    who = None
    if publish:
        from sdgcities.accounts.permissions import can_publish_directly

        if not as_:
            raise typer.BadParameter("--publish needs --as ADMIN_EMAIL", param_hint="--as")
        with transaction(engine()) as s:
            acting = actor(s, as_)
            if not can_publish_directly(acting):
                raise typer.BadParameter(
                    f"{as_} may not publish at once (admins and the global hub may); "
                    "import as draft and submit for review",
                    param_hint="--publish",
                )
            who = acting.email if acting else None
    with progress(f"importing {file.name}") as advance:
        last = [0]

        def on_progress(rows: int) -> None:
            advance(rows - last[0])
            last[0] = rows

        report = import_observations(
            engine(),
            file,
            user=who or _user(user or as_),
            reason=reason,
            wide_mapping=wide_mapping,
            sheet=sheet,
            status="published" if publish else "draft",
            on_progress=on_progress,
        )
    if publish and report.import_id is not None:
        from sdgcities.review.service import publish_import

        with transaction(engine()) as s:
            publish_import(s, report.import_id, actor=actor(s, as_), comment=reason)
    _print_report(report)
    if not publish and report.status == "imported":
        console.print("  stored as drafts; submit them with `sdgcities review submit CITY --as …`")


@import_app.command("unhabitat")
@handle_errors
def import_unhabitat_cmd(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="UN-Habitat Urban Indicators Database table (.xlsx)."
    ),
    user: str | None = typer.Option(None, "--user", help="Who imports (default: login name)."),
) -> None:
    """Import an SDG 11.7.1 table of the UN-Habitat Urban Indicators Database.

    Creates missing cities (matching stored ones by name and country, accents aside);
    stores \\[a] as 11.7.1 and \\[b] as 11.7.1b.

    Example:

      sdgcities import unhabitat unhabitat_sdg_11_7_1_2024.xlsx
    """
    from sdgcities.observations.unhabitat import import_unhabitat_table
    from sdgcities.review.service import publish_import
    from sdgcities.store.db import transaction

    report = import_unhabitat_table(engine(), file, user=_user(user))
    if report.import_id is not None:  # official published data: published at once, audited
        with transaction(engine()) as s:
            publish_import(
                s,
                report.import_id,
                actor=None,
                actor_label=f"cli:{_user(user)}",
                comment="UN-Habitat Urban Indicators Database",
            )
    _print_report(report)
    d = report.details
    console.print(
        f"  cities: {d.get('cities')} ({d.get('cities_created')} created, "
        f"{d.get('cities_matched')} already stored); "
        f"{d.get('aggregates_skipped')} aggregate rows skipped"
    )


INCLUDE_DRAFTS_HELP = (
    "Also drafts: the current version of each value, draft or published (default: the "
    "published versions, as the public sees them)."
)


def _cell(value: object, *, number: bool = False) -> str:
    """A table cell: blank for None and NaN, numbers to 6 significant digits, text escaped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if number and isinstance(value, int | float):
        return f"{value:.6g}"
    return escape(str(value))


@obs_app.command("list")
@handle_errors
def list_cmd(
    city: str | None = typer.Option(None, "--city", help="City slug, id or name."),
    indicator: list[str] | None = typer.Option(None, "--indicator", help="Indicator code(s)."),
    all_breakdowns: bool = typer.Option(False, "--all", help="Include disaggregations."),
    include_drafts: bool = typer.Option(False, "--include-drafts", help=INCLUDE_DRAFTS_HELP),
    limit: int = typer.Option(200, "--limit", min=0, help="Rows to show (0 = all)."),
) -> None:
    """List the values: published ones by default, with their status and version.

    Examples:

      sdgcities observations list --city porto-alegre-bra

      sdgcities observations list --indicator 11.7.1 --all --include-drafts --limit 0
    """
    from sdgcities.observations.service import (
        current_observations,
        resolve_city,
        resolve_indicator,
    )
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        city_ids = [resolve_city(s, city).id] if city else None
        codes = [resolve_indicator(s, code).code for code in indicator] if indicator else None
        df = current_observations(
            s,
            city_ids=city_ids,
            indicator_codes=codes,
            disaggregation=None if all_breakdowns else "",
            public=not include_drafts,
        )
    table = Table(header_style="bold")
    cols = [
        "city", "indicator", "year", "disaggregation", "value", "unit", "status", "version",
        "source",
    ]  # fmt: skip
    for c in cols:
        table.add_column(c, overflow="fold", justify="right" if c in ("value", "year") else "left")
    shown = df if limit == 0 else df.head(limit)
    for rec in shown.to_dict("records"):
        table.add_row(*(_cell(rec[c], number=c == "value") for c in cols))
    console.print(table)
    if df.empty:
        hint = "" if include_drafts else " (drafts are hidden: --include-drafts shows them)"
        console.print(f"no values{hint}")
    if len(df) > len(shown):
        console.print(f"… {len(df) - len(shown)} more rows (use --limit 0)")


@obs_app.command("history")
@handle_errors
def history_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    indicator: str = typer.Argument(..., help="Indicator code."),
    year: int | None = typer.Option(None, "--year"),
    disaggregation: str = typer.Option("", "--disaggregation", help="e.g. sex=female"),
    include_drafts: bool = typer.Option(
        False, "--include-drafts", help="Also draft versions (default: published versions)."
    ),
) -> None:
    """Every version of a city's values of an indicator, newest first, with its status.

    "current" marks the newest version, "public" the one the public sees.

    Examples:

      sdgcities observations history porto-alegre-bra 11.7.1

      sdgcities observations history "Łódź" 11.6.2 --year 2020 --include-drafts
    """
    from sdgcities.observations.service import history
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        rows = history(
            s,
            city=city,
            indicator=indicator,
            year=year,
            disaggregation=_disaggregation(disaggregation),
            include_drafts=include_drafts,
        )
        table = Table(header_style="bold")
        for c in (
            "year", "version", "status", "current", "public", "value", "when", "who", "why",
            "import", "row",
        ):  # fmt: skip
            table.add_column(c, overflow="fold")
        for o in rows:
            table.add_row(
                str(o.year),
                str(o.version),
                o.status,
                "✓" if o.is_current else "",
                "✓" if o.is_public else "",
                _cell(o.value, number=True),
                f"{o.created_at:%Y-%m-%d %H:%M}",
                _cell(o.created_by),
                _cell(o.reason),
                "" if o.import_id is None else f"#{o.import_id}",
                "" if o.source_row is None else str(o.source_row),
            )
    if not rows:
        hint = "" if include_drafts else " (drafts are hidden: --include-drafts shows them)"
        console.print(f"no values stored{hint}")
        return
    console.print(table)


def _disaggregation(text: str) -> str:
    """``--disaggregation`` in canonical form, or a usage error saying how to write it."""
    from sdgcities.observations.disaggregation import canonical_key

    try:
        return canonical_key(text)
    except ValueError as err:
        raise typer.BadParameter(
            f"{err}; write dimension=value pairs separated by '|', e.g. sex=female|age=15-24",
            param_hint="--disaggregation",
        ) from None


@obs_app.command("correct")
@handle_errors
def correct_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    indicator: str = typer.Argument(..., help="Indicator code."),
    year: int = typer.Argument(...),
    value: float = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why the value changes (required)."),
    user: str | None = typer.Option(None, "--user", help="Who corrects (default: login name)."),
    disaggregation: str = typer.Option("", "--disaggregation", help="e.g. sex=female"),
    source: str | None = typer.Option(None, "--source"),
) -> None:
    """Correct one value: stores a new version with who, when and why.

    Examples:

      sdgcities observations correct porto-alegre-bra 11.7.1 2020 18.9 --reason "new survey"

      sdgcities observations correct "Łódź" 11.2.1 2020 61 --disaggregation sex=female \
        --reason "revised"
    """
    from sdgcities.observations.service import record_value, resolve_city
    from sdgcities.store.db import transaction

    if not reason.strip():
        raise typer.BadParameter("give a reason", param_hint="--reason")
    with transaction(engine()) as s:
        c = resolve_city(s, city)
        obs = record_value(
            s,
            city_id=c.id,
            indicator_code=indicator,
            year=year,
            value=value,
            source=source,
            disaggregation=_disaggregation(disaggregation),
            user=_user(user),
            reason=reason,
            provenance={"method": "manual correction (CLI)"},
            status="draft",  # reviewed like every other change: `sdgcities review submit`
        )
        version, name = obs.version, c.name
        changed = obs.reason == reason and obs.created_by == _user(user)
    if changed:
        console.print(f"[green]✓[/] {name} {indicator} {year}: version {version} = {value:g}")
    else:
        console.print(f"[cyan]=[/] {name} {indicator} {year}: unchanged (version {version})")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    from sdgcities.cli.catalogue import import_cmd as import_indicators_cmd
    from sdgcities.cli.cities import import_cmd as import_cities_cmd

    # the same commands as `cities import` and `indicators import`, gathered under `import`
    import_app.command("cities")(import_cities_cmd)
    import_app.command("indicators")(import_indicators_cmd)
    app.add_typer(import_app, name="import")
    app.add_typer(obs_app, name="observations")
