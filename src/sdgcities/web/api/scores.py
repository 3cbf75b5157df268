"""City scores and challenges (``/cities/{city}/...``) and ``/benchmark-sets``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from sdgcities.accounts import permissions
from sdgcities.errors import PermissionDeniedError
from sdgcities.scoring.scores import Scores
from sdgcities.store.models import User
from sdgcities.web.api._common import (
    DbSession,
    OptionalUser,
    get_city_or_404,
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
from sdgcities.web.auth import require_role

router = APIRouter(prefix="/cities", tags=["assessment"])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


Drafts = Annotated[
    bool,
    Query(description="include draft values of this city (needs the right to see them)"),
]


def _drafts_scope(
    session: Session, user: User | None, city_id: int, drafts: bool
) -> set[int] | None:
    """Whose drafts to read: none by default; ``drafts=true`` needs the right to see them.

    With the right, the city's current versions are read beside the *public* versions
    of every other city (derived bounds and peers never use other cities' drafts).
    """
    if not drafts:
        return set()
    allowed = permissions.draft_city_ids(user, session)
    if allowed is None or city_id in allowed:
        return allowed if allowed is None else set(allowed)
    raise PermissionDeniedError(
        "you may not see draft values of this city; leave out drafts=true (published "
        "values are the default)"
    )


ProgressMethodQuery = Annotated[
    Literal["cagr-ratio", "sdr-trend"] | None,
    Query(description="progress method (default: the benchmark set's)"),
]


def _scores_for(
    session: Session,
    city_id: int,
    benchmark_set: str | None,
    drafts: set[int] | None,
    progress_method: str | None = None,
) -> Scores:
    """Stored public scores, or — drafts or another progress method asked for — the
    city scored on the fly."""
    from sdgcities.assessment.scores import city_scores as _scores
    from sdgcities.assessment.stored import stored_scores

    if drafts is not None and not drafts and progress_method is None:
        found = stored_scores(session, [city_id], benchmark_set=benchmark_set or None)
        if found is not None:
            return found
    return _scores(
        session,
        [city_id],
        benchmark_set=benchmark_set or None,
        draft_cities=drafts,
        progress_method=progress_method,
    )


@router.get("/{city}/scores", response_model=CityScores, summary="Indicator, goal, index scores")
def city_scores(
    city: CityKey,
    session: DbSession,
    user: OptionalUser,
    benchmark_set: str | None = text_query("benchmark set name (default: the shipped set)"),
    drafts: Drafts = False,
    progress_method: ProgressMethodQuery = None,
) -> CityScores:
    """A city's scores from its published values (stored, refreshed on every change).

    ``drafts=true`` scores the city's current versions instead, for readers allowed
    to see its drafts; ``published_only`` in the answer says which.
    """
    found = get_city_or_404(session, city)
    scope = _drafts_scope(session, user, found.id, drafts)
    published_only = scope is not None and not scope
    result = _scores_for(session, found.id, benchmark_set, scope, progress_method)
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
    drafts: Drafts = False,
) -> ChallengesOut:
    """Indicators short of their targets, furthest first; achieved ones are listed apart.

    From published values (``drafts=true``: the current ones, for those who may see
    them). Names and explanations follow ``?lang=``.
    """
    from sdgcities.assessment.challenges import challenge_summary

    found = get_city_or_404(session, city)
    summary = challenge_summary(
        session,
        found.id,
        limit=limit,
        draft_cities=_drafts_scope(session, user, found.id, drafts),
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


benchmark_router = APIRouter(prefix="/benchmark-sets", tags=["assessment"])


class BenchmarkSetOut(BaseModel):
    """A stored benchmark set and the parameters its scores are computed with."""

    name: str
    description: str
    indicators: int
    aggregation: str
    missing_threshold: float
    red_share_rule: bool = Field(
        description="a goal is red when more than a third of its rated indicators are red"
    )
    progress_method: str = Field(description="cagr-ratio or sdr-trend")
    version: int


class BenchmarkSetChange(BaseModel):
    """Parameters to change; those left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    red_share_rule: bool | None = None
    progress_method: Literal["cagr-ratio", "sdr-trend"] | None = None
    missing_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    aggregation: Literal["arithmetic", "geometric"] | None = None


def _set_out(bset: Any) -> BenchmarkSetOut:
    return BenchmarkSetOut(
        name=bset.name,
        description=bset.description,
        indicators=len(bset.rows),
        aggregation=bset.aggregation,
        missing_threshold=float(bset.missing_threshold),
        red_share_rule=bool(bset.red_share_rule),
        progress_method=bset.progress_method,
        version=int(bset.version or 1),
    )


@benchmark_router.get("", response_model=list[BenchmarkSetOut], summary="Benchmark sets")
def list_sets(session: DbSession) -> list[BenchmarkSetOut]:
    """The stored benchmark sets with their parameters."""
    from sdgcities.assessment.benchmarksets import list_benchmark_sets

    return [_set_out(b) for b in list_benchmark_sets(session)]


@benchmark_router.patch(
    "/{name}", response_model=BenchmarkSetOut, summary="Change a benchmark set's parameters"
)
def change_set(
    name: Annotated[str, PathParam(max_length=200)],
    change: BenchmarkSetChange,
    session: DbSession,
    user: Annotated[User, Depends(require_role("global_hub"))],
) -> BenchmarkSetOut:
    """Admins and the global hub change a set's parameters, e.g. switch off the
    "more than a third red" goal rule to reproduce a published dashboard. The version
    goes up and the stored scores are refreshed in the same transaction."""
    from sdgcities.assessment.benchmarksets import update_benchmark_set

    bset = update_benchmark_set(
        session,
        name,
        red_share_rule=change.red_share_rule,
        progress_method=change.progress_method,
        missing_threshold=change.missing_threshold,
        aggregation=change.aggregation,
        description=None,
    )
    del user
    return _set_out(bset)
