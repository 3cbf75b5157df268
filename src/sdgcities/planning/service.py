"""Use cases of the strategic plan: edit a version, move it through the workflow, read it.

Every function takes a session and flushes; the caller commits, so a failed call (a
:class:`~sdgcities.errors.SdgCitiesError`) leaves nothing half-written once the caller
rolls back. ``actor`` is the account acting; its role decides what it may do
(:mod:`sdgcities.planning.workflow`, :mod:`sdgcities.accounts.permissions`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.accounts import permissions
from sdgcities.cities.service import get_city
from sdgcities.errors import (
    ConflictError,
    Finding,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from sdgcities.planning import geometry as geo
from sdgcities.planning import workflow as wf
from sdgcities.planning.models import (
    PlanConsultation,
    PlanEvent,
    PlanPriority,
    PlanTarget,
    PlanVersion,
    SmartCityStrategy,
    SpatialPriority,
    StrategicPlan,
)
from sdgcities.planning.units import accepted_units, check_unit
from sdgcities.store.models import City, HexCell, HexLayer, Indicator, User

__all__ = [
    "ConsultationIn",
    "PlaceIn",
    "PriorityIn",
    "TargetIn",
    "add_consultation",
    "add_place",
    "add_priority",
    "add_smart_strategy",
    "add_target",
    "editable_version",
    "find_plan",
    "list_smart_strategies",
    "public_version",
    "remove_target",
    "replace_content",
    "set_vision",
    "transition",
    "version_as_dict",
    "visible_versions",
]

MIN_YEAR, MAX_YEAR = 1990, 2100
PARTICIPANT_SEXES = ("women", "men", "other")
SMART_STATUSES = ("draft", "adopted", "under_review", "retired")


# --------------------------------------------------------------------------- inputs


@dataclass
class TargetIn:
    """A target as given (by a form, a file row or the API)."""

    indicator: str
    value: float
    unit: str
    baseline_value: float
    baseline_year: int
    target_year: int = 2030
    justification: str = ""
    source: str = ""


@dataclass
class PriorityIn:
    title: str
    description: str = ""
    indicator: str | None = None


@dataclass
class ConsultationIn:
    held_on: date
    title: str = ""
    stakeholder_groups: list[str] = field(default_factory=list)
    participants: list[dict[str, Any]] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


@dataclass
class PlaceIn:
    name: str
    geometry: Any
    description: str = ""
    priority: int | None = None


# --------------------------------------------------------------------------- access


def _actor_name(actor: User | None) -> str:
    return actor.email if actor is not None else ""


def _check_editor(session: Session, actor: User | None, city: City) -> None:
    if not permissions.can_edit_city(actor, city.id, session):
        raise PermissionDeniedError(
            f"only {city.name}'s editors (and admins) write its strategic plan"
        )


def _check_reviewer(session: Session, actor: User | None, city: City) -> None:
    if not permissions.can_review(actor, city.id, session):
        raise PermissionDeniedError(
            f"only the hub serving {city.name}, the global hub or an admin approve or "
            "return its strategic plan"
        )


def find_plan(session: Session, city: City) -> StrategicPlan | None:
    return session.scalar(select(StrategicPlan).where(StrategicPlan.city_id == city.id))


def public_version(session: Session, city: City) -> PlanVersion | None:
    """The newest approved version (the only one the public sees)."""
    plan = find_plan(session, city)
    if plan is None:
        return None
    approved = [v for v in plan.versions if v.status == wf.APPROVED]
    return approved[-1] if approved else None


def visible_versions(session: Session, city: City, *, drafts: bool) -> list[PlanVersion]:
    """The versions a reader sees: every one with draft rights, else the approved ones."""
    plan = find_plan(session, city)
    if plan is None:
        return []
    return [v for v in plan.versions if drafts or v.status == wf.APPROVED]


def _log(
    session: Session,
    version: PlanVersion,
    action: str,
    actor: User | None,
    *,
    before: str = "",
    comment: str = "",
) -> None:
    session.add(
        PlanEvent(
            plan_id=version.plan_id,
            version_number=version.number,
            action=action,
            from_status=before,
            to_status=version.status,
            actor=_actor_name(actor),
            comment=comment,
        )
    )


def _copy(old: PlanVersion, new: PlanVersion) -> None:
    new.title, new.vision, new.horizon_year = old.title, old.vision, old.horizon_year
    new.priorities = [
        PlanPriority(
            position=p.position,
            title=p.title,
            description=p.description,
            indicator_code=p.indicator_code,
            challenge=dict(p.challenge or {}),
        )
        for p in old.priorities
    ]
    new.targets = [
        PlanTarget(
            **{
                k: getattr(t, k)
                for k in (
                    "position",
                    "indicator_code",
                    "value",
                    "unit",
                    "given_value",
                    "given_unit",
                    "baseline_value",
                    "baseline_year",
                    "target_year",
                    "justification",
                    "source",
                )
            }
        )
        for t in old.targets
    ]
    new.consultations = [
        PlanConsultation(
            held_on=c.held_on,
            title=c.title,
            stakeholder_groups=list(c.stakeholder_groups),
            participants=[dict(p) for p in c.participants],
            changes=list(c.changes),
        )
        for c in old.consultations
    ]
    new.places = [
        SpatialPriority(
            position=p.position,
            name=p.name,
            description=p.description,
            geometry=dict(p.geometry),
            check_rule=p.check_rule,
            priority_position=p.priority_position,
        )
        for p in old.places
    ]


def editable_version(session: Session, city: str | int | City, actor: User | None) -> PlanVersion:
    """The version the city's editors work on, made when needed.

    No plan yet: version 1 (a draft). The newest version approved: a new draft version,
    a copy of it. The newest version submitted: a :class:`ConflictError` (wait for the
    review). Otherwise the newest draft or returned version.
    """
    found = city if isinstance(city, City) else get_city(session, city)
    _check_editor(session, actor, found)
    plan = find_plan(session, found)
    if plan is None:
        plan = StrategicPlan(city_id=found.id, created_by=_actor_name(actor))
        session.add(plan)
        session.flush()
    last = plan.versions[-1] if plan.versions else None
    if last is not None and last.status in wf.EDITABLE:
        return last
    if last is not None and last.status == wf.SUBMITTED:
        raise ConflictError(
            f"version {last.number} of {found.name}'s plan is submitted for review: wait "
            "until the hub approves or returns it"
        )
    version = PlanVersion(
        plan_id=plan.id,
        number=(last.number + 1) if last else 1,
        status=wf.DRAFT,
        title=f"{found.name} 2030 strategic plan",
        created_by=_actor_name(actor),
    )
    if last is not None:
        _copy(last, version)
    plan.versions.append(version)
    session.add(version)
    session.flush()
    _log(session, version, "created" if last is None else f"copied from v{last.number}", actor)
    session.flush()
    return version


# --------------------------------------------------------------------------- validation


def _indicators(session: Session, codes: Sequence[str]) -> dict[str, Indicator]:
    if not codes:
        return {}
    rows = session.scalars(select(Indicator).where(Indicator.code.in_(sorted(set(codes)))))
    return {i.code: i for i in rows}


def _target_findings(
    t: TargetIn, ind: Indicator | None, *, row: int | None, file: str | None
) -> tuple[list[Finding], float]:
    """Every problem of one target, and its factor into the catalogue's unit."""
    out: list[Finding] = []

    def bad(msg: str, col: str, value: object, fix: str) -> None:
        out.append(Finding(msg, file=file, row=row, column=col, value=str(value), fix=fix))

    factor = float("nan")
    if ind is None:
        bad(
            f"indicator {t.indicator!r} is not in the catalogue",
            "indicator",
            t.indicator,
            "use a catalogue code (sdgcities indicators list)",
        )
    else:
        check = check_unit(t.unit, ind.unit)
        if check.ok:
            factor = check.factor
        else:
            bad(
                f"indicator {ind.code}: unit {t.unit!r} is not the catalogue's unit "
                f"{ind.unit!r} and no rule converts it",
                "unit",
                t.unit,
                f"give the target in {' or '.join(repr(u) for u in accepted_units(ind.unit))}",
            )
    for col, v in (("value", t.value), ("baseline_value", t.baseline_value)):
        if not isinstance(v, int | float) or not math.isfinite(v):
            bad(f"{col} is not a finite number", col, v, "give a number, e.g. 75.5")
    for col, y in (("baseline_year", t.baseline_year), ("target_year", t.target_year)):
        if not isinstance(y, int) or not MIN_YEAR <= y <= MAX_YEAR:
            bad(f"{col} {y!r} is not a year {MIN_YEAR}–{MAX_YEAR}", col, y, "give a year")
    if (
        isinstance(t.baseline_year, int)
        and isinstance(t.target_year, int)
        and t.target_year <= t.baseline_year
    ):
        bad(
            f"target_year {t.target_year} is not after baseline_year {t.baseline_year}",
            "target_year",
            t.target_year,
            "the target year comes after the baseline year (2030 by default)",
        )
    if not t.source.strip():
        bad("no source for the baseline", "source", "", "name where the baseline comes from")
    return out, factor


def validate_targets(
    session: Session, targets: Sequence[TargetIn], *, file: str | None = None, first_row: int = 1
) -> list[tuple[TargetIn, float, Indicator]]:
    """Every target checked at once; all findings in one :class:`ValidationError`."""
    inds = _indicators(session, [t.indicator for t in targets])
    findings: list[Finding] = []
    out: list[tuple[TargetIn, float, Indicator]] = []
    seen: dict[str, int] = {}
    for i, t in enumerate(targets):
        row = first_row + i if file else None
        problems, factor = _target_findings(t, inds.get(t.indicator), row=row, file=file)
        if t.indicator in seen:
            problems.append(
                Finding(
                    f"indicator {t.indicator} has a second target",
                    file=file,
                    row=row,
                    column="indicator",
                    value=t.indicator,
                    fix="give one target per indicator",
                )
            )
        seen[t.indicator] = i
        findings += problems
        if not problems:
            out.append((t, factor, inds[t.indicator]))
    if findings:
        raise ValidationError("the plan's targets cannot be saved", findings)
    return out


def _new_target(t: TargetIn, factor: float, ind: Indicator, position: int) -> PlanTarget:
    return PlanTarget(
        position=position,
        indicator_code=ind.code,
        value=float(t.value) * factor,
        unit=ind.unit,
        given_value=float(t.value),
        given_unit=t.unit,
        baseline_value=float(t.baseline_value) * factor,
        baseline_year=int(t.baseline_year),
        target_year=int(t.target_year),
        justification=t.justification,
        source=t.source,
    )


def _challenge(session: Session, city: City, code: str) -> dict[str, Any]:
    """The greatest challenge of ``code`` for the city now (rank, score …), or {}."""
    from sdgcities.assessment.challenges import challenge_summary

    try:
        summary = challenge_summary(session, city.id, limit=None, published_only=True)
    except Exception:
        return {}
    for c in summary.challenges:
        if c.indicator == code:
            return {
                "rank": c.rank,
                "score": None if c.score is None or math.isnan(c.score) else round(c.score, 2),
                "colour": c.colour,
                "year": c.year,
                "value": c.value,
                "linked_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
    return {}


def _check_priority(
    session: Session, p: PriorityIn, *, row: int | None, file: str | None
) -> list[Finding]:
    out = []
    if not p.title.strip():
        out.append(
            Finding(
                "a priority needs a title",
                file=file,
                row=row,
                column="title",
                fix="name the priority",
            )
        )
    if p.indicator and not _indicators(session, [p.indicator]):
        out.append(
            Finding(
                f"indicator {p.indicator!r} is not in the catalogue",
                file=file,
                row=row,
                column="indicator",
                value=p.indicator,
                fix="link the priority to a catalogue indicator or leave it empty",
            )
        )
    return out


def _check_consultation(c: ConsultationIn, *, row: int | None, file: str | None) -> list[Finding]:
    out = []
    if not isinstance(c.held_on, date):
        out.append(
            Finding(
                "date is not a date",
                file=file,
                row=row,
                column="date",
                value=str(c.held_on),
                fix="YYYY-MM-DD",
            )
        )
    if not c.stakeholder_groups:
        out.append(
            Finding(
                "no stakeholder group",
                file=file,
                row=row,
                column="stakeholder_groups",
                fix="name the groups consulted",
            )
        )
    for i, p in enumerate(c.participants):
        if not isinstance(p, dict) or not str(p.get("group", "")).strip():
            out.append(
                Finding(
                    f"participants[{i}] has no group",
                    file=file,
                    row=row,
                    column="participants",
                    fix="give group, women, men, other",
                )
            )
            continue
        for sex in PARTICIPANT_SEXES:
            n = p.get(sex, 0)
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                out.append(
                    Finding(
                        f"participants[{i}].{sex} is not a count",
                        file=file,
                        row=row,
                        column=f"participants.{sex}",
                        value=str(n),
                        fix="a whole number ≥ 0",
                    )
                )
        unknown = set(p) - {"group", *PARTICIPANT_SEXES}
        if unknown:
            out.append(
                Finding(
                    f"participants[{i}] has unknown field(s) {', '.join(sorted(unknown))}",
                    file=file,
                    row=row,
                    column="participants",
                    fix="use group, women, men, other",
                )
            )
    return out


def _hex_cells(session: Session, city: City) -> list[str]:
    stmt = (
        select(HexCell.h3)
        .join(HexLayer, HexLayer.id == HexCell.layer_id)
        .where(HexLayer.city_id == city.id)
        .distinct()
        .limit(20000)
    )
    return list(session.scalars(stmt))


def _place(session: Session, city: City, p: PlaceIn, *, field: str) -> tuple[dict[str, Any], str]:
    g = geo.read_geometry(p.geometry, field=field)
    extent, rule = geo.city_extent(
        boundary_geojson=city.boundary_geojson,
        hex_cells=[] if city.boundary_geojson else _hex_cells(session, city),
        bbox=city.bbox,
        centre=(city.lon, city.lat) if city.lon is not None and city.lat is not None else None,
    )
    return geo.as_geojson(g), geo.check_in_city(g, extent, rule, field=field)


def _priority_row(session: Session, city: City, p: PriorityIn, position: int) -> PlanPriority:
    return PlanPriority(
        position=position,
        title=p.title.strip(),
        description=p.description,
        indicator_code=p.indicator or None,
        challenge=_challenge(session, city, p.indicator) if p.indicator else {},
    )


def _consultation_row(c: ConsultationIn) -> PlanConsultation:
    return PlanConsultation(
        held_on=c.held_on,
        title=c.title,
        stakeholder_groups=list(c.stakeholder_groups),
        participants=[
            {"group": p["group"], **{s: int(p.get(s, 0)) for s in PARTICIPANT_SEXES}}
            for p in c.participants
        ],
        changes=list(c.changes),
    )


def _place_row(p: PlaceIn, geometry: dict[str, Any], rule: str, position: int) -> SpatialPriority:
    return SpatialPriority(
        position=position,
        name=p.name.strip(),
        description=p.description,
        geometry=geometry,
        check_rule=rule,
        priority_position=p.priority,
    )


# --------------------------------------------------------------------------- edits


def _editable(
    session: Session, city: str | int | City, actor: User | None
) -> tuple[City, PlanVersion]:
    found = city if isinstance(city, City) else get_city(session, city)
    return found, editable_version(session, found, actor)


def set_vision(
    session: Session,
    city: str | int | City,
    actor: User | None,
    *,
    vision: str,
    title: str | None = None,
    horizon_year: int | None = None,
) -> PlanVersion:
    """Write the vision (and title, horizon) of the editable version."""
    if not vision.strip():
        raise ValidationError(
            "the vision is empty",
            [
                Finding(
                    "the vision is empty", column="vision", fix="write the city's vision for 2030"
                )
            ],
        )
    if horizon_year is not None and not 2020 <= horizon_year <= MAX_YEAR:
        raise ValidationError(f"horizon year {horizon_year} is out of range: give 2030 or later")
    _, version = _editable(session, city, actor)
    version.vision = vision.strip()
    if title is not None and title.strip():
        version.title = title.strip()
    if horizon_year is not None:
        version.horizon_year = horizon_year
    _log(session, version, "vision", actor, before=version.status)
    session.flush()
    return version


def add_target(
    session: Session, city: str | int | City, actor: User | None, target: TargetIn
) -> PlanTarget:
    """Add (or replace) the target of one indicator on the editable version."""
    _found, version = _editable(session, city, actor)
    ((t, factor, ind),) = validate_targets(session, [target])
    for old in list(version.targets):
        if old.indicator_code == ind.code:
            version.targets.remove(old)
    session.flush()
    row = _new_target(t, factor, ind, len(version.targets) + 1)
    version.targets.append(row)
    _log(session, version, f"target {ind.code}", actor, before=version.status)
    session.flush()
    return row


def remove_target(
    session: Session, city: str | int | City, actor: User | None, indicator: str
) -> None:
    _found, version = _editable(session, city, actor)
    rows = [t for t in version.targets if t.indicator_code == indicator]
    if not rows:
        raise NotFoundError(f"version {version.number} of the plan has no target for {indicator}")
    for t in rows:
        version.targets.remove(t)
    _log(session, version, f"removed target {indicator}", actor, before=version.status)
    session.flush()


def add_priority(
    session: Session, city: str | int | City, actor: User | None, p: PriorityIn
) -> PlanPriority:
    """Add a priority; linked to an indicator, the challenge's rank and score now are kept."""
    found, version = _editable(session, city, actor)
    problems = _check_priority(session, p, row=None, file=None)
    if problems:
        raise ValidationError("the priority cannot be saved", problems)
    row = _priority_row(session, found, p, len(version.priorities) + 1)
    version.priorities.append(row)
    _log(session, version, "priority", actor, before=version.status)
    session.flush()
    return row


def add_consultation(
    session: Session, city: str | int | City, actor: User | None, c: ConsultationIn
) -> PlanConsultation:
    _found, version = _editable(session, city, actor)
    problems = _check_consultation(c, row=None, file=None)
    if problems:
        raise ValidationError("the consultation cannot be saved", problems)
    row = _consultation_row(c)
    version.consultations.append(row)
    _log(session, version, "consultation", actor, before=version.status)
    session.flush()
    return row


def add_place(
    session: Session, city: str | int | City, actor: User | None, p: PlaceIn
) -> SpatialPriority:
    """Add a spatial priority (GeoJSON, EPSG:4326, inside or across the city)."""
    found, version = _editable(session, city, actor)
    if not p.name.strip():
        raise ValidationError(
            "a spatial priority needs a name",
            [
                Finding(
                    "no name", column="name", fix="name the place, e.g. 'Nyalenda upgrading area'"
                )
            ],
        )
    geometry, rule = _place(session, found, p, field="geometry")
    row = _place_row(p, geometry, rule, len(version.places) + 1)
    version.places.append(row)
    _log(session, version, "place", actor, before=version.status)
    session.flush()
    return row


def replace_content(
    session: Session,
    city: str | int | City,
    actor: User | None,
    *,
    file: str,
    vision: str | None = None,
    title: str | None = None,
    priorities: Sequence[tuple[int, PriorityIn]] | None = None,
    targets: Sequence[tuple[int, TargetIn]] | None = None,
    consultations: Sequence[tuple[int, ConsultationIn]] | None = None,
    places: Sequence[tuple[int, PlaceIn]] | None = None,
    findings: Sequence[Finding] = (),
) -> PlanVersion:
    """Replace the editable version's content with a file's, all or nothing.

    Each section given (not None) replaces the version's; every section is checked
    first and every problem reported together (rows are the file's, as ``(row, item)``).
    """
    found, version = _editable(session, city, actor)
    findings = list(findings)
    checked_targets: list[tuple[TargetIn, float, Indicator]] = []
    for row, t in targets or []:
        try:
            checked_targets += validate_targets(session, [t], file=file, first_row=row)
        except ValidationError as err:
            findings += err.findings
    codes = [t.indicator for _, t in targets or []]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        findings.append(
            Finding(
                f"indicator {code} has more than one target",
                file=file,
                column="indicator",
                value=code,
                fix="give one target per indicator",
            )
        )
    for row, p in priorities or []:
        findings += _check_priority(session, p, row=row, file=file)
    for row, c in consultations or []:
        findings += _check_consultation(c, row=row, file=file)
    checked_places: list[tuple[PlaceIn, dict[str, Any], str]] = []
    for row, pl in places or []:
        if not pl.name.strip():
            findings.append(
                Finding(
                    "a spatial priority needs a name",
                    file=file,
                    row=row,
                    column="name",
                    fix="name the place",
                )
            )
            continue
        try:
            g, rule = _place(session, found, pl, field="geometry")
            checked_places.append((pl, g, rule))
        except ValidationError as err:
            findings += [
                Finding(f.message, file=file, row=row, column=f.column, value=f.value, fix=f.fix)
                for f in err.findings
            ]
    if vision is not None and not vision.strip():
        findings.append(
            Finding(
                "the vision is empty",
                file=file,
                column="vision",
                fix="write the city's vision for 2030",
            )
        )
    if findings:
        raise ValidationError(f"{file}: the plan cannot be imported; nothing was saved", findings)
    if vision is not None:
        version.vision = vision.strip()
    if title:
        version.title = title.strip()
    if targets is not None:
        version.targets.clear()
        session.flush()
        version.targets.extend(
            _new_target(t, f, ind, i + 1) for i, (t, f, ind) in enumerate(checked_targets)
        )
    if priorities is not None:
        version.priorities.clear()
        session.flush()
        version.priorities.extend(
            _priority_row(session, found, p, i + 1) for i, (_, p) in enumerate(priorities)
        )
    if consultations is not None:
        version.consultations.clear()
        session.flush()
        version.consultations.extend(_consultation_row(c) for _, c in consultations)
    if places is not None:
        version.places.clear()
        session.flush()
        version.places.extend(
            _place_row(pl, g, rule, i + 1) for i, (pl, g, rule) in enumerate(checked_places)
        )
    _log(session, version, f"imported {file}", actor, before=version.status)
    session.flush()
    return version


# --------------------------------------------------------------------------- workflow


def transition(
    session: Session, city: str | int | City, action: str, actor: User | None, *, comment: str = ""
) -> PlanVersion:
    """Submit, approve or return the newest version (:data:`workflow.TRANSITIONS`)."""
    found = city if isinstance(city, City) else get_city(session, city)
    if action not in wf.ACTORS:
        raise ValidationError(f"unknown action {action!r}: use submit, approve or return")
    plan = find_plan(session, found)
    if plan is None or not plan.versions:
        raise NotFoundError(f"{found.name} has no strategic plan yet: write one first")
    version = plan.versions[-1]
    if wf.ACTORS[action] == "editor":
        _check_editor(session, actor, found)
    else:
        _check_reviewer(session, actor, found)
    to = wf.next_state(version.status, action)
    if to is None:
        raise ConflictError(
            f"version {version.number} of {found.name}'s plan is {version.status}: it cannot "
            f"be {'returned' if action == 'return' else action + 'd'}"
        )
    if action == "submit" and not version.vision.strip():
        raise ValidationError(
            "the plan has no vision yet",
            [Finding("no vision", column="vision", fix="write the vision before submitting")],
        )
    if action == "return" and not comment.strip():
        raise ValidationError(
            "say why the plan is returned",
            [Finding("no comment", column="comment", fix="write what the city should change")],
        )
    before = version.status
    version.status = to
    if to == wf.APPROVED:
        version.approved_at = datetime.now(UTC)
        version.approved_by = _actor_name(actor)
    _log(session, version, action, actor, before=before, comment=comment)
    session.flush()
    return version


def events(session: Session, plan: StrategicPlan) -> list[PlanEvent]:
    return list(
        session.scalars(
            select(PlanEvent).where(PlanEvent.plan_id == plan.id).order_by(PlanEvent.id)
        )
    )


# --------------------------------------------------------------------------- reading


def participants_total(c: PlanConsultation) -> dict[str, int]:
    """Participants of a consultation by sex, summed over groups (and ``total``)."""
    out = {s: sum(int(p.get(s, 0)) for p in c.participants) for s in PARTICIPANT_SEXES}
    out["total"] = sum(out.values())
    return out


def version_as_dict(version: PlanVersion, *, staff: bool = False) -> dict[str, Any]:
    """A version as JSON-ready data (e-mails only for ``staff``)."""
    out: dict[str, Any] = {
        "version": version.number,
        "status": version.status,
        "title": version.title,
        "vision": version.vision,
        "horizon_year": version.horizon_year,
        "approved_at": version.approved_at.isoformat() if version.approved_at else None,
        "priorities": [
            {
                "position": p.position,
                "title": p.title,
                "description": p.description,
                "indicator": p.indicator_code,
                "challenge": p.challenge or None,
            }
            for p in version.priorities
        ],
        "targets": [
            {
                "indicator": t.indicator_code,
                "value": t.value,
                "unit": t.unit,
                "given_value": t.given_value,
                "given_unit": t.given_unit,
                "baseline_value": t.baseline_value,
                "baseline_year": t.baseline_year,
                "target_year": t.target_year,
                "justification": t.justification,
                "source": t.source,
            }
            for t in version.targets
        ],
        "consultations": [
            {
                "date": c.held_on.isoformat(),
                "title": c.title,
                "stakeholder_groups": list(c.stakeholder_groups),
                "participants": [dict(p) for p in c.participants],
                "participants_by_sex": participants_total(c),
                "changes": list(c.changes),
            }
            for c in version.consultations
        ],
        "spatial_priorities": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": p.geometry,
                    "properties": {
                        "position": p.position,
                        "name": p.name,
                        "description": p.description,
                        "checked_against": p.check_rule,
                        "priority": p.priority_position,
                    },
                }
                for p in version.places
            ],
        },
    }
    if staff:
        out["created_by"] = version.created_by
        out["approved_by"] = version.approved_by
    return out


# --------------------------------------------------------------------------- smart city


def add_smart_strategy(
    session: Session,
    city: str | int | City,
    actor: User | None,
    *,
    title: str,
    year: int,
    status: str,
    policy_name: str = "",
    policy_year: int | None = None,
    policy_country: str | None = None,
    url: str = "",
) -> SmartCityStrategy:
    """Record a smart-city strategy and the national urban policy it aligns with."""
    found = city if isinstance(city, City) else get_city(session, city)
    _check_editor(session, actor, found)
    problems: list[Finding] = []
    if not title.strip():
        problems.append(Finding("no title", column="title", fix="give the strategy's title"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        problems.append(
            Finding(
                f"year {year} is out of range",
                column="year",
                value=str(year),
                fix="give the year adopted",
            )
        )
    if status not in SMART_STATUSES:
        problems.append(
            Finding(
                f"unknown status {status!r}",
                column="status",
                value=status,
                fix=f"use one of {', '.join(SMART_STATUSES)}",
            )
        )
    if policy_year is not None and not MIN_YEAR - 40 <= policy_year <= MAX_YEAR:
        problems.append(
            Finding(
                f"policy year {policy_year} is out of range",
                column="policy_year",
                value=str(policy_year),
                fix="give the policy's year",
            )
        )
    country = (policy_country or found.country_iso3 or "").upper() or None
    if country is not None and (len(country) != 3 or not country.isalpha()):
        problems.append(
            Finding(
                f"policy country {policy_country!r} is not ISO 3166 alpha-3",
                column="policy_country",
                value=policy_country,
                fix="three letters, e.g. KEN",
            )
        )
    if problems:
        raise ValidationError("the smart-city strategy cannot be saved", problems)
    row = SmartCityStrategy(
        city_id=found.id,
        title=title.strip(),
        year=year,
        status=status,
        policy_name=policy_name.strip(),
        policy_year=policy_year,
        policy_country=country,
        url=url.strip(),
        created_by=_actor_name(actor),
    )
    session.add(row)
    session.flush()
    return row


def list_smart_strategies(session: Session, city: City) -> list[SmartCityStrategy]:
    return list(
        session.scalars(
            select(SmartCityStrategy)
            .where(SmartCityStrategy.city_id == city.id)
            .order_by(SmartCityStrategy.year.desc(), SmartCityStrategy.id)
        )
    )
