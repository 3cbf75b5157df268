"""Traffic-light colours for indicators and goals (SDSN dashboards).

Indicator colour: value at or better than ``green`` → green; else at or better than
``yellow`` → yellow; else at or better than ``orange`` → orange; else red. "Better"
follows the indicator's direction (higher is better when ``best > worst``). Missing
values or missing thresholds → ``grey``.

Goal colour (rule chosen here and reproduced on the Spanish Cities SDG Index 2018
"Dashboard-Best Performers" sheet, see tests/scoring):

1. every indicator is put on the *dashboard scale* 0–3, piecewise linear through
   ``worst → 0``, ``orange → 1``, ``yellow → 1.5``, ``green → 2``, ``best → 3``
   (censored at 0 and 3) — so 0–1 is red, 1–1.5 orange, 1.5–2 yellow, 2–3 green;
2. the goal's value is the mean of its rated indicators on that scale, coloured with
   the same cut-offs (≥ 2 green, ≥ 1.5 yellow, ≥ 1 orange, else red);
3. a goal with fewer than ``min_rated_share`` (default ½) of its indicators rated is
   grey;
4. with ``red_share_rule=True`` (default, the platform's method) a goal is red when
   more than a third of its rated indicators are red, whatever its mean. The Spanish
   2018 index does *not* apply this rule; pass ``red_share_rule=False`` to reproduce it.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

GREEN, YELLOW, ORANGE, RED, GREY = "green", "yellow", "orange", "red", "grey"
COLOURS: tuple[str, ...] = (GREEN, YELLOW, ORANGE, RED, GREY)
#: dashboard-scale positions of worst, orange, yellow, green and best
DASHBOARD_KNOTS: tuple[float, ...] = (0.0, 1.0, 1.5, 2.0, 3.0)

FloatArray = npt.NDArray[np.float64]


def _oriented(
    values: npt.ArrayLike, higher_is_better: npt.ArrayLike, *others: npt.ArrayLike
) -> tuple[FloatArray, ...]:
    sign = np.where(np.asarray(higher_is_better, dtype=bool), 1.0, -1.0)
    return tuple(np.asarray(a, dtype=float) * sign for a in (values, *others))


def indicator_colours(
    values: npt.ArrayLike,
    *,
    green: npt.ArrayLike,
    yellow: npt.ArrayLike,
    orange: npt.ArrayLike,
    higher_is_better: npt.ArrayLike,
    worst: npt.ArrayLike | None = None,
) -> npt.NDArray[np.str_]:
    """Colour each value against its thresholds (broadcasting like numpy).

    With ``worst`` given, a value worse than ``worst`` (normalised score censored at 0)
    is red even when an orange threshold lies beyond ``worst`` — the SDSN dashboards
    colour from the censored scale (Spanish index 2018, infant mortality).

    >>> indicator_colours([90, 70, 50, 10], green=80, yellow=60, orange=40,
    ...                   higher_is_better=True).tolist()
    ['green', 'yellow', 'orange', 'red']
    """
    x, g, y, o = _oriented(values, higher_is_better, green, yellow, orange)
    grey = np.isnan(x) | np.isnan(g) | np.isnan(y) | np.isnan(o)
    (w,) = _oriented(np.nan if worst is None else worst, higher_is_better)
    with np.errstate(invalid="ignore"):
        beyond = x < w
        out = np.select(
            [grey, beyond, x >= g, x >= y, x >= o], [GREY, RED, GREEN, YELLOW, ORANGE], RED
        )
    return np.asarray(out, dtype=np.str_)


def dashboard_scale(
    values: npt.ArrayLike,
    *,
    best: npt.ArrayLike,
    worst: npt.ArrayLike,
    green: npt.ArrayLike,
    yellow: npt.ArrayLike,
    orange: npt.ArrayLike,
) -> FloatArray:
    """Piecewise-linear 0–3 scale: worst→0, orange→1, yellow→1.5, green→2, best→3.

    Direction follows ``best > worst``. NaN when the value or any knot is NaN. A
    threshold beyond a bound moves that bound's knot onto it (the top-green band or the
    red band collapses), except that values worse than ``worst`` stay at 0.
    """
    b = np.asarray(best, dtype=float)
    w = np.asarray(worst, dtype=float)
    x, kw, ko, ky, kg, kb = _oriented(values, b > w, worst, orange, yellow, green, best)
    x, kw, ko, ky, kg, kb = np.broadcast_arrays(x, kw, ko, ky, kg, kb)
    # thresholds beyond a bound: keep knots monotone for interpolation, but values
    # worse than ``worst`` still sit at 0 (censored, as in SDSN dashboards)
    beyond_worst = x < kw
    kw = np.minimum(kw, ko)
    kb = np.maximum(kb, kg)
    knots = [kw, ko, ky, kg, kb]
    out = np.where(x >= kb, 3.0, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        for (lo, hi), (s0, s1) in zip(
            itertools.pairwise(knots), itertools.pairwise(DASHBOARD_KNOTS), strict=True
        ):
            inside = (x >= lo) & (x < hi)
            frac = np.where(hi > lo, (x - lo) / np.where(hi > lo, hi - lo, 1.0), 1.0)
            out = np.where(inside, s0 + (s1 - s0) * frac, out)
    out = np.where(beyond_worst, 0.0, out)
    bad = np.isnan(x) | np.isnan(kw) | np.isnan(ko) | np.isnan(ky) | np.isnan(kg) | np.isnan(kb)
    return np.asarray(np.where(bad, np.nan, out), dtype=np.float64)


def colour_of_dashboard_value(values: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Colour a dashboard-scale value: ≥ 2 green, ≥ 1.5 yellow, ≥ 1 orange, else red."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.select(
            [np.isnan(v), v >= 2.0, v >= 1.5, v >= 1.0], [GREY, GREEN, YELLOW, ORANGE], RED
        )
    return np.asarray(out, dtype=np.str_)


def goal_colours(
    dashboard: npt.ArrayLike,
    membership: npt.ArrayLike,
    *,
    red_share_rule: bool = True,
    min_rated_share: float = 0.5,
) -> npt.NDArray[np.str_]:
    """Goal colours from a cities × indicators dashboard-scale matrix.

    ``membership`` is an indicators × goals 0/1 matrix. Returns cities × goals colours
    following the module's rule (mean on the dashboard scale; grey when fewer than
    ``min_rated_share`` of the goal's indicators are rated; red when more than a third
    of rated indicators are red if ``red_share_rule``).
    """
    d = np.asarray(dashboard, dtype=float)
    m = np.asarray(membership, dtype=float)
    rated = ~np.isnan(d)
    n_rated = rated.astype(float) @ m
    n_total = np.broadcast_to(m.sum(axis=0), n_rated.shape)
    total = np.where(rated, d, 0.0) @ m
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_rated > 0, total / np.where(n_rated > 0, n_rated, 1.0), np.nan)
        n_red = (rated & (d < 1.0)).astype(float) @ m
        out = colour_of_dashboard_value(mean)
        if red_share_rule:
            out = np.where((n_rated > 0) & (n_red * 3.0 > n_rated), RED, out)
        out = np.where((n_total == 0) | (n_rated < min_rated_share * n_total), GREY, out)
    return np.asarray(out, dtype=np.str_)
