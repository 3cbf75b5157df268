"""The 2030 strategic plan of a city: vision, priorities, targets, participation, places.

A plan has versions (draft → submitted → approved or returned); approved versions are
immutable and public, a new version starts as a copy of the last one. Progress against
the plan's targets uses the scoring engine's categories (:mod:`sdgcities.scoring.progress`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def find_target(session: Session, city_id: int, code: str, year: int) -> dict[str, Any] | None:
    """The approved plan's target for ``code`` in ``year`` (for other domains' links).

    Returns ``{"value", "unit", "target_year", "plan_version"}``, or ``None`` when the
    city's public plan has no such target.
    """
    from sdgcities.planning.service import public_version
    from sdgcities.store.models import City

    city = session.get(City, city_id)
    version = public_version(session, city) if city is not None else None
    if version is None:
        return None
    for t in version.targets:
        if t.indicator_code == code and t.target_year == year:
            return {
                "value": t.value,
                "unit": t.unit,
                "target_year": year,
                "plan_version": version.number,
            }
    return None
