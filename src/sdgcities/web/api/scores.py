"""``/cities/{city}/scores`` and ``/cities/{city}/challenges``: the assessment of a city."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query

from sdgcities.web.api._common import (
    DbSession,
    OptionalUser,
    get_city_or_404,
    published_only_for,
    text_query,
)
from sdgcities.web.api._schemas import (
    ChallengeOut,
    ChallengesOut,
    CityScores,
    GoalScore,
    IndexScore,
    IndicatorScore,
    clean_float,
    clean_int,
    clean_str,
)
from sdgcities.web.api.cities import CityKey

router = APIRouter(prefix="/cities", tags=["assessment"])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


@router.get("/{city}/scores", response_model=CityScores, summary="Indicator, goal, index scores")
def city_scores(
    city: CityKey,
    session: DbSession,
    user: OptionalUser,
    benchmark_set: str | None = text_query("benchmark set name (default: the shipped set)"),
) -> CityScores:
    from sdgcities.assessment.scores import city_scores as _scores

    found = get_city_or_404(session, city)
    published_only = published_only_for(user, found.id, session)
    result = _scores(
        session, [found.id], benchmark_set=benchmark_set or None, published_only=published_only
    )
    indicators = [
        IndicatorScore(
            indicator=str(r["indicator"]),
            goal=clean_str(r.get("goal")),
            year=clean_int(r.get("year")),
            value=clean_float(r.get("value")),
            score=clean_float(r.get("score")),
            colour=clean_str(r.get("colour")),
            target=clean_float(r.get("target_value")),
            target_source=clean_str(r.get("target_source")),
            progress=clean_str(r.get("progress")),
        )
        for r in _records(result.indicators)
    ]
    goals = [
        GoalScore(
            goal=str(r["goal"]),
            score=clean_float(r.get("score")),
            colour=clean_str(r.get("colour")),
            n_indicators=clean_int(r.get("n_indicators")),
            n_available=clean_int(r.get("n_available")),
        )
        for r in _records(result.goals)
    ]
    index_rows = _records(result.index)
    index = None
    if index_rows:
        r = index_rows[0]
        index = IndexScore(
            score=clean_float(r.get("score")),
            missing_share=clean_float(r.get("missing_share")),
            n_goals=clean_int(r.get("n_goals")),
            reason=clean_str(r.get("reason")) or "",
        )
    return CityScores(
        city=found.slug,
        benchmark_set=str(result.parameters.get("benchmark_set", benchmark_set or "")),
        published_only=published_only,
        indicators=indicators,
        goals=goals,
        index=index,
    )


@router.get("/{city}/challenges", response_model=ChallengesOut, summary="Greatest challenges")
def city_challenges(
    city: CityKey,
    session: DbSession,
    user: OptionalUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    benchmark_set: str | None = text_query("benchmark set name (default: the shipped set)"),
) -> ChallengesOut:
    """Indicators short of their targets, furthest first; achieved ones are listed apart.

    Names and explanations follow ``?lang=``.
    """
    from sdgcities.assessment.challenges import challenge_summary

    found = get_city_or_404(session, city)
    summary = challenge_summary(
        session,
        found.id,
        limit=limit,
        published_only=published_only_for(user, found.id, session),
        benchmark_set=benchmark_set or None,
    )
    found_list = summary.challenges
    items = [
        ChallengeOut(
            rank=int(c.rank),
            indicator=c.indicator,
            name=c.name,
            goal=c.goal or "",
            value=clean_float(c.value),
            unit=c.unit or "",
            year=clean_int(c.year),
            target=clean_float(c.target),
            peer_median=clean_float(c.peer_median),
            trend=c.trend or "",
            score=clean_float(c.score),
            colour=c.colour or "",
            source=c.source or "",
            reasons=[str(r) for r in c.reasons],
        )
        for c in found_list
    ]
    return ChallengesOut(
        city=found.slug,
        status=summary.status,
        message=summary.message,
        scored=summary.scored,
        achieved=summary.achieved,
        challenges=items,
    )
