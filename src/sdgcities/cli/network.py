"""CLI: ``sdgcities network`` — onboarding, urban labs, hub subscriptions, partner pulls."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

from sdgcities.cli._common import console, engine, handle_errors, progress

network_app = typer.Typer(
    help="The SDG Cities network: onboarding, urban labs, hubs, partner instances.",
    no_args_is_help=True,
)
onboarding_app = typer.Typer(
    help="A city's onboarding pipeline (dated steps).", no_args_is_help=True
)
labs_app = typer.Typer(help="Urban labs (national or city-based).", no_args_is_help=True)
hubs_app = typer.Typer(
    help="Regional hubs' network fields: experts, subscriptions.", no_args_is_help=True
)
subscription_app = typer.Typer(
    help="Subscriptions paid by participating authorities.", no_args_is_help=True
)
expert_app = typer.Typer(help="A hub's experts in the SDG Cities tools.", no_args_is_help=True)
network_app.add_typer(onboarding_app, name="onboarding")
network_app.add_typer(labs_app, name="labs")
network_app.add_typer(hubs_app, name="hubs")
hubs_app.add_typer(subscription_app, name="subscription")
hubs_app.add_typer(expert_app, name="expert")


def _print_pipeline(data: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"{data['name']} — stage: {data['stage'] or 'none'}", header_style="bold")
    for col in ("#", "step", "date", "para."):
        table.add_column(col)
    for n, s in enumerate(data["steps"], start=1):
        when = s["date"] or ("—" if s["recorded"] else "not recorded")
        table.add_row(str(n), s["label"], when, s["paragraph"])
    console.print(table)


@onboarding_app.command("show")
@handle_errors
def show_cmd(city: str = typer.Argument(..., help="City slug, id or name.")) -> None:
    """Show a city's onboarding steps with their dates and its stage.

    Steps whose source domain is not installed yet show as "not recorded".

    Examples:

      sdgcities network onboarding show nairobi
    """
    from sdgcities.network.service import city_pipeline, pipeline_dict
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        found, p = city_pipeline(s, city)
        data = pipeline_dict(found, p)
    _print_pipeline(data)


@onboarding_app.command("record")
@handle_errors
def record_cmd(
    city: str = typer.Argument(..., help="City slug, id or name."),
    step: str = typer.Argument(
        ..., help="expression_of_interest, agreement, urban_lab or regional_hub."
    ),
    on: str = typer.Option(..., "--date", help="The day the step was reached (YYYY-MM-DD)."),
    authority: str = typer.Option("", "--authority", help="agreement: the authority it is with."),
    lab: str | None = typer.Option(None, "--lab", help="urban_lab: the lab's slug."),
    hub: str | None = typer.Option(None, "--hub", help="regional_hub: the hub's slug."),
    note: str = typer.Option("", "--note", help="A note kept with the step."),
) -> None:
    """Record that a city reached an onboarding step (in order; nothing saved on error).

    Examples:

      sdgcities network onboarding record nairobi expression_of_interest --date 2024-02-01

      sdgcities network onboarding record nairobi agreement --date 2024-05-10 \\
        --authority "Nairobi City County"

      sdgcities network onboarding record nairobi urban_lab --date 2024-06-01 --lab kenya-lab

      sdgcities network onboarding record nairobi regional_hub --date 2024-07-01 --hub east-africa
    """
    from sdgcities.network.service import pipeline_dict, record_step
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        p = record_step(s, city, step, on, authority=authority, lab=lab, hub=hub, note=note)
        from sdgcities.network.service import _city

        data = pipeline_dict(_city(s, city), p)
    console.print(f"[green]✓[/] {data['name']}: {step} on {on}; stage now {data['stage']}")


@labs_app.command("add")
@handle_errors
def labs_add_cmd(
    slug: str = typer.Argument(..., help="Short name, e.g. kenya-lab."),
    name: str = typer.Option(..., "--name", help="The lab's name."),
    kind: str = typer.Option(..., "--kind", help="national or city."),
    country: str = typer.Option(..., "--country", help="ISO 3166 alpha-3 code, e.g. KEN."),
    host: str = typer.Option(..., "--host", help="The host institution."),
    established: str = typer.Option(..., "--established", help="Date set up (YYYY-MM-DD)."),
    academia: str = typer.Option(
        "", "--academia", help="Academic partners engaged, ';'-separated."
    ),
    professionals: str = typer.Option(
        "", "--professionals", help="Professional bodies engaged, ';'-separated."
    ),
    tools: str = typer.Option("", "--tools", help="SDG Cities tools adapted, ';'-separated."),
) -> None:
    """Add an urban lab set up by a national or local authority (para 77 (b) (i)).

    Examples:

      sdgcities network labs add kenya-lab --name "Kenya Urban Lab" --kind national \\
        --country KEN --host "State Department for Housing and Urban Development" \\
        --established 2024-03-01 --academia "University of Nairobi"
    """
    from sdgcities.network.service import add_lab
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        lab = add_lab(
            s,
            slug=slug,
            name=name,
            kind=kind,
            country_iso3=country,
            host_institution=host,
            established_on=established,
            academia=academia,
            professionals=professionals,
            tools_adapted=tools,
        )
        out = lab.slug
    console.print(f"[green]✓[/] urban lab {out} added")


@labs_app.command("list")
@handle_errors
def labs_list_cmd() -> None:
    """List the urban labs with their host institutions and cities.

    Examples:

      sdgcities network labs list
    """
    from rich.table import Table

    from sdgcities.network.service import list_labs
    from sdgcities.store.db import transaction

    table = Table(header_style="bold")
    for col in ("lab", "kind", "country", "host", "established", "cities"):
        table.add_column(col, overflow="fold")
    with transaction(engine()) as s:
        for x in list_labs(s):
            table.add_row(
                x.lab.slug,
                x.lab.kind,
                x.lab.country_iso3,
                x.lab.host_institution,
                x.lab.established_on.isoformat(),
                ", ".join(c for c, _n, _d in x.cities),
            )
    console.print(table)


@subscription_app.command("add")
@handle_errors
def subscription_add_cmd(
    hub: str = typer.Argument(..., help="The hub's slug."),
    authority: str = typer.Option(
        ..., "--authority", help="The national or local authority paying."
    ),
    amount: str = typer.Option(..., "--amount", help="Amount of the subscription."),
    currency: str = typer.Option(..., "--currency", help="ISO 4217 code, e.g. USD."),
    start: str = typer.Option(..., "--start", help="Period start (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--end", help="Period end (YYYY-MM-DD)."),
    paid_on: str | None = typer.Option(None, "--paid-on", help="The day it was paid."),
    city: str | None = typer.Option(None, "--city", help="The city it is for, if one."),
) -> None:
    """Record an authority's subscription to a regional hub for a period (para 78).

    Examples:

      sdgcities network hubs subscription add east-africa \\
        --authority "Nairobi City County" --amount 25000 --currency USD \\
        --start 2025-01-01 --end 2025-12-31 --paid-on 2025-02-15
    """
    from sdgcities.network.service import add_subscription
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        row = add_subscription(
            s,
            hub,
            authority=authority,
            amount=amount,
            currency=currency,
            start=start,
            end=end,
            paid_on=paid_on,
            city=city,
        )
        period = f"{row.period_start} – {row.period_end}"
        text = f"{row.authority}: {row.amount:,.2f} {row.currency} for {period}"
    console.print(f"[green]✓[/] subscription added — {text}")


@expert_app.command("add")
@handle_errors
def expert_add_cmd(
    hub: str = typer.Argument(..., help="The hub's slug."),
    name: str = typer.Option(..., "--name", help="The expert's name."),
    expertise: str = typer.Option("", "--expertise", help="Their SDG Cities expertise."),
) -> None:
    """Add an expert to a regional hub.

    Examples:

      sdgcities network hubs expert add east-africa --name "A. Mwangi" \\
        --expertise "spatial indicators"
    """
    from sdgcities.network.service import add_expert
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        add_expert(s, hub, name=name, expertise=expertise)
    console.print(f"[green]✓[/] expert {name} added to {hub}")


@network_app.command("pull")
@handle_errors
def pull_cmd(
    url: str = typer.Argument(..., help="The partner instance's base URL."),
    token: str | None = typer.Option(
        None,
        "--token",
        envvar="SDGCITIES_PARTNER_TOKEN",
        help="The partner's API token (never stored).",
    ),
    since: str | None = typer.Option(
        None, "--since", help="Only values published on or after (YYYY-MM-DD)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue a pull that stopped half-way."),
    name: str | None = typer.Option(None, "--name", help="The partner's name (default: its host)."),
    page_size: int = typer.Option(5000, "--page-size", min=1, max=10_000, help="Values per page."),
    fmt: str = typer.Option(
        "json",
        "--format",
        help="json: the platform's feed; sdmx: its SDMX export (SDMX-ML 2.1 or SDMX-JSON 1.0).",
    ),
) -> None:
    """Pull a partner instance's published values into this store (the global hub).

    Values keep their provenance (partner, remote id and source, pulled at); a value that
    differs from one already here is stored as a conflict (`sdgcities network conflicts`),
    never overwriting. Each page is committed with the checkpoint: after a failure, run
    again with --resume.

    Examples:

      sdgcities network pull https://partner.example.org --token T

      sdgcities network pull https://partner.example.org --token T --resume

      sdgcities network pull https://partner.example.org --token T --format sdmx

    With --format sdmx the partner's SDMX data message is read whole and checked before
    anything is stored (series keys REF_AREA.INDICATOR[.disaggregations], TIME_PERIOD =
    the year); values pulled before are skipped.
    """
    from sdgcities.network.federation import FORMATS, PullError, pull
    from sdgcities.network.service import parse_day

    if fmt.lower() not in FORMATS:
        raise typer.BadParameter(
            f"{fmt!r} is not a pull format; use {' or '.join(FORMATS)}", param_hint="--format"
        )
    if fmt.lower() == "sdmx" and since:
        raise typer.BadParameter(
            "an SDMX data message gives no publication date per value; leave --since out "
            "(values pulled before are skipped)",
            param_hint="--since",
        )

    day: date | None = parse_day(since, "--since") if since else None
    with progress("pulling values", None) as advance:

        def on_page(n: int, remaining: int) -> None:
            advance(n, total=None)

        try:
            summary = pull(
                engine(),
                url,
                token,
                since=day,
                resume=resume,
                page_size=page_size,
                name=name,
                on_page=on_page,
                fmt=fmt.lower(),
            )
        except PullError:
            raise
    created = (
        f"; {len(summary.cities_created)} partner cities created" if summary.cities_created else ""
    )
    console.print(
        f"[green]✓[/] {summary.partner}: {summary.pages} pages, {summary.seen} values read — "
        f"{summary.added} added, {summary.corrected} corrected, {summary.same} the same, "
        f"{summary.conflicts} conflicts, {summary.skipped} already pulled{created}"
    )


@network_app.command("conflicts")
@handle_errors
def conflicts_cmd(limit: int = typer.Option(100, "--limit", min=1, max=10_000)) -> None:
    """List partner values that differ from the hub's own (newest first).

    Examples:

      sdgcities network conflicts
    """
    from rich.table import Table

    from sdgcities.network.federation import list_conflicts
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        rows, total = list_conflicts(s, limit=limit)
    table = Table(title=f"{total} conflicts", header_style="bold")
    for col in (
        "partner",
        "city",
        "indicator",
        "year",
        "disaggregation",
        "here",
        "partner's",
        "remote id",
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["partner"],
            r["city"],
            r["indicator"],
            str(r["year"]),
            r["disaggregation"],
            f"{r['local_value']:g}",
            f"{r['remote_value']:g}",
            str(r["remote_id"]),
        )
    console.print(table)


@network_app.command("partners")
@handle_errors
def partners_cmd() -> None:
    """List the partner instances pulled so far, with their checkpoints.

    Examples:

      sdgcities network partners
    """
    from rich.table import Table

    from sdgcities.network.federation import list_partners
    from sdgcities.store.db import transaction

    table = Table(header_style="bold")
    for col in ("partner", "url", "checkpoint", "state", "last pull", "last error"):
        table.add_column(col, overflow="fold")
    with transaction(engine()) as s:
        for p in list_partners(s):
            table.add_row(
                p.name,
                p.url,
                str(p.after_id),
                p.state,
                p.last_pull_at.isoformat(timespec="seconds") if p.last_pull_at else "—",
                p.last_error or "",
            )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(network_app, name="network")
