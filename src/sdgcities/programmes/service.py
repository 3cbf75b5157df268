"""The programme portfolio's use cases: import, funding lines, sums, listings.

The web and the CLI call only these. Sums are SQL aggregates (``SUM … GROUP BY``), one
per currency: amounts in different currencies are never added together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from sdgcities.capacity.models import Provider
from sdgcities.errors import Finding, InputFileError, NotFoundError, ValidationError
from sdgcities.programmes import vocabulary as vocab
from sdgcities.programmes.models import (
    AdaptationProject,
    FundingCountry,
    FundingLine,
    GeographicPriority,
    Initiative,
    InitiativePlace,
    OutcomeAlignment,
    Phase,
    Programme,
    ProgrammeFigure,
    ProgrammePartner,
    TableRow,
)
from sdgcities.store.models import City

#: the label of funding lines taken from the report (re-imports replace only these)
REPORT = "report"
#: the report's figures that are funding lines, and the status each takes
FIGURE_STATUS = {"mobilised": "mobilised", "approved_concept_notes": "concept_note"}
#: the year the report's figures are at: it reports on UN-Habitat's activities in 2020
REPORT_YEAR = 2020
MAX_AMOUNT = Decimal("1e15")
Dimension = Literal["programme", "status", "country", "year"]


def data_dir() -> Path:
    return Path(str(resources.files("sdgcities.programmes") / "data"))


@lru_cache(maxsize=1)
def bundled_portfolio() -> dict[str, Any]:
    """The reviewed portfolio read from the report (``data/portfolio.yaml``)."""
    text = (data_dir() / "portfolio.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@lru_cache(maxsize=1)
def bundled_initiatives() -> list[dict[str, Any]]:
    """The initiatives the report names, reviewed by hand (``data/initiatives.yaml``)."""
    text = (data_dir() / "initiatives.yaml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text)["initiatives"])


@lru_cache(maxsize=1)
def bundled_adaptation() -> list[dict[str, Any]]:
    """RISE-UP's adaptation projects para 50 states (``data/adaptation.yaml``)."""
    text = (data_dir() / "adaptation.yaml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text)["projects"])


@dataclass
class ImportResult:
    programmes: int = 0
    alignments: int = 0
    partners: int = 0
    initiatives: int = 0
    funding_lines: int = 0
    figures: int = 0
    interpreted: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)


def parse_file(path: Path) -> dict[str, Any]:
    """The portfolio read from the report's text file."""
    from sdgcities.programmes.seed import parse

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(path, "no such file", "give the path of the report's text") from None
    except UnicodeDecodeError:
        raise InputFileError(
            path, "not UTF-8 text", "give the report as plain UTF-8 text"
        ) from None
    data = parse(text)
    if len(data["programmes"]) != 5:
        raise InputFileError(
            path,
            f"found {len(data['programmes'])} flagship programmes, not 5 (headings "
            "'I. Flagship programme 1: …' to 'V. Flagship programme 5: …')",
            "give the text of the Executive Board report on the flagship programmes",
        )
    return data


def _provider(session: Session, name: str, kinds: dict[str, str]) -> Provider:
    found = session.scalar(select(Provider).where(Provider.name == name))
    if found is None:
        found = Provider(
            kind=kinds.get(name, "ngo"),
            name=name,
            themes=[],
            languages=[],
            regions=[],
            accreditation="named in the flagship programmes report",
        )
        session.add(found)
        session.flush()
    return found


def _city_slugs(session: Session, places: Sequence[str], countries: Sequence[str]) -> list[str]:
    if not places:
        return []
    rows = session.execute(
        select(City.slug, City.name, City.country_iso3).where(City.name.in_(list(places)))
    ).all()
    return [slug for slug, _, iso3 in rows if not countries or iso3 in countries]


def import_portfolio(
    session: Session,
    portfolio: dict[str, Any],
    initiatives: Sequence[dict[str, Any]] | None = None,
    *,
    publish: bool = True,
) -> ImportResult:
    """Store the portfolio read from the report (all of it, or nothing: the caller's
    transaction rolls back on any error). A re-import replaces what came from the report
    and keeps what people added (funding lines, partners' states they changed)."""
    kinds = {p["name"]: p["kind"] for p in vocab.partner_directory()}
    result = ImportResult(
        interpreted=list(portfolio.get("interpreted", [])), unread=list(portfolio.get("unread", []))
    )
    by_number: dict[int, Programme] = {}
    for spec in portfolio["programmes"]:
        prog = session.scalar(select(Programme).where(Programme.key == spec["key"]))
        if prog is None:
            prog = Programme(key=spec["key"], number=spec["number"], title=spec["title"])
            session.add(prog)
        prog.number, prog.title = spec["number"], spec["title"]
        objective = spec.get("objective") or {}
        prog.objective = objective.get("text", "")
        prog.objective_paragraph = objective.get("paragraph")
        prog.facts = {
            k: spec.get(k) or []
            for k in ("expected_outcomes", "targets", "internal_challenges", "countries")
        } | {"sections": spec.get("sections") or {}}
        prog.source = portfolio.get("source", "")
        prog.source_sha256 = portfolio.get("sha256", "")
        prog.published = publish or prog.published
        session.flush()
        by_number[prog.number] = prog
        for model in (OutcomeAlignment, Phase, GeographicPriority, TableRow, ProgrammeFigure):
            session.execute(delete(model).where(model.programme_id == prog.id))
        report_lines = select(FundingLine.id).where(
            FundingLine.programme_id == prog.id, FundingLine.source == REPORT
        )
        # children first: SQLite may not enforce ON DELETE, and ids may be reused
        session.execute(
            update(AdaptationProject)
            .where(AdaptationProject.funding_line_id.in_(report_lines))
            .values(funding_line_id=None)
        )
        session.execute(
            delete(FundingCountry).where(FundingCountry.funding_line_id.in_(report_lines))
        )
        session.execute(
            delete(FundingLine).where(
                FundingLine.programme_id == prog.id, FundingLine.source == REPORT
            )
        )
        for a in spec.get("alignments", []):
            session.add(OutcomeAlignment(programme_id=prog.id, **a))
            result.alignments += 1
        for ph in spec.get("phases", []):
            session.add(Phase(programme_id=prog.id, **ph))
        for g in spec.get("geographic_priorities", []):
            session.add(GeographicPriority(programme_id=prog.id, **g))
        for t in spec.get("tables", []):
            for side, key in (("opportunity", "opportunities"), ("challenge", "challenges")):
                for pos, text in enumerate(t[key], start=1):
                    session.add(
                        TableRow(
                            programme_id=prog.id,
                            table_number=t["number"],
                            side=side,
                            position=pos,
                            text=text,
                        )
                    )
        for p in spec.get("partners", []):
            provider = _provider(session, p["name"], kinds)
            link = session.scalar(
                select(ProgrammePartner).where(
                    ProgrammePartner.programme_id == prog.id,
                    ProgrammePartner.provider_id == provider.id,
                )
            )
            if link is None:
                session.add(
                    ProgrammePartner(
                        programme_id=prog.id,
                        provider_id=provider.id,
                        role=p["role"],
                        state=p["state"],
                        paragraphs=p["paragraphs"],
                    )
                )
            else:
                link.paragraphs = p["paragraphs"]
            result.partners += 1
        for f in spec.get("figures", []):
            status = FIGURE_STATUS.get(f["kind"])
            if status is None:
                session.add(
                    ProgrammeFigure(
                        programme_id=prog.id,
                        kind=f["kind"],
                        amount=Decimal(str(f["amount"])),
                        currency=f["currency"],
                        approximate=f["approximate"],
                        countries=f["countries"],
                        text=f["text"],
                        paragraph=f["paragraph"],
                    )
                )
                result.figures += 1
                continue
            donor = _provider(session, f["donor"], kinds) if f.get("donor") else None
            line = FundingLine(
                programme_id=prog.id,
                donor_id=donor.id if donor else None,
                label=f["text"],
                amount=Decimal(str(f["amount"])),
                currency=f["currency"],
                approximate=f["approximate"],
                status=status,
                year=REPORT_YEAR,
                paragraph=f["paragraph"],
                source=REPORT,
            )
            session.add(line)
            session.flush()
            for iso3 in f["countries"]:
                session.add(FundingCountry(funding_line_id=line.id, iso3=iso3))
            result.funding_lines += 1
        result.programmes += 1
    session.flush()
    for ini in initiatives or []:
        prog = by_number.get(ini["programme"])
        if prog is None:
            continue
        found = session.scalar(
            select(Initiative).where(
                Initiative.programme_id == prog.id, Initiative.name == ini["name"]
            )
        )
        if found is None:
            found = Initiative(programme_id=prog.id, name=ini["name"])
            session.add(found)
        found.description = ini.get("description", "")
        found.countries = list(ini.get("countries", []))
        found.places = list(ini.get("places", []))
        found.city_slugs = _city_slugs(session, found.places, found.countries)
        found.partner_ids = [_provider(session, n, kinds).id for n in ini.get("partners", [])]
        found.status = ini.get("status", "discussed")
        found.paragraph = ini.get("paragraph")
        session.flush()
        sync_places(session, found)
        result.initiatives += 1
    session.flush()
    _link_report_lines(session, list(by_number.values()))
    from sdgcities.programmes.adaptation import relink_projects

    relink_projects(session)
    return result


def sync_places(session: Session, ini: Initiative) -> None:
    """Rewrite the indexed copy of an initiative's cities and countries."""
    session.execute(delete(InitiativePlace).where(InitiativePlace.initiative_id == ini.id))
    for kind, keys in (("country", ini.countries), ("city", ini.city_slugs)):
        for key in dict.fromkeys(keys or []):
            session.add(InitiativePlace(initiative_id=ini.id, kind=kind, key=str(key)))


def _link_report_lines(session: Session, programmes: Sequence[Programme]) -> None:
    """Put each report funding line under the initiative of the same paragraph and countries."""
    for prog in programmes:
        inis = session.scalars(select(Initiative).where(Initiative.programme_id == prog.id)).all()
        lines = session.scalars(
            select(FundingLine).where(
                FundingLine.programme_id == prog.id, FundingLine.source == REPORT
            )
        ).all()
        for line in lines:
            iso3 = set(
                session.scalars(
                    select(FundingCountry.iso3).where(FundingCountry.funding_line_id == line.id)
                )
            )
            for ini in inis:
                if ini.paragraph == line.paragraph and set(ini.countries) == iso3:
                    line.initiative_id = ini.id


def check_initiatives(
    portfolio: dict[str, Any], initiatives: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The bundled initiatives the text confirms: each one's paragraph is in its programme
    and names each of its countries. The rest are returned as notes, not imported."""
    from sdgcities.programmes.seed import countries_in

    texts: dict[int, str] = {}
    owner: dict[int, int] = {}
    for p in portfolio["programmes"]:
        for paras in p["sections"].values():
            for para in paras:
                texts[para["paragraph"]] = para["text"]
                owner[para["paragraph"]] = p["number"]
    kept, notes = [], []
    for ini in initiatives:
        para = ini.get("paragraph")
        text = texts.get(para) if isinstance(para, int) else None
        if text is None or owner.get(int(para or 0)) != ini["programme"]:
            notes.append(f"initiative {ini['name']!r}: paragraph {para} is not in this text")
            continue
        missing = [c for c in ini.get("countries", []) if c not in countries_in(text)]
        if missing:
            notes.append(
                f"initiative {ini['name']!r}: paragraph {para} does not name {', '.join(missing)}"
            )
            continue
        kept.append(ini)
    return kept, notes


# ---------------------------------------------------------------- programmes


def list_programmes(session: Session, *, published_only: bool = True) -> list[Programme]:
    q = select(Programme).order_by(Programme.number)
    if published_only:
        q = q.where(Programme.published.is_(True))
    return list(session.scalars(q))


def get_programme(session: Session, key: str, *, published_only: bool = True) -> Programme:
    prog = session.scalar(select(Programme).where(Programme.key == key))
    if prog is None or (published_only and not prog.published):
        keys = ", ".join(p.key for p in list_programmes(session, published_only=published_only))
        raise NotFoundError(f"no programme {key!r}; the programmes are: {keys or 'none yet'}")
    return prog


# ---------------------------------------------------------------- funding lines


def _decimal(value: object) -> Decimal | None:
    try:
        d = Decimal(str(value).strip().replace(",", "")) if value not in (None, "") else None
    except InvalidOperation:
        return None
    return d if d is not None and d.is_finite() else None


def add_funding_line(
    session: Session,
    *,
    programme: str,
    amount: object,
    currency: str,
    status: str,
    modality: str | None = None,
    earmark: str | None = None,
    year: int | None = None,
    donor: str | None = None,
    initiative_id: int | None = None,
    countries: Sequence[str] = (),
    label: str = "",
    source: str = "",
    user: str = "",
) -> FundingLine:
    """Add one funding line after checking every field (every problem is reported;
    nothing is stored unless all are right).

    Rules: amount a number ≥ 0 (at most 10¹⁵); currency an ISO 4217 code; status one of
    concept_note, approved, mobilised, disbursed; modality core | earmarked; earmark soft
    | hard, only for earmarked money; year 1945–2100; countries ISO 3166-1 alpha-3; the
    initiative one of the programme's; the donor a partner's name (added to the registry
    as a financial institution when new) or id.
    """
    prog = get_programme(session, programme, published_only=False)
    findings: list[Finding] = []

    def bad(column: str, message: str, value: object, fix: str) -> None:
        findings.append(Finding(message, column=column, value=str(value), fix=fix))

    value = _decimal(amount)
    if value is None:
        bad("amount", "not a number", amount, "give the amount as digits, e.g. 250000")
    elif value < 0:
        bad("amount", "negative", amount, "give the amount as 0 or more")
    elif value > MAX_AMOUNT:
        bad("amount", "larger than 10^15", amount, "check the units of the amount")
    code = (currency or "").strip().upper()
    if code not in vocab.currencies():
        bad("currency", "not an ISO 4217 currency code", currency, "give e.g. USD, EUR or KES")
    if status not in vocab.FUNDING_STATUSES:
        bad("status", "unknown status", status, "use " + ", ".join(vocab.FUNDING_STATUSES))
    if modality not in (None, "", *vocab.MODALITIES):
        bad("modality", "unknown modality", modality, "use core or earmarked")
    if earmark not in (None, "", *vocab.EARMARKS):
        bad("earmark", "unknown earmark", earmark, "use soft or hard")
    elif earmark and modality != "earmarked":
        bad(
            "earmark",
            "an earmark is for earmarked money",
            earmark,
            "set modality to earmarked, or leave the earmark empty",
        )
    if year is not None and not 1945 <= year <= 2100:
        bad("year", "not a year between 1945 and 2100", year, "give the year, e.g. 2021")
    iso3 = [c.strip().upper() for c in countries if c.strip()]
    import pycountry

    for c in iso3:
        if pycountry.countries.get(alpha_3=c) is None:
            bad("countries", "not an ISO 3166-1 alpha-3 code", c, "give e.g. KEN, VNM")
    if initiative_id is not None:
        ok = session.scalar(
            select(Initiative.id).where(
                Initiative.id == initiative_id, Initiative.programme_id == prog.id
            )
        )
        if ok is None:
            bad(
                "initiative",
                f"not an initiative of {prog.key}",
                initiative_id,
                "choose one of the programme's initiatives, or none",
            )
    if findings:
        raise ValidationError(f"the funding line for {prog.key} was not saved", findings)
    donor_row = None
    if donor:
        donor_row = (
            session.get(Provider, int(donor))
            if str(donor).isdigit()
            else session.scalar(select(Provider).where(Provider.name == donor.strip()))
        )
        if donor_row is None and not str(donor).isdigit():
            donor_row = Provider(
                kind="financial_institution",
                name=donor.strip(),
                themes=[],
                languages=[],
                regions=[],
                accreditation="",
            )
            session.add(donor_row)
            session.flush()
        if donor_row is None:
            raise ValidationError(
                "the funding line was not saved",
                [
                    Finding(
                        "no such partner",
                        column="donor",
                        value=str(donor),
                        fix="give the partner's name or id",
                    )
                ],
            )
    assert value is not None
    line = FundingLine(
        programme_id=prog.id,
        initiative_id=initiative_id,
        donor_id=donor_row.id if donor_row else None,
        label=label.strip(),
        modality=modality or None,
        earmark=earmark or None,
        amount=value,
        currency=code,
        status=status,
        year=year,
        source=source.strip(),
        created_by=user,
    )
    session.add(line)
    session.flush()
    for c in dict.fromkeys(iso3):
        session.add(FundingCountry(funding_line_id=line.id, iso3=c))
    session.flush()
    return line


def funding_lines(
    session: Session,
    *,
    programme_id: int | None = None,
    limit: int | None = None,
    largest_first: bool = False,
) -> list[dict[str, Any]]:
    """Funding lines with their donor's name and countries, newest (or largest) first."""
    q = (
        select(FundingLine, Provider.name, Programme.key)
        .join(Programme, Programme.id == FundingLine.programme_id)
        .outerjoin(Provider, Provider.id == FundingLine.donor_id)
        .order_by(*((FundingLine.amount.desc(),) if largest_first else ()), FundingLine.id.desc())
    )
    if programme_id is not None:
        q = q.where(FundingLine.programme_id == programme_id)
    if limit is not None:
        q = q.limit(limit)
    rows = session.execute(q).all()
    ids = [r[0].id for r in rows]
    countries: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        for lid, iso3 in session.execute(
            select(FundingCountry.funding_line_id, FundingCountry.iso3).where(
                FundingCountry.funding_line_id.in_(ids[start : start + 500])
            )
        ):
            countries.setdefault(lid, []).append(iso3)
    return [
        {
            "id": f.id,
            "programme": key,
            "initiative_id": f.initiative_id,
            "donor": donor,
            "label": f.label,
            "modality": f.modality,
            "earmark": f.earmark,
            "amount": float(f.amount),
            "currency": f.currency,
            "approximate": f.approximate,
            "status": f.status,
            "year": f.year,
            "countries": sorted(countries.get(f.id, [])),
            "paragraph": f.paragraph,
            "source": f.source,
        }
        for f, donor, key in rows
    ]


def totals(
    session: Session,
    by: Dimension,
    *,
    programme_id: int | None = None,
    published_only: bool = True,
) -> list[dict[str, Any]]:
    """Sums of funding lines by ``by`` and currency (one SQL ``GROUP BY``), with counts.

    ``by="country"`` counts a line that serves several countries in each of them, so
    country sums are not additive across countries.
    """
    dim = {
        "programme": Programme.key,
        "status": FundingLine.status,
        "year": FundingLine.year,
        "country": FundingCountry.iso3,
    }[by]
    q = (
        select(dim, FundingLine.currency, func.sum(FundingLine.amount), func.count(FundingLine.id))
        .select_from(FundingLine)
        .join(Programme, Programme.id == FundingLine.programme_id)
    )
    if by == "country":
        q = q.join(FundingCountry, FundingCountry.funding_line_id == FundingLine.id)
    if programme_id is not None:
        q = q.where(FundingLine.programme_id == programme_id)
    if published_only:
        q = q.where(Programme.published.is_(True))
    q = q.group_by(dim, FundingLine.currency).order_by(dim, FundingLine.currency)
    return [
        {by: key, "currency": cur, "amount": float(total or 0), "lines": n}
        for key, cur, total, n in session.execute(q)
    ]


def portfolio_version(session: Session) -> tuple[Any, ...]:
    """A cheap fingerprint of the portfolio: largest ids and row counts of its tables and
    the newest programme, initiative and adaptation-project edits; it changes on every
    import, added line or saved block."""
    from sdgcities.reporting.models import NarrativeBlock

    parts: list[Any] = []
    for col in (FundingLine.id, Initiative.id, ProgrammePartner.id, NarrativeBlock.id):
        parts.extend(session.execute(select(func.max(col), func.count(col))).one())
    parts.append(session.scalar(select(func.max(Programme.updated_at))))
    parts.append(session.scalar(select(func.max(Initiative.updated_at))))
    parts.extend(
        session.execute(
            select(func.max(AdaptationProject.updated_at), func.count(AdaptationProject.id))
        ).one()
    )
    parts.append(session.scalar(select(func.count(Programme.id).filter(Programme.published))))
    return tuple(parts)


def count_initiatives(session: Session, programme_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Initiative.id)).where(Initiative.programme_id == programme_id)
        )
        or 0
    )


def count_lines(session: Session, programme_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(FundingLine.id)).where(FundingLine.programme_id == programme_id)
        )
        or 0
    )


def money_by_programme_status(
    session: Session, *, published_only: bool = True
) -> dict[str, dict[tuple[str, str], float]]:
    """programme key → {(status, currency): sum} in one SQL query (for the overview chart)."""
    q = (
        select(
            Programme.key, FundingLine.status, FundingLine.currency, func.sum(FundingLine.amount)
        )
        .join(Programme, Programme.id == FundingLine.programme_id)
        .group_by(Programme.key, FundingLine.status, FundingLine.currency)
    )
    if published_only:
        q = q.where(Programme.published.is_(True))
    out: dict[str, dict[tuple[str, str], float]] = {}
    for key, status, cur, total in session.execute(q):
        out.setdefault(key, {})[(status, cur)] = float(total or 0)
    return out


def list_initiatives(
    session: Session,
    *,
    programme_id: int | None = None,
    published_only: bool = True,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    q = (
        select(Initiative, Programme.key)
        .join(Programme, Programme.id == Initiative.programme_id)
        .order_by(Programme.number, Initiative.paragraph, Initiative.id)
    )
    if programme_id is not None:
        q = q.where(Initiative.programme_id == programme_id)
    if published_only:
        q = q.where(Programme.published.is_(True))
    if limit is not None:
        q = q.limit(limit)
    rows = session.execute(q).all()
    names = dict(session.execute(select(Provider.id, Provider.name)).all()) if rows else {}
    return [
        {
            "id": i.id,
            "programme": key,
            "name": i.name,
            "description": i.description,
            "countries": i.countries,
            "places": i.places,
            "cities": i.city_slugs,
            "partners": [names.get(pid, str(pid)) for pid in i.partner_ids],
            "start": i.start.isoformat() if i.start else None,
            "end": i.end.isoformat() if i.end else None,
            "status": i.status,
            "paragraph": i.paragraph,
            "geometry": i.geometry,
            "neighbourhoods": i.neighbourhoods or [],
        }
        for i, key in rows
    ]


def partners_of(session: Session, programme_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ProgrammePartner, Provider.name, Provider.kind)
        .join(Provider, Provider.id == ProgrammePartner.provider_id)
        .where(ProgrammePartner.programme_id == programme_id)
        .order_by(ProgrammePartner.id)
    ).all()
    return [
        {
            "provider_id": pp.provider_id,
            "name": name,
            "kind": kind,
            "role": pp.role,
            "state": pp.state,
            "paragraphs": pp.paragraphs,
        }
        for pp, name, kind in rows
    ]


def set_partner_state(session: Session, programme: str, provider_id: int, state: str) -> None:
    from sdgcities.errors import check_choice

    check_choice(state, vocab.STATES, "state")
    prog = get_programme(session, programme, published_only=False)
    link = session.scalar(
        select(ProgrammePartner).where(
            ProgrammePartner.programme_id == prog.id, ProgrammePartner.provider_id == provider_id
        )
    )
    if link is None:
        raise NotFoundError(f"partner {provider_id} is not a partner of {programme}")
    link.state = state


def add_initiative(session: Session, **fields: Any) -> Initiative:
    """Add an initiative (:func:`sdgcities.programmes.initiatives.add_initiative`)."""
    from sdgcities.programmes.initiatives import add_initiative as add

    return add(session, **fields)


def programme_detail(session: Session, prog: Programme) -> dict[str, Any]:
    """Everything one programme's page and the Board report show."""
    titles = vocab.plan_titles()
    alignments = session.scalars(
        select(OutcomeAlignment).where(OutcomeAlignment.programme_id == prog.id)
    ).all()
    phases = session.scalars(
        select(Phase).where(Phase.programme_id == prog.id).order_by(Phase.position)
    ).all()
    geography = session.scalars(
        select(GeographicPriority)
        .where(GeographicPriority.programme_id == prog.id)
        .order_by(GeographicPriority.id)
    ).all()
    rows = session.scalars(
        select(TableRow)
        .where(TableRow.programme_id == prog.id)
        .order_by(TableRow.table_number, TableRow.side, TableRow.position)
    ).all()
    tables: dict[int, dict[str, list[str]]] = {}
    for r in rows:
        t = tables.setdefault(r.table_number, {"opportunities": [], "challenges": []})
        t["opportunities" if r.side == "opportunity" else "challenges"].append(r.text)
    figures = session.scalars(
        select(ProgrammeFigure).where(ProgrammeFigure.programme_id == prog.id)
    ).all()
    return {
        "key": prog.key,
        "number": prog.number,
        "title": prog.title,
        "objective": {"text": prog.objective, "paragraph": prog.objective_paragraph},
        "expected_outcomes": prog.facts.get("expected_outcomes", []),
        "targets": prog.facts.get("targets", []),
        "internal_challenges": prog.facts.get("internal_challenges", []),
        "sections": prog.facts.get("sections", {}),
        "alignments": [
            {
                "code": a.code,
                "title": titles.get(a.code, a.code),
                "contribution": a.contribution,
                "paragraph": a.paragraph,
            }
            for a in sorted(alignments, key=lambda a: (a.contribution != "main", a.code))
        ],
        "phases": [
            {
                "position": p.position,
                "label": p.label,
                "start_year": p.start_year,
                "end_year": p.end_year,
                "text": p.text,
                "paragraph": p.paragraph,
            }
            for p in phases
        ],
        "geographic_priorities": [
            {"region": g.region, "level": g.level, "paragraph": g.paragraph} for g in geography
        ],
        "tables": [{"number": n, **t} for n, t in sorted(tables.items())],
        "figures": [
            {
                "id": f.id,
                "kind": f.kind,
                "amount": float(f.amount),
                "currency": f.currency,
                "approximate": f.approximate,
                "countries": f.countries,
                "text": f.text,
                "paragraph": f.paragraph,
            }
            for f in figures
        ],
        "partners": partners_of(session, prog.id),
        "source": prog.source,
        "published": prog.published,
    }


def portfolio_as_dict(session: Session, *, published_only: bool = True) -> dict[str, Any]:
    """The five programmes with outcomes, alignments, partners, initiatives, funding lines;
    RISE-UP's also with ``adaptation`` (its projects and the progress toward its cities)."""
    from sdgcities.programmes import adaptation

    out = []
    for prog in list_programmes(session, published_only=published_only):
        d = programme_detail(session, prog)
        d["initiatives"] = list_initiatives(session, programme_id=prog.id, published_only=False)
        d["funding_lines"] = funding_lines(session, programme_id=prog.id)
        d["totals_by_status"] = totals(
            session, "status", programme_id=prog.id, published_only=False
        )
        if prog.key == adaptation.PROGRAMME:
            d["adaptation"] = {
                "projects": adaptation.list_projects(session),
                "progress": adaptation.progress(session),
            }
        out.append(d)
    return {"programmes": out}
