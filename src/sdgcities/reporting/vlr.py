"""The city's Voluntary Local Review (VLR) draft, filled from the platform's data.

Sections follow the usual outline of VLRs (UN-Habitat & UCLG, *Guidelines for Voluntary
Local Reviews*, vol. 1, 2020; UN DESA, *Global Guiding Elements for VLRs*, 2020):
opening statement, highlights, introduction, methodology and process, policy and
enabling environment, progress on goals and targets, means of implementation, next
steps and a statistical annex.

* Figures come from the store: the city's published values (a reader with draft rights
  may ask for the current drafts; the document then says so on every page), the stored
  scores and ranked challenges (:mod:`sdgcities.assessment`), hex layers (maps, © OSM
  contributors), the revenue diagnostic (:mod:`sdgcities.revenue`) and the investment
  pipeline (:mod:`sdgcities.investment`). Every value in the annex names its unit,
  year, source and provenance.
* Words come from the city: the narrative blocks (:data:`BLOCKS`) are kept by
  :mod:`sdgcities.reporting.narrative`, so regenerating refreshes every figure and keeps
  every edited paragraph.
* The plan and institutional-assessment sections are filled by the domains that record
  them through :func:`register_section`; until one is registered the section says
  "not yet recorded".

The document is a draft for the city to edit, stated on every page. It never ranks the
city against others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.errors import PermissionDeniedError
from sdgcities.reporting import narrative
from sdgcities.reporting._charts import hex_map_svg, score_bars_svg, time_series_svg
from sdgcities.store.models import City, HexCell, HexLayer, Indicator, Observation, User

log = logging.getLogger(__name__)

DOCUMENT = "vlr"
#: the narrative blocks of a VLR (key → default text shown until the city writes its own)
BLOCKS: dict[str, str] = {
    "opening_statement": (
        "[Opening statement by the mayor or city leadership: why the city reports on the "
        "2030 Agenda, and its commitment.]"
    ),
    "introduction": (
        "[Introduction: the city, its people and economy, and how this review came about.]"
    ),
    "methodology": (
        "[Methodology and process: who took part, how data were gathered and validated, how "
        "residents and stakeholders were engaged.] The values in this review come from the "
        "SDG Cities platform; each value's source and provenance are listed in the "
        "statistical annex."
    ),
    "policy_environment": (
        "[Policy and enabling environment: the city's plans, institutions and how the SDGs "
        "are built into them.]"
    ),
    "next_steps": "[Next steps: what the city will do next, and when it will report again.]",
}
BLOCK_TITLES: dict[str, str] = {
    "opening_statement": "Opening statement",
    "introduction": "Introduction",
    "methodology": "Methodology and process",
    "policy_environment": "Policy and enabling environment",
    "next_steps": "Next steps",
}
ATTRIBUTION = "© OpenStreetMap contributors"
#: sections other domains fill: key → fn(session, city) returning HTML, or None
SectionFn = Callable[[Session, City], str | None]
_SECTIONS: dict[str, SectionFn] = {}
SECTION_KEYS = ("strategic_plan", "institutional_assessment")


def register_section(key: str, fn: SectionFn) -> None:
    """Fill the section ``key`` (``strategic_plan``, ``institutional_assessment``)."""
    if key not in SECTION_KEYS:
        raise ValueError(f"the VLR has no section {key!r}; use one of {', '.join(SECTION_KEYS)}")
    _SECTIONS[key] = fn


@dataclass(frozen=True)
class ValueRow:
    code: str
    name: str
    goal: str
    target: str
    year: int
    disaggregation: str
    value: float
    unit: str
    source: str
    provenance: str
    published: bool
    source_row: int | None = None


@dataclass
class AnnexRow:
    """One indicator (and breakdown) of the statistical annex: its values by year, with
    their unit, sources and provenance (``*`` marks a value not yet published)."""

    code: str
    name: str
    disaggregation: str
    unit: str
    values: dict[int, str]
    sources: str
    provenance: str

    @property
    def values_text(self) -> str:
        """``2015: 12.5; 2016: 13 *; …`` (one cell: a long annex lays out several times
        faster than with a column per year)."""
        return "; ".join(f"{y}: {v}" for y, v in sorted(self.values.items()))


@dataclass
class IndicatorProgress:
    code: str
    name: str
    unit: str
    latest: ValueRow
    first: ValueRow
    n_years: int
    chart: str = ""


@dataclass
class GoalSection:
    goal: str
    targets: dict[str, list[IndicatorProgress]] = field(default_factory=dict)


@dataclass
class VlrDraft:
    """Everything the VLR template shows."""

    city: City
    generated_at: datetime
    includes_drafts: bool
    blocks: dict[str, str]
    highlights: list[str]
    score_chart: str
    goals: list[GoalSection]
    maps: list[dict[str, str]]
    revenue: list[dict[str, Any]]
    projects: list[dict[str, Any]]
    sections: dict[str, str | None]
    annex: list[AnnexRow]
    block_titles: dict[str, str] = field(default_factory=lambda: dict(BLOCK_TITLES))
    attribution: str = ATTRIBUTION


def _provenance(obs: Observation) -> str:
    prov = obs.provenance if isinstance(obs.provenance, dict) else {}
    parts = []
    if prov.get("method_version") or prov.get("method"):
        parts.append(f"method {prov.get('method', '')} {prov.get('method_version', '')}".strip())
    if prov.get("run_id") is not None:
        parts.append(f"spatial run #{prov['run_id']}")
    if obs.import_id is not None:
        parts.append(f"import #{obs.import_id}")
    parts.append(f"version {obs.version}")
    return "; ".join(parts)


def _span(numbers: list[int]) -> str:
    """``"2"``, ``"2–11"`` or ``"2, 5–7"`` for sorted row numbers."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}\u2013{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


def _annex(rows: list[ValueRow]) -> list[AnnexRow]:
    """The annex: one row per indicator and breakdown, its values by year."""
    groups: dict[tuple[str, str], list[ValueRow]] = {}
    for r in rows:
        groups.setdefault((r.code, r.disaggregation), []).append(r)
    out = []
    for (code, disagg), vals in groups.items():
        provenance = sorted({v.provenance for v in vals})
        source_rows = sorted({v.source_row for v in vals if v.source_row})
        prov = "; ".join(provenance)
        if source_rows:
            prov += f" (rows {_span(source_rows)})"
        out.append(
            AnnexRow(
                code=code,
                name=vals[0].name,
                disaggregation=disagg,
                unit=vals[0].unit,
                values={v.year: f"{v.value:.4g}" + ("" if v.published else " *") for v in vals},
                sources="; ".join(sorted({v.source for v in vals if v.source})) or "\u2014",
                provenance=prov,
            )
        )
    return out


def _target_of(ind: Indicator) -> str:
    if ind.framework == "SDG" and ind.code.count(".") >= 2:
        return ind.code.rsplit(".", 1)[0]
    return ind.framework


def _values(session: Session, city: City, include_drafts: bool) -> list[ValueRow]:
    from sdgcities.observations.visibility import public_only, visible

    where = visible({city.id}) if include_drafts else public_only()
    rows = session.execute(
        select(Observation, Indicator)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(Observation.city_id == city.id, where)
        .order_by(Indicator.code, Observation.disaggregation, Observation.year)
    ).all()
    return [
        ValueRow(
            code=ind.code,
            name=ind.name,
            goal=ind.goal or ind.framework,
            target=_target_of(ind),
            year=obs.year,
            disaggregation=obs.disaggregation,
            value=obs.value,
            unit=obs.unit or ind.unit or "",
            source=obs.source or "",
            provenance=_provenance(obs),
            published=bool(obs.is_public),
            source_row=obs.source_row,
        )
        for obs, ind in rows
    ]


def _goal_key(goal: str) -> tuple[int, str]:
    return (int(goal), "") if goal.isdigit() else (999, goal)


def _progress(rows: list[ValueRow]) -> list[GoalSection]:
    by_code: dict[str, list[ValueRow]] = {}
    for r in rows:
        if not r.disaggregation:
            by_code.setdefault(r.code, []).append(r)
    goals: dict[str, GoalSection] = {}
    for code, series in by_code.items():
        first, latest = series[0], series[-1]
        chart = ""
        if len(series) >= 2:
            chart = time_series_svg(
                [(r.year, r.value) for r in series], title=f"{code} {first.name}", unit=first.unit
            )
        item = IndicatorProgress(code, first.name, first.unit, latest, first, len(series), chart)
        section = goals.setdefault(first.goal, GoalSection(first.goal))
        section.targets.setdefault(first.target, []).append(item)
    return [goals[g] for g in sorted(goals, key=_goal_key)]


def _assessment(session: Session, city: City, include_drafts: bool) -> tuple[list[str], str]:
    """Highlights (the greatest challenges, in words) and the goal-score bars."""
    from sdgcities.assessment.challenges import challenge_summary
    from sdgcities.assessment.scores import city_scores

    drafts = {city.id} if include_drafts else set()
    highlights: list[str] = []
    chart = ""
    try:
        summary = challenge_summary(session, city.id, limit=5, draft_cities=drafts)
        highlights.append(summary.message)
        highlights += [f"{c.indicator} {c.name}: {c.explanation}" for c in summary.challenges]
        scores = city_scores(session, [city.id], draft_cities=drafts)
        goals = scores.goals
        items = [
            (f"SDG {g['goal']}", float(g["score"]), str(g.get("colour") or ""))
            for g in goals.to_dict("records")
            if g.get("score") is not None and g["score"] == g["score"]
        ]
        if items:
            chart = score_bars_svg(items, title=f"Goal scores of {city.name} (0–100)")
    except Exception as err:  # the VLR is still written without scores; say why
        log.warning("VLR of %s: no scores (%s)", city.slug, err)
        highlights.append(f"Scores are not available yet: {err}")
    return highlights, chart


def _maps(session: Session, city: City, include_drafts: bool) -> list[dict[str, str]]:
    from sdgcities.observations.visibility import visible_layers

    layers = session.scalars(
        select(HexLayer)
        .where(HexLayer.city_id == city.id, visible_layers({city.id} if include_drafts else set()))
        .order_by(HexLayer.id)
        .limit(4)
    ).all()
    out = []
    for layer in layers:
        cells = session.execute(
            select(HexCell.h3, HexCell.share).where(HexCell.layer_id == layer.id)
        ).all()
        if not cells:
            continue
        title = f"{layer.indicator_code}: {layer.name}"
        svg = hex_map_svg([(c, s) for c, s in cells], title=title)
        out.append({"title": title, "svg": svg, "attribution": layer.attribution or ATTRIBUTION})
    return out


def _revenue(session: Session, city: City, include_drafts: bool) -> list[dict[str, Any]]:
    from sdgcities.revenue.service import list_diagnostics

    out = []
    for d in list_diagnostics(session, city.id, published_only=not include_drafts)[:1]:
        t = d.result.total
        out.append(
            {
                "year": d.year,
                "currency": d.currency or "",
                "source": d.source or "",
                "potential": t.potential,
                "actual": t.actual,
                "gaps": {
                    "compliance": t.compliance_gap,
                    "coverage": t.coverage_gap,
                    "valuation": t.valuation_gap,
                },
                "priorities": [s.stream for s in d.result.priorities()[:3]],
            }
        )
    return out


def _projects(session: Session, city: City, include_drafts: bool) -> list[dict[str, Any]]:
    """The city's investment pipeline: only the projects the city consented to show,
    unless the draft is made for the city's own staff (``include_drafts``)."""
    from sdgcities.investment.access import consented
    from sdgcities.investment.models import InvestmentProject

    q = select(InvestmentProject).where(InvestmentProject.city_id == city.id)
    if not include_drafts:
        q = q.where(consented())
    projects = session.scalars(q.order_by(InvestmentProject.start, InvestmentProject.id)).all()
    return [
        {
            "title": p.title,
            "stage": p.stage,
            "budget": p.budget,
            "currency": p.currency,
            "targets": ", ".join(p.sdg_targets or []),
            "start": p.start,
            "instruments": ", ".join(sorted({t.instrument for t in p.tranches})),
        }
        for p in projects
    ]


def build(
    session: Session,
    city: str | int,
    *,
    user: User | None = None,
    include_drafts: bool = False,
) -> VlrDraft:
    """The VLR draft of ``city``: published values, or with ``include_drafts`` (readers
    with draft rights for the city only) its current drafts too."""
    from sdgcities.accounts.permissions import can_see_drafts
    from sdgcities.observations.service import resolve_city

    target = resolve_city(session, city)
    if include_drafts and not can_see_drafts(user, target.id, session):
        who = user.email if user is not None else "an anonymous reader"
        raise PermissionDeniedError(
            f"{who} may not include {target.name}'s draft values; only its editors, its hub and "
            "admins may — leave out the drafts option for the published values"
        )
    rows = _values(session, target, include_drafts)
    highlights, score_chart = _assessment(session, target, include_drafts)
    sections: dict[str, str | None] = {}
    from sdgcities import links

    links.ensure()
    for key in SECTION_KEYS:
        fn = _SECTIONS.get(key)
        sections[key] = fn(session, target) if fn is not None else None
    return VlrDraft(
        city=target,
        generated_at=datetime.now(UTC),
        includes_drafts=include_drafts,
        blocks=narrative.blocks(session, DOCUMENT, target.slug, BLOCKS),
        highlights=highlights,
        score_chart=score_chart,
        goals=_progress(rows),
        maps=_maps(session, target, include_drafts),
        revenue=_revenue(session, target, include_drafts),
        projects=_projects(session, target, include_drafts),
        sections=sections,
        annex=_annex(rows),
    )


def save_block(
    session: Session, city: str | int, key: str, text: str, *, user: User | None
) -> None:
    """Save the city's own text of block ``key`` (its editors and admins)."""
    from sdgcities.accounts.permissions import can_edit_city
    from sdgcities.observations.service import resolve_city

    target = resolve_city(session, city)
    if not can_edit_city(user, target.id, session):
        who = user.email if user is not None else "an anonymous visitor"
        raise PermissionDeniedError(f"{who} may not edit {target.name}'s VLR; its editors may")
    narrative.save_block(
        session,
        DOCUMENT,
        target.slug,
        key,
        text,
        allowed=BLOCKS,
        user=user.email if user is not None else "",
    )


def render_html(draft: VlrDraft, *, for_pdf: bool = False) -> str:
    """The VLR draft as one self-contained HTML page (inline SVG charts, no scripts)."""
    from sdgcities.web.templating import render_fragment

    return str(render_fragment("reporting/vlr.html", {"d": draft, "for_pdf": for_pdf}))


def render_pdf(draft: VlrDraft) -> bytes:
    """The VLR draft as PDF (WeasyPrint, offline), "draft" in every page's header."""
    from sdgcities.documents import html_to_pdf

    return html_to_pdf(render_html(draft, for_pdf=True))


def write(
    session: Session,
    city: str | int,
    out: Path,
    *,
    user: User | None = None,
    include_drafts: bool = False,
) -> Path:
    """Write the VLR draft to ``out`` (``.pdf`` or ``.html``), atomically."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        from sdgcities.errors import ValidationError

        raise ValidationError(f"cannot write a VLR to {out.name}", [])
    draft = build(session, city, user=user, include_drafts=include_drafts)
    data = render_pdf(draft) if suffix == ".pdf" else render_html(draft).encode("utf-8")
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
