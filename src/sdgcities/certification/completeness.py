"""The automatic completeness check of an application: each requirement met or missing.

For a stage (:mod:`~sdgcities.certification.stages`) and the evidence attached, each
requirement is judged on inputs only, never on outcomes:

* ``published_indicators`` — the number of distinct indicators of the city with a
  published value that carries its source (a ``source``, a provenance record or the
  import it came from) is at least ``min``;
* ``baseline_year`` — the city has a published value; the baseline year is the first
  year of its published values;
* an evidence kind — at least ``min`` attached items of that kind resolve to an existing,
  acceptable record of the same city that satisfies the requirement's options
  (``min_stage``: the project's stage is that stage of the facility's gates or later;
  ``needs_gate``: the date it passed its current gate is recorded).

Evidence that points at a deleted record is an *error*: it names the evidence and the
record, and the application cannot pass until the item is removed or replaced. A kind
whose resolver no domain has registered yet is reported as such (the requirement is
missing, never crashes). Nothing here ranks cities or judges whether a target was met.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sdgcities.certification.evidence import EvidenceRecord, evidence_kind
from sdgcities.certification.models import CertificationEvidence
from sdgcities.certification.stages import Requirement, Stage
from sdgcities.store.models import Observation


@dataclass
class ItemResult:
    """One attached piece of evidence and what it resolved to."""

    id: int
    kind: str
    ref: str
    record: EvidenceRecord | None
    counts: bool
    problem: str = ""

    def as_dict(self) -> dict[str, object]:
        rec = self.record
        return {
            "id": self.id,
            "kind": self.kind,
            "ref": self.ref,
            "counts": self.counts,
            "problem": self.problem,
            "title": rec.title if rec else None,
            "date": rec.date.isoformat() if rec and rec.date else None,
            "link": rec.link if rec else None,
            "status": rec.status if rec else None,
        }


@dataclass
class RequirementResult:
    key: str
    label: str
    met: bool
    explanation: str
    items: list[ItemResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "met": self.met,
            "explanation": self.explanation,
            "evidence": [i.as_dict() for i in self.items],
        }


@dataclass
class CheckResult:
    stage: int
    stage_name: str
    requirements: list[RequirementResult]
    #: problems that block the application whatever else is met (deleted records …)
    errors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.errors and all(r.met for r in self.requirements)

    def as_dict(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "stage_name": self.stage_name,
            "complete": self.complete,
            "errors": list(self.errors),
            "requirements": [r.as_dict() for r in self.requirements],
        }


def sourced_indicator_count(session: Session, city_id: int) -> int:
    """Distinct indicators of the city with a published value that carries its source."""
    n = session.scalar(
        select(func.count(func.distinct(Observation.indicator_id))).where(
            Observation.city_id == city_id,
            Observation.is_public.is_(True),
            or_(
                Observation.source.is_not(None) & (Observation.source != ""),
                Observation.provenance.is_not(None),
                Observation.import_id.is_not(None),
            ),
        )
    )
    return int(n or 0)


def baseline_year(session: Session, city_id: int) -> int | None:
    """The first year of the city's published values (None: nothing published)."""
    y = session.scalar(
        select(func.min(Observation.year)).where(
            Observation.city_id == city_id, Observation.is_public.is_(True)
        )
    )
    return int(y) if y is not None else None


def _computed(session: Session, req: Requirement, city_id: int) -> RequirementResult:
    if req.check == "published_indicators":
        n = sourced_indicator_count(session, city_id)
        met = n >= req.min
        text = f"{n} indicator(s) with published, sourced values; {req.min} needed"
        return RequirementResult(req.key, req.label, met, text)
    year = baseline_year(session, city_id)
    if year is None:
        return RequirementResult(req.key, req.label, False, "no published value yet")
    return RequirementResult(req.key, req.label, True, f"baseline year {year}")


def _option_problem(req: Requirement, rec: EvidenceRecord) -> str:
    min_stage = req.options.get("min_stage")
    if min_stage is not None:
        from sdgcities.investment.intake import STAGES

        stage = str(rec.facts.get("stage", ""))
        if stage not in STAGES or STAGES.index(stage) < STAGES.index(str(min_stage)):
            return f"the project is at {stage or 'no stage'}; {min_stage} or later is needed"
    if req.options.get("needs_gate") and rec.facts.get("gate_passed") is None:
        return (
            f"no readiness evidence: the date the project passed its {rec.facts.get('stage')} "
            "gate is not recorded"
        )
    return ""


def _judge(
    session: Session, req: Requirement, city_id: int, item: CertificationEvidence
) -> ItemResult:
    kind = evidence_kind(item.kind)
    assert kind is not None
    rec = kind.resolver(session, item.ref)
    if rec is None:
        problem = (
            f"evidence #{item.id} ({item.kind} {item.ref}) points at a record that no longer "
            "exists — remove it or attach the record that replaced it"
        )
        return ItemResult(item.id, item.kind, item.ref, None, False, problem)
    if rec.city_id is not None and rec.city_id != city_id:
        cities = rec.facts.get("cities")
        if not (isinstance(cities, list) and city_id in cities):
            problem = f"evidence #{item.id} ({item.kind} {item.ref}) belongs to another city"
            return ItemResult(item.id, item.kind, item.ref, rec, False, problem)
    if not rec.acceptable:
        return ItemResult(item.id, item.kind, item.ref, rec, False, rec.note)
    problem = _option_problem(req, rec)
    return ItemResult(item.id, item.kind, item.ref, rec, not problem, problem)


def _evidence(
    session: Session, req: Requirement, city_id: int, attached: Sequence[CertificationEvidence]
) -> RequirementResult:
    assert req.evidence is not None
    mine = [e for e in attached if e.kind == req.evidence]
    if evidence_kind(req.evidence) is None:
        text = (
            f"no resolver registered yet for evidence of kind {req.evidence!r}: the part of the "
            "platform that records it is not installed, so it cannot be checked"
        )
        items = [ItemResult(e.id, e.kind, e.ref, None, False, text) for e in mine]
        return RequirementResult(req.key, req.label, False, text, items)
    items = [_judge(session, req, city_id, e) for e in mine]
    n = sum(1 for i in items if i.counts)
    if n >= req.min:
        text = f"{n} item(s) of {req.evidence} evidence; {req.min} needed"
    elif not mine:
        text = f"no {req.evidence} evidence attached; {req.min} needed"
    else:
        text = f"{n} of {len(mine)} attached item(s) count; {req.min} needed"
    return RequirementResult(req.key, req.label, n >= req.min, text, items)


def check(
    session: Session, stage: Stage, city_id: int, attached: Sequence[CertificationEvidence]
) -> CheckResult:
    """Judge every requirement of ``stage`` for the city and its attached evidence."""
    results = [
        _computed(session, r, city_id) if r.check else _evidence(session, r, city_id, attached)
        for r in stage.requirements
    ]
    errors = [
        i.problem
        for r in results
        for i in r.items
        if i.record is None and evidence_kind(i.kind) is not None
    ]
    wanted = {r.evidence for r in stage.requirements if r.evidence}
    errors += [
        f"evidence #{e.id} ({e.kind} {e.ref}) is not a kind stage {stage.number} asks for"
        for e in attached
        if e.kind not in wanted
    ]
    return CheckResult(stage.number, stage.name, results, errors)
