"""Running spatial indicators for a city: cache, provenance and storage.

Every value is keyed by what produced it — the checksums of the inputs it uses, its
parameters and its method version. Re-running with the same key is a no-op; changing
one input recomputes only the indicators that use it. A value lands as an observation
whose provenance names the run (inputs, parameters, method, software), and its hex
layer lands beside it; both in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from sdgcities import __version__
from sdgcities.spatial.kit import CityKit, data_year, file_checksum
from sdgcities.spatial.registry import SpatialIndicator, spatial_indicators
from sdgcities.spatial.result import IndicatorResult
from sdgcities.store.models import City, CityTypology, HexCell, HexLayer, SpatialRun

logger = logging.getLogger(__name__)

_SOFTWARE = (
    "numpy",
    "scipy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "pyrosm",
    "osmium",
    "rasterio",
    "exactextract",
    "h3",
)
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"


def software_versions() -> dict[str, str]:
    """Versions of sdgcities, Python and the libraries a spatial value depends on."""
    out = {"sdgcities": __version__, "python": platform.python_version()}
    for name in _SOFTWARE:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def _jsonable(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=str, sort_keys=True))


def input_checksums(indicator: SpatialIndicator, kit: CityKit) -> dict[str, Any]:
    files = kit.files()
    out: dict[str, Any] = {}
    for name in indicator.uses:
        if name in files:
            sums = [f"{p.name}:{file_checksum(p)}" for p in files[name]]
            out[name] = sums if len(sums) > 1 or name == "gtfs" else sums[0]
    return out


def effective_parameters(
    indicator: SpatialIndicator, kit: CityKit, params: dict[str, Any] | None
) -> dict[str, Any]:
    merged = {**indicator.defaults, **kit.options, **(params or {})}
    if kit.population_column:
        merged.setdefault("population_column", kit.population_column)
    return merged


def cache_key(indicator: SpatialIndicator, inputs: dict[str, Any], params: dict[str, Any]) -> str:
    payload = json.dumps(
        {
            "indicator": indicator.code,
            "name": indicator.name,
            "method": indicator.method_version,
            "inputs": inputs,
            "params": _jsonable(params),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class PlannedRun:
    indicator: SpatialIndicator
    inputs: dict[str, Any]
    params: dict[str, Any]
    key: str


@dataclass
class CityRunReport:
    city: str
    computed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # indicator -> why
    failed: dict[str, str] = field(default_factory=dict)
    results: dict[str, list[IndicatorResult]] = field(default_factory=dict)
    seconds: float = 0.0


def plan_runs(
    kit: CityKit, *, indicators: list[str] | None = None, params: dict[str, Any] | None = None
) -> tuple[list[PlannedRun], dict[str, str]]:
    """Which indicators the kit allows, with their cache keys; and why the others are skipped."""
    planned: list[PlannedRun] = []
    skipped: dict[str, str] = {}
    for ind in spatial_indicators():
        if indicators and ind.name not in indicators and ind.code not in indicators:
            continue
        why = ind.skip_reason(kit)
        if why:
            skipped[ind.code] = why
            continue
        p = effective_parameters(ind, kit, params)
        inputs = input_checksums(ind, kit)
        planned.append(PlannedRun(ind, inputs, p, cache_key(ind, inputs, p)))
    return planned, skipped


def compute_planned(
    kit: CityKit, planned: list[PlannedRun]
) -> tuple[dict[str, list[IndicatorResult]], dict[str, str]]:
    """Compute planned indicators (pure: no store). Errors are collected per indicator."""
    from sdgcities.errors import SdgCitiesError

    results: dict[str, list[IndicatorResult]] = {}
    failed: dict[str, str] = {}
    for run in planned:
        t0 = time.perf_counter()
        try:
            res = run.indicator.compute(kit, run.params)
        except SdgCitiesError as err:
            failed[run.indicator.code] = str(err)
            continue
        for r in res:
            r.timings.setdefault("total", time.perf_counter() - t0)
        results[run.key] = res
    from sdgcities.spatial.builtin import clear_contexts

    clear_contexts()  # the kit's parsed data is shared by its indicators only
    return results, failed


def cached_keys(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    rows = session.scalars(select(SpatialRun.cache_key).where(SpatialRun.cache_key.in_(keys)))
    return set(rows)


def store_result(
    session: Session,
    city: City,
    run: PlannedRun,
    results: list[IndicatorResult],
    *,
    year: int,
    user: str = "",
    status: str = "draft",
) -> SpatialRun:
    """Store one run (its values as observations, its hex layers) in the caller's transaction.

    The values land as drafts (``status="draft"``) for review, unless a tool that may
    publish at once asks for ``"published"``.
    """
    from sdgcities.observations.service import record_value

    spatial_run = SpatialRun(
        cache_key=run.key,
        city_id=city.id,
        indicator_code=run.indicator.code,
        method_version=run.indicator.method_version,
        parameters=_jsonable(run.params),
        inputs=run.inputs,
        software=software_versions(),
        result={"results": _jsonable([r.to_json_dict() for r in results])},
    )
    session.add(spatial_run)
    session.flush()
    for result in results:
        if run.indicator.store_as.startswith("typology:"):
            _store_typology(session, city, run, result)
        elif run.indicator.store_as.startswith("profile:"):
            from sdgcities.profiling.indicators import store_profile_result

            store_profile_result(session, city, run, result, spatial_run.id)
        elif result.value is not None:
            provenance = {
                "kind": "spatial",
                "run_id": spatial_run.id,
                "indicator": result.indicator,
                "method": run.indicator.title,
                "method_version": run.indicator.method_version,
                "parameters": spatial_run.parameters,
                "inputs": run.inputs,
                "software": spatial_run.software,
                "population_is_estimate": result.population_is_estimate,
                # what the method itself chose (e.g. 11.7.1 (a)'s built-up area and
                # whether it is a fallback), beside the run's parameters
                "method_parameters": _jsonable(result.parameters),
                "warnings": list(result.warnings),
            }
            source = "sdgcities spatial engine"
            if result.population_is_estimate:
                source += " (population estimated from OSM buildings)"
            if "osm" in run.inputs:
                source += f"; {OSM_ATTRIBUTION}"
            record_value(
                session,
                city_id=city.id,
                indicator_code=result.indicator,
                year=year,
                value=float(result.value),
                unit=result.unit,
                source=source,
                user=user or "sdgcities spatial",
                reason="computed from open data",
                provenance=provenance,
                status=status,
            )
        if result.hexes is not None and len(result.hexes):
            _store_hexes(session, city, run, spatial_run, result)
    return spatial_run


def _store_typology(session: Session, city: City, run: PlannedRun, result: IndicatorResult) -> None:
    from datetime import date

    kind = run.indicator.store_as.split(":", 1)[1]
    value = result.details.get("class_label") or result.details.get("class")
    if not value:
        return
    row = session.scalar(
        select(CityTypology).where(CityTypology.city_id == city.id, CityTypology.kind == kind)
    )
    if row is None:
        row = CityTypology(city_id=city.id, kind=kind)
        session.add(row)
    row.value = str(value)
    row.source = f"sdgcities {run.indicator.title} v{run.indicator.method_version}"
    rule = result.details.get("class_rule")
    if rule:
        shares = "; ".join(f"{k} {v:.1f} %" for k, v in result.disaggregation.items())
        row.source += f" — rule: {rule}. Population shares: {shares}"
    row.as_of = date.today().isoformat()


def _store_hexes(
    session: Session, city: City, run: PlannedRun, spatial_run: SpatialRun, result: IndicatorResult
) -> None:
    hexes = result.hexes
    assert hexes is not None
    old = session.scalars(
        select(HexLayer.id).where(
            HexLayer.city_id == city.id, HexLayer.indicator_code == result.indicator
        )
    ).all()
    if old:
        session.execute(delete(HexCell).where(HexCell.layer_id.in_(old)))
        session.execute(delete(HexLayer).where(HexLayer.id.in_(old)))
    layer = HexLayer(
        city_id=city.id,
        run_id=spatial_run.id,
        indicator_code=result.indicator,
        name=f"{result.details.get('title', run.indicator.title)} — {city.name}",
        resolution=int(run.params.get("h3_resolution", 9)),
        population_is_estimate=result.population_is_estimate,
        attribution=OSM_ATTRIBUTION if "osm" in run.inputs else "",
    )
    session.add(layer)
    session.flush()

    def _f(v: Any) -> float | None:
        try:
            f = float(v)
        except (TypeError, ValueError):
            return None
        return None if f != f else f

    cols = set(hexes.columns)
    rows = [
        {
            "layer_id": layer.id,
            "h3": str(r["h3"]),
            "population": _f(r.get("population")) or 0.0,
            "population_covered": _f(r.get("population_covered")) or 0.0,
            "share": _f(r.get("share")) if "share" in cols else None,
            "distance_m": _f(r.get("distance_m")) if "distance_m" in cols else None,
        }
        for r in hexes.drop(columns="geometry", errors="ignore").to_dict("records")
    ]
    for i in range(0, len(rows), 5000):
        session.execute(insert(HexCell), rows[i : i + 5000])


def run_city(
    engine: Engine,
    city: City | str | int,
    kit: CityKit,
    *,
    indicators: list[str] | None = None,
    params: dict[str, Any] | None = None,
    year: int | None = None,
    force: bool = False,
    user: str = "",
    status: str = "draft",
) -> CityRunReport:
    """Compute everything the kit allows for ``city`` and store it (cached by inputs).

    The values land as drafts for review unless ``status="published"``.
    """
    from sdgcities.cities.service import get_city
    from sdgcities.store.db import transaction

    t0 = time.perf_counter()
    planned, skipped = plan_runs(kit, indicators=indicators, params=params)
    with transaction(engine) as session:
        city_obj = city if isinstance(city, City) else get_city(session, city)
        city_name = city_obj.name
        done = set() if force else cached_keys(session, [p.key for p in planned])
    todo = [p for p in planned if p.key not in done]
    report = CityRunReport(city=city_name, skipped=skipped)
    report.cached = [p.indicator.code for p in planned if p.key in done]
    results, failed = compute_planned(kit, todo)
    report.failed = failed
    year = year or data_year(kit)
    write_results(
        engine, city_name, todo, results, year=year, force=force, user=user, status=status
    )
    for p in todo:
        if p.key in results:
            report.computed.append(p.indicator.code)
            report.results[p.indicator.code] = results[p.key]
    report.seconds = time.perf_counter() - t0
    return report


def write_results(
    engine: Engine,
    city: str | int,
    planned: list[PlannedRun],
    results: dict[str, list[IndicatorResult]],
    *,
    year: int | None = None,
    force: bool = False,
    user: str = "",
    status: str = "draft",
) -> None:
    """Write a city's computed results in ONE transaction (all or nothing); drafts by default."""
    from datetime import date

    from sdgcities.cities.service import get_city
    from sdgcities.store.db import transaction

    if not results:
        return
    from sdgcities.catalogue.registry import ensure_builtin_catalogue

    with transaction(engine) as session:
        ensure_builtin_catalogue(session)  # a store never `init`-ed still knows 11.x.x
        city_obj = get_city(session, city)
        for p in planned:
            res = results.get(p.key)
            if res is None:
                continue
            if force:
                session.execute(delete(SpatialRun).where(SpatialRun.cache_key == p.key))
                session.flush()
            store_result(
                session,
                city_obj,
                p,
                res,
                year=year or date.today().year,
                user=user,
                status=status,
            )
