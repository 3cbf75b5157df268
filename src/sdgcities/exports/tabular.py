"""Observations and scores as CSV or Excel (XLSX).

* Observations: one row per current observation version (all disaggregations), columns
  ``city_id, city, city_slug, indicator, year, disaggregation, value, unit, lower, upper,
  source, version, status, observation_id``.
* Scores, CSV: one long table ``city_id, city_slug, city, level, code, goal, year, value,
  score, colour, target, target_source, progress`` (level ``indicator``, ``goal`` or
  ``index``). XLSX: sheets ``indicators``, ``goals``, ``index``, ``benchmarks`` (the set
  actually used, derived bounds flagged) and ``parameters``.

CSV is UTF-8 with standard quoting, so city names with commas survive a round trip.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import pandas as pd
from sqlalchemy.orm import Session

from sdgcities.assessment import _store
from sdgcities.assessment.scores import city_scores
from sdgcities.errors import ValidationError
from sdgcities.exports._cells import escape_frame
from sdgcities.scoring.scores import Scores
from sdgcities.store.models import BenchmarkSet

Format = Literal["csv", "xlsx"]

SCORE_COLUMNS: tuple[str, ...] = (
    "city_id",
    "city_slug",
    "city",
    "level",
    "code",
    "goal",
    "year",
    "value",
    "score",
    "colour",
    "target",
    "target_source",
    "progress",
)


def _format(path: str | Path | None, fmt: str | None) -> Format:
    chosen = (fmt or (Path(path).suffix.lstrip(".") if path is not None else "") or "csv").lower()
    if chosen not in ("csv", "xlsx"):
        raise ValidationError(
            f"export format {chosen!r} is not supported; use csv or xlsx (--format or the "
            "file suffix)"
        )
    return "xlsx" if chosen == "xlsx" else "csv"


def observations_frame(
    session: Session, *, city_ids: Iterable[int] | None = None, published_only: bool = False
) -> pd.DataFrame:
    """Current observations of every disaggregation, sorted by city, indicator, year."""
    frame = _store.current_observations(
        session, city_ids=city_ids, published_only=published_only, disaggregation=None
    )
    order = ["city", "indicator", "year", "disaggregation"]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def export_observations_bytes(
    session: Session,
    *,
    fmt: str = "csv",
    city_ids: Iterable[int] | None = None,
    published_only: bool = False,
) -> bytes:
    """The observations export in memory (for web downloads)."""
    frame = observations_frame(session, city_ids=city_ids, published_only=published_only)
    return _to_bytes({"observations": frame}, _format(None, fmt))


def export_observations(
    session: Session,
    path: str | Path,
    *,
    fmt: str | None = None,
    city_ids: Iterable[int] | None = None,
    published_only: bool = False,
) -> int:
    """Write current observations to ``path`` (format from ``fmt`` or the suffix); return rows."""
    frame = observations_frame(session, city_ids=city_ids, published_only=published_only)
    _write(Path(path), _to_bytes({"observations": frame}, _format(path, fmt)))
    return len(frame)


def scores_long(scores: Scores) -> pd.DataFrame:
    """The three levels of a store-backed :class:`Scores` as one table (:data:`SCORE_COLUMNS`)."""
    ind = scores.indicators.assign(level="indicator", code=scores.indicators["indicator"])
    ind = ind.rename(columns={"target": "target_engine"}).rename(columns={"target_value": "target"})
    goals = scores.goals.assign(level="goal", code=scores.goals["goal"])
    index = scores.index.assign(level="index", code="index", goal="", colour="")
    out = pd.concat([ind, goals, index], ignore_index=True, sort=False)
    for col in SCORE_COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA
    out = out.loc[:, list(SCORE_COLUMNS)]
    out["year"] = out["year"].astype("Int64")
    return out


def _scores_sheets(scores: Scores) -> dict[str, pd.DataFrame]:
    params = pd.DataFrame(
        {
            "parameter": list(scores.parameters),
            "value": [str(v) for v in scores.parameters.values()],
        }
    )
    return {
        "indicators": scores.indicators,
        "goals": scores.goals,
        "index": scores.index,
        "benchmarks": scores.benchmarks.table,
        "parameters": params,
    }


def export_scores_bytes(
    session: Session,
    *,
    fmt: str = "csv",
    city_ids: Iterable[int] | None = None,
    benchmark_set: str | BenchmarkSet | None = None,
    published_only: bool = False,
) -> bytes:
    """The scores export in memory (CSV: the long table; XLSX: one sheet per level)."""
    scores = city_scores(
        session, city_ids, benchmark_set=benchmark_set, published_only=published_only
    )
    chosen = _format(None, fmt)
    if chosen == "csv":
        return _to_bytes({"scores": scores_long(scores)}, "csv")
    return _to_bytes(_scores_sheets(scores), "xlsx")


def export_scores(
    session: Session,
    path: str | Path,
    *,
    fmt: str | None = None,
    city_ids: Iterable[int] | None = None,
    benchmark_set: str | BenchmarkSet | None = None,
    published_only: bool = False,
) -> int:
    """Write scores to ``path``; return the number of cities scored."""
    scores = city_scores(
        session, city_ids, benchmark_set=benchmark_set, published_only=published_only
    )
    chosen = _format(path, fmt)
    sheets = {"scores": scores_long(scores)} if chosen == "csv" else _scores_sheets(scores)
    _write(Path(path), _to_bytes(sheets, chosen))
    return len(scores.index)


def _to_bytes(sheets: dict[str, pd.DataFrame], fmt: Format) -> bytes:
    if fmt == "csv":
        (frame,) = sheets.values()
        return escape_frame(frame).to_csv(index=False).encode("utf-8")
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            escape_frame(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a partial file never replaces a good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
