"""Progress of a city towards its 2030 targets, from the store.

Method (:mod:`sdgcities.scoring.progress`, chosen per benchmark set or per call):
``cagr-ratio`` — the observed compound annual growth between the baseline (the earliest
stored year) and the latest year over the growth needed to reach the target by 2030
(Eurostat SDG monitoring): ratio ≥ 0.95 on track, 0.60–0.95 acceleration needed, 0–0.60
limited progress, < 0 deterioration; a latest value at or better than the target is
"target achieved". ``sdr-trend`` — the SDSN Sustainable Development Report's linear
trend method (on track / moderately improving / stagnating / decreasing). The target
follows one rule in file and store modes: the city's own (``Target`` row), else the
benchmark's green threshold, else its best bound — ``target_source`` says which.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd
from sqlalchemy.orm import Session

from sdgcities.assessment import _store
from sdgcities.assessment.scores import city_scores
from sdgcities.store.models import BenchmarkSet

PROGRESS_COLUMNS: tuple[str, ...] = (
    "indicator",
    "name",
    "unit",
    "baseline_year",
    "baseline_value",
    "year",
    "value",
    "target",
    "target_year",
    "target_source",
    "progress_ratio",
    "progress",
    "progress_method",
)


def city_progress(
    session: Session,
    city_id: int,
    *,
    benchmark_set: str | BenchmarkSet | None = None,
    published_only: bool | None = None,
    target_year: int = 2030,
    draft_cities: Collection[int] | None = (),
    progress_method: str | None = None,
) -> pd.DataFrame:
    """One row per benchmark indicator the city has a value for (columns :data:`PROGRESS_COLUMNS`).

    ``progress`` is "" with the reason in ``progress_method`` when there is no earlier
    year to compare with.
    """
    scores = city_scores(
        session,
        [city_id],
        benchmark_set=benchmark_set,
        published_only=published_only,
        draft_cities=draft_cities,
        target_year=target_year,
        progress_method=progress_method,
    )
    ind = scores.indicators
    ind = ind[ind["value"].notna()].copy()
    info = _store.indicator_info(session, ind["indicator"].astype(str))
    ind["name"] = [info[c].name if c in info else "" for c in ind["indicator"]]
    ind["unit"] = [info[c].unit if c in info else "" for c in ind["indicator"]]
    ind["target"] = ind["target_value"]
    ind["target_year"] = target_year
    for col in ("year", "baseline_year"):
        ind[col] = ind[col].astype("Int64")
    return ind.loc[:, list(PROGRESS_COLUMNS)].reset_index(drop=True)
