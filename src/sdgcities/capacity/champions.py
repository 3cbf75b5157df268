"""The New Urban Agenda Champions initiative (HSP/EB.2021/17, plan 2.4.1).

"Selected cities, based on demonstrated commitment to urban sustainable practices,
capacity-building need, and income-level and geographical diversity, will receive
capacity support for one year … invitations to exclusive tailored workshops …,
access to webinars on emerging topics, one-to-one expert online sessions … An initial
call for applications will be sent to cities."

- An application (a city, during the call's window) states its commitment and its
  capacity-building need, which may link the city's own needs. Its **income level** is
  the World Bank income group of the city's country, and its **region** the SDG region,
  both from the country table the platform ships (:mod:`sdgcities.cities.typology`).
- The **selection's balance**: for income group and region, the count and share of
  each value among the selected cities beside the same among all applicants,
  ``share = count / total`` (so an over- or under-represented group is visible).
  Every decision keeps its reason.
- The **cohort** is the selected cities; it runs one year from the call's cohort start
  (``[start, start + 1 year)``). Its benefits (workshops, webinars, one-to-one expert
  sessions) are recorded per city with their date and attendance.

Every function takes a session and flushes; the caller commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.capacity.calls import ensure_open
from sdgcities.capacity.models import (
    Call,
    CapacityNeed,
    ChampionApplication,
    CohortBenefit,
)
from sdgcities.capacity.partners import VERIFIER_ROLES
from sdgcities.errors import (
    ConflictError,
    Finding,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    check_choice,
)
from sdgcities.store.models import City

__all__ = [
    "BENEFIT_KINDS",
    "add_benefit",
    "apply",
    "balance",
    "cohort",
    "cohort_period",
    "decide",
]

BENEFIT_KINDS = ("workshop", "webinar", "one_to_one")
DECISIONS = ("selected", "not_selected")
BALANCE_DIMENSIONS = ("income_group", "region")


def _country_facts(city: City) -> tuple[str, str]:
    from sdgcities.cities.typology import country_info

    income, region = "", city.sdg_region or ""
    if city.country_iso3:
        try:
            info = country_info(city.country_iso3)
        except (KeyError, LookupError, ValueError):
            return income, region
        income = info.income_group
        region = region or info.sdg_region
    return income, region


def apply(
    session: Session,
    call: Call,
    *,
    city_id: int,
    commitment: str,
    need_summary: str = "",
    need_ids: Sequence[int] = (),
    contact_email: str = "",
    by: str = "",
    now: datetime | None = None,
) -> ChampionApplication:
    """A city's application; refused whole when the call is closed or the city applied."""
    if call.kind != "champions":
        raise NotFoundError(f"{call.slug!r} is not a call of the New Urban Agenda Champions")
    ensure_open(call, now)
    city = session.get(City, city_id)
    if city is None:
        raise NotFoundError(f"no city {city_id}")
    findings: list[Finding] = []
    if len(commitment.strip()) < 20:
        findings.append(
            Finding(
                "the commitment is missing or too short",
                column="commitment",
                fix="describe the city's sustainable urban practices (20 characters at least)",
            )
        )
    ids = list(dict.fromkeys(int(n) for n in need_ids))
    if ids:
        found = set(
            session.scalars(
                select(CapacityNeed.id).where(
                    CapacityNeed.id.in_(ids), CapacityNeed.city_id == city_id
                )
            )
        )
        for n in ids:
            if n not in found:
                findings.append(
                    Finding(
                        f"need {n} is not one of {city.name}'s needs",
                        column="need_ids",
                        value=str(n),
                        fix="link the city's own capacity needs",
                    )
                )
    if not ids and not need_summary.strip():
        findings.append(
            Finding(
                "no capacity-building need",
                column="need_summary",
                fix="describe the need or link the city's capacity needs",
            )
        )
    if findings:
        raise ValidationError(
            f"the application has {len(findings)} problem(s); nothing was saved", findings
        )
    if session.scalar(
        select(ChampionApplication.id).where(
            ChampionApplication.call_id == call.id, ChampionApplication.city_id == city_id
        )
    ):
        raise ConflictError(f"{city.name} has already applied to {call.title!r}")
    income, region = _country_facts(city)
    app = ChampionApplication(
        call_id=call.id,
        city_id=city_id,
        contact_email=contact_email.strip().lower(),
        commitment=commitment.strip(),
        need_summary=need_summary.strip(),
        need_ids=ids,
        income_group=income,
        region=region,
        submitted_by=by,
    )
    session.add(app)
    session.flush()
    return app


def get_application(session: Session, application_id: int) -> ChampionApplication:
    app = session.get(ChampionApplication, application_id)
    if app is None:
        raise NotFoundError(f"no Champions application {application_id}")
    return app


def applications(session: Session, call: Call) -> list[tuple[ChampionApplication, City]]:
    return [
        (a, c)
        for a, c in session.execute(
            select(ChampionApplication, City)
            .join(City, City.id == ChampionApplication.city_id)
            .where(ChampionApplication.call_id == call.id)
            .order_by(City.name)
        ).tuples()
    ]


def decide(
    session: Session,
    app: ChampionApplication,
    *,
    decision: str,
    reason: str,
    by: str,
    role: str,
) -> ChampionApplication:
    """Select (or not) a city, with the reason kept; the applicant is notified."""
    from sdgcities.notifications.service import notify

    if role not in VERIFIER_ROLES:
        raise PermissionDeniedError("only hub staff and admins select Champions")
    check_choice(decision, DECISIONS, "decision")
    if not reason.strip():
        raise ValidationError(
            "a selection decision needs its reason",
            [Finding("empty reason", column="reason", fix="say why (commitment, need, balance)")],
        )
    if app.status != "submitted":
        raise ConflictError(f"application {app.id} was already decided: {app.status}")
    app.status = decision
    app.reason = reason.strip()
    app.decided_by = by
    app.decided_at = datetime.now(UTC)
    session.flush()
    call = session.get(Call, app.call_id)
    city = session.get(City, app.city_id)
    assert call is not None
    assert city is not None
    for to in {app.contact_email, app.submitted_by} - {""}:
        word = "selected" if decision == "selected" else "not selected"
        notify(
            session,
            to=to,
            kind="call_result",
            subject=f"{call.title}: {city.name} was {word}",
            body=f"{city.name} was {word} for {call.title!r}.\n\nReason: {app.reason}",
            link=f"/capacity/champions/{call.slug}",
        )
    return app


def balance(session: Session, call: Call) -> dict[str, list[dict[str, Any]]]:
    """Counts and shares by income group and region: selected cities vs all applicants."""
    apps = [a for a, _c in applications(session, call)]
    chosen = [a for a in apps if a.status == "selected"]
    out: dict[str, list[dict[str, Any]]] = {}
    for dim in BALANCE_DIMENSIONS:
        pool = Counter(getattr(a, dim) or "unknown" for a in apps)
        sel = Counter(getattr(a, dim) or "unknown" for a in chosen)
        out[dim] = [
            {
                "value": value,
                "applicants": pool[value],
                "applicants_share": pool[value] / len(apps) if apps else None,
                "selected": sel[value],
                "selected_share": sel[value] / len(chosen) if chosen else None,
            }
            for value in sorted(pool)
        ]
    return out


def cohort_period(call: Call) -> tuple[date, date] | None:
    """``[start, end)``: one year from the call's cohort start (None when not set)."""
    if call.cohort_start is None:
        return None
    start = call.cohort_start
    try:
        end = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + 1, day=28)
    return start, end


def add_benefit(
    session: Session,
    app: ChampionApplication,
    *,
    kind: str,
    title: str,
    on: date,
    attended: bool | None = None,
    attendees: int | None = None,
    notes: str = "",
    by: str = "",
) -> CohortBenefit:
    """A workshop, webinar or one-to-one session of a selected city, within its year."""
    check_choice(kind, BENEFIT_KINDS, "kind")
    if app.status != "selected":
        raise ConflictError("benefits are recorded for selected cities only")
    call = session.get(Call, app.call_id)
    assert call is not None
    period = cohort_period(call)
    if period and not period[0] <= on < period[1]:
        raise ValidationError(
            f"{on} is outside the cohort's year {period[0]} – {period[1]}",
            [
                Finding(
                    "date outside the cohort year",
                    column="on",
                    value=on.isoformat(),
                    fix=f"a date from {period[0]} to before {period[1]}",
                )
            ],
        )
    row = CohortBenefit(
        application_id=app.id,
        kind=kind,
        title=title.strip()[:300],
        on=on,
        attended=attended,
        attendees=attendees,
        notes=notes,
        recorded_by=by,
    )
    session.add(row)
    session.flush()
    return row


def cohort(session: Session, call: Call) -> list[dict[str, Any]]:
    """Each selected city with its benefits and, per kind, how many it attended."""
    rows = []
    for app, city in applications(session, call):
        if app.status != "selected":
            continue
        benefits = session.scalars(
            select(CohortBenefit)
            .where(CohortBenefit.application_id == app.id)
            .order_by(CohortBenefit.on, CohortBenefit.id)
        ).all()
        summary = {
            k: {
                "offered": sum(1 for b in benefits if b.kind == k),
                "attended": sum(1 for b in benefits if b.kind == k and b.attended),
            }
            for k in BENEFIT_KINDS
        }
        rows.append({"application": app, "city": city, "benefits": benefits, "summary": summary})
    return rows
