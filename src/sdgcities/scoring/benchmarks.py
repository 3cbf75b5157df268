"""Benchmark sets: per indicator bounds (best / worst) and colour thresholds.

A benchmark set is data, one row per indicator::

    indicator, goal, best, worst, green, yellow, orange[, weight][, direction][, target]

* ``best`` / ``worst`` are the values that normalise to 100 and 0
  (SDSN city SDG indices: ``clip(100·(x − worst)/(best − worst), 0, 100)``). When
  ``best < worst`` lower is better. Either may be left blank: :func:`derive_bounds`
  then derives it from the observed values across cities the way the SDSN indices do
  (best = mean of the top 5 performers, worst = 2.5th percentile; mirrored for
  lower-is-better) and records that in the ``derived`` and ``derivation`` columns.
* ``green`` / ``yellow`` / ``orange`` are colour thresholds: a value at or better than
  ``green`` is green, else at or better than ``yellow`` yellow, else at or better than
  ``orange`` orange, else red. All three or none (no colour: ``grey``).
* ``weight`` (default 1) weighs the indicator inside its goal.
* ``direction`` (``higher`` / ``lower``, optional) says which way is better; needed only
  when both bounds are blank and the thresholds cannot tell.
* ``target`` (optional) turns the row into *distance-from-target* scoring for
  indicators with no "higher / lower is better", such as 11.3.1 LCRPGR (target 1). The
  scored quantity is then the distance ratio ``d = |x − target| / |target|`` (``|x|``
  when target is 0) and ``best``, ``worst`` and the thresholds of that row are on the
  ``d`` scale (lower is better; blank ``best`` means 0). Example: ``target=1, best=0,
  worst=1, green=0.1, yellow=0.25, orange=0.5`` scores LCRPGR 1.0 → 100, 1.5 → 50,
  0.5 → 50, ≥ 2 or ≤ 0 → 0.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sdgcities.errors import Finding, InputFileError, ValidationError

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS: tuple[str, ...] = (
    "indicator",
    "goal",
    "best",
    "worst",
    "green",
    "yellow",
    "orange",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("weight", "direction", "target")
NUMERIC_COLUMNS: tuple[str, ...] = (
    "best",
    "worst",
    "green",
    "yellow",
    "orange",
    "weight",
    "target",
)
THRESHOLDS: tuple[str, ...] = ("green", "yellow", "orange")
TABLE_COLUMNS: tuple[str, ...] = (
    "indicator",
    "goal",
    "best",
    "worst",
    "green",
    "yellow",
    "orange",
    "weight",
    "target",
    "higher_is_better",
    "colours",
    "derived",
    "derivation",
)

#: what a threshold warning means for the row (scores depend on best and worst only)
NO_COLOUR_NOTE = "the row's colours are left blank (no colour); its scores are unaffected"

#: number of top performers averaged for a derived ``best`` (SDSN method)
TOP_N = 5
#: percentile of the observed distribution used for a derived ``worst`` (SDSN method)
WORST_PERCENTILE = 2.5


@dataclass(frozen=True)
class BenchmarkSet:
    """A validated benchmark table (one row per indicator, columns :data:`TABLE_COLUMNS`).

    ``higher_is_better`` is True, False or NaN (unknown until bounds are derived);
    ``derived`` / ``derivation`` record bounds computed from observations.
    """

    table: pd.DataFrame
    name: str = ""
    #: warnings found while validating (rows scored, but e.g. left without colour)
    warnings: tuple[Finding, ...] = ()

    @property
    def indicators(self) -> list[str]:
        return [str(v) for v in self.table["indicator"]]

    @property
    def goals(self) -> list[str]:
        """Goal codes in first-appearance order."""
        return list(dict.fromkeys(str(v) for v in self.table["goal"]))

    @property
    def needs_derivation(self) -> bool:
        t = self.table
        return bool((t["best"].isna() | t["worst"].isna()).any())

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        name: str = "",
        file: str | None = None,
        strict: bool = False,
    ) -> BenchmarkSet:
        """Validate ``frame`` (CSV-like columns) into a set; raises :class:`ValidationError`.

        Warnings (thresholds out of order or partly blank: the row gets no colour;
        a threshold beyond a bound) do not stop scoring and are kept in
        :attr:`warnings`; ``strict=True`` turns them into errors.
        """
        findings = validate_benchmark_table(frame, file=file)
        if strict:
            findings = [replace(f, severity="error") for f in findings]
        errors = [f for f in findings if f.severity == "error"]
        warnings = tuple(f for f in findings if f.severity != "error")
        for w in warnings:
            logger.warning("benchmark table: %s", w)
        if errors:
            raise ValidationError(
                f"benchmark table {file or name or ''} has {len(errors)} problem(s)".replace(
                    "  ", " "
                ),
                errors,
            )
        return cls(_canonical_table(frame), name=name, warnings=warnings)


def load_benchmarks_csv(
    path: str | Path, *, name: str | None = None, strict: bool = False
) -> BenchmarkSet:
    """Read and validate a benchmark CSV; every problem is reported at once.

    ``strict=True`` makes warnings (see :meth:`BenchmarkSet.from_frame`) errors.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(p, "benchmark file not found", "give the path of an existing CSV file")
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(
            p, f"cannot read as CSV ({exc})", "save the file as UTF-8 CSV"
        ) from exc
    return BenchmarkSet.from_frame(frame, name=name or p.stem, file=str(p), strict=strict)


def _to_float(text: object) -> float | None:
    """Parse a cell: None for blank, NaN for not-a-number text."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    s = str(text).strip()
    if s == "":
        return None
    try:
        return float(s)
    except ValueError:
        return math.nan


def _direction_of(row: dict[str, float | None], direction: str) -> bool | None:
    """Which way is better: explicit column, then best/worst, then thresholds."""
    if direction in ("higher", "lower"):
        return direction == "higher"
    if row.get("target") is not None:
        return False
    best, worst = row["best"], row["worst"]
    if best is not None and worst is not None and best != worst:
        return best > worst
    g, o = row["green"], row["orange"]
    if g is not None and o is not None and g != o:
        return g > o
    return None


def validate_benchmark_table(frame: pd.DataFrame, *, file: str | None = None) -> list[Finding]:
    """Return every finding (row, column, what, fix) for a benchmark table.

    Rows are numbered as in a spreadsheet with one header line (first data row = 2).
    """
    findings: list[Finding] = []
    cols = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    for c in missing:
        findings.append(
            Finding(
                f"required column {c!r} is missing",
                file=file,
                column=c,
                fix=f"add a header {c!r}; required columns are {', '.join(REQUIRED_COLUMNS)}",
            )
        )
    if missing:
        return findings
    frame = frame.set_axis(cols, axis=1)
    seen: dict[str, int] = {}
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2

        def add(
            msg: str,
            column: str | None,
            value: object = None,
            fix: str | None = None,
            severity: str = "error",
        ) -> None:
            findings.append(
                Finding(
                    msg,
                    file=file,
                    row=row,  # noqa: B023 - used immediately inside the loop
                    column=column,
                    value=None if value is None else str(value),
                    fix=fix,
                    severity=severity,
                )
            )

        ind = str(rec.get("indicator", "") or "").strip()
        if not ind:
            add("indicator name is blank", "indicator", fix="give every row an indicator name")
        elif ind in seen:
            add(
                f"duplicate indicator (first on row {seen[ind]})",
                "indicator",
                ind,
                "keep one row per indicator",
            )
        else:
            seen[ind] = row
        if not str(rec.get("goal", "") or "").strip():
            add("goal is blank", "goal", fix="give the goal code, e.g. 'sdg11'")
        nums: dict[str, float | None] = {}
        for c in NUMERIC_COLUMNS:
            v = _to_float(rec.get(c)) if c in frame.columns else None
            if v is not None and not math.isfinite(v):
                add(
                    "not a number",
                    c,
                    rec.get(c),
                    "write a plain number with '.' as decimal mark, or leave blank",
                )
                v = None
                nums[c + "_bad"] = 1.0
            nums[c] = v
        direction = str(rec.get("direction", "") or "").strip().lower()
        if direction not in ("", "higher", "lower"):
            add(
                "direction must be 'higher' or 'lower'",
                "direction",
                direction,
                "write higher, lower or leave blank",
            )
            direction = ""
        w = nums["weight"]
        if w is not None and w <= 0:
            add(
                "weight must be positive",
                "weight",
                w,
                "use a positive number, or leave blank for 1",
            )
        target = nums["target"]
        best, worst = nums["best"], nums["worst"]
        if target is not None:
            if best is None and "best_bad" not in nums:
                best = nums["best"] = 0.0
            if best is not None and best < 0:
                add(
                    "for a target row best is a distance ratio and cannot be negative",
                    "best",
                    best,
                    "use 0",
                )
        if best is not None and worst is not None and best == worst:
            add(
                "best equals worst, so values cannot be normalised",
                "worst",
                worst,
                "give different best and worst values",
            )
        hib = _direction_of(nums, direction)
        if (
            direction
            and best is not None
            and worst is not None
            and best != worst
            and hib != (best > worst)
        ):
            add(
                f"direction {direction!r} contradicts best={best:g}, worst={worst:g}",
                "direction",
                direction,
                "swap best and worst or fix the direction",
            )
        given = [c for c in THRESHOLDS if nums[c] is not None]
        bad_thr = [c for c in THRESHOLDS if c + "_bad" in nums]
        if given and len(given) + len(bad_thr) < len(THRESHOLDS):
            for c in THRESHOLDS:
                if nums[c] is None and c not in bad_thr:
                    add(
                        f"threshold is blank while others are given: {NO_COLOUR_NOTE}",
                        c,
                        fix="give green, yellow and orange, or none",
                        severity="warning",
                    )
        if (
            best is None
            and worst is None
            and hib is None
            and "best_bad" not in nums
            and "worst_bad" not in nums
        ):
            add(
                "both bounds are blank and the direction is unknown",
                "direction",
                fix="add a 'direction' column (higher/lower) or give green and orange thresholds",
            )
        if hib is not None and len(given) == len(THRESHOLDS):
            sign = 1.0 if hib else -1.0
            chain = [("best", best), ("green", nums["green"]), ("yellow", nums["yellow"]),
                     ("orange", nums["orange"]), ("worst", worst)]  # fmt: skip
            present = [(c, v) for c, v in chain if v is not None]
            for (c1, v1), (c2, v2) in itertools.pairwise(present):
                if v1 is not None and v2 is not None and sign * (v1 - v2) < 0:
                    better = "higher" if hib else "lower"
                    # a threshold beyond a bound happens in published sets (Spanish
                    # index 2018: infant mortality orange 7 vs worst 4.5): colours kept;
                    # thresholds out of order among themselves: the row gets no colour.
                    # Scores depend on best and worst only, so neither blocks scoring.
                    beyond_bound = c1 == "best" or c2 == "worst"
                    add(
                        f"thresholds not monotonic: {c2}={v2:g} is better than {c1}={v1:g} "
                        f"({better} is better)" + ("" if beyond_bound else f": {NO_COLOUR_NOTE}"),
                        c2,
                        v2,
                        "order the values best ≥ green ≥ yellow ≥ orange ≥ worst "
                        "(reversed when lower is better)",
                        "warning",
                    )
    return findings


def _canonical_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Validated CSV-like frame → canonical table with typed columns."""
    frame = frame.set_axis([str(c).strip() for c in frame.columns], axis=1)
    out = pd.DataFrame(
        {
            "indicator": frame["indicator"].astype(str).str.strip(),
            "goal": frame["goal"].astype(str).str.strip(),
        }
    )
    for c in NUMERIC_COLUMNS:
        if c in frame.columns:
            out[c] = [(_to_float(v) if _to_float(v) is not None else np.nan) for v in frame[c]]
        else:
            out[c] = np.nan
    out["weight"] = out["weight"].fillna(1.0)
    is_target = out["target"].notna()
    out.loc[is_target & out["best"].isna(), "best"] = 0.0
    directions = (
        frame["direction"].astype(str).str.strip().str.lower()
        if "direction" in frame.columns
        else pd.Series([""] * len(frame))
    )
    hib: list[object] = []
    usable: list[bool] = []
    for rec, d in zip(out.to_dict("records"), directions, strict=True):
        nums = {
            k: (None if pd.isna(v) else float(v)) for k, v in rec.items() if k in NUMERIC_COLUMNS
        }
        h = _direction_of(nums, d)
        hib.append(np.nan if h is None else h)
        usable.append(_colours_usable(nums, h))
    out["higher_is_better"] = pd.Series(hib, dtype=object)
    out["colours"] = usable
    out["derived"] = False
    out["derivation"] = ""
    return out.reset_index(drop=True)[list(TABLE_COLUMNS)]


def _colours_usable(nums: dict[str, float | None], hib: bool | None) -> bool:
    """Whether a row's thresholds can colour values: all three given, in order.

    A threshold beyond ``best`` or ``worst`` does not matter here (published
    dashboards colour from the censored scale); green/yellow/orange out of order
    among themselves, or partly blank, leave the row without colour.
    """
    g, y, o = nums.get("green"), nums.get("yellow"), nums.get("orange")
    if g is None or y is None or o is None:
        return False
    if hib is None:
        return (g >= y >= o) or (g <= y <= o)
    sign = 1.0 if hib else -1.0
    return sign * (g - y) >= 0 and sign * (y - o) >= 0


def distance_from_target(values: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Distance-from-target ratio ``|x − target| / |target|`` (``|x|`` where target = 0)."""
    t = np.asarray(target, dtype=float)
    x = np.asarray(values, dtype=float)
    denom = np.where(t == 0, 1.0, np.abs(t))
    return np.asarray(np.abs(x - t) / denom, dtype=float)


def derive_bounds(
    benchmarks: BenchmarkSet,
    latest: pd.DataFrame,
    *,
    top_n: int = TOP_N,
    worst_percentile: float = WORST_PERCENTILE,
) -> BenchmarkSet:
    """Fill blank ``best`` / ``worst`` from observed values across cities (SDSN method).

    ``latest`` has columns ``indicator`` and ``value`` (one value per city, usually the
    latest year). Higher-is-better: best = mean of the ``top_n`` highest values,
    worst = ``worst_percentile``-th percentile. Lower-is-better mirrors it: best = mean
    of the ``top_n`` lowest, worst = (100 − ``worst_percentile``)-th percentile. Target
    rows derive on the distance-from-target scale. Percentiles use numpy's linear
    interpolation. Each derived row gets ``derived=True`` and a ``derivation`` note.
    """
    table = benchmarks.table.copy()
    groups = {str(k): g["value"].to_numpy(dtype=float) for k, g in latest.groupby("indicator")}
    best = table["best"].to_numpy(dtype=float).copy()
    worst = table["worst"].to_numpy(dtype=float).copy()
    target = table["target"].to_numpy(dtype=float)
    hib_col = list(table["higher_is_better"])
    derived = list(table["derived"].astype(bool))
    notes_col = [str(v) for v in table["derivation"]]
    for i, ind in enumerate(str(v) for v in table["indicator"]):
        if not (np.isnan(best[i]) or np.isnan(worst[i])):
            continue
        vals = groups.get(ind, np.array([], dtype=float))
        if not np.isnan(target[i]):
            vals = distance_from_target(vals, np.full(vals.shape, target[i]))
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            notes_col[i] = "bounds blank and no observed values: cannot derive"
            logger.info("indicator %s: no observations to derive bounds from", ind)
            continue
        if pd.isna(hib_col[i]):
            med = float(np.median(vals))
            hib = bool(best[i] > med) if not np.isnan(best[i]) else bool(worst[i] < med)
            hib_col[i] = hib
        else:
            hib = bool(hib_col[i])
        srt = np.sort(vals)
        n = min(top_n, srt.size)
        notes = []
        if np.isnan(best[i]):
            top = srt[-n:] if hib else srt[:n]
            best[i] = float(top.mean())
            side = "highest" if hib else "lowest"
            notes.append(f"best = mean of the {n} {side} of {srt.size} observed values")
        if np.isnan(worst[i]):
            q = worst_percentile if hib else 100.0 - worst_percentile
            worst[i] = float(np.percentile(srt, q))
            notes.append(f"worst = {q:g}th percentile of {srt.size} observed values")
        if best[i] == worst[i]:
            notes.append("derived best equals worst: indicator cannot be normalised")
        if not np.isnan(target[i]):
            notes.append("on the distance-from-target scale")
        derived[i] = True
        notes_col[i] = "; ".join(notes)
    table["best"] = best
    table["worst"] = worst
    table["higher_is_better"] = pd.Series(hib_col, index=table.index, dtype=object)
    table["derived"] = derived
    table["derivation"] = notes_col
    return replace(benchmarks, table=table)
