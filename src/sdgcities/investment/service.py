"""Use cases of the investment facility: intake, editing, readiness, impact, pipeline.

Investors and windows are in :mod:`sdgcities.investment.investors`, matching, reviews and
introductions in :mod:`sdgcities.investment.advisory`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.cities.service import MAX_ID, get_city
from sdgcities.errors import (
    ConflictError,
    Finding,
    InputFileError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from sdgcities.investment import access
from sdgcities.investment.iati import Activity, activities_xml
from sdgcities.investment.intake import (
    COLUMNS,
    INSTRUMENTS,
    OPTIONAL_COLUMNS,
    STAGES,
    SUM_TOLERANCE,
    ProjectInput,
    codelist,
    projects_from_rows,
)
from sdgcities.investment.models import (
    FinancingTranche,
    ImpactLink,
    InvestmentProject,
    ProjectConsent,
    ProjectEvent,
    ReadinessItem,
    StageGate,
    TrancheFx,
)
from sdgcities.investment.readiness import (
    STATUSES,
    checklist,
    item_keys,
    next_ready_stage,
    overall,
    ready_for,
    stage_scores,
)
from sdgcities.store.models import City, Indicator, Observation, User

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
    """Write the pipeline (or one city's) as IATI 2.03 activities; returns the count.

    IATI is a public registry: only the projects whose city consented to publication
    (:func:`set_consent`, ``sdgcities investment project consent``) leave the platform,
    whoever runs the export. :func:`unconsented_count` tells how many stayed behind.
    """
    q = (
        select(InvestmentProject, City)
        .join(City, City.id == InvestmentProject.city_id)
        .where(access.consented())
    )
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
                gates=tuple((g.stage, g.passed_on) for g in pr.gates),
            ),
        )
        for pr, c in session.execute(q.order_by(InvestmentProject.id)).all()
    ]
    if not acts:  # IATI 2.03 needs at least one activity: write no file rather than a bad one
        held = unconsented_count(session, city=city)
        raise NotFoundError(
            f"no project{' of ' + city if city else ''} may be published to IATI: "
            + (
                f"the city has not consented to publishing its {held} project(s); a city "
                "editor gives consent with `sdgcities investment project consent ID --by EMAIL`"
                if held
                else "there are no projects"
            )
            + f"; nothing was written to {out}"
        )
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    target = Path(out)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(activities_xml(acts, generated=stamp))
    tmp.replace(target)
    return len(acts)


def unconsented_count(session: Session, *, city: str | None = None) -> int:
    """How many projects (of ``city``) an IATI export leaves out for want of consent."""
    q = select(func.count()).select_from(InvestmentProject).where(~access.consented())
    if city is not None:
        q = q.where(InvestmentProject.city_id == get_city(session, city).id)
    return int(session.scalar(q) or 0)


# ------------------------------------------------------------------ editing one project


@dataclass(frozen=True)
class TrancheInput:
    """One tranche as entered: instrument, amount, currency, and an FX rate if needed."""

    instrument: str
    amount: float
    currency: str
    #: budget-currency units per one unit of ``currency`` (needed when it differs)
    fx_rate: float | None = None
    fx_date: date | None = None
    fx_source: str = ""


def _who(user: User | None) -> str:
    return user.email if user is not None else "cli"


def get_project(session: Session, project_id: int, user: User | None = None) -> InvestmentProject:
    """The project, if it exists and ``user`` may see it (else NotFoundError)."""
    found = session.get(InvestmentProject, project_id) if 0 < project_id <= MAX_ID else None
    if found is None or (user is not _CLI and not access.can_see(user, found, session)):
        raise NotFoundError(f"no investment project {project_id} that you may see")
    return found


#: the CLI acts with the store's full rights (it runs where the store is)
_CLI: Any = object()
CLI = _CLI


def _may_edit(user: User | None, city_id: int, session: Session) -> None:
    if user is not _CLI and not access.can_edit(user, city_id, session):
        raise PermissionDeniedError("only the city's editors may change its projects")


def _log(session: Session, project: InvestmentProject, kind: str, user: Any, **detail: Any) -> None:
    who = "cli" if user is _CLI else _who(user)
    session.add(ProjectEvent(project_id=project.id, kind=kind, detail=detail, by=who))


def create_project(session: Session, fields: Mapping[str, str], user: Any) -> InvestmentProject:
    """Add one project from form fields (the intake columns; every finding by field)."""
    row = {k: (fields.get(k) or "") for k in COLUMNS}
    (x,) = projects_from_rows([row], None)
    city = get_city(session, x.city)
    _may_edit(user, city.id, session)
    pr = InvestmentProject(
        city_id=city.id,
        **{f: getattr(x, f) for f in FIELDS if f != "sdg_targets"},
        sdg_targets=list(x.sdg_targets),
        tranches=[
            FinancingTranche(position=i, instrument=k, amount=a, currency=x.currency)
            for i, (k, a) in enumerate(x.tranches)
        ],
        gates=[StageGate(stage=g, passed_on=d) for g, d in x.gates],
    )
    session.add(pr)
    session.flush()
    _log(session, pr, "create", user)
    return pr


def update_project(
    session: Session, project: InvestmentProject, fields: Mapping[str, str], user: Any
) -> InvestmentProject:
    """Change a project's core fields (stage and tranches have their own use cases)."""
    _may_edit(user, project.city_id, session)
    city = session.get(City, project.city_id)
    current = {
        "city": city.slug if city else "",
        "title": project.title,
        "description": project.description,
        "sector": project.sector,
        "sdg_targets": ";".join(project.sdg_targets),
        "budget": repr(project.budget),
        "currency": project.currency,
        "start": project.start.isoformat(),
        "end": project.end.isoformat(),
        "stage": project.stage,
        "implementing_org": project.implementing_org,
    }
    row = current | {k: v for k, v in fields.items() if k in current and k not in ("city", "stage")}
    (x,) = projects_from_rows([row], None)
    changed = [f for f in FIELDS if f not in ("stage",) and current.get(f) != row.get(f)]
    for f in FIELDS:
        if f == "stage":
            continue
        value = list(x.sdg_targets) if f == "sdg_targets" else getattr(x, f)
        setattr(project, f, value)
    if project.tranches:
        check_tranches(project, [_tranche_input(t) for t in project.tranches])
    session.flush()
    _log(session, project, "edit", user, fields=changed)
    return project


def _tranche_input(t: FinancingTranche) -> TrancheInput:
    fx = t.fx
    return TrancheInput(
        t.instrument,
        t.amount,
        t.currency,
        fx.rate if fx else None,
        fx.rate_date if fx else None,
        fx.source if fx else "",
    )


def check_tranches(project: InvestmentProject, tranches: Sequence[TrancheInput]) -> float:
    """The tranches' sum in the budget's currency, or ValidationError naming every problem.

    ``sum = Σ amountᵢ · rateᵢ`` (rate 1 in the budget's currency) must equal the budget
    within :data:`~sdgcities.investment.intake.SUM_TOLERANCE` (0.01).
    """
    findings: list[Finding] = []
    where = f"project {project.id} ({project.title})"
    total = 0.0
    for i, t in enumerate(tranches, start=1):
        col = f"tranche {i}"

        def add(msg: str, value: object, fix: str) -> None:
            findings.append(Finding(msg, where, None, col, str(value), fix))  # noqa: B023

        if t.instrument not in INSTRUMENTS:
            add("unknown instrument", t.instrument, "use: " + ", ".join(INSTRUMENTS))
        if not (t.amount > 0 and math.isfinite(t.amount)):
            add("the amount must be a positive number", t.amount, "give e.g. 500000")
            continue
        if t.currency not in codelist("currencies"):
            add("not an ISO 4217 currency code", t.currency, "give e.g. USD")
            continue
        if t.currency == project.currency:
            total += t.amount
            continue
        if t.fx_rate is None or t.fx_date is None or not t.fx_source.strip():
            add(
                f"in {t.currency}, not the budget's {project.currency}: it needs an exchange "
                "rate with its date and source",
                t.currency,
                f"give the rate ({project.currency} per 1 {t.currency}), the date and where "
                "it comes from",
            )
            continue
        if not (t.fx_rate > 0 and math.isfinite(t.fx_rate)):
            add("the exchange rate must be positive", t.fx_rate, "give e.g. 0.0077")
            continue
        total += t.amount * t.fx_rate
    if not findings and tranches:
        diff = total - project.budget
        if abs(diff) > SUM_TOLERANCE:
            findings.append(
                Finding(
                    f"the tranches sum to {total:,.2f} {project.currency}, the budget is "
                    f"{project.budget:,.2f} {project.currency}: a difference of {diff:+,.2f}",
                    where,
                    None,
                    "tranches",
                    f"{total:.2f}",
                    "make the tranche amounts add up to the budget",
                )
            )
    if findings:
        raise ValidationError(f"{len(findings)} problem(s) in the tranches of {where}", findings)
    return total


def set_tranches(
    session: Session, project: InvestmentProject, tranches: Sequence[TrancheInput], user: Any
) -> None:
    """Replace the project's financing structure (all or nothing)."""
    _may_edit(user, project.city_id, session)
    check_tranches(project, tranches)
    project.tranches.clear()
    session.flush()
    for i, t in enumerate(tranches):
        row = FinancingTranche(
            position=i, instrument=t.instrument, amount=t.amount, currency=t.currency
        )
        if t.currency != project.currency and t.fx_rate is not None and t.fx_date is not None:
            row.fx = TrancheFx(rate=t.fx_rate, rate_date=t.fx_date, source=t.fx_source.strip())
        project.tranches.append(row)
    session.flush()
    _log(session, project, "tranches", user, count=len(tranches))


def move_stage(
    session: Session,
    project: InvestmentProject,
    stage: str,
    on: date,
    user: Any,
    *,
    reason: str = "",
) -> None:
    """Move a project to ``stage``, dating its gate.

    Forward: every gate passed is dated ``on`` (on or after the last gate's date), and
    the project must be ready for ``stage`` (every applicable checklist item of the
    stages before it done). Backward: only an admin, with a reason; the later gates go.
    """
    if stage not in STAGES:
        raise ValidationError(
            "unknown stage",
            [Finding("unknown stage", None, None, "stage", stage, "use: " + ", ".join(STAGES))],
        )
    new, cur = STAGES.index(stage), STAGES.index(project.stage)
    if new == cur:
        raise ConflictError(f"project {project.id} is already at {stage}")
    if new < cur:
        if user is not _CLI and (user is None or user.role != "admin"):
            raise PermissionDeniedError("only an admin may move a project back a stage")
        if not reason.strip():
            raise ValidationError(
                "a reason is required",
                [Finding("moving back needs a reason", None, None, "reason", "", "say why")],
            )
        for g in [g for g in project.gates if STAGES.index(g.stage) > new]:
            project.gates.remove(g)
        _log(session, project, "revert", user, frm=project.stage, to=stage, reason=reason.strip())
        project.stage = stage
        session.flush()
        return
    _may_edit(user, project.city_id, session)
    last = max((g.passed_on for g in project.gates), default=None)
    if last is not None and on < last:
        raise ValidationError(
            "gate dated too early",
            [
                Finding(
                    f"before the last gate ({last})",
                    None,
                    None,
                    "date",
                    on.isoformat(),
                    "date the gate on or after the one before it",
                )
            ],
        )
    status = readiness_status(session, project)
    if not ready_for(status, stage):
        todo = [
            i.label
            for i in checklist()
            if STAGES.index(i.stage) < new and status.get(i.key, "missing") not in DONE
        ]
        raise ValidationError(
            f"project {project.id} is not ready for {stage}",
            [
                Finding(
                    f"not done: {t}",
                    None,
                    None,
                    "readiness",
                    None,
                    "record it as done with its evidence, or as not applicable with a reason",
                )
                for t in todo
            ],
        )
    have = {g.stage for g in project.gates}
    for s in STAGES[cur + 1 : new + 1]:
        if s not in have:
            project.gates.append(StageGate(stage=s, passed_on=on))
    _log(session, project, "stage", user, frm=project.stage, to=stage, on=on.isoformat())
    project.stage = stage
    session.flush()


DONE = ("done", "not applicable")


def set_consent(session: Session, project: InvestmentProject, give: bool, user: Any) -> None:
    """Give (or withdraw) the city's consent to a public project page: a city editor only."""
    if user is not _CLI:
        if user is None or user.role != "city_editor":
            raise PermissionDeniedError("only a city editor of the city may give its consent")
        _may_edit(user, project.city_id, session)
    row = session.get(ProjectConsent, project.id)
    if give and row is None:
        session.add(ProjectConsent(project_id=project.id, given_by=_who_any(user)))
    elif not give and row is not None:
        session.delete(row)
    else:
        return
    session.flush()
    _log(session, project, "consent" if give else "withdraw", user)


def _who_any(user: Any) -> str:
    return "cli" if user is _CLI else _who(user)


def consent_of(session: Session, project_id: int) -> ProjectConsent | None:
    return session.get(ProjectConsent, project_id)


# ------------------------------------------------------------------ readiness, impact


def readiness_status(session: Session, project: InvestmentProject) -> dict[str, str]:
    rows = session.scalars(select(ReadinessItem).where(ReadinessItem.project_id == project.id))
    return {r.item: r.status for r in rows}


def set_readiness(
    session: Session,
    project: InvestmentProject,
    item: str,
    status: str,
    user: Any,
    *,
    reason: str = "",
    evidence_text: str = "",
    evidence_url: str = "",
) -> ReadinessItem:
    """Record one checklist item's status and evidence (``done`` needs evidence)."""
    _may_edit(user, project.city_id, session)
    findings: list[Finding] = []
    keys = item_keys()
    if item not in keys:
        findings.append(
            Finding(
                "unknown checklist item",
                None,
                None,
                "item",
                item,
                "use a key of data/readiness.yaml, e.g. land_tenure",
            )
        )
    if status not in STATUSES:
        findings.append(
            Finding("unknown status", None, None, "status", status, "use: " + ", ".join(STATUSES))
        )
    url = evidence_url.strip()
    if url and not (url.startswith("https://") or url.startswith("http://")):
        findings.append(
            Finding(
                "not a web address",
                None,
                None,
                "evidence_url",
                url,
                "give an http(s):// link, or describe the evidence as text",
            )
        )
    if status == "not applicable" and not reason.strip():
        findings.append(
            Finding(
                "'not applicable' needs a reason",
                None,
                None,
                "reason",
                "",
                "say why the item does not apply",
            )
        )
    if status == "done" and not (evidence_text.strip() or url):
        findings.append(
            Finding(
                "'done' needs evidence",
                None,
                None,
                "evidence_text",
                "",
                "describe the evidence or link to it",
            )
        )
    if findings:
        raise ValidationError(f"{len(findings)} problem(s) in the checklist item", findings)
    row = session.scalar(
        select(ReadinessItem).where(
            ReadinessItem.project_id == project.id, ReadinessItem.item == item
        )
    )
    if row is None:
        row = ReadinessItem(project_id=project.id, item=item)
        session.add(row)
    row.status, row.reason = status, reason.strip()
    row.evidence_text, row.evidence_url = evidence_text.strip(), url
    row.updated_by, row.updated_at = _who_any(user), datetime.now(UTC)
    session.flush()
    return row


def readiness_of(session: Session, project: InvestmentProject) -> dict[str, Any]:
    """The checklist with each item's record, the score per stage, overall, and gating."""
    rows = {
        r.item: r
        for r in session.scalars(
            select(ReadinessItem).where(ReadinessItem.project_id == project.id)
        )
    }
    status = {k: r.status for k, r in rows.items()}
    return {
        "items": [
            {
                "key": i.key,
                "label": i.label,
                "stage": i.stage,
                "status": status.get(i.key, "missing"),
                "reason": rows[i.key].reason if i.key in rows else "",
                "evidence_text": rows[i.key].evidence_text if i.key in rows else "",
                "evidence_url": rows[i.key].evidence_url if i.key in rows else "",
            }
            for i in checklist()
        ],
        "by_stage": stage_scores(status),
        "overall": overall(status, project.stage),
        "ready_for": {s: ready_for(status, s) for s in STAGES},
        "next_ready": next_ready_stage(status),
    }


def add_impact(
    session: Session,
    project: InvestmentProject,
    indicator_code: str,
    user: Any,
    *,
    expected_change: str = "",
    target_year: int | None = None,
) -> ImpactLink:
    """Link the project to a catalogue indicator (and a plan target's year, if any)."""
    _may_edit(user, project.city_id, session)
    code = indicator_code.strip()
    if session.scalar(select(Indicator.id).where(Indicator.code == code)) is None:
        raise ValidationError(
            "unknown indicator",
            [
                Finding(
                    "not an indicator of the catalogue",
                    None,
                    None,
                    "indicator_code",
                    code,
                    "use a catalogue code, e.g. 11.2.1 (see `sdgcities indicators list`)",
                )
            ],
        )
    if target_year is not None and not 2000 <= target_year <= 2100:
        raise ValidationError(
            "target year out of range",
            [
                Finding(
                    "not a plausible year",
                    None,
                    None,
                    "target_year",
                    str(target_year),
                    "give the plan target's year, e.g. 2030",
                )
            ],
        )
    row = session.scalar(
        select(ImpactLink).where(
            ImpactLink.project_id == project.id, ImpactLink.indicator_code == code
        )
    )
    if row is None:
        row = ImpactLink(project_id=project.id, indicator_code=code)
        session.add(row)
    row.expected_change, row.target_year = expected_change.strip(), target_year
    session.flush()
    _log(session, project, "impact", user, indicator=code)
    return row


def impacts_of(session: Session, project: InvestmentProject) -> list[dict[str, Any]]:
    """Each linked indicator with its latest published value in the city (and plan target)."""
    out: list[dict[str, Any]] = []
    links = session.scalars(
        select(ImpactLink).where(ImpactLink.project_id == project.id).order_by(ImpactLink.id)
    )
    for link in links:
        ind = session.scalar(select(Indicator).where(Indicator.code == link.indicator_code))
        latest = None
        if ind is not None:
            latest = session.scalar(
                select(Observation)
                .where(
                    Observation.city_id == project.city_id,
                    Observation.indicator_id == ind.id,
                    Observation.is_public.is_(True),
                    Observation.disaggregation == "",
                )
                .order_by(Observation.year.desc())
                .limit(1)
            )
        out.append(
            {
                "indicator_code": link.indicator_code,
                "indicator_name": ind.name if ind else "",
                "unit": ind.unit if ind else "",
                "expected_change": link.expected_change,
                "target_year": link.target_year,
                "latest_value": latest.value if latest else None,
                "latest_year": latest.year if latest else None,
                "plan_target": _plan_target(
                    session, project.city_id, link.indicator_code, link.target_year
                ),
            }
        )
    return out


def _plan_target(
    session: Session, city_id: int, code: str, year: int | None
) -> dict[str, Any] | None:
    """The plan target (indicator_code, target_year) and, when the city's approved plan
    has it, its value and unit (``plan``)."""
    if year is None:
        return None
    from sdgcities.planning import find_target

    found = find_target(session, city_id, code, year)
    return {"indicator_code": code, "target_year": year, "plan": found}


# ------------------------------------------------------------------ listing, dashboard


def list_projects(
    session: Session,
    user: User | None,
    *,
    city_id: int | None = None,
    stage: str | None = None,
    goal: str | None = None,
    region: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> tuple[list[tuple[InvestmentProject, City, bool]], int]:
    """Projects ``user`` may see (with their city and consent), filtered; and the total."""
    q = (
        select(InvestmentProject, City, ProjectConsent.project_id)
        .join(City, City.id == InvestmentProject.city_id)
        .outerjoin(ProjectConsent, ProjectConsent.project_id == InvestmentProject.id)
        .where(access.visible_projects(user, session))
    )
    if city_id is not None:
        q = q.where(InvestmentProject.city_id == city_id)
    if stage:
        q = q.where(InvestmentProject.stage == stage)
    if region:
        q = q.where(City.sdg_region == region)
    rows = [
        (p, c, consent is not None)
        for p, c, consent in session.execute(q.order_by(InvestmentProject.id)).all()
    ]
    if goal:
        rows = [r for r in rows if any(t.split(".")[0] == goal for t in r[0].sdg_targets)]
    return rows[offset : offset + limit], len(rows)


def pipeline_summary(
    session: Session, user: User | None, **filters: Any
) -> dict[str, list[dict[str, Any]]]:
    """Counts and value of the visible pipeline by stage, SDG goal and region.

    Values are summed per currency (no conversion): a project counts in every SDG goal
    it targets, so the goal rows overlap.
    """
    rows, _ = list_projects(session, user, limit=10**9, **filters)
    out: dict[str, dict[tuple[str, str], dict[str, Any]]] = {
        "stage": {},
        "goal": {},
        "region": {},
    }

    def add(dim: str, key: str, p: InvestmentProject) -> None:
        cell = out[dim].setdefault(
            (key, p.currency), {dim: key, "currency": p.currency, "projects": 0, "value": 0.0}
        )
        cell["projects"] += 1
        cell["value"] += p.budget

    for p, c, _consent in rows:
        add("stage", p.stage, p)
        add("region", c.sdg_region or "", p)
        for g in sorted({t.split(".")[0] for t in p.sdg_targets}, key=int):
            add("goal", g, p)
    order = {
        "stage": lambda r: (STAGES.index(r["stage"]), r["currency"]),
        "goal": lambda r: (int(r["goal"]), r["currency"]),
        "region": lambda r: (r["region"], r["currency"]),
    }
    return {d: sorted(v.values(), key=order[d]) for d, v in out.items()}


def project_events(session: Session, project: InvestmentProject) -> list[ProjectEvent]:
    return list(
        session.scalars(
            select(ProjectEvent)
            .where(ProjectEvent.project_id == project.id)
            .order_by(ProjectEvent.id)
        )
    )


def project_dict(
    session: Session, project: InvestmentProject, *, full: bool = False, staff: bool = True
) -> dict[str, Any]:
    """A project as JSON-ready data; ``full`` adds readiness, impact and history.

    E-mail addresses (who consented, who changed what) only when ``staff``.
    """
    city = session.get(City, project.city_id)
    consent = session.get(ProjectConsent, project.id)
    out: dict[str, Any] = {
        "id": project.id,
        "city": city.slug if city else None,
        "city_name": city.name if city else None,
        "country": city.country_iso3 if city else None,
        "region": city.sdg_region if city else None,
        "title": project.title,
        "description": project.description,
        "sector": project.sector,
        "sdg_targets": list(project.sdg_targets),
        "budget": project.budget,
        "currency": project.currency,
        "start": project.start.isoformat(),
        "end": project.end.isoformat(),
        "stage": project.stage,
        "implementing_org": project.implementing_org,
        "public": consent is not None,
        "consent": (
            {"by": consent.given_by if staff else None, "at": consent.given_at.isoformat()}
            if consent
            else None
        ),
        "gates": [
            {"stage": g.stage, "passed_on": g.passed_on.isoformat()}
            for g in sorted(project.gates, key=lambda g: STAGES.index(g.stage))
        ],
        "tranches": [
            {
                "instrument": t.instrument,
                "amount": t.amount,
                "currency": t.currency,
                "fx": (
                    {
                        "rate": t.fx.rate,
                        "date": t.fx.rate_date.isoformat(),
                        "source": t.fx.source,
                    }
                    if t.fx
                    else None
                ),
            }
            for t in project.tranches
        ],
    }
    if full:
        out["readiness"] = readiness_of(session, project)
        out["impacts"] = impacts_of(session, project)
        out["history"] = [
            {
                "kind": e.kind,
                "detail": e.detail,
                "by": e.by if staff else None,
                "at": e.at.isoformat(),
            }
            for e in project_events(session, project)
        ]
    return out
