"""Aggregation of normalised indicator scores into goal scores and an index.

* Goal score = (weighted) mean of the goal's available normalised indicators
  (SDSN city SDG indices): ``Σ wᵢ·sᵢ / Σ wᵢ`` over indicators with data.
* Index = mean of the available goal scores (goals weigh equally).
* ``aggregation="geometric"`` (City Prosperity Index style, UN-Habitat CPI
  methodology): ``exp(Σ wᵢ·ln max(sᵢ, 1) / Σ wᵢ)``. Scores are floored at 1 on the
  0–100 scale before taking logs, as the CPI does, so one zero does not wipe out a goal.
* Missing-data rule: a city whose share of missing indicators exceeds
  ``missing_threshold`` (default 0.20) gets no index (NaN) and a reason.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

Aggregation = Literal["arithmetic", "geometric"]
FloatArray = npt.NDArray[np.float64]

#: floor applied on the 0–100 scale before a geometric mean (CPI convention)
GEOMETRIC_FLOOR = 1.0


def _check(aggregation: str) -> None:
    if aggregation not in ("arithmetic", "geometric"):
        raise ValueError(
            f"aggregation={aggregation!r} is not supported; use 'arithmetic' or 'geometric'"
        )


def weighted_mean(
    scores: npt.ArrayLike, weights: npt.ArrayLike, *, aggregation: Aggregation = "arithmetic"
) -> FloatArray:
    """Row-wise (weighted) mean of a rows × items matrix, skipping NaN; NaN when a row has none.

    ``weights`` is an items × groups matrix (membership × weight); returns rows × groups.

    >>> weighted_mean([[50.0, 100.0, np.nan]], [[1.0], [1.0], [1.0]]).tolist()
    [[75.0]]
    """
    _check(aggregation)
    s = np.asarray(scores, dtype=float)
    w = np.asarray(weights, dtype=float)
    avail = ~np.isnan(s)
    if aggregation == "geometric":
        s = np.log(np.maximum(s, GEOMETRIC_FLOOR))
    num = np.where(avail, s, 0.0) @ w
    den = avail.astype(float) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    if aggregation == "geometric":
        out = np.exp(out)
    return np.asarray(out, dtype=np.float64)


def goal_scores(
    indicator_scores: npt.ArrayLike,
    membership: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    aggregation: Aggregation = "arithmetic",
) -> FloatArray:
    """Goal scores from a cities × indicators matrix of normalised scores.

    ``membership`` is indicators × goals (1 where the indicator belongs to the goal);
    ``weights`` (per indicator, default 1) weigh indicators inside their goal.
    """
    m = np.asarray(membership, dtype=float)
    if weights is not None:
        m = m * np.asarray(weights, dtype=float)[:, None]
    return weighted_mean(indicator_scores, m, aggregation=aggregation)


def index_scores(
    goal_score_matrix: npt.ArrayLike,
    missing_share: npt.ArrayLike,
    *,
    missing_threshold: float = 0.2,
    aggregation: Aggregation = "arithmetic",
) -> tuple[FloatArray, list[str]]:
    """Index = mean of available goal scores; NaN (with reason) when too much is missing.

    Returns the index per city and a reason per city ("" when the index exists).
    """
    g = np.asarray(goal_score_matrix, dtype=float)
    share = np.asarray(missing_share, dtype=float)
    idx = weighted_mean(g, np.ones((g.shape[1], 1)), aggregation=aggregation)[:, 0]
    reasons: list[str] = []
    too_many = share > missing_threshold
    for i in range(g.shape[0]):
        if too_many[i]:
            reasons.append(
                f"{share[i]:.1%} of indicators missing, more than the threshold "
                f"{missing_threshold:.0%}"
            )
        elif np.isnan(idx[i]):
            reasons.append("no goal has data")
        else:
            reasons.append("")
    idx = np.where(too_many, np.nan, idx)
    return np.asarray(idx, dtype=np.float64), reasons
