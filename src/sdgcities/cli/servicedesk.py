"""CLI: the one-stop shop's business-hours clock (``sdgcities servicedesk …``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from sdgcities.cli._common import console, handle_errors

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from sdgcities.servicedesk.models import Office, ServiceRequest
from sdgcities.errors import ValidationError
from sdgcities.servicedesk.errors import finding

app = typer.Typer(
    help="The one-stop shop: requests answered within guaranteed business-hours targets.",
    no_args_is_help=True,
)

_DUE_EXAMPLES = """
Examples:

  sdgcities servicedesk due --timezone Africa/Nairobi --country KE \\
      --hours "Mon-Fri 08:00-12:30,13:30-17:00" --received 2026-12-24T16:00 --business-hours 16

  sdgcities servicedesk due --timezone Europe/Madrid --country ES --hours "Mon-Fri 09:00-17:00" \\
      --received 2026-10-23T16:00+02:00 --business-hours 4 \\
      --pause 2026-10-26T10:00/2026-10-27T12:00 --closed 2026-10-28 --json
"""


def _moment(text: str, option: str, tz: object) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"{option} {text!r} is not an ISO 8601 date and time",
            [
                finding(
                    f"cannot read {text!r}",
                    "write e.g. 2026-12-01T09:30 or 2026-12-01T09:30+03:00",
                    column=option,
                    value=text,
                )
            ],
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)  # type: ignore[arg-type]


@app.command("due", epilog=_DUE_EXAMPLES)
@handle_errors
def due(
    timezone: str = typer.Option(
        ..., "--timezone", help="The office's IANA time zone, e.g. Africa/Nairobi."
    ),
    country: str | None = typer.Option(
        None,
        "--country",
        help="ISO 3166 country code whose public holidays close the office (`holidays`).",
    ),
    subdivision: str | None = typer.Option(
        None, "--subdivision", help="A state or region for its holidays."
    ),
    hours: str = typer.Option(
        ...,
        "--hours",
        help='Weekly hours, e.g. "Mon-Fri 08:00-12:30,13:30-17:00; Sat 09:00-12:00".',
    ),
    received: str = typer.Option(
        ...,
        "--received",
        help="When the request arrived (ISO 8601; without an offset: office time).",
    ),
    business_hours: float = typer.Option(
        ..., "--business-hours", help="The target, in business hours."
    ),
    pause: list[str] = typer.Option(
        [], "--pause", help="A pause FROM/TO (ISO 8601; repeat it); the clock stops meanwhile."
    ),
    closed: list[str] = typer.Option(
        [], "--closed", help="A date the office is closed (repeat it)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON: the due moment and the business seconds counted per day."
    ),
) -> None:
    """When a target of H business hours falls due, on the service desk's own clock.

    Counts only inside the office's working windows, in its time zone, outside its
    country's public holidays, its closures and the pauses.
    """
    from sdgcities.servicedesk.calendar import OfficeCalendar
    from sdgcities.servicedesk.clock import BusinessClock, Interval

    if not (0 < business_hours < 1e6):
        raise ValidationError(
            f"--business-hours {business_hours} is not a target",
            [
                finding(
                    f"{business_hours} business hours",
                    "give a positive number of hours, e.g. 16",
                    column="--business-hours",
                    value=str(business_hours),
                )
            ],
        )
    closures: list[date] = []
    for text in closed:
        try:
            closures.append(date.fromisoformat(text.strip()))
        except ValueError:
            raise ValidationError(
                f"--closed {text!r} is not a date",
                [
                    finding(
                        f"cannot read {text!r}",
                        "write dates as YYYY-MM-DD",
                        column="--closed",
                        value=text,
                    )
                ],
            ) from None
    cal = OfficeCalendar.from_spec(
        timezone=timezone, hours=hours, country=country, subdivision=subdivision, closures=closures
    )
    start = _moment(received, "--received", cal.zone)
    pauses: list[Interval] = []
    for text in pause:
        a, sep, b = text.partition("/")
        if not sep:
            raise ValidationError(
                f"--pause {text!r} has no '/'",
                [
                    finding(
                        f"cannot read {text!r}",
                        "write FROM/TO, e.g. 2026-12-01T10:00/2026-12-02T09:00",
                        column="--pause",
                        value=text,
                    )
                ],
            )
        p0 = _moment(a, "--pause", cal.zone)
        p1 = _moment(b, "--pause", cal.zone) if b.strip() else None
        if p1 is not None and p1 < p0:
            raise ValidationError(
                f"--pause {text!r} ends before it starts",
                [
                    finding(
                        "the pause ends before it starts",
                        "swap FROM and TO",
                        column="--pause",
                        value=text,
                    )
                ],
            )
        pauses.append(Interval(p0, p1))
    clock = BusinessClock(cal, start.date(), start.date())
    moment = clock.due(start, business_hours * 3600.0, pauses)
    if moment is None:
        raise ValidationError(
            "the clock is stopped: a pause without an end comes before the target is reached",
            [
                finding(
                    "an open pause (FROM/ with no TO)",
                    "give the pause an end to get a due moment",
                    column="--pause",
                )
            ],
        )
    if as_json:
        days = clock.per_day(start, moment, pauses)
        out = {
            "due": moment.isoformat(),
            "received": start.astimezone(cal.zone).isoformat(),
            "timezone": cal.timezone,
            "business_hours": business_hours,
            "business_seconds_per_day": {
                d.isoformat(): round(s, 3) for d, s in sorted(days.items())
            },
        }
        typer.echo(json.dumps(out, indent=2))
        return
    console.print(moment.isoformat(), markup=False, highlight=False)


office_app = typer.Typer(
    help="Offices that handle requests, with their calendars.", no_args_is_help=True
)
policy_app = typer.Typer(
    help="Service-level policies (targets in business hours).", no_args_is_help=True
)
request_app = typer.Typer(
    help="Requests for capacity building and urban advisory services.", no_args_is_help=True
)
app.add_typer(office_app, name="office")
app.add_typer(policy_app, name="policy")
app.add_typer(request_app, name="request")


@office_app.command(
    "add",
    epilog="""
Example:

  sdgcities servicedesk office add nairobi-hq "UN-Habitat Nairobi" --timezone Africa/Nairobi \\
      --country KE --hours "Mon-Fri 08:00-12:30,13:30-17:00"
""",
)
@handle_errors
def office_add(
    slug: str = typer.Argument(..., help="Short name, e.g. nairobi-hq."),
    name: str = typer.Argument(..., help="The office's name."),
    timezone: str = typer.Option(..., "--timezone", help="IANA time zone."),
    hours: str = typer.Option(..., "--hours", help="Weekly hours (see `servicedesk due --help`)."),
    country: str | None = typer.Option(
        None, "--country", help="ISO 3166 code for public holidays."
    ),
    subdivision: str | None = typer.Option(
        None, "--subdivision", help="State or region for holidays."
    ),
) -> None:
    """Add an office and its working calendar."""
    from sdgcities.cli._common import engine
    from sdgcities.servicedesk import service as sd
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        office = sd.create_office(
            s,
            slug=slug,
            name=name,
            timezone=timezone,
            hours=hours,
            country=country,
            subdivision=subdivision,
        )
        console.print(f"✓ office {office.slug}: {office.hours} ({office.timezone})", markup=False)


@office_app.command("list")
@handle_errors
def office_list() -> None:
    """The offices and their calendars."""
    from rich.table import Table
    from sqlalchemy import select

    from sdgcities.cli._common import engine
    from sdgcities.servicedesk.models import Office
    from sdgcities.store.db import transaction

    table = Table("office", "name", "time zone", "country", "hours", "calendar version")
    with transaction(engine()) as s:
        for o in s.scalars(select(Office).order_by(Office.slug)):
            table.add_row(
                o.slug, o.name, o.timezone, o.country or "", o.hours, str(o.calendar_version)
            )
    console.print(table)


@office_app.command(
    "close",
    epilog="""
Example:

  sdgcities servicedesk office close nairobi-hq 2026-12-31 --reason "year-end closure"
""",
)
@handle_errors
def office_close(
    slug: str = typer.Argument(..., help="The office."),
    day: str = typer.Argument(..., help="The date it is closed (YYYY-MM-DD)."),
    reason: str = typer.Option("", "--reason", help="Why."),
) -> None:
    """Close an office on a date; the clocks of its requests are recomputed."""
    from sdgcities.cli._common import engine
    from sdgcities.servicedesk import service as sd
    from sdgcities.store.db import transaction

    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise ValidationError(
            f"{day!r} is not a date",
            [finding(f"cannot read {day!r}", "write YYYY-MM-DD", column="day", value=day)],
        ) from None
    with transaction(engine()) as s:
        n = sd.add_closure(s, sd.get_office(s, slug), when, reason)
    console.print(f"✓ {slug} closed on {when}; clocks of {n} requests recomputed", markup=False)


@office_app.command("hours")
@handle_errors
def office_hours(
    slug: str = typer.Argument(..., help="The office."),
    hours: str = typer.Argument(..., help='New weekly hours, e.g. "Mon-Fri 08:00-17:00".'),
) -> None:
    """Correct an office's weekly hours; the clocks of its requests are recomputed."""
    from sdgcities.cli._common import engine
    from sdgcities.servicedesk import service as sd
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        n = sd.set_office_hours(s, sd.get_office(s, slug), hours)
    console.print(f"✓ {slug} hours set; clocks of {n} requests recomputed", markup=False)


@policy_app.command(
    "add",
    epilog="""
Example:

  sdgcities servicedesk policy add "urgent cities" --priority urgent --requester-category city \\
      --first-response 2 --next-update 8 --resolution 16
""",
)
@handle_errors
def policy_add(
    name: str = typer.Argument(..., help="The policy's name."),
    first_response: float = typer.Option(
        ..., "--first-response", help="Business hours to the first response."
    ),
    resolution: float = typer.Option(..., "--resolution", help="Business hours to resolution."),
    next_update: float | None = typer.Option(
        None, "--next-update", help="Business hours between updates."
    ),
    request_type: str | None = typer.Option(
        None, "--type", help="capacity_building or advisory (blank: any)."
    ),
    priority: str | None = typer.Option(
        None, "--priority", help="low, normal, high or urgent (blank: any)."
    ),
    requester_category: str | None = typer.Option(
        None,
        "--requester-category",
        help="government, city, office or programme_manager (blank: any).",
    ),
    warn_at: float = typer.Option(
        0.8, "--warn-at", help="Warn when this share of a target is used."
    ),
    valid_from: str | None = typer.Option(
        None, "--from", help="In force from (ISO 8601; default now)."
    ),
) -> None:
    """Add a service-level policy; one with the same rule ends when it starts."""
    from sdgcities.cli._common import engine
    from sdgcities.servicedesk import service as sd
    from sdgcities.store.db import transaction

    start = _moment(valid_from, "--from", UTC) if valid_from else None
    with transaction(engine()) as s:
        p = sd.add_policy(
            s,
            name=name,
            first_response_hours=first_response,
            resolution_hours=resolution,
            next_update_hours=next_update,
            request_type=request_type,
            priority=priority,
            requester_category=requester_category,
            warn_at=warn_at,
            valid_from=start,
        )
        console.print(
            f"✓ policy {p.name!r} in force from {p.valid_from:%Y-%m-%d %H:%M} UTC", markup=False
        )


@policy_app.command("list")
@handle_errors
def policy_list() -> None:
    """Every policy with its rule, targets and period."""
    from rich.table import Table
    from sqlalchemy import select

    from sdgcities.cli._common import engine
    from sdgcities.servicedesk.models import SlaPolicy
    from sdgcities.store.db import transaction

    table = Table(
        "policy",
        "type",
        "priority",
        "requester",
        "first response",
        "next update",
        "resolution",
        "from",
        "to",
    )
    with transaction(engine()) as s:
        for p in s.scalars(select(SlaPolicy).order_by(SlaPolicy.valid_from, SlaPolicy.id)):
            table.add_row(
                p.name,
                p.request_type or "any",
                p.priority or "any",
                p.requester_category or "any",
                f"{p.first_response_hours:g} h",
                f"{p.next_update_hours:g} h" if p.next_update_hours else "—",
                f"{p.resolution_hours:g} h",
                f"{p.valid_from:%Y-%m-%d}",
                f"{p.valid_to:%Y-%m-%d}" if p.valid_to else "—",
            )
    console.print(table)


@request_app.command(
    "file",
    epilog="""
Example:

  sdgcities servicedesk request file --office nairobi-hq --type advisory --priority high \\
      --requester-category city --title "Land-value capture study" --city "Nairobi"
""",
)
@handle_errors
def request_file(
    office: str = typer.Option(..., "--office", help="The handling office."),
    request_type: str = typer.Option(..., "--type", help="capacity_building or advisory."),
    priority: str = typer.Option("normal", "--priority", help="low, normal, high or urgent."),
    requester_category: str = typer.Option(
        ..., "--requester-category", help="government, city, office or programme_manager."
    ),
    title: str = typer.Option(..., "--title", help="What is asked, in a few words."),
    description: str = typer.Option("", "--description", help="The request in full."),
    category: str = typer.Option("", "--category", help="A theme, e.g. municipal finance."),
    requester: str = typer.Option("", "--requester", help="Who asks (name)."),
    email: str = typer.Option("", "--email", help="The requester's e-mail."),
    received: str | None = typer.Option(None, "--received", help="When it arrived (default now)."),
) -> None:
    """File a request: the policy in force now judges it and its clocks start."""
    from sdgcities.cli._common import engine
    from sdgcities.servicedesk import service as sd
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        off = sd.get_office(s, office)
        at = _moment(received, "--received", off_zone(off)) if received else None
        req = sd.file_request(
            s,
            office=off,
            request_type=request_type,
            priority=priority,
            requester_category=requester_category,
            title=title,
            description=description,
            category=category,
            requester_name=requester,
            requester_email=email,
            received_at=at,
        )
        _show(s, req)


def off_zone(office: Office | None) -> ZoneInfo:
    """The office's time zone (UTC when unknown)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(office.timezone if office is not None else "UTC")


def _show(session: Session, req: ServiceRequest) -> None:
    from rich.table import Table

    from sdgcities.servicedesk import service as sd
    from sdgcities.servicedesk.models import Office

    tz = off_zone(session.get(Office, req.office_id))
    console.print(f"[bold]{req.reference}[/] {escape(req.title)}  —  {req.status}", highlight=False)
    table = Table("target", "target (business h)", "elapsed (business h)", "state", "due")
    for c in sd.request_clocks(session, req):
        due = sd.utc(c.due_at).astimezone(tz).isoformat() if c.due_at else "— (clock stopped)"
        table.add_row(c.target, f"{c.target_hours:g}", f"{c.elapsed_hours or 0:.2f}", c.state, due)
    console.print(table)


@request_app.command("show")
@handle_errors
def request_show(
    reference: str = typer.Argument(..., help="The request's reference, e.g. SR-2026-000001."),
) -> None:
    """A request's clocks and history."""
    from rich.table import Table
    from sqlalchemy import select

    from sdgcities.cli._common import engine
    from sdgcities.servicedesk import service as sd
    from sdgcities.servicedesk.models import RequestEvent
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        req = sd.get_request(s, reference)
        _show(s, req)
        table = Table("when (UTC)", "event", "status", "by", "note")
        for e in s.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == req.id)
            .order_by(RequestEvent.at, RequestEvent.id)
        ):
            table.add_row(
                f"{sd.utc(e.at):%Y-%m-%d %H:%M}", e.kind, e.to_status or "", e.actor, e.note
            )
        console.print(table)


@request_app.command(
    "event",
    epilog="""
Examples:

  sdgcities servicedesk request event SR-2026-000001 assigned --assignee expert@unhabitat.org \\
      --team "Urban Economy"
  sdgcities servicedesk request event SR-2026-000001 responded --note "We will send an expert"
  sdgcities servicedesk request event SR-2026-000001 waiting_requester --at 2026-12-02T10:00+03:00
""",
)
@handle_errors
def request_event(
    reference: str = typer.Argument(..., help="The request."),
    kind: str = typer.Argument(
        ...,
        help="assigned, responded, updated, waiting_requester, awaiting_funds, "
        "resumed, resolved, reopened, closed, escalated, comment.",
    ),
    at: str | None = typer.Option(None, "--at", help="When it happened (default now)."),
    note: str = typer.Option("", "--note", help="What was said or done."),
    team: str = typer.Option("", "--team", help="For assigned: the team."),
    assignee: str = typer.Option("", "--assignee", help="For assigned: the senior professional."),
    actor: str = typer.Option("", "--by", help="Who records it."),
) -> None:
    """Record what happened to a request; its clocks are recomputed."""
    from sdgcities.cli._common import engine
    from sdgcities.servicedesk import service as sd
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        req = sd.get_request(s, reference)
        from sdgcities.servicedesk.models import Office

        office = s.get(Office, req.office_id)
        when = _moment(at, "--at", off_zone(office)) if at else None
        data = {k: v for k, v in (("team", team), ("assignee", assignee)) if v}
        sd.record_event(s, req, kind, at=when, actor=actor, note=note, data=data)
        _show(s, req)


@app.command("sweep")
@handle_errors
def sweep_cmd() -> None:
    """Warn before breaches and escalate breached requests (run it from cron)."""
    from sdgcities.cli._common import engine
    from sdgcities.servicedesk import service as sd
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        res = sd.sweep(s)
    console.print(
        f"warnings {len(res.warnings)}, breaches {len(res.breaches)}, "
        f"escalations {len(res.escalations)}",
        markup=False,
    )


@app.command(
    "check",
    epilog="""
Examples:

  sdgcities servicedesk check              # from cron, every few minutes
  sdgcities servicedesk check --at 2027-03-02T09:00+03:00
""",
)
@handle_errors
def check_cmd(
    at: str | None = typer.Option(
        None, "--at", help="Check as at this moment (ISO 8601 with offset); default now."
    ),
) -> None:
    """Find requests close to or past a target and notify the assignee and the office, once."""
    from datetime import datetime

    from sdgcities.cli._common import engine
    from sdgcities.errors import Finding, ValidationError
    from sdgcities.servicedesk.alerts import check
    from sdgcities.store.db import transaction

    when = None
    if at:
        try:
            when = datetime.fromisoformat(at)
        except ValueError as err:
            raise ValidationError(
                f"--at {at!r} is not a moment",
                [
                    Finding(
                        "not ISO 8601", column="--at", value=at, fix="e.g. 2027-03-02T09:00+03:00"
                    )
                ],
            ) from err
        if when.tzinfo is None:
            raise ValidationError(
                f"--at {at!r} has no time zone",
                [Finding("no offset", column="--at", value=at, fix="add +00:00 or Z")],
            )
    with transaction(engine()) as s:
        res = check(s, now=when)
    console.print(
        f"new warnings {len(res.warnings)}, new breaches {len(res.breaches)}, "
        f"notifications {res.notified}",
        markup=False,
    )
    for ref, target in res.warnings:
        console.print(f"  warning  {ref} {target}", markup=False)
    for ref, target in res.breaches:
        console.print(f"  breach   {ref} {target}", markup=False)


@app.command(
    "report",
    epilog="""
Examples:

  sdgcities servicedesk report
  sdgcities servicedesk report --by office --by quarter --csv compliance.csv
""",
)
@handle_errors
def report_cmd(
    by: list[str] = typer.Option(
        ["request_type", "office", "quarter"],
        "--by",
        help="Group by request_type, office, quarter, priority or requester_category (repeat).",
    ),
    csv: str | None = typer.Option(None, "--csv", help="Also write the table to this CSV file."),
) -> None:
    """Breach and compliance report: the share of targets met, by group."""
    from rich.table import Table

    from sdgcities.cli._common import engine
    from sdgcities.servicedesk import service as sd
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        rep = sd.compliance_report(s, by=by)
    table = Table(*[*by, "target", "met", "breached", "open", "share met"])
    for row in rep.itertuples(index=False):
        vals = list(row)
        share = vals[-1]
        table.add_row(*[str(v) for v in vals[:-1]], "—" if share != share else f"{share:.0%}")
    console.print(table)
    if csv:
        rep.to_csv(csv, index=False)
        console.print(f"✓ wrote {csv}", markup=False)


def register(root: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    root.add_typer(app, name="servicedesk")
