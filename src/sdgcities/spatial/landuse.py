"""SDG 11.3.1 — ratio of land consumption rate to population growth rate (LCRPGR).

Source: UN SDG metadata 11.3.1 (UN-Habitat, 2021 revision), "Ratio of land consumption
rate to population growth rate":

    LCR    = ln(Urb_t+n / Urb_t) / y
    PGR    = ln(Pop_t+n / Pop_t) / y
    LCRPGR = LCR / PGR

with ``Urb`` the built-up area (km²), ``Pop`` the population and ``y`` the years between
the two epochs. Older metadata (before the 2021 revision) used the relative change
``LCR = ((Urb_t+n − Urb_t) / Urb_t) / y`` and likewise for PGR; ``formula="relative"``
selects it, and the formula is recorded with every value. The secondary indicator
built-up area per capita (m²/person) = ``Urb · 10⁶ / Pop`` is reported at both epochs.

The GHSL Urban Centre Database's ``SDG_LUE9015`` is this indicator with ``formula="ln"``
(reproduced from its own ``B90/B15/P90/P15`` columns in the tests).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pyproj import CRS

from sdgcities.errors import Finding, SpatialInputError, ValidationError
from sdgcities.spatial import _raster
from sdgcities.spatial.result import IndicatorResult

logger = logging.getLogger(__name__)

METHOD_VERSION = "11.3.1-2021.1"

Formula = Literal["ln", "relative"]

FORMULAS: dict[str, dict[str, str]] = {
    "ln": {
        "lcr": "LCR = ln(Urb_t+n / Urb_t) / y",
        "pgr": "PGR = ln(Pop_t+n / Pop_t) / y",
        "source": "UN SDG metadata 11.3.1, 2021 revision",
    },
    "relative": {
        "lcr": "LCR = ((Urb_t+n - Urb_t) / Urb_t) / y",
        "pgr": "PGR = ((Pop_t+n - Pop_t) / Pop_t) / y",
        "source": "UN SDG metadata 11.3.1, before the 2021 revision",
    },
}

#: Population given as two numbers, two population rasters, a {year: population} mapping
#: or a table with columns ``year`` and ``population``.
PopulationInput = (
    tuple[float, float]
    | tuple[_raster.PathLike, _raster.PathLike]
    | Mapping[int, float]
    | pd.DataFrame
)


def _rate(start: float, end: float, years: float, formula: Formula) -> float:
    if formula == "ln":
        return math.log(end / start) / years
    return ((end - start) / start) / years


def land_consumption(
    urb_t: float,
    urb_tn: float,
    pop_t: float,
    pop_tn: float,
    years: float,
    *,
    formula: Formula = "ln",
) -> IndicatorResult:
    """SDG 11.3.1 LCRPGR from built-up areas (km²) and populations at two epochs.

    ``LCR = ln(Urb_t+n/Urb_t)/y``, ``PGR = ln(Pop_t+n/Pop_t)/y``, ``LCRPGR = LCR/PGR``
    (UN SDG metadata 11.3.1, 2021 revision); ``formula="relative"`` uses the pre-2021
    ``((X_t+n − X_t)/X_t)/y`` for both rates. Also built-up area per capita
    ``Urb·10⁶/Pop`` (m²/person) at both epochs in ``details``.

    PGR = 0 gives ``value=None`` with ``undefined_reason``; a negative PGR (shrinking
    population) is computed but flagged in ``warnings``.

    >>> r = land_consumption(24.400076, 24.983145, 318413.78, 443141.22, 25)
    >>> round(r.value, 4)  # GHSL UCDB SDG_LUE9015 for Las Palmas: 0.0714
    0.0714
    """
    findings = []
    for name, v in (("urb_t", urb_t), ("urb_tn", urb_tn), ("pop_t", pop_t), ("pop_tn", pop_tn)):
        if v is None or not math.isfinite(v) or v <= 0:
            findings.append(
                Finding(
                    f"{name} must be a positive finite number",
                    column=name,
                    value=repr(v),
                    fix="built-up area (km²) and population must both be > 0 at both epochs",
                )
            )
    if years is None or not math.isfinite(years) or years <= 0:
        findings.append(
            Finding(
                "years must be > 0",
                column="years",
                value=repr(years),
                fix="pass the number of years between the epochs",
            )
        )
    if formula not in FORMULAS:
        findings.append(
            Finding(
                "unknown formula",
                column="formula",
                value=repr(formula),
                fix="use 'ln' (2021 metadata) or 'relative' (older metadata)",
            )
        )
    if findings:
        raise ValidationError("cannot compute SDG 11.3.1 (LCRPGR)", findings)

    lcr = _rate(urb_t, urb_tn, years, formula)
    pgr = _rate(pop_t, pop_tn, years, formula)
    warnings: list[str] = []
    value: float | None
    undefined: str | None = None
    if pgr == 0:
        value = None
        undefined = (
            "population growth rate (PGR) is 0: population did not change between the "
            "epochs, so LCR/PGR is undefined (division by zero); report LCR alone"
        )
    else:
        value = lcr / pgr
        if pgr < 0:
            warnings.append(
                f"population declined (PGR = {pgr:.5f} per year): LCRPGR changes sign; "
                "a negative ratio here means land consumption while population shrinks"
            )
    if lcr < 0:
        warnings.append(f"built-up area shrank (LCR = {lcr:.5f} per year)")
    return IndicatorResult(
        indicator="11.3.1",
        value=value,
        unit="ratio",
        method_version=METHOD_VERSION,
        parameters={
            "formula": formula,
            "lcr_formula": FORMULAS[formula]["lcr"],
            "pgr_formula": FORMULAS[formula]["pgr"],
            "formula_source": FORMULAS[formula]["source"],
            "years": years,
        },
        population_total=pop_tn,
        undefined_reason=undefined,
        details={
            "lcr": lcr,
            "pgr": pgr,
            "built_up_km2_t": urb_t,
            "built_up_km2_tn": urb_tn,
            "population_t": pop_t,
            "population_tn": pop_tn,
            "built_up_per_capita_m2_t": urb_t * 1e6 / pop_t,
            "built_up_per_capita_m2_tn": urb_tn * 1e6 / pop_tn,
        },
        warnings=warnings,
    )


def built_up_area_by_epoch(
    raster_path: _raster.PathLike, *, aoi: _raster.BoundaryLike | None = None
) -> dict[int, float]:
    """Cumulative built-up area (km²) at each epoch of a GHSL built-up epochs raster.

    Each pixel holds the first epoch it was built up (1975, 1980, … 2030; nodata = never
    built or no data), so ``Urb(E) = Σ area of pixels with value ≤ E``. Without ``aoi`` the
    whole raster counts; with it, pixels are weighted by their exact covered fraction
    (exactextract). Cell areas are exact in projected CRSs and geodesic in geographic ones
    (with a warning). Source: GHSL GHS-BUILT-S / GHS-BUILT epochs product (JRC), as used
    for UN SDG 11.3.1.

    ``aoi``: GeoDataFrame/GeoSeries (reprojected to the raster's CRS) or a shapely
    geometry taken to be in the raster's CRS.

    Returns ``{epoch: km²}`` for every epoch value present, ascending.
    """
    with _raster.open_raster(raster_path) as ds:
        crs = CRS.from_user_input(ds.crs)
        raster_bounds = tuple(ds.bounds)
    _raster.warn_area_distortion(crs, f"built-up raster {raster_path}")
    if aoi is None:
        grid = _raster.read_grid(raster_path)
        _raster.require_data(grid, "built-up epochs raster")
        area_rows = _raster.cell_area_km2(grid.transform, grid.crs, grid.shape)[:, 0]
        rows_idx, _ = np.nonzero(np.isfinite(grid.values))
        values = grid.values[np.isfinite(grid.values)]
        weights = area_rows[rows_idx]
    else:
        zones = _raster.dissolve(_raster.boundary_to_crs(aoi, crs, what="aoi"))
        _raster.check_overlap(tuple(zones.total_bounds), raster_bounds, raster_path)
        grid = _raster.read_grid(raster_path, bounds=tuple(zones.total_bounds))
        _raster.require_data(grid, "built-up epochs raster")
        res = _raster.exact_extract_quiet(
            _raster.numpy_source(grid), zones, ["values", "coverage", "cell_id"], output="pandas"
        ).iloc[0]
        cell_ids = np.asarray(res["cell_id"], dtype=np.int64)
        rows = cell_ids // grid.shape[1]
        area_rows = _raster.cell_area_km2(grid.transform, grid.crs, grid.shape)[:, 0]
        values = np.asarray(res["values"], dtype="float64")
        weights = np.asarray(res["coverage"], dtype="float64") * area_rows[rows]
        keep = np.isfinite(values)
        values, weights = values[keep], weights[keep]
    if values.size == 0:
        raise SpatialInputError(
            raster_path,
            "no built-up pixel within the area of interest",
            "check that the AOI lies over the built-up raster and that nodata is set right",
        )
    ints = values.astype(np.int64)
    if np.array_equal(ints, values) and ints.min() >= 0 and ints.max() < 100_000:
        per_value = np.bincount(ints, weights=weights)  # fast path for year codes
        epochs = np.flatnonzero(np.bincount(ints))
        per_epoch = per_value[epochs]
    else:
        epochs, inverse = np.unique(values, return_inverse=True)
        per_epoch = np.bincount(inverse, weights=weights)
    cumulative = np.cumsum(per_epoch)
    return {int(e): float(a) for e, a in zip(epochs, cumulative, strict=True)}


def _area_at(areas: Mapping[int, float], epoch: int, path: _raster.PathLike) -> float:
    """Built-up area at ``epoch`` (the last epoch value ≤ ``epoch``)."""
    known = [e for e in areas if e <= epoch]
    if not known:
        raise SpatialInputError(
            path,
            f"no pixel was built up by {epoch} (first epoch in the raster: {min(areas)})",
            f"choose epochs from {min(areas)} on",
        )
    return areas[max(known)]


def _population_pair(
    population: PopulationInput,
    epochs: tuple[int, int],
    aoi: _raster.BoundaryLike | None,
) -> tuple[float, float, str]:
    if isinstance(population, pd.DataFrame):
        missing = {"year", "population"} - set(population.columns)
        if missing:
            raise ValidationError(
                "population table lacks columns",
                [
                    Finding(f"missing column {c!r}", column=c, fix="columns: year, population")
                    for c in sorted(missing)
                ],
            )
        table = dict(zip(population["year"].astype(int), population["population"], strict=True))
        return (*_from_mapping(table, epochs), "table")
    if isinstance(population, Mapping):
        return (*_from_mapping(population, epochs), "table")
    if isinstance(population, Sequence) and len(population) == 2:
        a, b = population
        if isinstance(a, int | float) and isinstance(b, int | float):
            return float(a), float(b), "numbers"
        if isinstance(a, str | Path) and isinstance(b, str | Path):
            return _raster_population(a, aoi), _raster_population(b, aoi), "rasters"
    raise TypeError(
        "population must be (pop_t, pop_tn), two population raster paths, a {year: pop} "
        "mapping or a DataFrame with columns year, population"
    )


def _from_mapping(table: Mapping[int, float], epochs: tuple[int, int]) -> tuple[float, float]:
    missing = [e for e in epochs if e not in table]
    if missing:
        raise ValidationError(
            "population missing for an epoch",
            [
                Finding(
                    f"no population for year {e}",
                    column="year",
                    value=str(e),
                    fix=f"add a row for {e}",
                )
                for e in missing
            ],
        )
    return float(table[epochs[0]]), float(table[epochs[1]])


def _raster_population(path: _raster.PathLike, aoi: _raster.BoundaryLike | None) -> float:
    """Total population of a raster, within ``aoi`` by exact coverage fractions."""
    with _raster.open_raster(path) as ds:
        crs = CRS.from_user_input(ds.crs)
    if aoi is None:
        grid = _raster.read_grid(path)
        _raster.require_data(grid, "population raster")
        return float(np.nansum(grid.values))
    zones = _raster.dissolve(_raster.boundary_to_crs(aoi, crs, what="aoi"))
    grid = _raster.read_grid(path, bounds=tuple(zones.total_bounds))
    _raster.require_data(grid, "population raster")
    res = _raster.exact_extract_quiet(_raster.numpy_source(grid), zones, ["sum"], output="pandas")
    return float(res["sum"].iloc[0])


def land_consumption_from_files(
    built_raster: _raster.PathLike,
    *,
    epochs: tuple[int, int],
    population: PopulationInput,
    aoi: _raster.BoundaryLike | None = None,
    formula: Formula = "ln",
) -> IndicatorResult:
    """SDG 11.3.1 from a GHSL built-up epochs raster and a population series.

    ``Urb`` at each epoch comes from :func:`built_up_area_by_epoch` (km², pixels with value
    ≤ epoch, exact AOI coverage); ``Pop`` from two numbers, two population rasters (summed
    within the AOI with exact coverage fractions), a ``{year: pop}`` mapping or a table with
    columns ``year``/``population``. Then :func:`land_consumption` with ``y = t+n − t``:
    ``LCR = ln(Urb_t+n/Urb_t)/y``, ``PGR = ln(Pop_t+n/Pop_t)/y``, ``LCRPGR = LCR/PGR``
    (UN SDG metadata 11.3.1, 2021 revision).
    """
    t, tn = int(epochs[0]), int(epochs[1])
    if tn <= t:
        raise ValidationError(
            "epochs must be increasing",
            [
                Finding(
                    "second epoch must be after the first",
                    column="epochs",
                    value=str(epochs),
                    fix="pass (t, t+n) with n > 0",
                )
            ],
        )
    areas = built_up_area_by_epoch(built_raster, aoi=aoi)
    urb_t = _area_at(areas, t, built_raster)
    urb_tn = _area_at(areas, tn, built_raster)
    pop_t, pop_tn, pop_source = _population_pair(population, (t, tn), aoi)
    result = land_consumption(urb_t, urb_tn, pop_t, pop_tn, tn - t, formula=formula)
    result.parameters.update(
        {"epochs": [t, tn], "aoi": aoi is not None, "population_source": pop_source}
    )
    result.details["built_up_km2_by_epoch"] = {str(k): v for k, v in areas.items()}
    return result
