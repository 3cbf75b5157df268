"""CLI: the one-stop shop's business-hours clock (``sdgcities servicedesk …``)."""

from __future__ import annotations

import json
from datetime import date, datetime

import typer

from sdgcities.cli._common import console, handle_errors
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


def register(root: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    root.add_typer(app, name="servicedesk")
