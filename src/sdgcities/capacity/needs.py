"""Use cases of the needs database, the catalogue, providers and matching.

Every function takes a session and flushes; the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.capacity import vocabulary as vocab
from sdgcities.capacity.matching import WEIGHTS, Vocabulary, match
from sdgcities.capacity.models import (
    CapacityNeed,
    CatalogueEntry,
    CatalogueUsage,
    MatchDecision,
    Provider,
)
from sdgcities.errors import Finding, NotFoundError, ValidationError, check_choice
from sdgcities.store.models import City

__all__ = [
    "add_entry",
    "add_provider",
    "decide",
    "needs_rollup",
    "open_need",
    "open_need_from_assessment",
    "open_need_from_indicator",
    "propose_matches",
    "record_usage",
    "search_entries",
    "verify_provider",
]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")


def add_entry(
    session: Session,
    *,
    slug: str,
    kind: str,
    title: str,
    themes: list[str],
    summary: str = "",
    indicators: Sequence[str] = (),
    languages: dict[str, str] | None = None,
    format: str = "self_paced",
    level: int = 1,
    duration_hours: float | None = None,
    owning_unit: str = "",
    status: str = "existing",
    published: bool = False,
) -> CatalogueEntry:
    """A catalogue entry (a course, tool, guide, advisory service or normative product)."""
    if not _SLUG.match(slug):
        raise ValidationError(
            f"slug {slug!r} is not valid",
            [
                Finding(
                    f"{slug!r}",
                    column="slug",
                    value=slug,
                    fix="lower-case letters, digits and hyphens",
                )
            ],
        )
    check_choice(kind, vocab.ENTRY_KINDS, "kind")
    check_choice(format, vocab.FORMATS, "format")
    check_choice(status, vocab.ENTRY_STATUSES, "status")
    vocab.check_themes(themes)
    langs = dict(languages or {"en": "available"})
    for lang, st in langs.items():
        check_choice(st, vocab.TRANSLATION_STATUSES, f"languages.{lang}")
    if level not in (1, 2, 3):
        raise ValidationError(
            f"level {level} is not 1, 2 or 3",
            [
                Finding(
                    "level out of range",
                    column="level",
                    value=str(level),
                    fix="1 introductory, 2 intermediate, 3 advanced",
                )
            ],
        )
    entry = CatalogueEntry(
        slug=slug,
        kind=kind,
        title=title,
        summary=summary,
        themes=list(themes),
        indicators=list(indicators),
        languages=langs,
        format=format,
        level=level,
        duration_hours=duration_hours,
        owning_unit=owning_unit,
        status=status,
        published=published,
    )
    session.add(entry)
    session.flush()
    return entry


def record_usage(
    session: Session, entry: CatalogueEntry, month: str, **counts: int
) -> CatalogueUsage:
    """Add views, downloads, enrolments or completions to an entry's month."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ValidationError(f"month {month!r} is not YYYY-MM")
    row = session.scalar(
        select(CatalogueUsage).where(
            CatalogueUsage.entry_id == entry.id, CatalogueUsage.month == month
        )
    )
    if row is None:
        row = CatalogueUsage(
            entry_id=entry.id, month=month, views=0, downloads=0, enrolments=0, completions=0
        )
        session.add(row)
    for key, n in counts.items():
        if key not in ("views", "downloads", "enrolments", "completions") or n < 0:
            raise ValidationError(f"cannot add {n} {key}")
        setattr(row, key, getattr(row, key) + n)
    session.flush()
    return row


def search_entries(
    session: Session,
    *,
    text: str | None = None,
    theme: str | None = None,
    kind: str | None = None,
    language: str | None = None,
    published_only: bool = True,
) -> tuple[list[CatalogueEntry], dict[str, dict[str, int]]]:
    """Entries matching the filters, and facet counts (kind, theme, language, format)."""
    rows = list(session.scalars(select(CatalogueEntry).order_by(CatalogueEntry.title)))
    if published_only:
        rows = [r for r in rows if r.published and r.status != "retired"]
    if text:
        t = text.casefold()
        rows = [r for r in rows if t in r.title.casefold() or t in r.summary.casefold()]
    facets: dict[str, dict[str, int]] = {"kind": {}, "theme": {}, "language": {}, "format": {}}
    for r in rows:
        facets["kind"][r.kind] = facets["kind"].get(r.kind, 0) + 1
        facets["format"][r.format] = facets["format"].get(r.format, 0) + 1
        for th in r.themes:
            facets["theme"][th] = facets["theme"].get(th, 0) + 1
        for lang, st in r.languages.items():
            if st == "available":
                facets["language"][lang] = facets["language"].get(lang, 0) + 1
    if theme:
        rows = [r for r in rows if theme in r.themes]
    if kind:
        rows = [r for r in rows if r.kind == kind]
    if language:
        rows = [r for r in rows if r.languages.get(language) == "available"]
    return rows, facets


def add_provider(
    session: Session,
    *,
    kind: str,
    name: str,
    themes: list[str],
    languages: Sequence[str] = ("en",),
    regions: Sequence[str] = (),
    email: str = "",
    level: int = 2,
    accreditation: str = "",
    available: bool = True,
) -> Provider:
    """A partner institution or a trainer, with specialisations in the shared themes."""
    check_choice(kind, vocab.PROVIDER_KINDS, "kind")
    vocab.check_themes(themes)
    p = Provider(
        kind=kind,
        name=name,
        themes=list(themes),
        languages=list(languages),
        regions=list(regions),
        email=email,
        level=level,
        accreditation=accreditation,
        available=available,
    )
    session.add(p)
    session.flush()
    return p


def verify_provider(session: Session, provider: Provider, *, reviewer: str) -> Provider:
    """Record who verified a provider, and when."""
    provider.verified_by = reviewer
    provider.verified_at = datetime.now(UTC)
    session.flush()
    return provider


def open_need(
    session: Session,
    *,
    subject: str,
    level: str,
    core_issue: str,
    functional_capacity: str,
    desired: int,
    existing: int,
    themes: list[str],
    city_id: int | None = None,
    country_iso3: str | None = None,
    organisation: str = "",
    language: str = "en",
    region: str | None = None,
    learner_level: int | None = None,
    description: str = "",
    indicator_code: str | None = None,
    source: str = "manual",
    source_ref: dict[str, Any] | None = None,
    created_by: str = "",
) -> CapacityNeed:
    """A capacity need; ratings 1–5 and every field checked, all problems at once."""
    problems: list[Finding] = []
    for field, allowed, value in (
        ("subject", ("city", "country", "organisation"), subject),
        ("level", vocab.LEVELS, level),
        ("core_issue", vocab.CORE_ISSUES, core_issue),
        ("functional_capacity", vocab.FUNCTIONAL_CAPACITIES, functional_capacity),
    ):
        if value not in allowed:
            problems.append(
                Finding(
                    f"unknown {field} {value!r}",
                    column=field,
                    value=value,
                    fix=f"use one of {', '.join(allowed)}",
                )
            )
    for field, v in (("desired", desired), ("existing", existing)):
        if not isinstance(v, int) or not 1 <= v <= 5:
            problems.append(
                Finding(
                    f"{field} rating {v!r} is outside 1–5",
                    column=field,
                    value=str(v),
                    fix="rate from 1 (none) to 5 (fully in place)",
                )
            )
    unknown = [t for t in themes if t not in vocab.themes()]
    problems += [
        Finding(
            f"unknown theme {t!r}",
            column="themes",
            value=t,
            fix=f"use one of {', '.join(vocab.themes())}",
        )
        for t in unknown
    ]
    if not themes:
        problems.append(Finding("no theme", column="themes", fix="give at least one theme"))
    if subject == "city" and city_id is None:
        problems.append(Finding("a city need names its city", column="city", fix="give the city"))
    if problems:
        raise ValidationError("the capacity need cannot be recorded", problems)
    city = session.get(City, city_id) if city_id is not None else None
    need = CapacityNeed(
        subject=subject,
        city_id=city_id,
        country_iso3=country_iso3 or (city.country_iso3 if city else None),
        organisation=organisation,
        level=level,
        core_issue=core_issue,
        functional_capacity=functional_capacity,
        desired=desired,
        existing=existing,
        themes=list(themes),
        language=language,
        region=region or (city.sdg_region if city else None),
        learner_level=learner_level,
        description=description,
        indicator_code=indicator_code,
        source=source,
        source_ref=dict(source_ref or {}),
        created_by=created_by,
    )
    session.add(need)
    session.flush()
    return need


def open_need_from_indicator(
    session: Session,
    *,
    city_id: int,
    indicator_code: str,
    evidence: dict[str, Any] | None = None,
    level: str = "organisation",
    core_issue: str = "knowledge",
    functional_capacity: str = "budget_manage_implement",
    desired: int = 4,
    existing: int = 2,
    language: str = "en",
    created_by: str = "",
) -> CapacityNeed:
    """Open a need from a red indicator or a greatest challenge; the link is kept.

    The need's themes are those the vocabulary links to the indicator; ``evidence``
    (score, colour, year, challenge rank …) is stored with the link.
    """
    themes = vocab.themes_of_indicator(indicator_code)
    if not themes:
        raise ValidationError(
            f"no capacity-building theme is linked to indicator {indicator_code}",
            [
                Finding(
                    f"indicator {indicator_code} has no theme",
                    column="indicator",
                    value=indicator_code,
                    fix="open the need by hand with its themes",
                )
            ],
        )
    return open_need(
        session,
        subject="city",
        city_id=city_id,
        level=level,
        core_issue=core_issue,
        functional_capacity=functional_capacity,
        desired=desired,
        existing=existing,
        themes=themes,
        language=language,
        indicator_code=indicator_code,
        source="indicator",
        source_ref={"indicator": indicator_code, **(evidence or {})},
        created_by=created_by,
    )


def open_need_from_assessment(
    session: Session,
    *,
    city_id: int,
    questionnaire: str,
    version: str,
    question: str,
    score: float,
    themes: list[str],
    level: str = "organisation",
    core_issue: str = "institutional_arrangements",
    functional_capacity: str = "budget_manage_implement",
    description: str = "",
    language: str = "en",
    created_by: str = "",
) -> CapacityNeed | None:
    """Open a need from a gap of an assessment; None when that gap already has an open need.

    ``source="assessment"`` and ``source_ref`` = ``{questionnaire, version, question,
    score}`` keep the link. ``existing`` is the question's score (0–100) on the 1–5
    rating: ``1 + ⌊score / 25⌋`` (capped at 5); ``desired`` is 4 ("in place").
    """
    for n in session.scalars(
        select(CapacityNeed).where(
            CapacityNeed.city_id == city_id,
            CapacityNeed.source == "assessment",
            CapacityNeed.status != "closed",
        )
    ):
        ref = n.source_ref or {}
        if (ref.get("questionnaire"), ref.get("version"), ref.get("question")) == (
            questionnaire,
            version,
            question,
        ):
            return None
    existing = min(5, 1 + int(max(0.0, score) // 25))
    return open_need(
        session,
        subject="city",
        city_id=city_id,
        level=level,
        core_issue=core_issue,
        functional_capacity=functional_capacity,
        desired=max(4, existing),
        existing=existing,
        themes=themes,
        language=language,
        description=description,
        source="assessment",
        source_ref={
            "questionnaire": questionnaire,
            "version": version,
            "question": question,
            "score": round(score, 2),
        },
        created_by=created_by,
    )


def _offers(session: Session) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for e in session.scalars(select(CatalogueEntry).where(CatalogueEntry.status != "retired")):
        rows.append(
            {
                "type": "entry",
                "id": e.id,
                "name": e.title,
                "themes": e.themes,
                "languages": [k for k, v in e.languages.items() if v == "available"],
                "regions": [],
                "level": float(e.level),
                "available": e.status == "existing",
            }
        )
    for p in session.scalars(select(Provider)):
        rows.append(
            {
                "type": "provider",
                "id": p.id,
                "name": p.name,
                "themes": p.themes,
                "languages": p.languages,
                "regions": p.regions,
                "level": float(p.level),
                "available": p.available,
            }
        )
    return pd.DataFrame(
        rows, columns=["type", "id", "name", "themes", "languages", "regions", "level", "available"]
    )


def propose_matches(
    session: Session, needs: Sequence[CapacityNeed], *, top: int = 5
) -> dict[int, list[dict[str, Any]]]:
    """The best offers for each need, with every factor of the score shown."""
    offers = _offers(session)
    if offers.empty or not needs:
        return {n.id: [] for n in needs}
    themes = Vocabulary(list(vocab.themes()))
    langs = Vocabulary(
        sorted(
            {
                *vocab.UN_LANGUAGES,
                *[lg for r in offers["languages"] for lg in r],
                *[n.language for n in needs],
            }
        )
    )
    regions = Vocabulary(
        sorted(
            {*[rg for r in offers["regions"] for rg in r], *[n.region for n in needs if n.region]}
        )
    )
    result = match(
        need_themes=themes.masks([n.themes for n in needs]),
        need_language=langs.masks([[n.language] if n.language else [] for n in needs]),
        need_region=regions.masks([[n.region] if n.region else [] for n in needs]),
        need_level=np.array([float(n.learner_level) if n.learner_level else np.nan for n in needs]),
        offer_themes=themes.masks(list(offers["themes"])),
        offer_languages=langs.masks(list(offers["languages"])),
        offer_regions=regions.masks(list(offers["regions"])),
        offer_level=offers["level"].to_numpy(dtype=np.float64),
        offer_available=offers["available"].to_numpy(dtype=bool),
        top=top,
    )
    ids = [int(x) for x in offers["id"].tolist()]
    types = [str(x) for x in offers["type"].tolist()]
    names = [str(x) for x in offers["name"].tolist()]
    out: dict[int, list[dict[str, Any]]] = {}
    for need, row in zip(needs, result, strict=True):
        out[need.id] = [
            {
                "offer_type": types[m.offer],
                "offer_id": ids[m.offer],
                "name": names[m.offer],
                "score": m.score,
                "factors": dict(m.factors),
                "weights": dict(WEIGHTS),
            }
            for m in row
        ]
    return out


def decide(
    session: Session,
    need: CapacityNeed,
    *,
    offer_type: str,
    offer_id: int,
    decision: str,
    by: str,
    note: str = "",
) -> MatchDecision:
    """An advisor confirms or rejects a proposed offer; the score and factors are kept."""
    check_choice(decision, ("confirmed", "rejected"), "decision")
    proposals = propose_matches(session, [need], top=50)[need.id]
    chosen = next(
        (p for p in proposals if p["offer_type"] == offer_type and p["offer_id"] == offer_id), None
    )
    if chosen is None:
        raise NotFoundError(
            f"{offer_type} {offer_id} is not among the offers matched to need {need.id}"
        )
    row = MatchDecision(
        need_id=need.id,
        offer_type=offer_type,
        offer_id=offer_id,
        score=chosen["score"],
        factors=chosen["factors"],
        weights=chosen["weights"],
        decision=decision,
        note=note,
        decided_by=by,
    )
    session.add(row)
    if decision == "confirmed":
        need.status = "matched"
    session.flush()
    if decision == "confirmed":
        _notify_confirmed(session, need, row, chosen)
    return row


def _notify_confirmed(
    session: Session, need: CapacityNeed, row: MatchDecision, chosen: dict[str, Any]
) -> None:
    """Tell the need's author (and a provider with an e-mail) that an offer was confirmed."""
    from sdgcities.notifications.service import notify

    city = session.get(City, need.city_id) if need.city_id else None
    where = f" for {city.name}" if city else ""
    recipients = {need.created_by.lower()} if "@" in need.created_by else set()
    if row.offer_type == "provider":
        provider = session.get(Provider, row.offer_id)
        if provider is not None and "@" in provider.email:
            recipients.add(provider.email.lower())
    for to in sorted(recipients - {row.decided_by.lower()}):
        notify(
            session,
            to=to,
            kind="match_confirmed",
            subject=f"An offer was confirmed for capacity need {need.id}{where}",
            body=(
                f"{chosen.get('name', row.offer_type)} was confirmed for the capacity need "
                f"{need.id}{where} (score {row.score:.2f})."
                + (f"\n\nNote: {row.note}" if row.note else "")
            ),
            link=f"/capacity/needs/{need.id}",
        )


def needs_rollup(session: Session, by: Sequence[str] = ("region", "theme")) -> pd.DataFrame:
    """Open needs and their mean gap, by region, theme, country, level or least developed."""
    from sdgcities.capacity.groups import is_ldc

    rows = []
    for n in session.scalars(select(CapacityNeed).where(CapacityNeed.status != "closed")):
        for th in n.themes or ["(none)"]:
            rows.append(
                {
                    "region": n.region or "",
                    "theme": th,
                    "country": n.country_iso3 or "",
                    "level": n.level,
                    "ldc": is_ldc(n.country_iso3),
                    "gap": n.desired - n.existing,
                }
            )
    frame = pd.DataFrame(rows, columns=["region", "theme", "country", "level", "ldc", "gap"])
    if frame.empty:
        return pd.DataFrame(columns=[*by, "needs", "mean_gap"])
    out = frame.groupby(list(by)).agg(needs=("gap", "size"), mean_gap=("gap", "mean")).reset_index()
    return out
