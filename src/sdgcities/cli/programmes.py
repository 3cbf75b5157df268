"""CLI: ``sdgcities programmes`` — the flagship-programme portfolio."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from sdgcities.cli._common import console, engine, handle_errors

programmes_app = typer.Typer(
    help="Flagship programmes: import the Board report, show the portfolio, funding lines.",
    no_args_is_help=True,
)
funding_app = typer.Typer(help="Funding lines of the programmes.", no_args_is_help=True)
initiatives_app = typer.Typer(help="Initiatives under the programmes.", no_args_is_help=True)
programmes_app.add_typer(funding_app, name="funding")
adaptation_app = typer.Typer(
    help="RISE-UP's adaptation projects (they feed the programme's funding lines).",
    no_args_is_help=True,
)
programmes_app.add_typer(initiatives_app, name="initiatives")
programmes_app.add_typer(adaptation_app, name="adaptation")


@programmes_app.command("import")
@handle_errors
def import_cmd(
    file: Path = typer.Argument(..., help="The flagship-programme report as plain text."),
    draft: bool = typer.Option(False, "--draft", help="Keep the programmes unpublished."),
) -> None:
    """Read the Executive Board report on the flagship programmes into the portfolio.

    All or nothing. Prints what it had to interpret and what the report does not state.

    Examples:

      sdgcities programmes import flagship-programmes-report.txt  # the report as plain text
    """
    from sdgcities.programmes.service import (
        bundled_initiatives,
        check_initiatives,
        import_portfolio,
        parse_file,
    )
    from sdgcities.store.db import transaction

    data = parse_file(file)
    initiatives, notes = check_initiatives(data, bundled_initiatives())
    with transaction(engine()) as session:
        r = import_portfolio(session, data, initiatives, publish=not draft)
    console.print(
        f"[green]✓[/] {r.programmes} programmes, {r.alignments} alignments, {r.partners} "
        f"partnerships, {r.initiatives} initiatives, {r.funding_lines} funding lines and "
        f"{r.figures} figures from {file.name}"
    )
    for note in r.interpreted:
        console.print(f"  interpreted: {note}", markup=False)
    for note in [*r.unread, *notes]:
        console.print(f"  not stated: {note}", markup=False)


@programmes_app.command("show")
@handle_errors
def show_cmd(
    json_out: Path = typer.Option(..., "--json", help="The JSON file to write."),
) -> None:
    """Write the five programmes with outcomes, alignments, partners, initiatives and
    funding lines as JSON.

    Examples:

      sdgcities programmes show --json portfolio.json
    """
    from sdgcities.programmes.service import portfolio_as_dict
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        data = portfolio_as_dict(session, published_only=False)
    tmp = json_out.with_name(f".{json_out.name}.part")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(json_out)
    console.print(f"[green]✓[/] wrote {len(data['programmes'])} programmes to {json_out}")


@funding_app.command("add")
@handle_errors
def funding_add(
    programme: str = typer.Argument(..., help="The programme's key, e.g. rise-up."),
    amount: str = typer.Option(..., "--amount", help="Amount ≥ 0, e.g. 250000."),
    currency: str = typer.Option("USD", "--currency", help="ISO 4217 code."),
    status: str = typer.Option(
        ..., "--status", help="concept_note, approved, mobilised or disbursed."
    ),
    modality: str | None = typer.Option(None, "--modality", help="core or earmarked."),
    earmark: str | None = typer.Option(None, "--earmark", help="soft or hard (earmarked)."),
    year: int | None = typer.Option(None, "--year", help="The year of the money."),
    donor: str | None = typer.Option(None, "--donor", help="The donor partner's name or id."),
    initiative: int | None = typer.Option(None, "--initiative", help="An initiative's id."),
    country: list[str] = typer.Option([], "--country", help="ISO3 country (repeat)."),
    label: str = typer.Option("", "--label", help="What the money is for."),
    source: str = typer.Option("", "--source", help="Where the figure comes from."),
) -> None:
    """Add a funding line (checked field by field; nothing is saved on any error).

    Examples:

      sdgcities programmes funding add rise-up --amount 250000 --currency EUR \\
        --status approved --modality earmarked --earmark soft --year 2021 \\
        --donor "Adaptation Fund" --country VNM
    """
    from sdgcities.programmes.service import add_funding_line
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        line = add_funding_line(
            session,
            programme=programme,
            amount=amount,
            currency=currency,
            status=status,
            modality=modality,
            earmark=earmark,
            year=year,
            donor=donor,
            initiative_id=initiative,
            countries=country,
            label=label,
            source=source,
            user="cli",
        )
        lid, cur, amt = line.id, line.currency, line.amount
    console.print(f"[green]✓[/] funding line FL-{lid}: {cur} {amt:,.2f} ({status}) for {programme}")


@funding_app.command("list")
@handle_errors
def funding_list(
    programme: str | None = typer.Option(None, "--programme", help="Only this programme."),
    by: str | None = typer.Option(
        None, "--by", help="Sum by programme, status, country or year instead of listing."
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON on standard output."),
) -> None:
    """List funding lines, or their sums (per currency).

    Examples:

      sdgcities programmes funding list --programme rise-up

      sdgcities programmes funding list --by status --json
    """
    from rich.table import Table

    from sdgcities.errors import check_choice
    from sdgcities.programmes.service import funding_lines, get_programme, totals
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        pid = get_programme(session, programme, published_only=False).id if programme else None
        if by:
            check_choice(by, ("programme", "status", "country", "year"), "--by")
            rows = totals(session, by, programme_id=pid, published_only=False)  # type: ignore[arg-type]
        else:
            rows = funding_lines(session, programme_id=pid)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table(header_style="bold")
    cols = (
        [by or "", "currency", "amount", "lines"]
        if by
        else [
            "id",
            "programme",
            "status",
            "amount",
            "currency",
            "donor",
            "countries",
            "year",
            "paragraph",
        ]
    )
    for c in cols:
        table.add_column(c or "—")
    for r in rows:
        table.add_row(
            *(
                " ".join(v)
                if isinstance(v := r.get(c), list)
                else ("" if v is None else f"{v:,.2f}" if c == "amount" else str(v))
                for c in cols
            )
        )
    console.print(table)


@initiatives_app.command("list")
@handle_errors
def initiatives_list(
    programme: str | None = typer.Option(None, "--programme", help="Only this programme."),
    as_json: bool = typer.Option(False, "--json", help="JSON on standard output."),
) -> None:
    """List the initiatives with their countries, cities, partners and status.

    Examples:

      sdgcities programmes initiatives list --programme sdg-cities
    """
    from rich.table import Table

    from sdgcities.programmes.service import get_programme, list_initiatives
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        pid = get_programme(session, programme, published_only=False).id if programme else None
        rows = list_initiatives(session, programme_id=pid, published_only=False)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(header_style="bold")
    for c in ("id", "programme", "name", "countries", "cities", "status", "paragraph"):
        table.add_column(c)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["programme"],
            r["name"],
            " ".join(r["countries"]),
            " ".join(r["cities"]),
            r["status"],
            str(r["paragraph"] or ""),
        )
    console.print(table)


@initiatives_app.command("add")
@handle_errors
def initiatives_add(
    programme: str = typer.Argument(..., help="The programme's key, e.g. sdg-cities."),
    name: str = typer.Option(..., "--name", help="The initiative's name."),
    country: list[str] = typer.Option([], "--country", help="ISO3 country (repeat)."),
    place: list[str] = typer.Option([], "--place", help="A city it works in (repeat)."),
    partner: list[str] = typer.Option([], "--partner", help="A partner's name (repeat)."),
    status: str = typer.Option(
        "discussed", "--status", help="discussed, in_development, active or completed."
    ),
    start: str | None = typer.Option(None, "--start", help="YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="YYYY-MM-DD."),
    city: list[str] = typer.Option([], "--city", help="A platform city's slug (repeat)."),
    description: str = typer.Option("", "--description", help="What it does."),
    geometry: Path | None = typer.Option(
        None, "--geometry", help="A GeoJSON or GeoPackage with its point or polygon."
    ),
) -> None:
    """Add an initiative; places matching the store's cities are linked to them.

    Examples:

      sdgcities programmes initiatives add sdg-cities --name "SDG Cities in Kenya" \\
        --country KEN --place Nairobi --partner "United Nations Development Programme"
    """
    from sdgcities.programmes.initiatives import add_initiative, read_geometry, set_geometry
    from sdgcities.store.db import transaction

    geom = read_geometry(geometry) if geometry else None
    with transaction(engine()) as session:
        ini = add_initiative(
            session,
            programme=programme,
            name=name,
            countries=country,
            places=place,
            cities=city,
            partners=partner,
            status=status,
            start=start,
            end=end,
            description=description,
        )
        if geom:
            set_geometry(
                session, programme=programme, initiative_id=ini.id, geometry=geom[0], source=geom[1]
            )
        iid, cities, hoods = ini.id, list(ini.city_slugs), list(ini.neighbourhoods or [])
    linked = f", linked to {', '.join(cities)}" if cities else ""
    console.print(f"[green]✓[/] initiative {iid} added to {programme}{linked}")
    if hoods:
        console.print(f"  neighbourhoods: {', '.join(h['name'] for h in hoods)}", markup=False)


@initiatives_app.command("edit")
@handle_errors
def initiatives_edit(
    programme: str = typer.Argument(..., help="The programme's key, e.g. sdg-cities."),
    initiative: int = typer.Argument(..., help="The initiative's id (see initiatives list)."),
    name: str | None = typer.Option(None, "--name", help="A new name."),
    country: list[str] = typer.Option([], "--country", help="ISO3 country (repeat; replaces)."),
    place: list[str] = typer.Option([], "--place", help="A place (repeat; replaces)."),
    city: list[str] = typer.Option([], "--city", help="A city slug (repeat; replaces)."),
    partner: list[str] = typer.Option([], "--partner", help="A registry partner (replaces)."),
    status: str | None = typer.Option(None, "--status", help="The new status."),
    start: str | None = typer.Option(None, "--start", help="YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="YYYY-MM-DD."),
    description: str | None = typer.Option(None, "--description", help="What it does."),
) -> None:
    """Change an initiative: the options given replace its values, the rest are kept.

    Examples:

      sdgcities programmes initiatives edit vibrant-neighbourhoods 1 --status active \\
        --start 2021-03-01
    """
    from sdgcities.capacity.models import Provider
    from sdgcities.programmes.initiatives import get_initiative, update_initiative
    from sdgcities.store.db import transaction
    from sdgcities.store.models import City

    with transaction(engine()) as session:
        _, ini = get_initiative(session, programme, initiative, published_only=False)
        known = {c.slug for c in session.query(City).filter(City.slug.in_(ini.city_slugs))}
        partners = [
            str(p.id) for p in session.query(Provider).filter(Provider.id.in_(ini.partner_ids))
        ]
        update_initiative(
            session,
            programme=programme,
            initiative_id=initiative,
            name=ini.name if name is None else name,
            countries=country or ini.countries,
            places=place or ini.places,
            cities=city or sorted(known),
            partners=partner or partners,
            status=ini.status if status is None else status,
            start=start or (ini.start.isoformat() if ini.start else None),
            end=end or (ini.end.isoformat() if ini.end else None),
            description=ini.description if description is None else description,
        )
    console.print(f"[green]✓[/] initiative {initiative} of {programme} saved")


@initiatives_app.command("geometry")
@handle_errors
def initiatives_geometry(
    programme: str = typer.Argument(..., help="The programme's key."),
    initiative: int = typer.Argument(..., help="The initiative's id."),
    file: Path | None = typer.Argument(
        None, help="A GeoJSON or GeoPackage (EPSG:4326 or a stated CRS)."
    ),
    remove: bool = typer.Option(False, "--remove", help="Remove the initiative's geometry."),
) -> None:
    """Put an initiative on the map: its point or polygon from a file; the neighbourhoods
    it touches are read from its cities' published neighbourhood profiles.

    Examples:

      sdgcities programmes initiatives geometry vibrant-neighbourhoods 1 site.geojson

      sdgcities programmes initiatives geometry vibrant-neighbourhoods 1 --remove
    """
    from sdgcities.programmes.initiatives import read_geometry, set_geometry
    from sdgcities.store.db import transaction

    if (file is None) == (not remove):
        raise typer.BadParameter("give either a FILE or --remove", param_hint="FILE")
    geom = read_geometry(file) if file else None
    with transaction(engine()) as session:
        ini = set_geometry(
            session,
            programme=programme,
            initiative_id=initiative,
            geometry=geom[0] if geom else None,
            source=geom[1] if geom else "",
        )
        hoods = [h["name"] for h in ini.neighbourhoods or []]
    if not geom:
        console.print(f"[green]✓[/] initiative {initiative}: geometry removed")
        return
    console.print(f"[green]✓[/] initiative {initiative}: {geom[1]}")
    console.print(
        f"  neighbourhoods: {', '.join(hoods) if hoods else 'none found in its cities'}",
        markup=False,
    )


@adaptation_app.command("add")
@handle_errors
def adaptation_add(
    name: str = typer.Option(..., "--name", help="The project's name."),
    fund: str = typer.Option(..., "--fund", help="adaptation_fund, green_climate_fund, …"),
    stage: str = typer.Option(
        ..., "--stage", help="concept_note, proposal, approved or implementation."
    ),
    amount: str = typer.Option(..., "--amount", help="Amount ≥ 0, e.g. 6000000."),
    currency: str = typer.Option("USD", "--currency", help="ISO 4217 code."),
    country: list[str] = typer.Option([], "--country", help="ISO3 country (repeat)."),
    city: str | None = typer.Option(None, "--city", help="A platform city's slug."),
    start: str | None = typer.Option(None, "--start", help="YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="YYYY-MM-DD."),
    source: str = typer.Option("", "--source", help="Where the facts come from."),
) -> None:
    """Add an adaptation project to RISE-UP; it creates its funding line (same transaction).

    Stage → funding status: concept_note, proposal → concept_note; approved → approved;
    implementation → mobilised.

    Examples:

      sdgcities programmes adaptation add --name "Flood resilience in Maputo" \\
        --fund green_climate_fund --stage approved --amount 6000000 --country MOZ
    """
    from sdgcities.programmes.adaptation import STAGE_STATUS, add_project
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        p = add_project(
            session,
            user="cli",
            name=name,
            fund=fund,
            stage=stage,
            amount=amount,
            currency=currency,
            countries=country,
            city=city or "",
            start=start,
            end=end,
            source=source,
        )
        pid, line = p.id, p.funding_line_id
    console.print(
        f"[green]✓[/] adaptation project AP-{pid} added; funding line FL-{line} "
        f"({STAGE_STATUS[stage]})"
    )


@adaptation_app.command("list")
@handle_errors
def adaptation_list(
    country: str | None = typer.Option(None, "--country", help="Only this ISO3 country."),
    as_json: bool = typer.Option(False, "--json", help="JSON on standard output."),
) -> None:
    """List RISE-UP's adaptation projects and the progress toward its 100 cities.

    Examples:

      sdgcities programmes adaptation list

      sdgcities programmes adaptation list --country PAK --json
    """
    from rich.table import Table

    from sdgcities.programmes.adaptation import list_projects, progress
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        rows = list_projects(session, country=country)
        prog = progress(session)
    if as_json:
        typer.echo(json.dumps({"items": rows, "progress": prog}, indent=2, ensure_ascii=False))
        return
    table = Table(header_style="bold")
    for c in ("id", "name", "countries", "city", "fund", "stage", "amount", "line", "para"):
        table.add_column(c)
    for r in rows:
        table.add_row(
            f"AP-{r['id']}",
            r["name"],
            " ".join(r["countries"]),
            r["city"] or "",
            r["fund_name"],
            r["stage"],
            f"{'≈ ' if r['approximate'] else ''}{r['currency']} {r['amount']:,.0f}",
            f"FL-{r['funding_line_id']}" if r["funding_line_id"] else "",
            str(r["paragraph"] or ""),
        )
    console.print(table)
    console.print(
        f"{prog['cities_reached']} of {prog['target_cities']} cities with a project approved "
        f"or in implementation; countries: {', '.join(prog['countries_reached']) or 'none'}",
        markup=False,
    )


@adaptation_app.command("delete")
@handle_errors
def adaptation_delete(
    project: str = typer.Argument(..., help="The project: AP-12 or 12."),
    as_json: bool = typer.Option(False, "--json", help="JSON on standard output."),
) -> None:
    """Delete an adaptation project and the funding line it created (one transaction). A
    line it adopted from the report stays, as the report states it.

    Examples:

      sdgcities programmes adaptation delete AP-12

      sdgcities programmes adaptation delete 12 --json
    """
    from dataclasses import asdict

    from sdgcities.programmes.adaptation import delete_project
    from sdgcities.store.db import transaction

    raw = project.strip().upper().removeprefix("AP-")
    if not raw.isdigit() or not 1 <= int(raw) < 2**31:
        raise typer.BadParameter(
            f"{project!r} is not a project id; give AP-12 or 12 (see `adaptation list`)",
            param_hint="'PROJECT'",
        )
    with transaction(engine()) as session:
        gone = delete_project(session, int(raw))
    if as_json:
        typer.echo(json.dumps(asdict(gone), indent=2))
        return
    line = ""
    if gone.funding_line is not None:
        fate = "deleted with it" if gone.funding_line_deleted else "(the report's) kept"
        line = f"; funding line FL-{gone.funding_line} {fate}"
    console.print(f"[green]✓[/] adaptation project AP-{gone.id} ({gone.name}) deleted{line}")


@adaptation_app.command("import")
@handle_errors
def adaptation_import(
    file: Path = typer.Argument(
        ..., help="CSV: name,countries,city,fund,stage,amount,currency,start,end"
    ),
) -> None:
    """Import adaptation projects from CSV, all or nothing (every problem named by row and
    column). Optional columns: source, paragraph, approximate.

    Examples:

      sdgcities programmes adaptation import projects.csv
    """
    from sdgcities.programmes.adaptation import import_file
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        r = import_file(session, file, user="cli")
    console.print(
        f"[green]✓[/] {r.projects} adaptation projects from {file.name}: "
        f"{r.lines_created} funding lines added, {r.lines_adopted} adopted"
    )


@programmes_app.command("partner")
@handle_errors
def partner_state(
    programme: str = typer.Argument(..., help="The programme's key."),
    partner: int = typer.Argument(..., help="The partner's id (see programmes show)."),
    state: str = typer.Option(..., "--state", help="discussed, agreed or active."),
) -> None:
    """Set the state of a partnership in a programme.

    Examples:

      sdgcities programmes partner sdg-cities 12 --state agreed
    """
    from sdgcities.programmes.service import set_partner_state
    from sdgcities.store.db import transaction

    with transaction(engine()) as session:
        set_partner_state(session, programme, partner, state)
    console.print(f"[green]✓[/] partner {partner} of {programme} is now {state}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(programmes_app, name="programmes")
