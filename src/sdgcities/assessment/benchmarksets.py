"""Benchmark sets in the store: load from CSV, look up, ship a default.

A benchmark set (``BenchmarkSet`` row with one ``Benchmark`` row per indicator) holds
the normalisation bounds and colour thresholds of the SDSN city-index method (see
:mod:`sdgcities.scoring.benchmarks` for the file format and the validation). The
default set, ``sdg11-default``, ships as package data
(``assessment/data/benchmarks_sdg11.csv``; its README gives the source of every bound)
and is installed into the store the first time it is asked for.

Blank bounds stay blank in the store: they are derived from the data each time the set
is used for scoring, so the derivation always reflects the cities in the store.
"""

from __future__ import annotations

import logging
import math
from importlib import resources
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.errors import ConflictError, NotFoundError
from sdgcities.scoring import benchmarks as engine
from sdgcities.store.models import Benchmark, BenchmarkSet

logger = logging.getLogger(__name__)

DEFAULT_SET = "sdg11-default"
_BUILTIN_FILES = {DEFAULT_SET: "benchmarks_sdg11.csv"}
_BUILTIN_DESCRIPTIONS = {
    DEFAULT_SET: (
        "SDG 11 default set of sdgcities: WHO 2021 air-quality guideline and interim "
        "targets for 11.6.2; SDG target end states as best values; other bounds derived "
        "from the data (SDSN method); conventional thresholds labelled in the README."
    )
}
#: marker in ``Benchmark.derivation`` that keeps an explicit direction from the file
_DIRECTION_TAG = "direction="


def builtin_benchmark_sets() -> dict[str, Path]:
    """Names and package-data paths of the benchmark sets shipped with sdgcities."""
    base = resources.files("sdgcities.assessment") / "data"
    return {name: Path(str(base / fname)) for name, fname in _BUILTIN_FILES.items()}


def list_benchmark_sets(session: Session) -> list[BenchmarkSet]:
    """Benchmark sets in the store, by name."""
    return list(session.scalars(select(BenchmarkSet).order_by(BenchmarkSet.name)))


def load_benchmark_set(
    session: Session,
    name: str,
    path: str | Path,
    *,
    description: str = "",
    aggregation: str = "arithmetic",
    missing_threshold: float = 0.2,
    replace: bool = False,
) -> BenchmarkSet:
    """Validate the CSV at ``path`` and store it as benchmark set ``name``.

    Every problem of the file is reported at once (:class:`~sdgcities.errors.ValidationError`);
    nothing is stored then. An existing set of that name is a
    :class:`~sdgcities.errors.ConflictError` unless ``replace=True``.
    """
    if aggregation not in ("arithmetic", "geometric"):
        raise ValueError(
            f"aggregation={aggregation!r} is not supported; use 'arithmetic' or 'geometric'"
        )
    if not 0.0 <= missing_threshold <= 1.0:
        raise ValueError(f"missing_threshold={missing_threshold} must be between 0 and 1")
    parsed = engine.load_benchmarks_csv(path, name=name)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    directions = (
        raw["direction"].str.strip().str.lower().tolist()
        if "direction" in raw.columns
        else [""] * len(raw)
    )
    existing = session.scalars(select(BenchmarkSet).where(BenchmarkSet.name == name)).first()
    if existing is not None:
        if not replace:
            raise ConflictError(
                f"benchmark set {name!r} already exists; choose another name or replace it "
                "(--replace / replace=True)"
            )
        session.delete(existing)
        session.flush()
    bset = BenchmarkSet(
        name=name,
        description=description or f"loaded from {Path(path).name}",
        aggregation=aggregation,
        missing_threshold=missing_threshold,
    )
    for rec, direction in zip(parsed.table.to_dict("records"), directions, strict=True):
        bset.rows.append(
            Benchmark(
                indicator_code=str(rec["indicator"]),
                goal=str(rec["goal"]),
                best=_num(rec["best"]),
                worst=_num(rec["worst"]),
                green=_num(rec["green"]),
                yellow=_num(rec["yellow"]),
                orange=_num(rec["orange"]),
                weight=float(rec["weight"]),
                target=_num(rec["target"]),
                derived=False,
                derivation=f"{_DIRECTION_TAG}{direction}" if direction else "",
            )
        )
    session.add(bset)
    session.flush()
    logger.info("stored benchmark set %s with %d indicators", name, len(bset.rows))
    return bset


def get_benchmark_set(session: Session, name: str | None = None) -> BenchmarkSet:
    """The stored set ``name`` (default ``sdg11-default``); a built-in is installed on first use."""
    wanted = name or DEFAULT_SET
    found = session.scalars(select(BenchmarkSet).where(BenchmarkSet.name == wanted)).first()
    if found is not None:
        return found
    builtins = builtin_benchmark_sets()
    if wanted in builtins:
        return load_benchmark_set(
            session, wanted, builtins[wanted], description=_BUILTIN_DESCRIPTIONS[wanted]
        )
    known = sorted({s.name for s in list_benchmark_sets(session)} | set(builtins))
    raise NotFoundError(
        f"no benchmark set {wanted!r}; known sets: {', '.join(known)} "
        "(load one with `sdgcities benchmarks load NAME FILE.csv`)"
    )


def to_engine_set(bset: BenchmarkSet) -> engine.BenchmarkSet:
    """The stored set as the engine's validated :class:`sdgcities.scoring.BenchmarkSet`."""
    records = []
    for row in sorted(bset.rows, key=lambda r: r.id or 0):
        direction = ""
        if row.derivation.startswith(_DIRECTION_TAG):
            direction = row.derivation[len(_DIRECTION_TAG) :].split(";")[0].strip()
        records.append(
            {
                "indicator": row.indicator_code,
                "goal": row.goal,
                "best": _text(row.best),
                "worst": _text(row.worst),
                "green": _text(row.green),
                "yellow": _text(row.yellow),
                "orange": _text(row.orange),
                "weight": _text(row.weight),
                "direction": direction,
                "target": _text(row.target),
            }
        )
    frame = pd.DataFrame(records, columns=[*engine.REQUIRED_COLUMNS, *engine.OPTIONAL_COLUMNS])
    return engine.BenchmarkSet.from_frame(frame, name=bset.name)


def benchmark_table(bset: BenchmarkSet) -> pd.DataFrame:
    """The stored rows as a table (blank bounds as NaN) for display and export."""
    return to_engine_set(bset).table.copy()


def _num(value: object) -> float | None:
    if value is None:
        return None
    f = float(value)  # type: ignore[arg-type]
    return None if math.isnan(f) else f


def _text(value: float | None) -> str:
    return "" if value is None else repr(float(value))
