"""The indicator registry: built-in SDG 11 and UMF indicators and those cities or hubs add.

Built-ins ship as versioned data files (``catalogue/data/sdg11.yaml`` and ``umf.yaml``)
and are loaded through the same reader and validator as a user's YAML or CSV file
(:func:`sdgcities.catalogue._loader.read_catalogue_file`). Every function takes a
session and leaves committing to the caller.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from sdgcities.catalogue._loader import (
    CatalogueFile,
    IndicatorSpec,
    read_catalogue_file,
    umf_store_code,
)
from sdgcities.errors import Finding, NotFoundError, ValidationError
from sdgcities.store.db import raw_rows
from sdgcities.store.models import ImportBatch, Indicator

logger = logging.getLogger(__name__)

BUILTIN_FILES = ("sdg11.yaml", "umf.yaml", "sdg_digital.yaml")
UMF_DOMAINS = {
    1: "Society",
    2: "Economy",
    3: "Environment",
    4: "Culture",
    5: "Governance & implementation",
}
UMF_OBJECTIVES = {1: "Safe & peaceful", 2: "Inclusive", 3: "Resilient", 4: "Sustainable"}
_FRAMEWORK_ORDER = {"SDG": 0, "UMF": 1, "custom": 2}


def _natural_key(ind: Indicator | IndicatorSummary) -> tuple[Any, ...]:
    return (_FRAMEWORK_ORDER.get(ind.framework, 3), _code_key(ind.code))


@lru_cache(maxsize=8192)
def _code_key(code: str) -> tuple[tuple[int, int, str], ...]:
    """``"11.10.2"`` sorts after ``"11.2.1"``: digit runs compare as numbers."""
    parts = re.split(r"(\d+)", code)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in parts if p)


def builtin_files() -> list[CatalogueFile]:
    """Read and validate the shipped catalogue files (a broken one is a packaging bug)."""
    out = []
    for name in BUILTIN_FILES:
        with resources.as_file(resources.files("sdgcities.catalogue") / "data" / name) as path:
            parsed = read_catalogue_file(path)
        if parsed.findings:
            raise ValidationError(f"built-in catalogue file {name} is invalid", parsed.findings)
        out.append(parsed)
    return out


def _apply(ind: Indicator, spec: IndicatorSpec, *, owner: str | None, version: str) -> None:
    ind.name = spec.name
    ind.framework = spec.framework
    ind.unit = spec.unit
    ind.direction = spec.direction
    ind.custodian = spec.custodian
    ind.method_summary = spec.method_summary
    ind.method_version = spec.method_version
    ind.goal = spec.goal
    ind.sdg_code = spec.sdg_code
    ind.owner = owner
    ind.catalogue_version = version
    extra: dict[str, Any] = dict(ind.extra or {})
    override = extra.get("placement_override")
    if isinstance(override, dict) and owner is None:
        # a hub moved this built-in in the UMF matrix: keep its placement
        umf_code = str(override["umf_code"])
        confirmed = bool(override.get("confirmed", True))
    else:
        umf_code = spec.umf_code or ""
        confirmed = spec.confirmed
        extra.pop("placement_override", None)
    _set_placement(ind, umf_code or None, confirmed)
    extra["umf_code"] = umf_code or None
    if spec.target is not None:
        extra["target"] = spec.target
    else:
        extra.pop("target", None)
    if spec.also_sdg:
        extra["also_sdg"] = list(spec.also_sdg)
    else:
        extra.pop("also_sdg", None)
    ind.extra = extra


def _set_placement(ind: Indicator, umf_code: str | None, confirmed: bool) -> None:
    if umf_code:
        d, o, _ = umf_code.split(".")
        ind.umf_domain, ind.umf_objective = int(d), int(o)
    else:
        ind.umf_domain = ind.umf_objective = None
    ind.confirmed = confirmed


def _existing(session: Session, codes: Iterable[str]) -> dict[str, Indicator]:
    codes = list(codes)
    if not codes:
        return {}
    rows = session.scalars(select(Indicator).where(Indicator.code.in_(codes)))
    return {r.code: r for r in rows}


def sync_builtin_catalogue(session: Session) -> int:
    """Insert or update every built-in indicator (idempotent); returns how many there are.

    A hub's placement override of a built-in UMF indicator survives the sync.
    """
    files = builtin_files()
    specs = [(f.version, s) for f in files for s in f.indicators]
    existing = _existing(session, (s.code for _, s in specs))
    for version, spec in specs:
        ind = existing.get(spec.code)
        if ind is None:
            ind = Indicator(code=spec.code, extra={})
            session.add(ind)
        elif ind.owner is not None:
            logger.warning("built-in indicator %s replaces one owned by %s", spec.code, ind.owner)
        _apply(ind, spec, owner=None, version=version)
    session.flush()
    return len(specs)


def import_indicators(session: Session, path: str | Path, *, owner: str) -> list[Indicator]:
    """Add or update a city's or hub's indicators from a YAML or CSV file, all or nothing.

    ``owner`` names who adds them (a city slug, a hub, a user). A built-in indicator
    cannot be overwritten; its UMF placement can be changed with a ``placements:`` entry
    (the way a hub edits the matrix without code). Raises :class:`ValidationError` with
    every finding; nothing is changed then. Returns the indicators added, updated or moved.
    """
    owner = owner.strip()
    if not owner:
        raise ValidationError(
            "an import needs an owner",
            [Finding("owner is empty", column="owner", fix="pass --owner with a city or hub name")],
        )
    parsed = read_catalogue_file(path)
    findings = list(parsed.findings)
    existing = _existing(
        session, [s.code for s in parsed.indicators] + [p.code for p in parsed.placements]
    )
    for spec in parsed.indicators:
        ind = existing.get(spec.code)
        if ind is None:
            continue
        if ind.owner is None:
            findings.append(
                Finding(
                    "attempt to overwrite a built-in indicator",
                    file=parsed.name,
                    row=spec.row,
                    column="code",
                    value=spec.code,
                    fix="choose another code (e.g. prefix your city's name); to move a built-in in "
                    "the UMF matrix use a `placements:` entry",
                )
            )
        elif ind.owner != owner:
            findings.append(
                Finding(
                    f"code already used by {ind.owner!r}",
                    file=parsed.name,
                    row=spec.row,
                    column="code",
                    value=spec.code,
                    fix="choose another code",
                )
            )
    for pl in parsed.placements:
        if pl.code not in existing:
            findings.append(
                Finding(
                    "no such indicator to place",
                    file=parsed.name,
                    row=pl.row,
                    column="code",
                    value=pl.code,
                    fix="use a code from `sdgcities indicators list`",
                )
            )
    if findings:
        raise ValidationError(
            f"{parsed.name}: {len(findings)} problem(s); nothing imported", findings
        )
    out: list[Indicator] = []
    for spec in parsed.indicators:
        ind = existing.get(spec.code)
        if ind is None:
            ind = Indicator(code=spec.code, extra={})
            session.add(ind)
        _apply(ind, spec, owner=owner, version=parsed.version)
        out.append(ind)
    for pl in parsed.placements:
        ind = existing[pl.code]
        extra = dict(ind.extra or {})
        extra["placement_override"] = {
            "umf_code": pl.umf_code,
            "confirmed": pl.confirmed,
            "by": owner,
        }
        extra["umf_code"] = pl.umf_code
        ind.extra = extra
        _set_placement(ind, pl.umf_code, pl.confirmed)
        out.append(ind)
    data = Path(path).read_bytes()
    session.add(
        ImportBatch(
            kind="indicators",
            file_name=parsed.name,
            sha256=hashlib.sha256(data).hexdigest(),
            user=owner,
            rows_read=len(parsed.indicators) + len(parsed.placements),
            rows_inserted=len(out),
            details={"codes": [i.code for i in out]},
        )
    )
    session.flush()
    return out


def _indicator_filters(
    stmt: Select[Any], *, framework: str | None, goal: str | None, search: str | None
) -> Select[Any]:
    if framework:
        stmt = stmt.where(func.lower(Indicator.framework) == framework.strip().lower())
    if goal:
        stmt = stmt.where(Indicator.goal == goal.strip())
    if search:
        text = search.strip().lower()  # autoescape: "%" and "_" match themselves
        stmt = stmt.where(
            or_(
                func.lower(Indicator.code).contains(text, autoescape=True),
                func.lower(Indicator.name).contains(text, autoescape=True),
                func.lower(Indicator.sdg_code).contains(text, autoescape=True),
            )
        )
    return stmt


def list_indicators(
    session: Session,
    *,
    framework: str | None = None,
    goal: str | None = None,
    search: str | None = None,
) -> list[Indicator]:
    """Indicators, SDG first then UMF then custom, in natural code order."""
    stmt = _indicator_filters(select(Indicator), framework=framework, goal=goal, search=search)
    return sorted(session.scalars(stmt), key=_natural_key)


class IndicatorSummary(NamedTuple):
    """An indicator as lists show it (no method texts): a row of :func:`indicator_summaries`."""

    code: str
    name: str
    framework: str
    unit: str | None
    direction: str | None
    goal: str | None
    sdg_code: str | None
    umf_domain: int | None
    umf_objective: int | None
    custodian: str | None
    confirmed: bool
    owner: str | None
    catalogue_version: str | None


def indicator_summaries(
    session: Session,
    *,
    framework: str | None = None,
    goal: str | None = None,
    search: str | None = None,
) -> list[IndicatorSummary]:
    """:func:`list_indicators` as :class:`IndicatorSummary` rows, in the same order.

    For lists: plain driver rows, without the method texts and the JSON of each
    indicator, cost a fraction of loading the ORM objects.
    """
    columns = [getattr(Indicator, name) for name in IndicatorSummary._fields]
    stmt = _indicator_filters(select(*columns), framework=framework, goal=goal, search=search)
    # SQLite's booleans come back as 0/1 (raw_rows skips SQLAlchemy's conversion)
    at = IndicatorSummary._fields.index("confirmed")
    rows = [
        IndicatorSummary._make((*r[:at], bool(r[at]), *r[at + 1 :]))
        for r in raw_rows(session, stmt)
    ]
    return sorted(rows, key=_natural_key)


def get_indicator(session: Session, code: str) -> Indicator:
    """The indicator with ``code`` (``"11.2.1"``, ``"UMF-1.4.1"``; ``"UMF 1.4.1"`` works too)."""
    wanted = code.strip()
    candidates = [wanted]
    umf = re.fullmatch(r"(?i)umf[\s_-]*([1-5]\.[1-4]\.\d+)", wanted)
    if umf:
        candidates.append(umf_store_code(umf.group(1)))
    for c in candidates:
        found = session.scalar(select(Indicator).where(Indicator.code == c))
        if found is not None:
            return found
    found = session.scalar(select(Indicator).where(func.lower(Indicator.code) == wanted.lower()))
    if found is not None:
        return found
    codes = list(session.scalars(select(Indicator.code)))
    close = difflib.get_close_matches(wanted, codes, n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise NotFoundError(f"no indicator {wanted!r}{hint} (see `sdgcities indicators list`)")


def umf_matrix(session: Session) -> dict[tuple[int, int], list[Indicator]]:
    """All 20 cells of the UMF matrix, ``(domain, objective)`` → indicators placed there."""
    matrix: dict[tuple[int, int], list[Indicator]] = {
        (d, o): [] for d in UMF_DOMAINS for o in UMF_OBJECTIVES
    }
    stmt = select(Indicator).where(
        Indicator.umf_domain.is_not(None), Indicator.umf_objective.is_not(None)
    )
    for ind in session.scalars(stmt):
        cell = (ind.umf_domain or 0, ind.umf_objective or 0)
        if cell in matrix:
            matrix[cell].append(ind)
    for members in matrix.values():
        members.sort(key=_natural_key_umf)
    return matrix


def _natural_key_umf(ind: Indicator) -> tuple[int, ...]:
    umf_code = str((ind.extra or {}).get("umf_code") or "")
    if re.fullmatch(r"\d+\.\d+\.\d+", umf_code):
        return tuple(int(p) for p in umf_code.split("."))
    return (9, 9, 999)


def umf_code_of(ind: Indicator) -> str | None:
    """The ``domain.objective.n`` code of an indicator placed in the UMF matrix."""
    value = (ind.extra or {}).get("umf_code")
    return str(value) if value else None


def ensure_builtin_catalogue(session: Session) -> None:
    """Load the built-ins if the store has none yet (``sdgcities init`` normally does)."""
    n = session.scalar(select(func.count()).select_from(Indicator).where(Indicator.owner.is_(None)))
    if not n:
        sync_builtin_catalogue(session)


__all__ = [
    "UMF_DOMAINS",
    "UMF_OBJECTIVES",
    "IndicatorSummary",
    "ensure_builtin_catalogue",
    "get_indicator",
    "import_indicators",
    "indicator_summaries",
    "list_indicators",
    "sync_builtin_catalogue",
    "umf_code_of",
    "umf_matrix",
]
