"""CLI: partners, calls, Champions and review markers (``sdgcities capacity …``).

Added to the ``capacity`` group by :func:`register`; ``--by`` names an account of the
store, whose role says what it may do (hub staff and admins verify, review, select).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from sdgcities.cli._common import console, handle_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

partners_app = typer.Typer(
    help="Partner institutions and trainers: verification, agreements, engagement history.",
    no_args_is_help=True,
)
agreement_app = typer.Typer(help="Agreements with a partner.", no_args_is_help=True)
engagement_app = typer.Typer(help="A partner's engagement history.", no_args_is_help=True)
partners_app.add_typer(agreement_app, name="agreement")
partners_app.add_typer(engagement_app, name="engagement")
calls_app = typer.Typer(
    help="Calls for expressions of interest (plan 2.3.1) and for Champions (plan 2.4.1).",
    no_args_is_help=True,
)
champions_app = typer.Typer(
    help="The New Urban Agenda Champions: applications, selection, cohort.", no_args_is_help=True
)
markers_app = typer.Typer(
    help="Capacity-building markers of projects reviewed by the PRC (plan 1.1.3).",
    no_args_is_help=True,
)


def _day(text: str | None, option: str) -> date | None:
    from sdgcities.capacity.partners import parse_day

    return parse_day(text, option)


def _moment(text: str, option: str) -> datetime:
    from sdgcities.errors import Finding, ValidationError

    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise ValidationError(
            f"{option} {text!r} is not a moment",
            [Finding("not ISO 8601", column=option, value=text, fix="e.g. 2027-03-31T17:00+03:00")],
        ) from err
    if moment.tzinfo is None:
        raise ValidationError(
            f"{option} {text!r} has no time zone",
            [Finding("no offset", column=option, value=text, fix="add the offset, e.g. +03:00")],
        )
    return moment


def _role(session: Session, email: str) -> str:
    """The role of the account ``--by`` names (it must exist and be active)."""
    from sdgcities.accounts.users import find_user_by_email
    from sdgcities.errors import Finding, ValidationError

    user = find_user_by_email(session, email)
    if user is None or not user.active:
        raise ValidationError(
            f"--by {email!r} is not an active account",
            [
                Finding(
                    "no such account",
                    column="--by",
                    value=email,
                    fix="give the e-mail of a hub staff or admin account (`sdgcities users list`)",
                )
            ],
        )
    return user.role


# ------------------------------------------------------------------------------ partners
@partners_app.command(
    "list",
    epilog="""
Examples:

  sdgcities capacity partners list
  sdgcities capacity partners list --kind university --theme urban_planning --json out.json
""",
)
@handle_errors
def partners_list(
    kind: str | None = typer.Option(None, "--kind", help="Only this kind of partner."),
    theme: str | None = typer.Option(None, "--theme", help="Only partners of this theme."),
    verified: bool | None = typer.Option(
        None, "--verified/--unverified", help="Only verified (or unverified) partners."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write the list as JSON here."),
) -> None:
    """Partners with their kind, themes, languages and verification."""
    from rich.table import Table

    from sdgcities.capacity.partners import list_providers, provider_as_dict
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        rows = list_providers(s, kind=kind, theme=theme, verified=verified)
        data = [provider_as_dict(s, p, staff=True) for p in rows]
    if json_out is not None:
        json_out.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"✓ wrote {len(data)} partners to {json_out}", markup=False)
        return
    table = Table("id", "kind", "name", "themes", "languages", "verified")
    for p in data:
        table.add_row(
            str(p["id"]),
            p["kind"],
            escape(p["name"]),
            ", ".join(p["themes"]),
            ", ".join(p["languages"]),
            (p["verified_at"] or "")[:10] or "—",
        )
    console.print(table if data else "no partner")


@partners_app.command(
    "add",
    epilog="""
Example:

  sdgcities capacity partners add university "University of Nairobi" \\
      --theme urban_planning --language en --language sw --region "Eastern Africa"
""",
)
@handle_errors
def partners_add(
    kind: str = typer.Argument(..., help="university, training_institute, ngo, trainer …"),
    name: str = typer.Argument(..., help="The institution's or the trainer's name."),
    theme: list[str] = typer.Option(..., "--theme", help="A theme it specialises in (repeat)."),
    language: list[str] = typer.Option(["en"], "--language", help="A language (repeat)."),
    region: list[str] = typer.Option([], "--region", help="A region it serves (repeat)."),
    email: str = typer.Option("", "--email", help="Contact e-mail."),
    accreditation: str = typer.Option("", "--accreditation", help="Accreditation held."),
    level: int = typer.Option(2, "--level", min=1, max=3, help="1 introductory … 3 advanced."),
) -> None:
    """Add a partner institution or trainer."""
    from sdgcities.capacity.needs import add_provider
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        p = add_provider(
            s,
            kind=kind,
            name=name,
            themes=theme,
            languages=language,
            regions=region,
            email=email,
            accreditation=accreditation,
            level=level,
        )
        console.print(f"✓ partner {p.id}: {escape(p.name)} ({p.kind})")


@partners_app.command(
    "verify",
    epilog="""
Example:

  sdgcities capacity partners verify 3 --by advisor@hub.example
""",
)
@handle_errors
def partners_verify(
    provider_id: int = typer.Argument(..., min=1, max=2**62, help="The partner's number."),
    by: str = typer.Option(..., "--by", help="The reviewer (a hub staff or admin account)."),
) -> None:
    """Record that a reviewer verified a partner, today."""
    from sdgcities.capacity.partners import get_provider, verify
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        p = verify(s, get_provider(s, provider_id), reviewer=by, role=_role(s, by))
        when = p.verified_at.isoformat(timespec="seconds") if p.verified_at else ""
        console.print(f"✓ {escape(p.name)} verified by {escape(by)} at {when}")


@partners_app.command("show")
@handle_errors
def partners_show(
    provider_id: int = typer.Argument(..., min=1, max=2**62, help="The partner's number."),
) -> None:
    """A partner with its agreements (and their status today) and engagement history."""
    from sdgcities.capacity.partners import get_provider, provider_as_dict
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        d = provider_as_dict(s, get_provider(s, provider_id), staff=True, detail=True)
    console.print(f"[bold]{escape(d['name'])}[/] ({d['kind']}) — themes {', '.join(d['themes'])}")
    for a in d["agreements"]:
        state = escape(f"[{a['status']}]")
        console.print(
            f"  agreement {a['id']} {a['kind']} {state} {escape(a['title'])} "
            f"{a['starts_on'] or '…'} – {a['ends_on'] or '…'}"
        )
    for e in d["engagements"]:
        console.print(f"  {e['on']} {e['kind']}: {escape(e['title'])}")


@agreement_app.command(
    "add",
    epilog="""
Example:

  sdgcities capacity partners agreement add 3 --kind framework_agreement \\
      --title "Framework agreement 2027-2029" --start 2027-01-01 --end 2029-12-31 \\
      --signed 2026-12-15 --scope "Urban planning courses" --theme urban_planning
""",
)
@handle_errors
def agreement_add(
    provider_id: int = typer.Argument(..., min=1, max=2**62, help="The partner's number."),
    kind: str = typer.Option(..., "--kind", help="framework_agreement, mou or contract."),
    title: str = typer.Option(..., "--title", help="The agreement's title."),
    start: str | None = typer.Option(None, "--start", help="First day in force, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="Last day in force, YYYY-MM-DD."),
    signed: str | None = typer.Option(None, "--signed", help="Day signed (blank: a draft)."),
    scope: str = typer.Option("", "--scope", help="What it covers."),
    theme: list[str] = typer.Option([], "--theme", help="A theme it covers (repeat)."),
    reference: str = typer.Option("", "--reference", help="Its reference number."),
    by: str = typer.Option("", "--by", help="Who records it."),
) -> None:
    """Add an agreement; its status (draft, active, expired) follows from its dates."""
    from sdgcities.capacity.partners import add_agreement, agreement_status, get_provider
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        a = add_agreement(
            s,
            get_provider(s, provider_id),
            kind=kind,
            title=title,
            starts_on=_day(start, "--start"),
            ends_on=_day(end, "--end"),
            signed_on=_day(signed, "--signed"),
            scope=scope,
            themes=theme,
            reference=reference,
            by=by,
        )
        console.print(f"✓ agreement {a.id} ({a.kind}), {agreement_status(a)}")


@engagement_app.command(
    "add",
    epilog="""
Example:

  sdgcities capacity partners engagement add 3 --on 2026-10-12 --kind training_delivered \\
      --title "Urban planning course, Kisumu" --participants 24
""",
)
@handle_errors
def engagement_add(
    provider_id: int = typer.Argument(..., min=1, max=2**62, help="The partner's number."),
    on: str = typer.Option(..., "--on", help="The day, YYYY-MM-DD."),
    kind: str = typer.Option(..., "--kind", help="training_delivered, advisory or event."),
    title: str = typer.Option(..., "--title", help="What it was."),
    participants: int | None = typer.Option(None, "--participants", min=0, help="How many."),
    by: str = typer.Option("", "--by", help="Who records it."),
) -> None:
    """Add a dated entry to a partner's engagement history."""
    from sdgcities.capacity.partners import add_engagement, get_provider
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    day = _day(on, "--on")
    if day is None:
        raise typer.BadParameter("give the day as YYYY-MM-DD", param_hint="--on")
    with transaction(engine()) as s:
        e = add_engagement(
            s,
            get_provider(s, provider_id),
            on=day,
            kind=kind,
            title=title,
            participants=participants,
            by=by,
        )
        console.print(f"✓ engagement {e.id} on {e.on}")


# --------------------------------------------------------------------------------- calls
@calls_app.command(
    "add",
    epilog="""
Examples:

  sdgcities capacity calls add universities-2027 --kind eoi \\
      --title "Open call to universities 2027" --opens 2027-01-10T09:00+03:00 \\
      --closes 2027-03-31T17:00+03:00 --timezone Africa/Nairobi \\
      --theme urban_planning --criterion "Curricula on urban planning"
  sdgcities capacity calls add champions-2027 --kind champions --title "NUA Champions 2027" \\
      --opens 2027-01-10T00:00Z --closes 2027-02-28T23:59Z --cohort-start 2027-04-01
""",
)
@handle_errors
def calls_add(
    slug: str = typer.Argument(..., help="Short name in URLs, e.g. universities-2027."),
    kind: str = typer.Option(..., "--kind", help="eoi or champions."),
    title: str = typer.Option(..., "--title", help="The call's title."),
    opens: str = typer.Option(..., "--opens", help="Opening moment, ISO 8601 with offset."),
    closes: str = typer.Option(..., "--closes", help="Closing moment, ISO 8601 with offset."),
    timezone: str = typer.Option("UTC", "--timezone", help="Zone its dates are shown in."),
    theme: list[str] = typer.Option([], "--theme", help="A thematic area (repeat)."),
    criterion: list[str] = typer.Option([], "--criterion", help="A criterion (repeat)."),
    description: str = typer.Option("", "--description", help="What the call is for."),
    cohort_start: str | None = typer.Option(
        None, "--cohort-start", help="Champions: first day of the cohort's year."
    ),
    by: str = typer.Option("", "--by", help="Who opens it."),
) -> None:
    """Open a call for expressions of interest or for Champions applications."""
    from sdgcities.capacity.calls import create_call
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    start = _day(cohort_start, "--cohort-start")
    with transaction(engine()) as s:
        c = create_call(
            s,
            slug=slug,
            kind=kind,
            title=title,
            opens_at=_moment(opens, "--opens"),
            closes_at=_moment(closes, "--closes"),
            timezone=timezone,
            themes=theme,
            criteria=criterion,
            description=description,
            cohort_start=datetime(start.year, start.month, start.day) if start else None,
            by=by,
        )
        console.print(f"✓ call {c.slug} ({c.kind}) open until {c.closes_at.isoformat()}")


@calls_app.command("list")
@handle_errors
def calls_list() -> None:
    """Every call with its window and number of answers."""
    from rich.table import Table
    from sqlalchemy import func, select

    from sdgcities.capacity.calls import is_open, list_calls
    from sdgcities.capacity.models import ChampionApplication, EoiApplication
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    table = Table("call", "kind", "title", "opens", "closes", "open", "answers")
    with transaction(engine()) as s:
        for c in list_calls(s):
            model = EoiApplication if c.kind == "eoi" else ChampionApplication
            n = s.scalar(select(func.count(model.id)).where(model.call_id == c.id))
            table.add_row(
                c.slug,
                c.kind,
                escape(c.title),
                c.opens_at.isoformat()[:16],
                c.closes_at.isoformat()[:16],
                "yes" if is_open(c) else "no",
                str(n),
            )
    console.print(table)


@calls_app.command("applications")
@handle_errors
def calls_applications(slug: str = typer.Argument(..., help="The call.")) -> None:
    """The expressions of interest received by a call, with their review."""
    from rich.table import Table

    from sdgcities.capacity.calls import applications, get_call
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    table = Table("id", "institution", "kind", "e-mail", "themes", "status", "score", "partner")
    with transaction(engine()) as s:
        for a in applications(s, get_call(s, slug, "eoi")):
            table.add_row(
                str(a.id),
                escape(a.name),
                a.kind,
                a.email,
                ", ".join(a.themes),
                a.status,
                "" if a.score is None else f"{a.score:g}",
                str(a.provider_id or ""),
            )
    console.print(table)


@calls_app.command(
    "review",
    epilog="""
Example:

  sdgcities capacity calls review 4 accepted --score 82 --by advisor@hub.example
""",
)
@handle_errors
def calls_review(
    application_id: int = typer.Argument(..., min=1, max=2**62, help="The answer's number."),
    decision: str = typer.Argument(..., help="accepted or rejected."),
    by: str = typer.Option(..., "--by", help="The reviewer (hub staff or admin account)."),
    score: float | None = typer.Option(None, "--score", min=0, max=100, help="0–100."),
    comment: str = typer.Option("", "--comment", help="For the applicant (needed to reject)."),
) -> None:
    """Accept (a partner and a draft agreement follow) or reject an expression of interest."""
    from sdgcities.capacity.calls import get_application, review_application
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        a = review_application(
            s,
            get_application(s, application_id),
            decision=decision,
            by=by,
            role=_role(s, by),
            score=score,
            comment=comment,
        )
        extra = (
            f": partner {a.provider_id}, draft agreement {a.agreement_id}" if a.provider_id else ""
        )
        console.print(f"✓ {escape(a.name)} {a.status}{extra}; the applicant is notified")


# ----------------------------------------------------------------------------- champions
@champions_app.command(
    "apply",
    epilog="""
Example:

  sdgcities capacity champions apply champions-2027 Nairobi \\
      --commitment "Voluntary local review 2025, climate action plan …" --need 12
""",
)
@handle_errors
def champions_apply(
    slug: str = typer.Argument(..., help="The call."),
    city: str = typer.Argument(..., help="The city (name, slug or id)."),
    commitment: str = typer.Option(..., "--commitment", help="Demonstrated commitment."),
    need: list[int] = typer.Option([], "--need", help="A capacity need of the city (repeat)."),
    need_summary: str = typer.Option("", "--need-summary", help="The need, in words."),
    contact: str = typer.Option("", "--contact", help="Contact e-mail (told the result)."),
) -> None:
    """A city's application; refused whole after the call closed."""
    from sdgcities.capacity.calls import get_call
    from sdgcities.capacity.champions import apply
    from sdgcities.cities.service import get_city
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        c = get_city(s, city)
        a = apply(
            s,
            get_call(s, slug, "champions"),
            city_id=c.id,
            commitment=commitment,
            need_ids=need,
            need_summary=need_summary,
            contact_email=contact,
        )
        console.print(
            f"✓ application {a.id}: {escape(c.name)} "
            f"(income group {a.income_group or '—'}, region {a.region or '—'})"
        )


@champions_app.command(
    "decide",
    epilog="""
Example:

  sdgcities capacity champions decide 3 selected --reason "strong VLR; low income" \\
      --by advisor@hub.example
""",
)
@handle_errors
def champions_decide(
    application_id: int = typer.Argument(..., min=1, max=2**62, help="The application."),
    decision: str = typer.Argument(..., help="selected or not_selected."),
    reason: str = typer.Option(..., "--reason", help="Why (kept with the decision)."),
    by: str = typer.Option(..., "--by", help="Hub staff or admin account."),
) -> None:
    """Select a city (or not), keeping the reason; the applicant is notified."""
    from sdgcities.capacity.champions import decide, get_application
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        a = decide(
            s,
            get_application(s, application_id),
            decision=decision,
            reason=reason,
            by=by,
            role=_role(s, by),
        )
        console.print(f"✓ application {a.id}: {a.status}")


@champions_app.command("balance")
@handle_errors
def champions_balance(slug: str = typer.Argument(..., help="The call.")) -> None:
    """The selection's balance by income group and region, against the applicants."""
    from rich.table import Table

    from sdgcities.capacity.calls import get_call
    from sdgcities.capacity.champions import balance
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        data = balance(s, get_call(s, slug, "champions"))

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.0%}"

    for dim, rows in data.items():
        table = Table(dim, "applicants", "share", "selected", "share", title=dim)
        for r in rows:
            table.add_row(
                escape(r["value"]),
                str(r["applicants"]),
                pct(r["applicants_share"]),
                str(r["selected"]),
                pct(r["selected_share"]),
            )
        console.print(table)


@champions_app.command(
    "benefit",
    epilog="""
Example:

  sdgcities capacity champions benefit 3 --kind webinar --title "Heat action plans" \\
      --on 2027-05-04 --attended
""",
)
@handle_errors
def champions_benefit(
    application_id: int = typer.Argument(
        ..., min=1, max=2**62, help="A selected city's application."
    ),
    kind: str = typer.Option(..., "--kind", help="workshop, webinar or one_to_one."),
    title: str = typer.Option(..., "--title", help="What it was."),
    on: str = typer.Option(..., "--on", help="The day, YYYY-MM-DD."),
    attended: bool | None = typer.Option(None, "--attended/--absent", help="Attendance."),
    by: str = typer.Option("", "--by", help="Who records it."),
) -> None:
    """Record a benefit of the cohort's year for a selected city."""
    from sdgcities.capacity.champions import add_benefit, get_application
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    day = _day(on, "--on")
    if day is None:
        raise typer.BadParameter("give the day as YYYY-MM-DD", param_hint="--on")
    with transaction(engine()) as s:
        b = add_benefit(
            s,
            get_application(s, application_id),
            kind=kind,
            title=title,
            on=day,
            attended=attended,
            by=by,
        )
        console.print(f"✓ {b.kind} on {b.on} recorded")


@champions_app.command("cohort")
@handle_errors
def champions_cohort(slug: str = typer.Argument(..., help="The call.")) -> None:
    """The selected cities with their benefits offered and attended, per kind."""
    from rich.table import Table

    from sdgcities.capacity.calls import get_call
    from sdgcities.capacity.champions import BENEFIT_KINDS, cohort
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    table = Table("city", *BENEFIT_KINDS)
    with transaction(engine()) as s:
        for row in cohort(s, get_call(s, slug, "champions")):
            sm = row["summary"]
            table.add_row(
                escape(row["city"].name),
                *(f"{sm[k]['attended']}/{sm[k]['offered']}" for k in BENEFIT_KINDS),
            )
    console.print(table)


# ------------------------------------------------------------------------------- markers
@markers_app.command(
    "add",
    epilog="""
Example:

  sdgcities capacity markers add PRC-2022-014 --title "Urban resilience, Maputo" \\
      --unit "Urban Practices Branch" --year 2022 --marker 1 \\
      --met need_identified --met objective_stated --met activities_budgeted \\
      --met results_measured --by reviewer@unhabitat.example
""",
)
@handle_errors
def markers_add(
    reference: str = typer.Argument(..., help="The PRC reference of the project."),
    title: str = typer.Option(..., "--title", help="The project's title."),
    unit: str = typer.Option(..., "--unit", help="The unit, branch or office."),
    year: int = typer.Option(..., "--year", help="Year reviewed."),
    marker: int = typer.Option(..., "--marker", help="0 not targeted, 1 significant, 2 principal."),
    met: list[str] = typer.Option([], "--met", help="A criterion met (repeat)."),
    justification: str = typer.Option("", "--justification", help="Why."),
    by: str = typer.Option("", "--by", help="The reviewer."),
) -> None:
    """Record a project's marker; refused when the checklist gives another marker."""
    from sdgcities.capacity.markers import record_marker
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        p = record_marker(
            s,
            reference=reference,
            title=title,
            unit=unit,
            year=year,
            marker=marker,
            answers=dict.fromkeys(met, True),
            justification=justification,
            by=by,
        )
        console.print(f"✓ {escape(p.reference)}: marker {p.marker}")


@markers_app.command("criteria")
@handle_errors
def markers_criteria() -> None:
    """The checklist of minimum criteria (and where it comes from)."""
    from sdgcities.capacity.markers import criteria

    data = criteria()
    console.print(f"source: {data['source']} — status: {data['status']}", markup=False)
    for c in data["criteria"]:
        mark = "minimum" if c["minimum"] else "for 2"
        console.print(f"  {c['code']:<22} [{mark}] {c['text']}", markup=False)


@markers_app.command(
    "portfolio",
    epilog="""
Example:

  sdgcities capacity markers portfolio --csv markers.csv
""",
)
@handle_errors
def markers_portfolio(
    csv: Path | None = typer.Option(None, "--csv", help="Also write the table as CSV here."),
) -> None:
    """Markers by unit and year: counts of 0, 1, 2 and the share targeting capacity."""
    from rich.table import Table

    from sdgcities.capacity.markers import portfolio
    from sdgcities.cli._common import engine
    from sdgcities.store.db import transaction

    with transaction(engine()) as s:
        frame = portfolio(s)
    table = Table("unit", "year", "0", "1", "2", "total", "targeted")
    for r in frame.itertuples(index=False):
        table.add_row(
            escape(str(r.unit)),
            str(r.year),
            str(r.marker_0),
            str(r.marker_1),
            str(r.marker_2),
            str(r.total),
            f"{r.share_targeted:.0%}",
        )
    console.print(table)
    if csv is not None:
        frame.to_csv(csv, index=False)
        console.print(f"✓ wrote {csv}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the partners, calls, champions and markers groups to ``capacity``."""
    app.add_typer(partners_app, name="partners")
    app.add_typer(calls_app, name="calls")
    app.add_typer(champions_app, name="champions")
    app.add_typer(markers_app, name="markers")
