"""Use cases of the investment facility: bulk project intake and the IATI export."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.cities.service import get_city
from sdgcities.errors import Finding, InputFileError, NotFoundError, ValidationError
from sdgcities.investment.iati import Activity, activities_xml
from sdgcities.investment.intake import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    ProjectInput,
    projects_from_rows,
)
from sdgcities.investment.models import FinancingTranche, InvestmentProject, StageGate
from sdgcities.store.models import City

#: the intake fields stored as they are (all but the city)
FIELDS = tuple(c for c in COLUMNS if c not in ("city", "tranches", "gates"))


def _rows(path: Path) -> list[dict[str, str | None]]:
    if not path.is_file():
        raise InputFileError(path, "no such file", "give the path of a projects CSV")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(path, "not UTF-8 text", "save the sheet as 'CSV UTF-8'") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    if missing:
        raise ValidationError(
            f"{path.name}: required columns missing",
            [Finding("required column missing", path.name, 1, c, fix="add it") for c in missing],
        )
    return [{k: v for k, v in r.items() if isinstance(k, str)} for r in reader]


def import_projects(session: Session, path: str | Path) -> list[InvestmentProject]:
    """Add every project of a CSV, all or nothing (every finding by row and column)."""
    p = Path(path)
    projects = projects_from_rows(_rows(p), p.name)
    findings: list[Finding] = []
    cities: dict[str, City] = {}
    for i, x in enumerate(projects):
        if x.city in cities:
            continue
        try:
            cities[x.city] = get_city(session, x.city)
        except NotFoundError as err:
            findings.append(Finding(str(err), p.name, i + 2, "city", x.city, "add the city first"))
    if findings:
        raise ValidationError(f"{len(findings)} problem(s) in {p.name}", findings)
    rows = [
        InvestmentProject(
            city_id=cities[x.city].id,
            **{f: getattr(x, f) for f in FIELDS if f != "sdg_targets"},
            sdg_targets=list(x.sdg_targets),
            tranches=[
                FinancingTranche(position=i, instrument=k, amount=a, currency=x.currency)
                for i, (k, a) in enumerate(x.tranches)
            ],
            gates=[StageGate(stage=g, passed_on=d) for g, d in x.gates],
        )
        for x in projects
    ]
    session.add_all(rows)
    session.flush()
    return rows


def export_iati(session: Session, out: str | Path, *, city: str | None = None) -> int:
    """Write the pipeline (or one city's) as IATI 2.03 activities; returns the count."""
    q = select(InvestmentProject, City).join(City, City.id == InvestmentProject.city_id)
    if city is not None:
        q = q.where(City.id == get_city(session, city).id)
    acts = [
        Activity(
            id=pr.id,
            city_slug=c.slug,
            project=ProjectInput(
                city=c.name,
                **{f: getattr(pr, f) for f in FIELDS if f != "sdg_targets"},
                sdg_targets=tuple(pr.sdg_targets),
            ),
        )
        for pr, c in session.execute(q.order_by(InvestmentProject.id)).all()
    ]
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    target = Path(out)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(activities_xml(acts, generated=stamp))
    tmp.replace(target)
    return len(acts)
