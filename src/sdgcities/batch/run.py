"""Run a batch of cities on Dask.

The client plans each city (which indicators its kit allows, which are already cached
in the store), submits one task per city that still has work, and writes each city's
results to the store once, in one transaction, as soon as that city completes. Workers
only compute; they never touch the store. A failing city is reported and never stops
the batch; tasks that die with a worker are retried.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from sdgcities.batch.spec import BatchSpec, CitySpec
from sdgcities.errors import SdgCitiesError
from sdgcities.spatial.kit import CityKit, data_year, discover_kit
from sdgcities.spatial.result import IndicatorResult
from sdgcities.spatial.runs import (
    PlannedRun,
    cached_keys,
    compute_planned,
    plan_runs,
    write_results,
)

logger = logging.getLogger(__name__)

#: one city per worker, one core per city: keep libraries from starting thread pools of
#: their own, so that N workers on N cores do N cities at a time
WORKER_ENV = {
    "OSMIUM_POOL_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "GDAL_NUM_THREADS": "1",
}


@dataclass
class CityOutcome:
    city: str
    status: str = "pending"  # ok | cached | partial | failed
    computed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    values: dict[str, float | None] = field(default_factory=dict)


@dataclass
class BatchReport:
    outcomes: list[CityOutcome]
    seconds: float
    scheduler: str

    @property
    def ok(self) -> bool:
        return all(o.status in ("ok", "cached") for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out


def compute_city_task(
    kit: CityKit, planned: list[PlannedRun]
) -> tuple[dict[str, list[IndicatorResult]], dict[str, str], float]:
    """The work of one city on a worker (pure: files in, results out)."""
    t0 = time.perf_counter()
    results, failed = compute_planned(kit, planned)
    return results, failed, time.perf_counter() - t0


def _ensure_city(engine: Engine, spec: CitySpec) -> None:
    from sdgcities.cities.service import add_city_from_gazetteer, create_city, get_city
    from sdgcities.errors import NotFoundError
    from sdgcities.store.db import transaction

    with transaction(engine) as session:
        try:
            get_city(session, spec.name)
            return
        except NotFoundError:
            pass
        try:
            query = f"{spec.name}, {spec.country}" if spec.country else spec.name
            add_city_from_gazetteer(session, query)
        except SdgCitiesError:
            create_city(session, name=spec.name, country=spec.country or "")


def run_batch(
    engine: Engine,
    spec: BatchSpec,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    retries: int = 2,
    force: bool = False,
    on_progress: Callable[[CityOutcome, int, int], None] | None = None,
) -> BatchReport:
    """Compute every city of ``spec`` on Dask and store the results city by city."""
    from dask.distributed import Client, LocalCluster, as_completed

    t0 = time.perf_counter()
    outcomes: dict[str, CityOutcome] = {}
    work: dict[str, tuple[CitySpec, CityKit, list[PlannedRun]]] = {}
    for cs in spec.cities:
        out = outcomes[cs.name] = CityOutcome(city=cs.name)
        try:
            _ensure_city(engine, cs)
            kit = discover_kit(cs.kit)
            planned, skipped = plan_runs(
                kit, indicators=spec.indicators, params={**spec.defaults, **cs.params}
            )
            out.skipped = skipped
            from sdgcities.store.db import transaction

            with transaction(engine) as session:
                done = set() if force else cached_keys(session, [p.key for p in planned])
            out.cached = [p.indicator.code for p in planned if p.key in done]
            todo = [p for p in planned if p.key not in done]
            if todo:
                work[cs.name] = (cs, kit, todo)
            else:
                out.status = "cached" if out.cached else "failed"
                if not out.cached:
                    out.error = (
                        "nothing to compute: " + "; ".join(f"{k} {v}" for k, v in skipped.items())
                        if skipped
                        else "no indicators"
                    )
        except SdgCitiesError as err:
            out.status, out.error = "failed", str(err)

    total = len(spec.cities)
    finished = total - len(work)
    if on_progress:
        for o in outcomes.values():
            if o.status != "pending":
                on_progress(o, 0, total)

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")  # type: ignore[no-untyped-call]
        where = scheduler
    else:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
            env=WORKER_ENV,
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
        where = f"LocalCluster({n_workers} workers)"
    try:
        futures = {}
        for name, (_cs, kit, todo) in work.items():
            fut = client.submit(
                compute_city_task,
                kit,
                todo,
                key=f"city-{name}-{time.time_ns()}",
                retries=retries,
                pure=False,
            )
            futures[fut] = name
        for fut in as_completed(list(futures)):  # type: ignore[no-untyped-call]
            name = futures[fut]
            cs, kit_, todo = work[name]
            out = outcomes[name]
            try:
                results, failed, secs = fut.result()
                out.seconds = secs
                out.failed = failed
                write_results(
                    engine, name, todo, results, year=cs.year or data_year(kit_), force=force
                )
                out.computed = [p.indicator.code for p in todo if p.key in results]
                out.values = {r.indicator: r.value for p in todo for r in results.get(p.key, [])}
                out.status = "ok" if not failed else ("partial" if out.computed else "failed")
                if failed and not out.computed:
                    out.error = "; ".join(f"{k}: {v}" for k, v in failed.items())
            except Exception as err:  # a broken city never stops the batch
                out.status = "failed"
                out.error = f"{type(err).__name__}: {err}"
                logger.debug("city %s failed:\n%s", name, traceback.format_exc())
            finished += 1
            if on_progress:
                on_progress(out, finished, total)
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
    return BatchReport([outcomes[c.name] for c in spec.cities], time.perf_counter() - t0, where)


def outcome_rows(report: BatchReport) -> list[dict[str, Any]]:
    return [
        {
            "city": o.city,
            "status": o.status,
            "computed": ", ".join(o.computed),
            "cached": ", ".join(o.cached),
            "error": o.error or "; ".join(f"{k}: {v}" for k, v in o.failed.items()),
            "seconds": round(o.seconds, 2),
        }
        for o in report.outcomes
    ]
