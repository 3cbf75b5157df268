"""Benchmark sets in the store: load from CSV, look up, ship a default.

A benchmark set (``BenchmarkSet`` row with one ``Benchmark`` row per indicator) holds
the normalisation bounds and colour thresholds of the SDSN city-index method (see
:mod:`sdgcities.scoring.benchmarks` for the file format and the validation). The
default set, ``sdg11-default``, ships as package data
(``assessment/data/benchmarks_sdg11.csv``; its README gives the source of every bound)
and is installed into the store the first time it is asked for.

Blank bounds stay blank in the rows: they are derived from the public values of all
cities whenever the set's stored scores are refreshed (the result is kept in
``BenchmarkSet.derived_bounds``, see :mod:`sdgcities.assessment.stored`), so the
derivation always reflects the cities in the store. A set's parameters — aggregation,
missing-data threshold, the "more than a third red" goal rule and the progress method —
are data of the set, changed with :func:`update_benchmark_set`.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from importlib import resources
from pathlib import Path

import pandas as pd
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sdgcities.errors import ConflictError, NotFoundError
from sdgcities.scoring import benchmarks as engine
from sdgcities.scoring.progress import DEFAULT_PROGRESS_METHOD, check_progress_method
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
    strict: bool = False,
    red_share_rule: bool = True,
    progress_method: str = DEFAULT_PROGRESS_METHOD,
    refresh: bool = True,
) -> BenchmarkSet:
    """Validate the CSV at ``path`` and store it as benchmark set ``name``.

    Every problem of the file is reported at once (:class:`~sdgcities.errors.ValidationError`);
    nothing is stored then. Rows with thresholds out of order or partly blank are kept
    as published and get no colour (a warning; ``strict=True`` makes it an error —
    read the warnings with ``to_engine_set(bset).warnings``). An existing set of that
    name is a :class:`~sdgcities.errors.ConflictError` unless ``replace=True`` (its
    version then goes up by one). ``red_share_rule`` and ``progress_method`` are the
    set's parameters (see :func:`update_benchmark_set`). The stored scores of the set
    are refreshed in the same transaction unless ``refresh=False``.
    """
    _check_parameters(aggregation, missing_threshold, progress_method)
    parsed = engine.load_benchmarks_csv(path, name=name, strict=strict)
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
        version = int(existing.version or 1) + 1
        session.delete(existing)
        session.flush()
    else:
        version = 1
    bset = BenchmarkSet(
        name=name,
        description=description or f"loaded from {Path(path).name}",
        aggregation=aggregation,
        missing_threshold=missing_threshold,
        red_share_rule=red_share_rule,
        progress_method=progress_method,
        version=version,
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
    if refresh:
        _refresh(session, bset)
    return bset


def _check_parameters(aggregation: str, missing_threshold: float, progress_method: str) -> None:
    if aggregation not in ("arithmetic", "geometric"):
        raise ValueError(
            f"aggregation={aggregation!r} is not supported; use 'arithmetic' or 'geometric'"
        )
    if not 0.0 <= missing_threshold <= 1.0:
        raise ValueError(f"missing_threshold={missing_threshold} must be between 0 and 1")
    check_progress_method(progress_method)


def _refresh(session: Session, bset: BenchmarkSet) -> None:
    from sdgcities.assessment.stored import refresh_scores

    refresh_scores(session, benchmark_set=bset)


def update_benchmark_set(
    session: Session,
    name: str | None,
    *,
    red_share_rule: bool | None = None,
    progress_method: str | None = None,
    missing_threshold: float | None = None,
    aggregation: str | None = None,
    description: str | None = None,
) -> BenchmarkSet:
    """Change a stored set's parameters; bumps its version and refreshes its scores.

    * ``red_share_rule`` — a goal is red when more than a third of its rated indicators
      are red (the SDSN rule, default on). Some published dashboards do not apply it
      (the Spanish Cities SDG Index 2018): switch it off to reproduce them.
    * ``progress_method`` — ``cagr-ratio`` or ``sdr-trend``
      (:mod:`sdgcities.scoring.progress`).
    * ``missing_threshold``, ``aggregation`` — as in :func:`load_benchmark_set`.

    Parameters left None keep their value. Nothing changes → nothing is written.
    """
    bset = get_benchmark_set(session, name)
    threshold = bset.missing_threshold if missing_threshold is None else float(missing_threshold)
    method = progress_method or bset.progress_method
    how = aggregation or bset.aggregation
    _check_parameters(how, threshold, method)
    new: dict[str, object] = {
        "red_share_rule": bset.red_share_rule if red_share_rule is None else red_share_rule,
        "progress_method": method,
        "missing_threshold": threshold,
        "aggregation": how,
        "description": bset.description if description is None else description,
    }
    if all(getattr(bset, k) == v for k, v in new.items()):
        return bset
    for k, v in new.items():
        setattr(bset, k, v)
    bset.version = int(bset.version or 1) + 1
    session.flush()
    logger.info("benchmark set %s: parameters changed (version %d)", bset.name, bset.version)
    _refresh(session, bset)
    return bset


_BY_NAME = select(BenchmarkSet).where(BenchmarkSet.name == bindparam("name"))


def get_benchmark_set(session: Session, name: str | None = None) -> BenchmarkSet:
    """The stored set ``name`` (default ``sdg11-default``); a built-in is installed on first use."""
    wanted = name or DEFAULT_SET
    found = session.scalars(_BY_NAME, {"name": wanted}).first()
    if found is not None:
        return found
    builtins = builtin_benchmark_sets()
    if wanted in builtins:
        return load_benchmark_set(
            session,
            wanted,
            builtins[wanted],
            description=_BUILTIN_DESCRIPTIONS[wanted],
            refresh=False,  # the caller is scoring or refreshing already
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


_ENGINE_SETS: OrderedDict[tuple[object, ...], engine.BenchmarkSet] = OrderedDict()
_ENGINE_SETS_MAX = 32


def cached_engine_set(bset: BenchmarkSet) -> engine.BenchmarkSet:
    """:func:`to_engine_set`, remembered per set id and version (rows never change in
    place: a replaced set is a new row, a parameter change bumps the version)."""
    key = (int(bset.id), int(bset.version or 1), bset.name, str(bset.created_at))
    found = _ENGINE_SETS.get(key)
    if found is None:
        found = _ENGINE_SETS[key] = to_engine_set(bset)
        while len(_ENGINE_SETS) > _ENGINE_SETS_MAX:
            _ENGINE_SETS.popitem(last=False)
    return found


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
