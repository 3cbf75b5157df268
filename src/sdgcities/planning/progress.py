"""Progress of a city against its plan's 2030 targets, with the scoring engine's method.

For each target: the baseline (value and year) is the plan's; the latest value is the
city's newest *published* observation of the indicator (total, no disaggregation) in a
year after the baseline; the target is the plan's, for its target year. The category
and ratio come from :func:`sdgcities.scoring.progress.progress` (``cagr-ratio``: Eurostat
SDG monitoring's ratio of observed to required compound annual growth; ``sdr-trend``:
the SDSN Sustainable Development Report's linear trend method) — never recomputed here.
The direction (higher or lower is better) is the catalogue's; a ``target`` indicator
improves towards its target, so its direction is read from the plan (target above the
baseline: higher is better).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from sdgcities.assessment import _store
from sdgcities.planning.models import PlanVersion
from sdgcities.scoring.progress import DEFAULT_PROGRESS_METHOD, check_progress_method, progress
from sdgcities.store.models import City, Indicator

PROGRESS_KEYS = (
    "indicator",
    "name",
    "unit",
    "baseline_year",
    "baseline_value",
    "year",
    "value",
    "target",
    "target_year",
    "ratio",
    "category",
    "method",
    "progress_method",
)


def _num(x: Any) -> float | None:
    if x is None:
        return None
    f = float(x)
    return None if math.isnan(f) else f


def plan_progress(
    session: Session, city: City, version: PlanVersion, *, method: str | None = None
) -> list[dict[str, Any]]:
    """One row per target of ``version`` (keys :data:`PROGRESS_KEYS`), in the plan's order."""
    chosen = check_progress_method(method or DEFAULT_PROGRESS_METHOD)
    targets = list(version.targets)
    if not targets:
        return []
    codes = [t.indicator_code for t in targets]
    obs = _store.visible_observations(
        session, city_ids=[city.id], draft_cities=(), indicator_codes=codes
    )
    inds = {i.code: i for i in session.query(Indicator).filter(Indicator.code.in_(codes))}
    latest: list[tuple[float, float]] = []
    for t in targets:
        rows = obs[(obs["indicator"] == t.indicator_code) & (obs["year"] > t.baseline_year)]
        rows = rows[rows["value"].notna()]
        if rows.empty:
            latest.append((math.nan, math.nan))
        else:
            last = rows.sort_values("year").iloc[-1]
            latest.append((float(last["value"]), float(last["year"])))

    def better_up(t: Any) -> bool:
        ind = inds.get(t.indicator_code)
        direction = ind.direction if ind else "higher"
        if direction == "target":
            return bool(t.value >= t.baseline_value)
        return direction != "lower"

    frames = [
        progress(
            [t.baseline_value],
            [v],
            [t.value],
            baseline_year=[t.baseline_year],
            latest_year=[y],
            higher_is_better=[better_up(t)],
            target_year=t.target_year,
            method=chosen,
        ).iloc[0]
        for t, (v, y) in zip(targets, latest, strict=True)
    ]
    out = []
    for t, (v, y), r in zip(targets, latest, frames, strict=True):
        ind = inds.get(t.indicator_code)
        out.append(
            {
                "indicator": t.indicator_code,
                "name": ind.name if ind else "",
                "unit": t.unit,
                "baseline_year": t.baseline_year,
                "baseline_value": t.baseline_value,
                "year": None if math.isnan(y) else int(y),
                "value": _num(v),
                "target": t.value,
                "target_year": t.target_year,
                "ratio": _num(r["ratio"]),
                "category": str(r["category"]),
                "method": str(r["method"]),
                "progress_method": chosen,
            }
        )
    return out
