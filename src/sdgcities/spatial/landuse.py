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

METHOD_VERSION = "11.3.1-2021.2"

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


#: the epochs of the GHSL built-up products (GHS-BUILT-S R2023A: 1975, 1980, … 2030)
GHSL_EPOCHS = frozenset(range(1975, 2031, 5))
#: GHS-BUILT-LDSMT (R2018A multitemporal classes): class → the epoch it was built up by
#: (6 before 1975, 5 1975–1990, 4 1990–2000, 3 2000–2014; 0 nodata, 1 water, 2 not built)
LDSMT_EPOCHS: dict[int, int] = {6: 1975, 5: 1990, 4: 2000, 3: 2014}
#: GHS-SMOD settlement classes (a Degree-of-Urbanisation grid, not built-up area)
SMOD_CODES = frozenset({10, 11, 12, 13, 21, 22, 23, 30})
#: share of a cell's area built up for a GHS-BUILT-S surface cell to count as built-up
#: (GHSL's "predominantly built-up" 50 % criterion of the Degree of Urbanisation)
DEFAULT_SURFACE_THRESHOLD = 0.5


def recognise_built_raster(values: np.ndarray, cell_area_m2: float, path: _raster.PathLike) -> str:
    """What a built-up raster holds, from its (finite, non-nodata) pixel values.

    * ``"epochs"``: GHSL built-up epochs — each built pixel holds the first epoch it was
      built up (1975, 1980, … 2030); 0 = never built. Recognised when ≥ 95 % of non-zero
      pixels hold an epoch; the others never count as built (and are reported).
    * ``"ldsmt"``: GHS-BUILT-LDSMT R2018A classes (0–6, see :data:`LDSMT_EPOCHS`).
    * ``"surface"``: GHS-BUILT-S — m² of built surface per cell (0 … cell area); a cell
      is built-up when its surface ≥ ``threshold`` × its area.

    Refused with :class:`SpatialInputError`: GHS-SMOD class rasters (10–30), 0/1 masks
    (no epoch), and anything else (the message gives the value range).
    """
    v = values[np.isfinite(values)]
    nonzero = v[v != 0]
    if nonzero.size == 0:
        raise SpatialInputError(
            path, "band 1 holds no built-up pixel (every value is 0 or nodata)",
            "check the nodata value and that the raster covers the area",
        )  # fmt: skip
    ints = bool(np.all(nonzero == np.floor(nonzero)))
    if ints and float(nonzero.min()) >= 0 and float(nonzero.max()) < 100_000:
        counts = np.bincount(nonzero.astype(np.int64))  # fast for year codes
        uniq = np.flatnonzero(counts).astype("float64")
        in_epochs = sum(int(counts[e]) for e in GHSL_EPOCHS if e < counts.size)
    else:
        uniq = np.unique(nonzero)
        in_epochs = 0
    if ints and in_epochs >= 0.95 * nonzero.size:
        return "epochs"
    if ints and set(uniq.astype(int)) <= {1, 2, 3, 4, 5, 6} and (uniq >= 3).any():
        return "ldsmt"
    if ints and set(uniq.astype(int)) <= SMOD_CODES:
        raise SpatialInputError(
            path,
            f"band 1 holds GHS-SMOD settlement classes ({', '.join(map(str, uniq.astype(int)))}), "
            "not built-up area",
            "pass a GHSL built-up raster: epochs (GHS-BUILT-S multitemporal) or one "
            "GHS-BUILT-S surface raster per epoch",
        )
    if ints and set(uniq.astype(int)) <= {1}:
        raise SpatialInputError(
            path,
            "band 1 is a 0/1 built-up mask: it says where, not when, land was built",
            "pass a GHSL epochs raster, or one built-up raster per epoch (--built-up twice)",
        )
    if float(v.min()) >= 0 and float(v.max()) <= cell_area_m2 * 1.001:
        return "surface"
    raise SpatialInputError(
        path,
        f"band 1 holds values {float(v.min()):g} … {float(v.max()):g}, which are neither GHSL "
        f"epochs (1975 … 2030), GHS-BUILT-LDSMT classes (0–6) nor built surface in m² "
        f"(0 … {cell_area_m2:g} per cell)",
        "pass a GHSL built-up raster, and check its nodata value is set",
    )


def _pixels(
    raster_path: _raster.PathLike, aoi: _raster.BoundaryLike | None
) -> tuple[np.ndarray, np.ndarray, float]:
    """(values, weights in km², nominal cell area in m²) of the raster's data pixels,
    weighted by their exact fraction inside ``aoi`` when given."""
    with _raster.open_raster(raster_path) as ds:
        crs = CRS.from_user_input(ds.crs)
        raster_bounds = tuple(ds.bounds)
    _raster.warn_area_distortion(crs, f"built-up raster {raster_path}")
    if aoi is None:
        grid = _raster.read_grid(raster_path)
        _raster.require_data(grid, "built-up raster")
        area_rows = _raster.cell_area_km2(grid.transform, grid.crs, grid.shape)[:, 0]
        rows_idx, _ = np.nonzero(np.isfinite(grid.values))
        values = grid.values[np.isfinite(grid.values)]
        weights = area_rows[rows_idx]
    else:
        zones = _raster.dissolve(_raster.boundary_to_crs(aoi, crs, what="aoi"))
        _raster.check_overlap(tuple(zones.total_bounds), raster_bounds, raster_path)
        grid = _raster.read_grid(raster_path, bounds=tuple(zones.total_bounds))
        _raster.require_data(grid, "built-up raster")
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
    cell_m2 = float(np.median(area_rows)) * 1e6
    return values, weights, cell_m2


def built_up_area_by_epoch(
    raster_path: _raster.PathLike,
    *,
    aoi: _raster.BoundaryLike | None = None,
    notes: list[str] | None = None,
) -> dict[int, float]:
    """Cumulative built-up area (km²) at each epoch of a GHSL built-up epochs raster.

    Each pixel holds the first epoch it was built up (1975, 1980, … 2030; nodata or 0 =
    never built or no data), so ``Urb(E) = Σ area of pixels whose epoch ≤ E``; a value
    that is no GHSL epoch never counts as built (its pixel count goes to ``notes``). A
    GHS-BUILT-LDSMT class raster is read through :data:`LDSMT_EPOCHS`; a GHS-BUILT-S
    surface raster (one epoch) and other rasters are refused
    (:func:`recognise_built_raster`). Without ``aoi`` the whole raster counts; with it,
    pixels are weighted by their exact covered fraction (exactextract). Cell areas are
    exact in projected CRSs and geodesic in geographic ones (with a warning). Source: GHSL
    GHS-BUILT-S / GHS-BUILT epochs product (JRC), as used for UN SDG 11.3.1.

    Returns ``{epoch: km²}`` for every epoch present, ascending.
    """
    values, weights, cell_m2 = _pixels(raster_path, aoi)
    kind = recognise_built_raster(values, cell_m2, raster_path)
    if kind == "surface":
        raise SpatialInputError(
            raster_path,
            "is a GHS-BUILT-S surface raster (m² built per cell): it holds one epoch",
            "pass one surface raster per epoch (--built-up twice, first epoch first), "
            "or a GHSL epochs raster",
        )
    if kind == "ldsmt":
        codes = values.astype(np.int64)
        years = np.array([LDSMT_EPOCHS.get(int(c), 0) for c in range(7)])[np.clip(codes, 0, 6)]
        values = years.astype("float64")
    # epochs raster (values are whole numbers ≥ 0 here): area and pixel count per value
    codes = values.astype(np.int64)
    area_per_value = np.bincount(codes, weights=weights)
    pixels_per_value = np.bincount(codes)
    present = np.flatnonzero(pixels_per_value)
    epochs = [int(v) for v in present if int(v) in GHSL_EPOCHS or (kind == "ldsmt" and v > 0)]
    stray = [int(v) for v in present if v != 0 and int(v) not in epochs]
    if stray and notes is not None:
        n = int(sum(pixels_per_value[v] for v in stray))
        odd = ", ".join(str(v) for v in stray[:5])
        notes.append(
            f"{n} pixels hold values that are no GHSL epoch ({odd} …); "
            "they are not counted as built"
        )
    if not epochs:
        raise SpatialInputError(
            raster_path, "no built-up pixel within the area of interest",
            "check that the AOI lies over built-up land and that nodata is set right",
        )  # fmt: skip
    cumulative = np.cumsum(area_per_value[epochs])
    return {e: float(a) for e, a in zip(epochs, cumulative, strict=True)}


def built_up_area_surface(
    raster_path: _raster.PathLike,
    *,
    aoi: _raster.BoundaryLike | None = None,
    threshold: float = DEFAULT_SURFACE_THRESHOLD,
) -> float:
    """Built-up area (km²) of a GHS-BUILT-S surface raster (m² of built surface per cell).

    A cell is built-up when its built surface ≥ ``threshold`` × its area (default 0.5,
    GHSL's "predominantly built-up"); ``Urb = Σ area of built-up cells`` (exact fractions
    inside ``aoi``). Refuses rasters that are not surface rasters
    (:func:`recognise_built_raster`).
    """
    if not 0 < threshold <= 1:
        raise SpatialInputError(
            "<parameters>", f"surface threshold must be in (0, 1], got {threshold!r}",
            "pass the share of a cell that must be built, e.g. 0.5",
        )  # fmt: skip
    values, weights, cell_m2 = _pixels(raster_path, aoi)
    kind = recognise_built_raster(values, cell_m2, raster_path)
    if kind != "surface":
        raise SpatialInputError(
            raster_path,
            f"is a built-up {kind} raster, not a GHS-BUILT-S surface raster",
            "pass it alone (--built-up once): it holds every epoch",
        )
    return float(weights[values >= threshold * cell_m2].sum())


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
    built_raster: _raster.PathLike | Sequence[_raster.PathLike],
    *,
    epochs: tuple[int, int],
    population: PopulationInput,
    aoi: _raster.BoundaryLike | None = None,
    formula: Formula = "ln",
    surface_threshold: float = DEFAULT_SURFACE_THRESHOLD,
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
    notes: list[str] = []
    rasters = [built_raster] if isinstance(built_raster, str | Path) else list(built_raster)
    if len(rasters) == 1:
        areas = built_up_area_by_epoch(rasters[0], aoi=aoi, notes=notes)
        urb_t = _area_at(areas, t, rasters[0])
        urb_tn = _area_at(areas, tn, rasters[0])
        built_source: dict[str, object] = {"raster": "epochs", "path": str(rasters[0])}
    elif len(rasters) == 2:
        urb_t = built_up_area_surface(rasters[0], aoi=aoi, threshold=surface_threshold)
        urb_tn = built_up_area_surface(rasters[1], aoi=aoi, threshold=surface_threshold)
        areas = {t: urb_t, tn: urb_tn}
        built_source = {"raster": "surface", "threshold": surface_threshold}
    else:
        raise SpatialInputError(
            "<built_up>", f"{len(rasters)} built-up rasters given",
            "pass one epochs raster, or two GHS-BUILT-S surface rasters (first epoch first)",
        )  # fmt: skip
    pop_t, pop_tn, pop_source = _population_pair(population, (t, tn), aoi)
    result = land_consumption(urb_t, urb_tn, pop_t, pop_tn, tn - t, formula=formula)
    result.parameters.update(
        {
            "epochs": [t, tn],
            "aoi": aoi is not None,
            "population_source": pop_source,
            "built_up_source": built_source,
        }
    )
    result.warnings.extend(notes)
    result.details["built_up_km2_by_epoch"] = {str(k): v for k, v in areas.items()}
    return result
