"""RISE-UP's adaptation portfolio (flagship programme 3, paras 40–55 of the report).

An adaptation project is in one or more countries (ISO3), optionally one of the
platform's cities, financed by a climate fund (:data:`FUNDS`), at a stage of the fund's
project cycle: concept note → (full) proposal → approved → implementation.

**Feeding the funding lines.** Every project keeps one funding line of its programme in
step, in the same transaction (:func:`sync_line`): amount, currency, countries, donor
(the fund, a financial institution of the partner registry) and the status mapped from
the stage by :data:`STAGE_STATUS`:

=================  ==============  ==================================================
stage              funding status  why
=================  ==============  ==================================================
concept_note       concept_note    a concept note (endorsed or not) is pipeline money
proposal           concept_note    a full proposal under review is still pipeline
approved           approved        the fund's board approved the project
implementation     mobilised       the money is committed and the project runs
=================  ==============  ==================================================

A line staff moved on to *disbursed* stays disbursed while its project is in
implementation (disbursement is recorded on the line, not read from the stage). A project
that matches a line imported from the report (same programme, paragraph, amount and
currency) adopts it rather than adding a second one, so money is never counted twice.

**Deleting a project** (:func:`delete_project`) removes the funding line it created
(source ``adaptation project AP-<id>``) with it; a line it adopted from the report stays,
as the report states it: the report's money does not vanish with a project record.

**Progress toward the programme's target** (para 55: "at least 100 cities"): the number
of distinct platform cities with at least one project at stage approved or beyond
(:data:`REACHED`), over the target the report states (:func:`progress`). Countries reached
are given beside it, since the report's projects are named by country, not city.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from sdgcities.errors import Finding, InputFileError, NotFoundError, ValidationError
from sdgcities.programmes import vocabulary as vocab
from sdgcities.programmes.models import AdaptationProject, FundingCountry, FundingLine, Programme
from sdgcities.store.models import City, utcnow

PROGRAMME = "rise-up"
STAGES = ("concept_note", "proposal", "approved", "implementation")
STAGE_STATUS = {
    "concept_note": "concept_note",
    "proposal": "concept_note",
    "approved": "approved",
    "implementation": "mobilised",
}
#: stages at which a project counts toward the programme's city target
REACHED = ("approved", "implementation")
#: the multilateral climate funds (key → name as the partner registry writes it)
FUNDS = {
    "adaptation_fund": "Adaptation Fund",
    "green_climate_fund": "Green Climate Fund",
    "global_environment_facility": "Global Environment Facility",
    "least_developed_countries_fund": "Least Developed Countries Fund",
    "special_climate_change_fund": "Special Climate Change Fund",
    "climate_investment_funds": "Climate Investment Funds",
}
DEFAULT_TARGET = 100
COLUMNS = ("name", "countries", "city", "fund", "stage", "amount", "currency", "start", "end")
OPTIONAL = ("city", "start", "end", "source", "paragraph", "approximate")


def fund_key(value: str) -> str | None:
    """A fund's key from its key or name (case-blind)."""
    text = value.strip().lower()
    for key, name in FUNDS.items():
        if text in (key, name.lower()):
            return key
    return None


def _check(
    session: Session, fields: Mapping[str, Any], *, row: int | None = None, file: str | None = None
) -> tuple[list[Finding], dict[str, Any]]:
    """Every problem with one project's fields, and the cleaned values."""
    import pycountry

    from sdgcities.programmes.service import MAX_AMOUNT, _decimal

    findings: list[Finding] = []

    def bad(column: str, message: str, value: object, fix: str) -> None:
        findings.append(
            Finding(message, file=file, row=row, column=column, value=str(value), fix=fix)
        )

    name = str(fields.get("name") or "").strip()
    if not name:
        bad("name", "empty", "", "name the project")
    raw = fields.get("countries") or []
    countries = [
        c.strip().upper()
        for c in (raw.replace(",", " ").split() if isinstance(raw, str) else raw)
        if c.strip()
    ]
    for c in countries:
        if pycountry.countries.get(alpha_3=c) is None:
            bad("countries", "not an ISO 3166-1 alpha-3 code", c, "give e.g. PAK, VNM")
    city_key = str(fields.get("city") or "").strip()
    city: City | None = None
    if city_key:
        city = session.scalars(
            select(City).where(or_(City.slug == city_key, City.name == city_key))
        ).first()
        if city is None:
            bad("city", "not one of the platform's cities", city_key, "give a city's slug or name")
        elif not countries:
            countries = [city.country_iso3] if city.country_iso3 else []
        elif city.country_iso3 and city.country_iso3 not in countries:
            bad(
                "city",
                f"is in {city.country_iso3}, not in the project's countries",
                city_key,
                f"add {city.country_iso3} to the countries or give another city",
            )
    if not countries and not findings:
        bad("countries", "empty", "", "give at least one ISO3 country, e.g. PAK")
    fund = fund_key(str(fields.get("fund") or ""))
    if fund is None:
        bad("fund", "unknown fund", fields.get("fund") or "", "use " + ", ".join(FUNDS))
    stage = str(fields.get("stage") or "").strip()
    if stage not in STAGES:
        bad("stage", "unknown stage", stage, "use " + ", ".join(STAGES))
    amount = _decimal(fields.get("amount"))
    if amount is None:
        bad("amount", "not a number", fields.get("amount") or "", "give digits, e.g. 6000000")
    elif amount < 0:
        bad("amount", "negative", fields.get("amount"), "give an amount of 0 or more")
    elif amount > MAX_AMOUNT:
        bad("amount", "larger than 10¹⁵", fields.get("amount"), "check the amount")
    currency = str(fields.get("currency") or "").strip().upper()
    if currency not in vocab.currencies():
        bad("currency", "not an ISO 4217 currency code", currency, "give e.g. USD, EUR")
    dates: dict[str, date | None] = {}
    for key in ("start", "end"):
        value = fields.get(key)
        if isinstance(value, date) or not value:
            dates[key] = value or None
            continue
        try:
            dates[key] = date.fromisoformat(str(value).strip())
        except ValueError:
            dates[key] = None
            bad(key, "not a date", value, "give it as YYYY-MM-DD")
    if dates["start"] and dates["end"] and dates["end"] < dates["start"]:
        bad("end", "ends before it starts", fields.get("end"), "give an end after the start")
    paragraph = fields.get("paragraph")
    if paragraph not in (None, ""):
        if not str(paragraph).strip().isdigit() or len(str(paragraph).strip()) > 4:
            bad("paragraph", "not a paragraph number", paragraph, "give e.g. 50, or leave empty")
            paragraph = None
        else:
            paragraph = int(str(paragraph).strip())
    approx = str(fields.get("approximate") or "").strip().lower() in ("1", "true", "yes", "y")
    clean = {
        "name": name,
        "countries": list(dict.fromkeys(countries)),
        "city_id": city.id if city else None,
        "fund": fund or "",
        "stage": stage,
        "amount": amount if amount is not None else Decimal(0),
        "currency": currency,
        "approximate": approx,
        "start": dates["start"],
        "end": dates["end"],
        "paragraph": paragraph or None,
        "source": str(fields.get("source") or "").strip(),
    }
    return findings, clean


def _programme(session: Session, programme: str) -> Programme:
    from sdgcities.programmes.service import get_programme

    return get_programme(session, programme, published_only=False)


def add_project(
    session: Session, *, programme: str = PROGRAMME, user: str = "", **fields: Any
) -> AdaptationProject:
    """Add a project after checking every field, and feed its funding line (one
    transaction: the caller commits both or neither)."""
    prog = _programme(session, programme)
    findings, clean = _check(session, fields)
    if findings:
        raise ValidationError("the adaptation project was not saved", findings)
    project = AdaptationProject(programme_id=prog.id, created_by=user, **clean)
    session.add(project)
    session.flush()
    sync_line(session, project)
    return project


def update_project(
    session: Session, project_id: int, *, user: str = "", **fields: Any
) -> AdaptationProject:
    """Change a project (any of its fields; the rest are kept) and its funding line."""
    project = session.get(AdaptationProject, project_id) if project_id < 2**31 else None
    if project is None:
        raise NotFoundError(f"no adaptation project {project_id}")
    city_slug = (
        session.scalar(select(City.slug).where(City.id == project.city_id))
        if project.city_id
        else ""
    )
    current = {
        "name": project.name,
        "countries": project.countries,
        "city": city_slug,
        "fund": project.fund,
        "stage": project.stage,
        "amount": str(project.amount),
        "currency": project.currency,
        "approximate": "yes" if project.approximate else "",
        "start": project.start,
        "end": project.end,
        "paragraph": project.paragraph,
        "source": project.source,
    }
    findings, clean = _check(session, current | dict(fields))
    if findings:
        raise ValidationError(f"adaptation project {project_id} was not saved", findings)
    for k, v in clean.items():
        setattr(project, k, v)
    project.updated_at = utcnow()
    session.flush()
    sync_line(session, project)
    return project


@dataclass(frozen=True)
class DeletedProject:
    """What :func:`delete_project` removed: the project, and its own funding line or not."""

    id: int
    name: str
    funding_line: int | None
    funding_line_deleted: bool


def delete_project(
    session: Session, project_id: int, *, programme: str = PROGRAMME
) -> DeletedProject:
    """Delete an adaptation project of ``programme`` and the funding line it created (one
    transaction: the caller commits both or neither). A line adopted from the report is
    kept, unlinked."""
    prog = _programme(session, programme)
    project = session.get(AdaptationProject, project_id) if project_id < 2**31 else None
    if project is None or project.programme_id != prog.id:
        raise NotFoundError(f"no adaptation project AP-{project_id} in {programme}")
    line = session.get(FundingLine, project.funding_line_id) if project.funding_line_id else None
    own = line is not None and line.source == f"adaptation project AP-{project.id}"
    gone = DeletedProject(project.id, project.name, line.id if line else None, own)
    session.delete(project)
    if own:
        assert line is not None
        session.execute(delete(FundingCountry).where(FundingCountry.funding_line_id == line.id))
        session.delete(line)
    session.flush()
    return gone


def sync_line(session: Session, project: AdaptationProject) -> FundingLine:
    """Create or update the project's funding line (see the module's stage mapping)."""
    from sdgcities.programmes.service import REPORT, _provider

    status = STAGE_STATUS[project.stage]
    line = session.get(FundingLine, project.funding_line_id) if project.funding_line_id else None
    if line is None:
        taken = select(AdaptationProject.funding_line_id).where(
            AdaptationProject.funding_line_id.is_not(None)
        )
        line = session.scalar(
            select(FundingLine)
            .where(
                FundingLine.programme_id == project.programme_id,
                FundingLine.source == REPORT,
                FundingLine.paragraph == project.paragraph,
                FundingLine.amount == project.amount,
                FundingLine.currency == project.currency,
                FundingLine.id.not_in(taken),
            )
            .order_by(FundingLine.id)
        )
        if project.paragraph is None:
            line = None
    kinds = {p["name"]: p["kind"] for p in vocab.partner_directory()}
    donor = _provider(session, FUNDS[project.fund], kinds)
    if donor.kind != "financial_institution" and FUNDS[project.fund] not in kinds:
        donor.kind = "financial_institution"
    if line is None:
        line = FundingLine(
            programme_id=project.programme_id,
            label=project.name,
            modality="earmarked",
            source=f"adaptation project AP-{project.id}",
            amount=project.amount,
            currency=project.currency,
            status=status,
            created_by=project.created_by,
        )
        session.add(line)
    elif line.source != REPORT:
        line.label = project.name
    line.status = "disbursed" if (line.status == "disbursed" and status == "mobilised") else status
    line.amount, line.currency, line.approximate = (
        project.amount,
        project.currency,
        project.approximate,
    )
    line.donor_id = donor.id
    line.year = project.start.year if project.start else line.year
    session.flush()
    project.funding_line_id = line.id
    have = set(
        session.scalars(
            select(FundingCountry.iso3).where(FundingCountry.funding_line_id == line.id)
        )
    )
    if have != set(project.countries):
        session.execute(delete(FundingCountry).where(FundingCountry.funding_line_id == line.id))
        for iso3 in project.countries:
            session.add(FundingCountry(funding_line_id=line.id, iso3=iso3))
    session.flush()
    return line


def relink_projects(session: Session) -> int:
    """Feed again the projects whose funding line is gone (a re-import of the report
    replaces its lines); returns how many were relinked."""
    n = 0
    for project in session.scalars(
        select(AdaptationProject).where(
            (AdaptationProject.funding_line_id.is_(None))
            | AdaptationProject.funding_line_id.not_in(select(FundingLine.id))
        )
    ):
        project.funding_line_id = None
        sync_line(session, project)
        n += 1
    return n


def list_projects(
    session: Session,
    *,
    programme: str | None = PROGRAMME,
    country: str | None = None,
    city_id: int | None = None,
) -> list[dict[str, Any]]:
    q = (
        select(AdaptationProject, Programme.key, City.slug, City.name)
        .join(Programme, Programme.id == AdaptationProject.programme_id)
        .outerjoin(City, City.id == AdaptationProject.city_id)
        .order_by(AdaptationProject.id)
    )
    if programme:
        q = q.where(Programme.key == programme)
    if city_id is not None:
        q = q.where(AdaptationProject.city_id == city_id)
    rows: list[dict[str, Any]] = [
        {
            "id": p.id,
            "programme": key,
            "name": p.name,
            "countries": list(p.countries),
            "city": slug,
            "city_name": cname,
            "fund": p.fund,
            "fund_name": FUNDS.get(p.fund, p.fund),
            "stage": p.stage,
            "funding_status": STAGE_STATUS[p.stage],
            "amount": float(p.amount),
            "currency": p.currency,
            "approximate": p.approximate,
            "start": p.start.isoformat() if p.start else None,
            "end": p.end.isoformat() if p.end else None,
            "funding_line_id": p.funding_line_id,
            "paragraph": p.paragraph,
            "source": p.source,
        }
        for p, key, slug, cname in session.execute(q)
    ]
    if country:
        rows = [r for r in rows if country.upper() in list(r["countries"] or [])]
    return rows


def progress(session: Session, programme: str = PROGRAMME) -> dict[str, Any]:
    """Progress toward the programme's city target, and the projects' sums.

    ``cities_reached`` = |{city : some project of the city has stage ∈ {approved,
    implementation}}|; ``share`` = cities_reached / target (target from the report's
    stated ``targets``, para 55: 100). Sums are per stage and currency (SQL ``GROUP BY``).
    """
    prog = _programme(session, programme)
    targets = [t.get("cities") for t in prog.facts.get("targets", []) if t.get("cities")]
    target = int(max(targets)) if targets else DEFAULT_TARGET
    reached = select(AdaptationProject).where(
        AdaptationProject.programme_id == prog.id, AdaptationProject.stage.in_(REACHED)
    )
    cities = sorted(
        session.scalars(
            select(City.slug)
            .join(AdaptationProject, AdaptationProject.city_id == City.id)
            .where(AdaptationProject.programme_id == prog.id, AdaptationProject.stage.in_(REACHED))
            .distinct()
        )
    )
    countries = sorted({c for p in session.scalars(reached) for c in p.countries})
    sums = [
        {"stage": stage, "currency": cur, "amount": float(total or 0), "projects": n}
        for stage, cur, total, n in session.execute(
            select(
                AdaptationProject.stage,
                AdaptationProject.currency,
                func.sum(AdaptationProject.amount),
                func.count(AdaptationProject.id),
            )
            .where(AdaptationProject.programme_id == prog.id)
            .group_by(AdaptationProject.stage, AdaptationProject.currency)
            .order_by(AdaptationProject.stage, AdaptationProject.currency)
        )
    ]
    sums.sort(key=lambda r: (STAGES.index(r["stage"]), r["currency"]))
    return {
        "target_cities": target,
        "cities_reached": len(cities),
        "share": len(cities) / target if target else 0.0,
        "cities": cities,
        "countries_reached": countries,
        "reached_stages": list(REACHED),
        "by_stage": sums,
        "projects": int(
            session.scalar(
                select(func.count(AdaptationProject.id)).where(
                    AdaptationProject.programme_id == prog.id
                )
            )
            or 0
        ),
    }


@dataclass
class ImportReport:
    projects: int
    lines_created: int
    lines_adopted: int


def import_csv(
    session: Session, data: bytes, *, file: str, programme: str = PROGRAMME, user: str = ""
) -> ImportReport:
    """Import projects from CSV (UTF-8, header row; columns :data:`COLUMNS`, optionally
    source, paragraph, approximate). All or nothing: every row is checked first and the
    findings name file, row (as a spreadsheet numbers it, header = 1) and column."""
    _programme(session, programme)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(file, "not UTF-8 text", "save the CSV as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL]
    if missing:
        raise ValidationError(
            f"{file}: the adaptation projects were not imported",
            [
                Finding(
                    "missing column",
                    file=file,
                    row=1,
                    column=c,
                    fix="header: " + ",".join(COLUMNS),
                )
                for c in missing
            ],
        )
    findings: list[Finding] = []
    rows: list[dict[str, Any]] = []
    for n, raw in enumerate(reader, start=2):
        fields = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(fields.values()):
            continue
        problems, _ = _check(session, fields, row=n, file=file)
        findings += problems
        rows.append(fields)
    if not rows and not findings:
        raise InputFileError(file, "no project row", "add one row per project under the header")
    if findings:
        raise ValidationError(f"{file}: the adaptation projects were not imported", findings)
    before = session.scalar(select(func.max(FundingLine.id))) or 0
    projects = [add_project(session, programme=programme, user=user, **r) for r in rows]
    created = sum(1 for p in projects if (p.funding_line_id or 0) > before)
    return ImportReport(len(projects), created, len(projects) - created)


def import_file(
    session: Session, path: Path, *, programme: str = PROGRAMME, user: str = ""
) -> ImportReport:
    if not path.exists():
        raise InputFileError(path, "no such file", "give the path of a CSV file")
    return import_csv(session, path.read_bytes(), file=path.name, programme=programme, user=user)


def seed_projects(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Add the bundled projects not yet stored (by name), for the demo."""
    have = set(session.scalars(select(AdaptationProject.name)))
    n = 0
    for r in rows:
        if r["name"] not in have:
            add_project(session, user="demo", **r)
            n += 1
    return n
