"""The evidence registry: what each kind of evidence points at, and how to describe it.

Evidence is a pointer ``(kind, ref)`` at a record already in the platform. Each kind has
a *resolver* ``(session, ref) -> EvidenceRecord | None`` that describes the record (title,
date, link, status, the city it belongs to) or returns ``None`` when it is gone, and may
have a *candidates* function listing a city's records of that kind (for the forms).
Domains register their kinds with :func:`register_evidence_kind`; the built-in kinds
below use the same call:

=====================  ==========================================  =======================
kind                   ref                                          acceptable when
=====================  ==========================================  =======================
``dataset``            an import's id                               it wrote published values
``observation``        an observation's id                          published, with a source
``hex_layer``          a hex layer's id                             always (it exists)
``revenue_diagnostic`` a revenue diagnostic's id                    published
``investment_project`` an investment project's id                   always (stage checked by
                                                                    the requirement)
``before_after``       ``PROJECT_ID/INDICATOR_CODE``                published values before
                                                                    and after the start year
=====================  ==========================================  =======================

``approved_plan`` and ``institutional_assessment`` are declared in ``stages.yaml`` and get
their resolvers from the planning and institutions domains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.store.models import City, HexLayer, ImportBatch, Indicator, Observation


@dataclass(frozen=True)
class EvidenceRecord:
    """What a piece of evidence points at, as the reviewer sees it."""

    kind: str
    ref: str
    city_id: int | None
    title: str
    date: date | datetime | None = None
    link: str = ""
    status: str = ""
    #: whether the record can count for a requirement (e.g. published); ``note`` says why not
    acceptable: bool = True
    note: str = ""
    #: facts a requirement's options look at (``stage``, ``gate_passed`` …)
    facts: dict[str, Any] = field(default_factory=dict)


Resolver = Callable[[Session, str], EvidenceRecord | None]
Candidates = Callable[[Session, int], list[EvidenceRecord]]


@dataclass(frozen=True)
class EvidenceKind:
    kind: str
    resolver: Resolver
    candidates: Candidates | None = None


_KINDS: dict[str, EvidenceKind] = {}


def register_evidence_kind(
    kind: str, resolver: Resolver, *, candidates: Candidates | None = None
) -> None:
    """Register (or replace) the resolver of evidence ``kind``."""
    _KINDS[kind] = EvidenceKind(kind, resolver, candidates)


def evidence_kind(kind: str) -> EvidenceKind | None:
    """The registered kind, or None when no domain registered a resolver for it yet."""
    _links()
    return _KINDS.get(kind)


def registered_kinds() -> list[str]:
    _links()
    return sorted(_KINDS)


def _int_ref(ref: str) -> int | None:
    text = ref.strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) < 18 else None


def _of_city(
    session: Session, column: Any, city_column: Any, city_id: int, resolver: Resolver
) -> list[EvidenceRecord]:
    """Every record of the city (``column`` its id) described by ``resolver``."""
    ids = session.scalars(select(column).where(city_column == city_id).order_by(column)).all()
    return [r for r in (resolver(session, str(i)) for i in ids) if r is not None]


def _slug(session: Session, city_id: int | None) -> str:
    city = session.get(City, city_id) if city_id is not None else None
    return city.slug if city is not None else ""


# --------------------------------------------------------------------------- built-in kinds


def _dataset(session: Session, ref: str) -> EvidenceRecord | None:
    batch_id = _int_ref(ref)
    batch = session.get(ImportBatch, batch_id) if batch_id is not None else None
    if batch is None:
        return None
    rows = session.execute(
        select(Observation.city_id, func.count())
        .where(Observation.import_id == batch.id, Observation.is_public.is_(True))
        .group_by(Observation.city_id)
        .order_by(func.count().desc())
    ).all()
    published = sum(int(n) for _, n in rows)
    city_id = int(rows[0][0]) if rows else None
    return EvidenceRecord(
        "dataset",
        str(batch.id),
        city_id,
        f"Import #{batch.id}: {batch.file_name or batch.kind}",
        batch.created_at,
        f"/data/history?import={batch.id}",
        f"{published} published value(s)",
        acceptable=published > 0,
        note="" if published else "none of its values is published yet",
        facts={"cities": [int(c) for c, _ in rows]},
    )


def _dataset_candidates(session: Session, city_id: int) -> list[EvidenceRecord]:
    ids = session.scalars(
        select(Observation.import_id)
        .where(Observation.city_id == city_id, Observation.import_id.is_not(None))
        .distinct()
    ).all()
    found = [_dataset(session, str(i)) for i in sorted(i for i in ids if i is not None)]
    return [r for r in found if r is not None]


def _observation(session: Session, ref: str) -> EvidenceRecord | None:
    oid = _int_ref(ref)
    row = (
        session.execute(
            select(Observation, Indicator.code)
            .join(Indicator, Indicator.id == Observation.indicator_id)
            .where(Observation.id == oid)
        ).first()
        if oid is not None
        else None
    )
    if row is None:
        return None
    obs, code = row
    sourced = bool(obs.source or obs.provenance or obs.import_id)
    note = "" if obs.is_public else "not published"
    if not sourced:
        note = "it has no source or provenance"
    return EvidenceRecord(
        "observation",
        str(obs.id),
        obs.city_id,
        f"{code} {obs.year}: {obs.value:g}{' ' + obs.unit if obs.unit else ''}",
        obs.created_at,
        f"/data/provenance/{obs.id}",
        "published" if obs.is_public else obs.status,
        acceptable=obs.is_public and sourced,
        note=note,
    )


def _hex_layer(session: Session, ref: str) -> EvidenceRecord | None:
    lid = _int_ref(ref)
    layer = session.get(HexLayer, lid) if lid is not None else None
    if layer is None:
        return None
    slug = _slug(session, layer.city_id)
    return EvidenceRecord(
        "hex_layer",
        str(layer.id),
        layer.city_id,
        f"{layer.indicator_code}: {layer.name}",
        layer.created_at,
        f"/cities/{slug}/hexes/{layer.id}.geojson",
        f"H3 resolution {layer.resolution}",
    )


def _hex_candidates(session: Session, city_id: int) -> list[EvidenceRecord]:
    return _of_city(session, HexLayer.id, HexLayer.city_id, city_id, _hex_layer)


def _revenue(session: Session, ref: str) -> EvidenceRecord | None:
    from sdgcities.revenue.models import RevenueDiagnostic

    did = _int_ref(ref)
    d = session.get(RevenueDiagnostic, did) if did is not None else None
    if d is None:
        return None
    slug = _slug(session, d.city_id)
    return EvidenceRecord(
        "revenue_diagnostic",
        str(d.id),
        d.city_id,
        f"Own-source revenue diagnostic {d.year}",
        d.created_at,
        f"/cities/{slug}/revenue?year={d.year}",
        "published" if d.is_published else "draft",
        acceptable=d.is_published,
        note="" if d.is_published else "the diagnostic is a draft: publish it first",
    )


def _revenue_candidates(session: Session, city_id: int) -> list[EvidenceRecord]:
    from sdgcities.revenue.models import RevenueDiagnostic as D

    return _of_city(session, D.id, D.city_id, city_id, _revenue)


def _project(session: Session, ref: str) -> EvidenceRecord | None:
    from sdgcities.investment.models import InvestmentProject

    pid = _int_ref(ref)
    p = session.get(InvestmentProject, pid) if pid is not None else None
    if p is None:
        return None
    gates = {g.stage: g.passed_on for g in p.gates}
    return EvidenceRecord(
        "investment_project",
        str(p.id),
        p.city_id,
        p.title,
        p.start,
        "",
        p.stage,
        facts={
            "stage": p.stage,
            "gate_passed": gates.get(p.stage),
            "tranches": len(p.tranches),
            "sdg_targets": list(p.sdg_targets or []),
        },
    )


def _project_candidates(session: Session, city_id: int) -> list[EvidenceRecord]:
    from sdgcities.investment.models import InvestmentProject as P

    return _of_city(session, P.id, P.city_id, city_id, _project)


def _before_after(session: Session, ref: str) -> EvidenceRecord | None:
    """``PROJECT/INDICATOR``: the indicator's published values before and after the start."""
    from sdgcities.investment.models import InvestmentProject

    project_ref, _, code = ref.partition("/")
    pid = _int_ref(project_ref)
    p = session.get(InvestmentProject, pid) if pid is not None else None
    ind = session.scalar(select(Indicator).where(Indicator.code == code.strip())) if code else None
    if p is None or ind is None:
        return None
    years = sorted(
        int(y)
        for y in session.scalars(
            select(Observation.year)
            .where(
                Observation.city_id == p.city_id,
                Observation.indicator_id == ind.id,
                Observation.is_public.is_(True),
                Observation.disaggregation == "",
            )
            .distinct()
        )
    )
    start = p.start.year
    before = [y for y in years if y <= start]
    after = [y for y in years if y > start]
    ok = bool(before and after)
    missing = [w for w, ys in (("before", before), ("after", after)) if not ys]
    return EvidenceRecord(
        "before_after",
        f"{p.id}/{ind.code}",
        p.city_id,
        f"{ind.code} around “{p.title}” (started {start})",
        p.start,
        f"/indicators/{ind.code}",
        (f"before {before[-1]}, after {after[-1]}" if ok else "incomplete"),
        acceptable=ok,
        note=""
        if ok
        else f"no published value {' or '.join(missing)} the project's start year {start}",
        facts={"before": before[-1] if before else None, "after": after[-1] if after else None},
    )


register_evidence_kind("dataset", _dataset, candidates=_dataset_candidates)
register_evidence_kind("observation", _observation)
register_evidence_kind("hex_layer", _hex_layer, candidates=_hex_candidates)
register_evidence_kind("revenue_diagnostic", _revenue, candidates=_revenue_candidates)
register_evidence_kind("investment_project", _project, candidates=_project_candidates)
register_evidence_kind("before_after", _before_after)


def _links() -> None:
    """The kinds later domains add (the plan, the institutional assessment)."""
    from sdgcities import links

    links.ensure()
