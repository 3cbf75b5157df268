"""Alkire–Foster counting: which neighbourhoods are multiply deprived, and why.

Alkire, S. & Foster, J. (2011). Counting and multidimensional poverty measurement.
*Journal of Public Economics* 95(7–8), 476–487. Here the unit is a neighbourhood, not a
person.

For unit ``i`` and dimension ``j`` with value ``x_ij``, cut-off ``z_j`` and weight
``w_j`` (weights sum to 1):

* deprived: ``g_ij = 1`` when ``x_ij`` is on the wrong side of ``z_j`` (below for
  "higher is better" dimensions such as an access share, above for "lower is better"
  ones such as PM2.5);
* deprivation score ``c_i = Σ_j w_j · g_ij``;
* poor (multiply deprived) when ``c_i ≥ k`` (the poverty cut-off, default 1/3 as in the
  global MPI); censored score ``c_i(k) = c_i`` if poor, else 0;
* headcount ratio ``H = q / n`` (``q`` poor of ``n`` units), intensity
  ``A = Σ c_i(k) / q``, adjusted headcount ratio ``M0 = H · A = Σ c_i(k) / n``.

``H_population`` (the share of the city's people living in poor neighbourhoods) and the
population-weighted ``M0_population`` are reported beside them. A dimension without a
value for a unit (e.g. no PM2.5 raster) is left out for every unit and the weights of the
rest are rescaled to sum to 1 (recorded in ``dimensions_used``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sdgcities.errors import SpatialInputError


@dataclass(frozen=True)
class Dimension:
    """One deprivation dimension: column, cut-off, direction and (relative) weight."""

    column: str
    cutoff: float
    higher_is_better: bool = True
    weight: float = 1.0
    label: str = ""

    def deprived(self, x: np.ndarray) -> np.ndarray:
        return x < self.cutoff if self.higher_is_better else x > self.cutoff

    def rule(self) -> str:
        return f"{self.column} {'<' if self.higher_is_better else '>'} {self.cutoff:g}"


#: the default dimensions (equal weights): the SDG 11 access shares a city lacks most,
#: PM2.5 above the WHO 2021 interim target 4 (10 µg/m³), and 15-minute walking access
#: to schools and health care below half of the people
DEFAULT_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("transit_access", 80.0, True, 1.0, "public transport (11.2.1) < 80 %"),
    Dimension("open_space_access", 80.0, True, 1.0, "open space within 400 m (11.7.1b) < 80 %"),
    Dimension("pm25", 10.0, False, 1.0, "PM2.5 > 10 µg/m³ (WHO interim target 4)"),
    Dimension("schools_15min", 50.0, True, 1.0, "schools within 15 min walk < 50 %"),
    Dimension("healthcare_15min", 50.0, True, 1.0, "health care within 15 min walk < 50 %"),
)
DEFAULT_K = 1.0 / 3.0


@dataclass
class DeprivationResult:
    scores: pd.DataFrame  # per unit: score, poor, censored, deprived_in, rank
    H: float
    A: float
    M0: float
    H_population: float | None
    M0_population: float | None
    k: float
    dimensions_used: list[dict[str, Any]] = field(default_factory=list)
    dimensions_dropped: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "method": "Alkire-Foster counting (Alkire & Foster 2011, J. Public Econ. 95(7-8))",
            "k": self.k,
            "H": self.H,
            "A": self.A,
            "M0": self.M0,
            "H_population": self.H_population,
            "M0_population": self.M0_population,
            "dimensions": self.dimensions_used,
            "dimensions_dropped": self.dimensions_dropped,
        }


def parse_dimensions(spec: list[dict[str, Any]], *, source: str) -> list[Dimension]:
    """Dimensions from data (e.g. a YAML/JSON list of ``{column, cutoff, higher_is_better,
    weight}``); each problem is named by entry number and field."""
    out = []
    for n, entry in enumerate(spec, 1):
        if not isinstance(entry, dict) or "column" not in entry or "cutoff" not in entry:
            raise SpatialInputError(
                source,
                f"dimension {n} needs `column` and `cutoff`",
                "write e.g. {column: pm25, cutoff: 10, higher_is_better: false, weight: 1}",
            )
        try:
            d = Dimension(
                str(entry["column"]),
                float(entry["cutoff"]),
                bool(entry.get("higher_is_better", True)),
                float(entry.get("weight", 1.0)),
                str(entry.get("label", "")),
            )
        except (TypeError, ValueError) as exc:
            raise SpatialInputError(
                source, f"dimension {n}: {exc}", "cutoff and weight must be numbers"
            ) from exc
        if not d.weight > 0 or not math.isfinite(d.weight):
            raise SpatialInputError(
                source, f"dimension {n} ({d.column}) has weight {d.weight}", "give a weight above 0"
            )
        out.append(d)
    return out


def alkire_foster(
    table: pd.DataFrame,
    dimensions: list[Dimension] | tuple[Dimension, ...] = DEFAULT_DIMENSIONS,
    *,
    k: float = DEFAULT_K,
    population: str | None = "population",
) -> DeprivationResult:
    """Identify and aggregate (see the module docstring); rank units by score (higher =
    more deprived; ties share the better rank).

    >>> t = pd.DataFrame({"a": [10.0, 90.0], "b": [5.0, 20.0]})
    >>> r = alkire_foster(t, [Dimension("a", 50), Dimension("b", 10, False)], k=0.5,
    ...                   population=None)
    >>> r.scores["score"].tolist(), r.H, r.A, r.M0
    ([0.5, 0.5], 1.0, 0.5, 0.5)
    """
    if not 0 < k <= 1:
        raise SpatialInputError(
            "<parameters>", f"poverty cut-off k = {k}", "give k in (0, 1] (default 1/3)"
        )
    used, dropped = [], []
    for d in dimensions:
        if (
            d.column in table.columns
            and pd.to_numeric(table[d.column], errors="coerce").notna().all()
        ):
            used.append(d)
        else:
            dropped.append(d.column)
    if not used:
        raise SpatialInputError(
            "<profile>",
            "no deprivation dimension has a value for "
            f"every unit (looked for {', '.join(dropped)})",
            "compute the indicators first or pass dimensions that the profile has",
        )
    total_w = sum(d.weight for d in used)
    n = len(table)
    score = np.zeros(n)
    deprived_in: list[list[str]] = [[] for _ in range(n)]
    for d in used:
        g = d.deprived(pd.to_numeric(table[d.column]).to_numpy(dtype=float))
        score += (d.weight / total_w) * g
        for i in np.flatnonzero(g):
            deprived_in[i].append(d.column)
    score = np.round(score, 12)
    poor = score >= k - 1e-12
    censored = np.where(poor, score, 0.0)
    q = int(poor.sum())
    h = q / n if n else 0.0
    a = float(censored.sum() / q) if q else 0.0
    m0 = float(censored.sum() / n) if n else 0.0
    hp = m0p = None
    if population and population in table.columns:
        w = pd.to_numeric(table[population]).to_numpy(dtype=float)
        if w.sum() > 0:
            hp = float(w[poor].sum() / w.sum())
            m0p = float((w * censored).sum() / w.sum())
    scores = pd.DataFrame(
        {
            "score": score,
            "poor": poor,
            "censored_score": censored,
            "deprived_in": [", ".join(x) for x in deprived_in],
        },
        index=table.index,
    )
    scores["rank"] = scores["score"].rank(ascending=False, method="min").astype(int)
    return DeprivationResult(
        scores,
        h,
        a,
        m0,
        hp,
        m0p,
        k,
        [
            {"column": d.column, "rule": d.rule(), "weight": d.weight / total_w, "label": d.label}
            for d in used
        ],
        dropped,
    )
