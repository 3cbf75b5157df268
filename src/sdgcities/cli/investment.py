"""CLI: ``sdgcities investment`` — intake, projects, investors, windows, matching, IATI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from sdgcities.cli._common import console, engine, handle_errors


def _group(help: str, *examples: str) -> typer.Typer:
    return typer.Typer(help=help, epilog="Examples: " + " · ".join(examples), no_args_is_help=True)


investment_app = _group(
    "City investment facility: projects, investors, matching, IATI export.",
    "sdgcities investment import projects.csv",
    "sdgcities investment match --json matches.json",
    "sdgcities investment export-iati --out pipeline.xml",
)
project_app = _group(
    "One project: show it, move its stage, its consent.",
    "sdgcities investment project show 12",
    "sdgcities investment project stage 12 feasibility --on 2026-12-01",
)
investors_app = _group(
    "Investor profiles: import and list.",
    "sdgcities investment investors import investors.csv",
    "sdgcities investment investors list --json",
)
windows_app = _group(
    "Investment windows: import and list.",
    "sdgcities investment windows import windows.csv",
    "sdgcities investment windows list",
)
investment_app.add_typer(project_app, name="project")
investment_app.add_typer(investors_app, name="investors")
investment_app.add_typer(windows_app, name="windows")


@investment_app.command("import")
@handle_errors
def import_cmd(
    projects: Path = typer.Argument(..., help="CSV, one row per project."),
) -> None:
    """Add projects to the pipeline (all or nothing; every problem by row and column).

    Columns: city, title, description, sector (DAC 5-digit), sdg_targets (e.g.
    11.2;11.6), budget, currency (ISO 4217), start, end (YYYY-MM-DD), stage (ideation,
    pre-feasibility, feasibility, structuring, financial close, implementation),
    implementing_org; optional tranches (instrument:amount;… in the project's currency,
    summing to the budget; instruments grant, concessional loan, commercial loan, equity,
    guarantee) and gates (stage:YYYY-MM-DD;… the date each gate was passed).

    Examples:

      sdgcities investment import projects.csv
    """
    from sdgcities.investment.service import import_projects
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        n = len(import_projects(session, projects))
    console.print(f"[green]✓[/] {n} projects added from {projects.name}")


@investment_app.command("export-iati")
@handle_errors
def export_iati_cmd(
    out: Path = typer.Option(..., "--out", help="The IATI activities XML file to write."),
    city: str | None = typer.Option(None, "--city", help="Only this city's projects."),
) -> None:
    """Write the pipeline as IATI 2.03 activities (SDG targets as sector vocabulary 8).

    Only projects whose city consented to publication are written (give it with
    `sdgcities investment project consent ID --by EDITOR`); the others stay here.

    Examples:

      sdgcities investment export-iati --out pipeline.xml

      sdgcities investment export-iati --city nairobi --out nairobi.xml
    """
    from sdgcities.investment.service import export_iati, unconsented_count
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        n = export_iati(session, out, city=city)
        held = unconsented_count(session, city=city)
    console.print(f"[green]✓[/] wrote {n} IATI activities to {out}")
    if held:
        console.print(
            f"{held} project(s) left out: their city has not consented to publication "
            "(`sdgcities investment project consent ID --by EDITOR`)"
        )


def _date(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date; write YYYY-MM-DD", param_hint=field
        ) from None


def _user(session: Any, email: str | None) -> Any:
    from sdgcities.errors import NotFoundError
    from sdgcities.investment.service import CLI
    from sdgcities.store.models import User

    if email is None:
        return CLI
    from sqlalchemy import select

    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"no user {email!r}; give the e-mail of an existing account")
    return user


@project_app.command("show")
@handle_errors
def project_show(
    project_id: int = typer.Argument(..., help="The project's id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a summary."),
) -> None:
    """Show a project: core fields, stage gates, tranches, readiness, SDG impact, consent.

    Examples:

      sdgcities investment project show 12

      sdgcities investment project show 12 --json
    """
    from sdgcities.investment.service import CLI, get_project, project_dict
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        data = project_dict(session, get_project(session, project_id, CLI), full=True)
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    console.print(f"[bold]{data['title']}[/] ({data['city']}) — {data['stage']}")
    console.print(
        f"budget {data['budget']:,.2f} {data['currency']} · sector {data['sector']}"
        f" · SDG targets {', '.join(data['sdg_targets'])}"
    )
    for g in data["gates"]:
        console.print(f"  gate {g['stage']}: {g['passed_on']}")
    for t in data["tranches"]:
        console.print(f"  tranche {t['instrument']}: {t['amount']:,.2f} {t['currency']}")
    r = data["readiness"]
    overall = "—" if r["overall"] is None else f"{r['overall'] * 100:.0f} %"
    console.print(f"readiness {overall}; ready for {r['next_ready']}")
    consent = data["consent"]
    console.print(
        "public page: "
        + (
            f"yes (by {consent['by']}, {consent['at']})"
            if consent
            else "no (the city has not consented)"
        )
    )


@project_app.command("stage")
@handle_errors
def project_stage(
    project_id: int = typer.Argument(..., help="The project's id."),
    stage: str = typer.Argument(
        ...,
        help="ideation, pre-feasibility, feasibility, structuring, "
        "financial close or implementation.",
    ),
    on: str = typer.Option(..., "--on", help="The gate's date, YYYY-MM-DD."),
    reason: str = typer.Option("", "--reason", help="Why (required to move back a stage)."),
) -> None:
    """Move a project to a stage and date its gate (back a stage only with --reason).

    Moving forward needs the checklist of the earlier stages done.

    Examples:

      sdgcities investment project stage 12 structuring --on 2026-11-30

      sdgcities investment project stage 12 feasibility --on 2026-12-01 --reason "study redone"
    """
    from sdgcities.investment.service import CLI, get_project, move_stage
    from sdgcities.store.db import transaction

    day = _date(on, "--on")
    assert day is not None
    with transaction(engine()) as session:
        p = get_project(session, project_id, CLI)
        move_stage(session, p, stage.lower(), day, CLI, reason=reason)
    console.print(f"[green]✓[/] project {project_id} is at {stage.lower()} (gate dated {day})")


@project_app.command("consent")
@handle_errors
def project_consent(
    project_id: int = typer.Argument(..., help="The project's id."),
    by: str = typer.Option(..., "--by", help="E-mail of the city editor giving consent."),
    withdraw: bool = typer.Option(False, "--withdraw", help="Withdraw the consent instead."),
) -> None:
    """Record the city's consent to a public project page (given by one of its editors).

    Examples:

      sdgcities investment project consent 12 --by editor@city.example

      sdgcities investment project consent 12 --by editor@city.example --withdraw
    """
    from sdgcities.investment.service import CLI, get_project, set_consent
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        user = _user(session, by)
        set_consent(session, get_project(session, project_id, CLI), not withdraw, user)
    word = "withdrawn" if withdraw else "given"
    console.print(f"[green]✓[/] consent {word} for project {project_id} by {by}")


@investors_app.command("import")
@handle_errors
def investors_import(path: Path = typer.Argument(..., help="CSV, one investor per row.")) -> None:
    """Add or update investor profiles (by name), all or nothing.

    Columns: name, sdg_focus (11;11.2), regions (SDG regions; empty = any), ticket_min,
    ticket_max, currency, instruments (grant; concessional loan; commercial loan; equity;
    guarantee), stages, returns (concessional, market, impact-first); optional example
    (yes/no), source and account (the e-mail of the investor's user account).

    Examples:

      sdgcities investment investors import investors.csv
    """
    from sdgcities.investment.investors import import_investors
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        n = import_investors(session, path)
    console.print(f"[green]✓[/] {n} investor profiles from {path.name}")


@investors_app.command("list")
@handle_errors
def investors_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the investor profiles.

    Examples:

      sdgcities investment investors list --json
    """
    from sdgcities.investment.investors import investor_dict, list_investors
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        items = [investor_dict(x) for x in list_investors(session)]
    if as_json:
        typer.echo(json.dumps(items, indent=2))
        return
    for x in items:
        tag = " [example]" if x["example"] else ""
        console.print(
            f"{x['id']:>5}  {x['name']}{tag}: {x['ticket_min']:,.0f}–"
            f"{x['ticket_max']:,.0f} {x['currency']}, {x['returns']}"
        )


@windows_app.command("import")
@handle_errors
def windows_import(path: Path = typer.Argument(..., help="CSV, one window per row.")) -> None:
    """Add or update investment windows (by name and institution), all or nothing.

    Columns: name, institution; optional themes, sectors (DAC 5-digit), countries (ISO3;
    empty = not restricted), sdg_focus, instruments, amount, currency, deadline
    (YYYY-MM-DD), source.

    Examples:

      sdgcities investment windows import windows.csv
    """
    from sdgcities.investment.investors import import_windows
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        n = import_windows(session, path)
    console.print(f"[green]✓[/] {n} investment windows from {path.name}")


@windows_app.command("list")
@handle_errors
def windows_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the investment windows.

    Examples:

      sdgcities investment windows list
    """
    from sdgcities.investment.investors import list_windows, window_dict
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        items = [window_dict(x) for x in list_windows(session)]
    if as_json:
        typer.echo(json.dumps(items, indent=2))
        return
    for x in items:
        amount = (
            f"{x['amount']:,.0f} {x['currency']}"
            if x["amount"] is not None
            else "amount not stated"
        )
        console.print(
            f"{x['id']:>5}  {x['name']} — {x['institution']}: {amount}, "
            f"deadline {x['deadline'] or 'not stated'}"
        )


def _fx(values: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for v in values:
        cur, _, rate = v.partition("=")
        try:
            out[cur.strip().upper()] = float(rate)
        except ValueError:
            raise typer.BadParameter(
                f"{v!r}: write CUR=RATE, e.g. KES=0.0077", param_hint="--fx"
            ) from None
    return out


@investment_app.command("match")
@handle_errors
def match_cmd(
    city: str | None = typer.Option(None, "--city", help="Only this city's projects."),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write every match to this JSON file."
    ),
    fx: list[str] = typer.Option(
        [], "--fx", help="Exchange rate to a reference currency, CUR=RATE (repeat)."
    ),
    top: int = typer.Option(10, "--top", min=1, max=1000, help="Best matches kept per project."),
) -> None:
    """Match the pipeline's projects to investors and windows (every factor shown).

    Hard filters first (window deadline, eligible country, instruments, ticket range,
    preferred stages), then a weighted score of SDG overlap, region, ticket fit, stage
    fit and readiness. Amounts in different currencies need --fx rates.

    Examples:

      sdgcities investment match

      sdgcities investment match --city nairobi --json matches.json

      sdgcities investment match --fx USD=1 --fx KES=0.0077
    """
    from sdgcities.cities.service import get_city
    from sdgcities.investment.advisory import run_match
    from sdgcities.investment.service import CLI
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        city_id = get_city(session, city).id if city else None
        with console.status("matching …"):
            frame = run_match(session, CLI, city_id=city_id, fx=_fx(fx), top=top)
    if json_out is not None:
        tmp = json_out.with_name(json_out.name + ".part")
        tmp.write_text(frame.to_json(orient="records", indent=2), encoding="utf-8")
        tmp.replace(json_out)
        console.print(f"[green]✓[/] {len(frame)} matches written to {json_out}")
        return
    if frame.empty:
        console.print("no eligible matches")
        return
    for r in frame.head(200).to_dict("records"):
        console.print(
            f"{r['project_id']:>5} {str(r['project'])[:40]:<40} → {r['kind']} "
            f"{str(r['counterpart'])[:30]:<30} "
            f"score {r['score']:.3f} (sdg {r['sdg']:.2f}, region {r['region']:.2f}, ticket "
            f"{r['ticket']:.2f}, stage {r['stage']:.2f}, readiness {r['readiness']:.2f})"
        )


@investment_app.command("introduce")
@handle_errors
def introduce_cmd(
    project_id: int = typer.Argument(..., help="The project's id."),
    investor: int | None = typer.Option(None, "--investor", help="The investor profile's id."),
    window: int | None = typer.Option(None, "--window", help="The investment window's id."),
    on: str | None = typer.Option(None, "--on", help="Date of the introduction (default today)."),
    outcome: str | None = typer.Option(
        None,
        "--outcome",
        help="Record an outcome of an existing "
        "introduction: meeting, term sheet, declined, financed.",
    ),
    note: str = typer.Option("", "--note", help="A note."),
) -> None:
    """Record an introduction of a project to an investor or a window, or its outcome.

    Examples:

      sdgcities investment introduce 12 --investor 3 --on 2026-11-30

      sdgcities investment introduce 12 --investor 3 --outcome meeting --on 2026-12-05
    """
    from sqlalchemy import select

    from sdgcities.investment.advisory import introduce, record_outcome
    from sdgcities.investment.models import Introduction
    from sdgcities.investment.service import CLI
    from sdgcities.store.db import transaction

    if (investor is None) == (window is None):
        raise typer.BadParameter("give either --investor or --window", param_hint="--investor")
    kind, cid = ("investor", investor) if investor is not None else ("window", window)
    assert cid is not None
    day = _date(on, "--on")
    with transaction(engine()) as session:
        if outcome is None:
            intro = introduce(session, CLI, project_id, kind, cid, on=day, note=note)
            console.print(
                f"[green]✓[/] introduction {intro.id}: project {project_id} → {kind} {cid}"
            )
            return
        col = Introduction.investor_id if kind == "investor" else Introduction.window_id
        found = session.scalar(
            select(Introduction.id).where(Introduction.project_id == project_id, col == cid)
        )
        if found is None:
            from sdgcities.errors import NotFoundError

            raise NotFoundError(
                f"project {project_id} was not introduced to {kind} {cid}; "
                "record the introduction first"
            )
        record_outcome(session, CLI, found, outcome.lower(), on=day, note=note)
    console.print(f"[green]✓[/] introduction {found}: {outcome.lower()}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(investment_app, name="investment")
