"""CLI: ``sdgcities plan`` — a city's 2030 strategic plan (import, show, workflow, progress).

The command line has no login: ``--as EMAIL`` names the account acting and its role
decides what it may do, exactly as on the web (the city's editors write and submit its
plan; the hub serving the city, the global hub or an admin approve or return it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from sdgcities.cli._common import console, engine, handle_errors

plan_app = typer.Typer(
    help="A city's 2030 strategic plan: targets, participation, places, approval, progress.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

AS_HELP = "E-mail of the account acting (its role decides what it may do)."


def _write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False, default=str)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
    console.print(f"[green]✓[/] wrote {path}")


@plan_app.command("import")
@handle_errors
def import_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    file: Path = typer.Argument(..., help="A plan (.yaml) or its targets (.csv)."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
) -> None:
    """Replace the sections of the city's draft plan that the file holds, all or nothing.

    A YAML file may hold title, vision, priorities, targets, consultations and
    spatial_priorities (GeoJSON in EPSG:4326); a CSV holds targets, one per row:
    indicator, value, unit, baseline_value, baseline_year, target_year, justification,
    source. Units must be the catalogue's (or convert by a declared rule, e.g. a share
    0–1 into %). Every problem is listed by row and field; nothing is saved then.

    Examples:

      sdgcities plan import kisumu-ken plan.yaml --as lab@kisumu.go.ke

      sdgcities plan import kisumu-ken targets.csv --as lab@kisumu.go.ke
    """
    from sdgcities.cli.review import actor
    from sdgcities.planning.files import import_plan_file
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        v = import_plan_file(s, city, file, actor(s, as_))
        n, t = v.number, len(v.targets)
    console.print(f"[green]✓[/] {file.name}: version {n} of the plan, {t} target(s)")


@plan_app.command("show")
@handle_errors
def show_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP + " Without it: the approved plan."),
    version: int | None = typer.Option(None, "--version", min=1, help="A version number."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the plan as JSON here."),
) -> None:
    """Show the city's plan: the approved version, or the newest one the account may see.

    Examples:

      sdgcities plan show kisumu-ken

      sdgcities plan show kisumu-ken --as lab@kisumu.go.ke --json plan.json
    """
    from sdgcities.accounts.permissions import can_see_drafts
    from sdgcities.cities.service import get_city
    from sdgcities.cli.review import actor
    from sdgcities.errors import NotFoundError
    from sdgcities.planning import service as ps
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        found = get_city(s, city)
        user = actor(s, as_)
        staff = can_see_drafts(user, found.id, s)
        versions = ps.visible_versions(s, found, drafts=staff)
        if version is not None:
            versions = [v for v in versions if v.number == version]
        if not versions:
            raise NotFoundError(
                f"{found.name} has no {'' if staff else 'approved '}strategic plan"
                + (f" version {version}" if version else "")
            )
        data = {"city": found.slug, **ps.version_as_dict(versions[-1], staff=staff)}
    console.print(f"[bold]{data['title']}[/] — version {data['version']} ({data['status']})")
    console.print(data["vision"] or "[dim](no vision yet)[/]")
    table = Table(title="Targets", header_style="bold")
    for col in ("indicator", "baseline", "target", "unit", "source"):
        table.add_column(col)
    for t in data["targets"]:
        table.add_row(
            t["indicator"],
            f"{t['baseline_value']:g} ({t['baseline_year']})",
            f"{t['value']:g} ({t['target_year']})",
            t["unit"],
            t["source"],
        )
    console.print(table)
    console.print(
        f"{len(data['priorities'])} priorities · {len(data['consultations'])} consultations · "
        f"{len(data['spatial_priorities']['features'])} spatial priorities"
    )
    if json_out is not None:
        _write_json(json_out, data)


def _transition(city: str, action: str, as_: str, comment: str) -> None:
    from sdgcities.cli.review import actor
    from sdgcities.planning.service import transition
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        v = transition(s, city, action, actor(s, as_), comment=comment)
        n, st = v.number, v.status
    console.print(f"[green]✓[/] version {n} of the plan is {st}")


@plan_app.command("submit")
@handle_errors
def submit_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
    comment: str = typer.Option("", "--comment", help="A note for the reviewers."),
) -> None:
    """Submit the city's draft plan to its hub for approval.

    Example:

      sdgcities plan submit kisumu-ken --as lab@kisumu.go.ke
    """
    _transition(city, "submit", as_, comment)


@plan_app.command("approve")
@handle_errors
def approve_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
    comment: str = typer.Option("", "--comment", help="A note kept in the plan's log."),
) -> None:
    """Approve the submitted plan (hub reviewer, global hub or admin); it becomes public.

    Example:

      sdgcities plan approve kisumu-ken --as reviewer@hub.org
    """
    _transition(city, "approve", as_, comment)


@plan_app.command("return")
@handle_errors
def return_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    as_: str = typer.Option(..., "--as", help=AS_HELP),
    comment: str = typer.Option(..., "--comment", help="What the city should change."),
) -> None:
    """Return the submitted plan to the city with a comment.

    Example:

      sdgcities plan return kisumu-ken --as reviewer@hub.org --comment "add a source for 11.6.2"
    """
    _transition(city, "return", as_, comment)


@plan_app.command("progress")
@handle_errors
def progress_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP + " Without it: the approved plan."),
    progress_method: str = typer.Option(
        "cagr-ratio", "--progress-method", help="cagr-ratio (Eurostat) or sdr-trend (SDSN SDR)."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write the rows as JSON here."),
) -> None:
    """Progress towards each target: baseline → latest published value → 2030 target.

    The categories are the scoring engine's (``sdgcities progress``): target achieved,
    on track, acceleration needed, limited progress, deterioration (cagr-ratio), or the
    SDR's trend arrows (sdr-trend).

    Examples:

      sdgcities plan progress kisumu-ken

      sdgcities plan progress kisumu-ken --progress-method sdr-trend --json progress.json
    """
    from sdgcities.accounts.permissions import can_see_drafts
    from sdgcities.cities.service import get_city
    from sdgcities.cli.review import actor
    from sdgcities.errors import NotFoundError
    from sdgcities.planning import service as ps
    from sdgcities.planning.progress import plan_progress
    from sdgcities.scoring.progress import check_progress_method
    from sdgcities.store.db import transaction

    try:
        method = check_progress_method(progress_method)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--progress-method") from None
    with transaction(engine()) as s:
        found = get_city(s, city)
        versions = ps.visible_versions(s, found, drafts=can_see_drafts(actor(s, as_), found.id, s))
        if not versions:
            raise NotFoundError(f"{found.name} has no approved strategic plan")
        v = versions[-1]
        rows = plan_progress(s, found, v, method=method)
        head = {"city": found.slug, "version": v.number, "status": v.status}
    table = Table(title=f"Progress — plan version {head['version']} ({head['status']})")
    for col in ("indicator", "baseline", "latest", "target", "ratio", "progress"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["indicator"],
            f"{r['baseline_value']:g} ({r['baseline_year']})",
            "—" if r["value"] is None else f"{r['value']:g} ({r['year']})",
            f"{r['target']:g} ({r['target_year']})",
            "—" if r["ratio"] is None else f"{r['ratio']:.2f}",
            r["category"] or r["method"],
        )
    console.print(table)
    if json_out is not None:
        _write_json(json_out, {**head, "progress_method": method, "items": rows})


def register(app: typer.Typer) -> None:
    """Add ``plan`` to the main app."""
    app.add_typer(plan_app, name="plan")
