"""The capacity-building marker of projects reviewed by the Project Review Committee.

HSP/EB.2021/17, plan output 1.1.3: "Integrate capacity-building markers into programme
development and Project Review Committee processes". Each reviewed project gets a
marker — **0** not targeted, **1** significant, **2** principal — justified by the
checklist in ``data/marker_criteria.yaml`` (the platform's proposal: the report gives no
list).

Consistency rule (:func:`check_marker`), with *M* the minimum criteria and *P* the
``principal_objective`` criterion:

- marker **2** needs every criterion of *M* met **and** *P* met;
- marker **1** needs every criterion of *M* met and *P* not met (were it met, the
  project would be a 2);
- marker **0** needs at least one criterion of *M* unmet (a project meeting them all
  targets capacity building, at least significantly).

So the checklist alone determines the marker (:func:`marker_from_criteria`); a marker
given by the reviewer that disagrees is refused with the criteria that disagree.
The portfolio view counts projects by unit, year and marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.capacity.models import ReviewedProject
from sdgcities.errors import Finding, ValidationError

__all__ = ["check_marker", "criteria", "marker_from_criteria", "portfolio", "record_marker"]

MARKERS = {0: "not targeted", 1: "significant", 2: "principal"}
PRINCIPAL = "principal_objective"


@lru_cache(maxsize=1)
def criteria() -> dict[str, Any]:
    """The checklist file: source, status and the criteria (code, minimum, text)."""
    path = resources.files("sdgcities.capacity") / "data" / "marker_criteria.yaml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def _codes() -> tuple[list[str], list[str]]:
    items = criteria()["criteria"]
    return [c["code"] for c in items if c["minimum"]], [c["code"] for c in items]


def _read_answers(answers: Mapping[str, Any]) -> dict[str, bool]:
    _minimum, every = _codes()
    findings = [
        Finding("unknown criterion", column="criteria", value=k, fix=f"one of {', '.join(every)}")
        for k in answers
        if k not in every
    ]
    if findings:
        raise ValidationError("the checklist has unknown criteria", findings)
    return {code: bool(answers.get(code, False)) for code in every}


def marker_from_criteria(answers: Mapping[str, Any]) -> int:
    """The marker the checklist gives (see the module's rule)."""
    met = _read_answers(answers)
    minimum, _every = _codes()
    if not all(met[c] for c in minimum):
        return 0
    return 2 if met.get(PRINCIPAL) else 1


def check_marker(marker: int, answers: Mapping[str, Any]) -> dict[str, bool]:
    """The checklist as booleans when it agrees with ``marker``; else a ValidationError."""
    if marker not in MARKERS:
        raise ValidationError(
            f"marker {marker} is not 0, 1 or 2",
            [Finding("unknown marker", column="marker", value=str(marker), fix="0, 1 or 2")],
        )
    met = _read_answers(answers)
    expected = marker_from_criteria(met)
    if expected == marker:
        return met
    minimum, _every = _codes()
    unmet = [c for c in minimum if not met[c]]
    if marker > expected and unmet:
        fix = f"meet {', '.join(unmet)} or give marker {expected}"
    elif marker == 2:
        fix = f"tick {PRINCIPAL} or give marker 1"
    elif marker == 1 and expected == 2:
        fix = f"untick {PRINCIPAL} or give marker 2"
    else:
        fix = f"give marker {expected}, or untick the criteria that are not met"
    raise ValidationError(
        f"marker {marker} ({MARKERS[marker]}) disagrees with the checklist, which gives "
        f"{expected} ({MARKERS[expected]})",
        [
            Finding(
                "marker inconsistent with the checklist",
                column="marker",
                value=str(marker),
                fix=fix,
            )
        ],
    )


def record_marker(
    session: Session,
    *,
    reference: str,
    title: str,
    unit: str,
    year: int,
    marker: int,
    answers: Mapping[str, Any],
    justification: str = "",
    by: str = "",
) -> ReviewedProject:
    """Record (or correct) a project's marker; refused whole when it disagrees."""
    findings: list[Finding] = []
    if not reference.strip():
        findings.append(Finding("empty reference", column="reference", fix="the PRC reference"))
    if not unit.strip():
        findings.append(Finding("empty unit", column="unit", fix="the reviewing unit or branch"))
    if not 2000 <= year <= 2100:
        findings.append(
            Finding("year out of range", column="year", value=str(year), fix="e.g. 2022")
        )
    if findings:
        raise ValidationError("the reviewed project is incomplete", findings)
    met = check_marker(marker, answers)
    row = session.scalar(
        select(ReviewedProject).where(ReviewedProject.reference == reference.strip())
    )
    if row is None:
        row = ReviewedProject(reference=reference.strip()[:64])
        session.add(row)
    row.title = title.strip()[:300]
    row.unit = unit.strip()[:200]
    row.year = year
    row.marker = marker
    row.criteria = met
    row.justification = justification
    row.reviewed_by = by
    session.flush()
    return row


def portfolio(session: Session) -> pd.DataFrame:
    """Projects by unit and year: counts of marker 0, 1, 2, total and share marked 1 or 2."""
    rows = session.execute(
        select(ReviewedProject.unit, ReviewedProject.year, ReviewedProject.marker)
    ).all()
    cols = ["unit", "year", "marker_0", "marker_1", "marker_2", "total", "share_targeted"]
    if not rows:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame(rows, columns=["unit", "year", "marker"])
    out = (
        frame.pivot_table(index=["unit", "year"], columns="marker", aggfunc="size", fill_value=0)
        .reindex(columns=[0, 1, 2], fill_value=0)
        .reset_index()
    )
    out.columns = ["unit", "year", "marker_0", "marker_1", "marker_2"]
    out["total"] = out["marker_0"] + out["marker_1"] + out["marker_2"]
    out["share_targeted"] = (out["marker_1"] + out["marker_2"]) / out["total"]
    return out[cols].sort_values(["unit", "year"]).reset_index(drop=True)
