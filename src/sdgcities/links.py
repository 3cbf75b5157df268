"""Links between the domains of the SDG Cities cycle, registered in one place.

Each domain is built on its own and offers registries for what other domains add
(certification evidence kinds, VLR sections, onboarding step sources). This module fills
them with the domains that came later — the strategic plan (:mod:`sdgcities.planning`),
the institutional assessment (:mod:`sdgcities.institutions`) and certification — so that:

* an *approved strategic plan* and an *institutional assessment* count as certification
  evidence (stage 1 and 2 requirements in ``certification/data/stages.yaml``);
* the city's Voluntary Local Review fills its "strategic plan" and "policy and enabling
  environment" sections from them;
* the network's onboarding pipeline derives the ``plan`` step (the first approval of the
  city's plan) and ``certification_N`` steps (the first certificate of stage N) from
  their records, never typed twice.

Each registry imports this module when it is first used (:func:`ensure`), so it runs
once, whichever face (CLI, pages, API, a test) starts first.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from html import escape
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.store.models import City

_done = False

#: the questionnaire that counts as the institutional assessment
INSTITUTIONAL = "institutional"


def ensure() -> None:
    """Register every cross-domain link (once)."""
    global _done
    if _done:
        return
    _done = True
    from sdgcities.certification.evidence import register_evidence_kind
    from sdgcities.network.onboarding import register_step_source
    from sdgcities.reporting.vlr import register_section

    register_evidence_kind("approved_plan", _plan_evidence, candidates=_plan_candidates)
    register_evidence_kind(
        "institutional_assessment", _assessment_evidence, candidates=_assessment_candidates
    )
    register_section("strategic_plan", _vlr_plan)
    register_section("institutional_assessment", _vlr_assessment)
    register_step_source("plan", _plan_step)
    for stage in (1, 2, 3, 4):
        register_step_source(f"certification_{stage}", _certified_step(stage))


# ------------------------------------------------------------------ certification evidence


def _plan_evidence(session: Session, ref: str) -> Any:
    """Evidence ``approved_plan``: ref is a plan version's id; acceptable when approved."""
    from sdgcities.certification.evidence import EvidenceRecord
    from sdgcities.planning.models import PlanVersion

    version = session.get(PlanVersion, int(ref)) if ref.isdigit() else None
    if version is None:
        return None
    city = session.get(City, version.plan.city_id)
    approved = version.status == "approved"
    return EvidenceRecord(
        "approved_plan",
        str(version.id),
        version.plan.city_id,
        f"Strategic plan, version {version.number}: {version.title or 'untitled'}",
        version.approved_at or version.created_at,
        f"/cities/{city.slug}/plan/versions/{version.number}" if city else "",
        version.status,
        acceptable=approved and bool(version.targets),
        note=""
        if approved and version.targets
        else (
            "the plan has no targets yet: add its 2030 targets"
            if approved
            else "the plan is not approved: submit it to the city's hub for approval"
        ),
        facts={"targets": len(version.targets), "consultations": len(version.consultations)},
    )


def _plan_candidates(session: Session, city_id: int) -> list[Any]:
    from sdgcities.planning.models import PlanVersion, StrategicPlan

    ids = session.scalars(
        select(PlanVersion.id)
        .join(StrategicPlan, PlanVersion.plan_id == StrategicPlan.id)
        .where(StrategicPlan.city_id == city_id)
        .order_by(PlanVersion.number.desc())
    )
    return [r for r in (_plan_evidence(session, str(i)) for i in ids) if r is not None]


def _assessment_evidence(session: Session, ref: str) -> Any:
    """Evidence ``institutional_assessment``: ref ``CITY_ID/QUESTIONNAIRE``.

    Acceptable when every area of the questionnaire has at least one answer (the profile
    then has a score per area and its gaps are known).
    """
    from sdgcities.certification.evidence import EvidenceRecord
    from sdgcities.errors import SdgCitiesError
    from sdgcities.institutions.service import city_profile

    city_part, _, questionnaire = ref.partition("/")
    city = session.get(City, int(city_part)) if city_part.isdigit() else None
    if city is None or not questionnaire:
        return None
    try:
        prof = city_profile(session, city, questionnaire)
    except SdgCitiesError:
        return None
    if not prof.answers:
        return None
    unanswered = [a.title for a in prof.profile.areas if a.answered == 0]
    newest = max(a.answered_at for a in prof.answers.values())
    return EvidenceRecord(
        "institutional_assessment",
        ref,
        city.id,
        f"{prof.questionnaire.title}: {len(prof.answers)} answers, {len(prof.gaps)} gaps",
        newest,
        f"/cities/{city.slug}/assessments/{questionnaire}",
        "complete" if not unanswered else "partial",
        acceptable=not unanswered,
        note="" if not unanswered else "no answer yet in: " + ", ".join(unanswered),
        facts={"overall": prof.profile.overall, "gaps": len(prof.gaps)},
    )


def _assessment_candidates(session: Session, city_id: int) -> list[Any]:
    from sdgcities.institutions.models import AssessmentAnswer

    names = session.scalars(
        select(AssessmentAnswer.questionnaire)
        .where(AssessmentAnswer.city_id == city_id)
        .distinct()
        .order_by(AssessmentAnswer.questionnaire)
    )
    found = (_assessment_evidence(session, f"{city_id}/{q}") for q in names)
    return [r for r in found if r is not None]


# ------------------------------------------------------------------ VLR sections


def _vlr_plan(session: Session, city: City) -> str | None:
    """The approved plan: vision, targets with progress, and the participation record."""
    from sdgcities.planning.progress import plan_progress
    from sdgcities.planning.service import public_version

    version = public_version(session, city)
    if version is None:
        return None
    rows = plan_progress(session, city, version)
    parts = [
        f"<p>{escape(version.title or '')}</p>" if version.title else "",
        f"<p><strong>Vision.</strong> {escape(version.vision)}</p>" if version.vision else "",
        f"<p>Approved version {version.number}"
        + (f" ({version.approved_at:%Y-%m-%d})" if version.approved_at else "")
        + f"; {len(version.targets)} targets for {version.horizon_year}; "
        f"{len(version.consultations)} consultations recorded.</p>",
    ]
    if rows:
        parts.append(
            "<table><thead><tr><th>Indicator</th><th>Baseline (year)</th>"
            "<th>Latest (year)</th><th>Target (year)</th><th>Progress</th></tr></thead><tbody>"
        )
        for r in rows:
            cells = (
                f"{r.get('indicator')} {r.get('name') or ''}",
                f"{_cell(r.get('baseline_value'))} ({_cell(r.get('baseline_year'))})",
                f"{_cell(r.get('value'))} ({_cell(r.get('year'))})",
                f"{_cell(r.get('target'))} ({_cell(r.get('target_year'))})",
                _cell(r.get("category")),
            )
            parts.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
        parts.append("</tbody></table>")
    return "".join(parts)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return "—" if value != value else f"{value:g}"
    return str(value)


def _vlr_assessment(session: Session, city: City) -> str | None:
    """The institutional assessment's profile: score per area and the gaps found."""
    from sdgcities.errors import SdgCitiesError
    from sdgcities.institutions.service import city_profile

    try:
        prof = city_profile(session, city, INSTITUTIONAL)
    except SdgCitiesError:
        return None
    if not prof.answers:
        return None
    items = "".join(
        f"<tr><td>{escape(a.title)}</td><td>"
        + ("—" if a.score is None else f"{a.score:.0f}")
        + f"</td><td>{a.answered} / {a.questions}</td></tr>"
        for a in prof.profile.areas
    )
    overall = prof.profile.overall
    return (
        f"<p>{escape(prof.questionnaire.title)}: "
        + ("no overall score yet" if overall is None else f"overall {overall:.0f} / 100")
        + f", {len(prof.gaps)} gaps below {prof.questionnaire.gap_threshold:g}.</p>"
        "<table><thead><tr><th>Area</th><th>Score (0–100)</th><th>Answered</th></tr>"
        f"</thead><tbody>{items}</tbody></table>"
    )


# ------------------------------------------------------------------ onboarding steps


def _plan_step(session: Session, city_ids: Collection[int] | None) -> dict[int, date]:
    """The ``plan`` step: the first approval of the city's strategic plan."""
    from sdgcities.planning.models import PlanVersion, StrategicPlan

    q = (
        select(StrategicPlan.city_id, func.min(PlanVersion.approved_at))
        .join(PlanVersion, PlanVersion.plan_id == StrategicPlan.id)
        .where(PlanVersion.approved_at.is_not(None))
        .group_by(StrategicPlan.city_id)
    )
    if city_ids is not None:
        q = q.where(StrategicPlan.city_id.in_(list(city_ids)))
    rows = session.execute(q).all()
    return {cid: _as_date(at) for cid, at in rows if at is not None}


def _certified_step(stage: int) -> Any:
    def source(session: Session, city_ids: Collection[int] | None) -> dict[int, date]:
        """The ``certification_N`` step: the first valid certificate of stage N."""
        from sdgcities.certification.models import Certificate

        q = (
            select(Certificate.city_id, func.min(Certificate.issued_at))
            .where(Certificate.stage == stage, Certificate.status == "valid")
            .group_by(Certificate.city_id)
        )
        if city_ids is not None:
            q = q.where(Certificate.city_id.in_(list(city_ids)))
        rows = session.execute(q).all()
        return {cid: _as_date(at) for cid, at in rows if at is not None}

    return source


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    return date.fromisoformat(str(value)[:10])
