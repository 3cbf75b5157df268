"""The built-in spatial indicators, registered through the public extension point.

Each adapter reads a :class:`~sdgcities.spatial.kit.CityKit` and explicit parameters
and calls the pure indicator functions; nothing here stores anything.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sdgcities.errors import SpatialInputError
from sdgcities.spatial.kit import CityKit
from sdgcities.spatial.registry import SpatialIndicator
from sdgcities.spatial.result import IndicatorResult

#: residential floor area per person (m²) used when population is estimated from OSM
#: buildings and no total is known. Statistics Finland reports about 41 m² per person
#: for Finnish dwellings (2022); an assumption everywhere else, stated with every value.
DEFAULT_FLOOR_AREA_PER_PERSON = 40.0


class _Context:
    """What the network indicators of one kit share: the parsed extract, the walk graph,
    the population and the boundary — built once, then reused by 11.2.1 and 11.7.1."""

    def __init__(self, kit: CityKit, params: dict[str, Any]) -> None:
        from sdgcities.spatial.network import WalkGraph
        from sdgcities.spatial.osm import read_osm

        assert kit.osm is not None
        t0 = time.perf_counter()
        estimate = kit.population is None
        self.osm = read_osm(kit.osm, buildings=estimate, open_spaces=True)
        self.population = (
            _read_population(kit, params) if not estimate else estimate_population(self.osm, params)
        )
        self.boundary = _boundary(kit)
        self.parse_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        self.graph = WalkGraph.from_osm(self.osm)
        self.graph_s = time.perf_counter() - t1


_CONTEXTS: OrderedDict[str, _Context] = OrderedDict()


def _context(kit: CityKit, params: dict[str, Any]) -> tuple[_Context, bool]:
    """The kit's shared context (cached for the last two kits); True when freshly built."""
    from sdgcities.spatial.kit import file_checksum

    files = kit.files()
    key = json.dumps(
        {
            "files": {
                k: [file_checksum(p) for p in v]
                for k, v in files.items()
                if k in ("osm", "population", "boundary")
            },
            "population": [
                params.get(k)
                for k in ("population_total", "floor_area_per_person", "population_column")
            ],
        },
        sort_keys=True,
        default=str,
    )
    ctx = _CONTEXTS.get(key)
    if ctx is not None:
        _CONTEXTS.move_to_end(key)
        return ctx, False
    ctx = _CONTEXTS[key] = _Context(kit, params)
    while len(_CONTEXTS) > 2:
        _CONTEXTS.popitem(last=False)
    return ctx, True


def _boundary(kit: CityKit) -> Any:
    """The kit's boundary as a polygon GeoDataFrame, or ``None``."""
    from sdgcities.spatial._vector import read_polygons

    return None if kit.boundary is None else read_polygons(kit.boundary, what="boundary")


def _positive(params: dict[str, Any], name: str, default: float | None = None) -> float | None:
    """``params[name]`` as a number > 0 (``default`` when absent); refuse 0, negatives, text."""
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise SpatialInputError(
            "<parameters>",
            f"{name} must be a number > 0, got {raw!r}",
            f"pass a positive {name.replace('_', ' ')} (or leave it out for the default)",
        )
    return value


def clear_contexts() -> None:
    """Forget parsed kits (frees their memory)."""
    _CONTEXTS.clear()


def _read_population(kit: CityKit, params: dict[str, Any]) -> Any:
    from sdgcities.spatial.population import read_population

    assert kit.population is not None
    return read_population(
        kit.population, column=params.get("population_column") or kit.population_column
    )


def estimate_population(osm: Any, params: dict[str, Any]) -> Any:
    """Population spread over the extract's buildings by floor area (flagged an estimate).

    The total is ``population_total`` when given, else the residential floor area
    (footprint × levels) divided by ``floor_area_per_person`` (m²).
    """
    from sdgcities.spatial._features import features_of
    from sdgcities.spatial.population import homes_floor_area, spread_over_floor_area

    b = features_of(osm, "buildings")
    if b is None or b.empty:
        raise SpatialInputError(
            "<osm>",
            "the extract has no buildings to estimate population from",
            "add a population layer (raster, grid or H3 CSV) to the kit",
        )
    total = _positive(params, "population_total")
    fpp = _positive(params, "floor_area_per_person", DEFAULT_FLOOR_AREA_PER_PERSON)
    assert fpp is not None
    homes = homes_floor_area(b)  # measured once: for the total and for the spread
    if not total:
        total = float(homes[2].sum()) / fpp
        if total <= 0:
            raise SpatialInputError(
                "<osm>",
                "the extract's buildings have no floor area to estimate population from",
                "add a population layer to the kit",
            )
    return spread_over_floor_area(homes, float(total))


def _timings(
    res: IndicatorResult, ctx: _Context, fresh: bool, t0: float, extra_parse: float
) -> None:
    res.timings = {
        "parse": round((ctx.parse_s if fresh else 0.0) + extra_parse, 4),
        "graph": round(ctx.graph_s if fresh else 0.0, 4),
        "distances": float(res.details.pop("distances_s", 0.0)),
        "total": round(time.perf_counter() - t0, 4),
    }
    res.details["osm_counts"] = ctx.osm.counts
    # what area the value covers, and streets to draw under its hex map (spatial.context)
    from sdgcities.spatial.context import extract_bbox, map_context

    if res.hexes is not None and len(res.hexes):
        res.details.update(map_context(ctx.osm))
    else:
        res.details["extract_bbox"] = extract_bbox(ctx.osm)


def transit_access(kit: CityKit, params: dict[str, Any]) -> list[IndicatorResult]:
    from sdgcities.spatial.transit import read_stops
    from sdgcities.spatial.transit import transit_access as _transit_access

    t0 = time.perf_counter()
    ctx, fresh = _context(kit, params)
    stop_source = params.get("stop_source") or ("gtfs" if kit.gtfs else "osm")
    if stop_source not in {"gtfs", "osm", "gtfs+osm"}:
        raise SpatialInputError(
            "<parameters>", f"stop_source {stop_source!r} is unknown", "use gtfs, osm or gtfs+osm"
        )
    t1 = time.perf_counter()
    if "gtfs" in stop_source and not kit.gtfs:
        raise SpatialInputError(
            kit.root or "<kit>", "stops from GTFS were asked for but no feed was given",
            "add gtfs*.zip to the kit or use stop_source=osm",
        )  # fmt: skip
    stops = read_stops(
        kit.gtfs, ctx.osm, stop_source, frequency=params.get("frequency") is not None
    )
    gtfs_s = time.perf_counter() - t1
    res = _transit_access(
        ctx.graph,
        stops,
        ctx.population,
        low_capacity_m=float(params.get("low_capacity_m", 500.0)),
        high_capacity_m=float(params.get("high_capacity_m", 1000.0)),
        h3_resolution=int(params.get("h3_resolution", 9)),
        boundary=ctx.boundary,
        frequency=params.get("frequency"),
        stop_source=stop_source,
        snap=str(params.get("snap", "segment")),
        count_access_walk=bool(params.get("count_access_walk", True)),
    )
    _timings(res, ctx, fresh, t0, gtfs_s)
    _note_estimate(res, ctx.population, params)
    return [res]


def open_space(kit: CityKit, params: dict[str, Any]) -> list[IndicatorResult]:
    from sdgcities.spatial.openspace import open_space as _open_space

    t0 = time.perf_counter()
    ctx, fresh = _context(kit, params)
    boundary = ctx.boundary
    built_up, built_up_source = _built_up_area(kit, ctx, params)
    parts = _open_space(
        ctx.osm,
        ctx.population,
        built_up=built_up,
        built_up_source=built_up_source,
        graph=ctx.graph,
        boundary=boundary,
        walk_m=float(params.get("walk_m", 400.0)),
        h3_resolution=int(params.get("h3_resolution", 9)),
    )
    out = []
    for key, res in parts.items():
        res.indicator = OPEN_SPACE_CODES.get(key, key)
        _timings(res, ctx, fresh, t0, 0.0)
        if res.population_total is not None:
            _note_estimate(res, ctx.population, params)
        out.append(res)
    return out


#: 11.7.1 (a) is the official indicator; (b), population within 400 m walk of open
#: public space, is UN-Habitat's companion series, catalogued as ``11.7.1b``.
OPEN_SPACE_CODES = {"11.7.1a": "11.7.1", "11.7.1b": "11.7.1b"}


def _built_up_area(kit: CityKit, ctx: _Context, params: dict[str, Any]) -> tuple[Any, Any]:
    """11.7.1 (a)'s denominator from what the kit holds (see
    :func:`sdgcities.spatial.openspace.built_up_area`); the data year picks the epoch."""
    from sdgcities.spatial.kit import data_year
    from sdgcities.spatial.openspace import built_up_area

    return built_up_area(
        polygon=kit.built_up_area,
        built_up_raster=kit.built_up,
        population_raster=kit.population,
        boundary=ctx.boundary,
        year=data_year(kit) if kit.built_up is not None else None,
        surface_threshold=float(params.get("surface_threshold", 0.5)),
    )


def _note_estimate(res: IndicatorResult, pop: Any, params: dict[str, Any]) -> None:
    if getattr(pop, "is_estimate", False):
        res.population_is_estimate = True
        fpp = params.get("floor_area_per_person", DEFAULT_FLOOR_AREA_PER_PERSON)
        how = (
            f"scaled to a total of {float(params['population_total']):,.0f}"
            if params.get("population_total")
            else f"assuming {fpp} m² of floor area per person"
        )
        res.parameters["population_estimate"] = {"source": "OSM buildings", "method": how}
        res.warnings.append(
            f"Population is an ESTIMATE from OSM building footprints × levels, {how}."
        )


def land_consumption(kit: CityKit, params: dict[str, Any]) -> list[IndicatorResult]:
    from sdgcities.spatial.landuse import land_consumption_from_files

    assert kit.built_up is not None
    epochs = params.get("epochs")
    population = params.get("population_series")
    if not epochs or population is None:
        raise SpatialInputError(
            kit.root or kit.built_up,
            "11.3.1 needs two epochs and a population for each",
            "set `options: {epochs: [2000, 2020], population_series: {2000: N, 2020: M}}` "
            "in kit.yaml",
        )
    rasters: list[Path] = [kit.built_up]
    if params.get("built_up_end"):
        rasters.append(Path(params["built_up_end"]))
    res = land_consumption_from_files(
        rasters,
        epochs=(int(epochs[0]), int(epochs[1])),
        population={int(k): float(v) for k, v in population.items()}
        if isinstance(population, dict)
        else population,
        aoi=_boundary(kit),
        formula=params.get("formula", "ln"),
        surface_threshold=float(params.get("surface_threshold", 0.5)),
    )
    return [res]


def air_quality(kit: CityKit, params: dict[str, Any]) -> list[IndicatorResult]:
    from sdgcities.spatial.airquality import air_quality as _air_quality

    assert kit.pm25 is not None
    assert kit.population is not None
    population, column = _air_quality_population(kit, params)
    return [_air_quality(kit.pm25, population, boundary=_boundary(kit), population_column=column)]


def _air_quality_population(kit: CityKit, params: dict[str, Any]) -> tuple[Any, str]:
    """11.6.2's population: a raster path as is, a polygon grid read into a GeoDataFrame
    (its count column: ``population_column``, else the first of the usual names)."""
    from sdgcities.spatial._vector import VECTOR_SUFFIXES, read_vector
    from sdgcities.spatial.population import _POP_NAMES, _pick, check_population_values

    assert kit.population is not None
    path = Path(kit.population)
    wanted = params.get("population_column") or kit.population_column
    if path.suffix.lower() in (".tif", ".tiff"):
        return path, wanted or "population"
    if path.suffix.lower() not in VECTOR_SUFFIXES:
        raise SpatialInputError(
            path,
            "11.6.2 weights PM2.5 by a population raster or a polygon grid; "
            f"{path.suffix or 'this file'} is neither",
            "pass a population GeoTIFF or polygon grid (.gpkg/.geojson/.parquet)",
        )
    layer = read_vector(path, what="population grid")
    kinds = set(layer.geometry.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise SpatialInputError(
            path,
            f"11.6.2 needs population polygons (grid cells, census blocks), found "
            f"{', '.join(sorted(kinds))}",
            "pass a polygon grid or a population raster",
        )
    cols = [str(c) for c in layer.columns if c != "geometry"]
    column = wanted or _pick(cols, _POP_NAMES)
    if column is None or column not in layer.columns:
        raise SpatialInputError(
            path,
            f"no population column {wanted!r}" if wanted else
            f"no population column (looked for {', '.join(_POP_NAMES)}; found {', '.join(cols)})",
            "pass --population-column naming the column of people counts",
        )  # fmt: skip
    import pandas as pd

    check_population_values(
        layer[column],
        pd.to_numeric(layer[column], errors="coerce"),
        column=column,
        source=str(path),
    )
    return layer, column


def urban_extent(kit: CityKit, params: dict[str, Any]) -> list[IndicatorResult]:
    """Degree of Urbanisation: the whole grid classified, then the kit's boundary overlaid;
    the city's class is the stage II rule on its population shares (stored with the rule)."""
    from sdgcities.spatial.urbanisation import urban_extent as _urban_extent

    assert kit.population is not None
    if Path(kit.population).suffix.lower() not in (".tif", ".tiff"):
        raise SpatialInputError(
            kit.population,
            "the Degree of Urbanisation needs a population raster",
            "add a population GeoTIFF (e.g. GHS-POP) to the kit",
        )
    _centres, res = _urban_extent(kit.population, aoi=_boundary(kit))
    return [res]


_RASTERS = (".tif", ".tiff")


def _needs_population_raster(kit: CityKit) -> str | None:
    if kit.population is not None and Path(kit.population).suffix.lower() not in _RASTERS:
        return f"needs a population raster ({Path(kit.population).name} is not one)"
    return None


def _needs_raster_or_polygons(kit: CityKit) -> str | None:
    from sdgcities.spatial._vector import VECTOR_SUFFIXES

    if kit.population is None:
        return None
    suffix = Path(kit.population).suffix.lower()
    if suffix in _RASTERS or suffix in VECTOR_SUFFIXES:
        return None
    return f"needs a population raster or polygon grid ({Path(kit.population).name} is neither)"


def register_all(register: Callable[[SpatialIndicator], None]) -> None:
    """Register the built-in spatial indicators."""
    register(SpatialIndicator(
        name="transit-access", code="11.2.1",
        title="Convenient access to public transport (network walk)",
        requires=("osm",), uses=("osm", "gtfs", "population", "boundary"),
        method_version="1.1", compute=transit_access,
        defaults={"low_capacity_m": 500.0, "high_capacity_m": 1000.0, "h3_resolution": 9,
                  "snap": "segment", "count_access_walk": True},
    ))  # fmt: skip
    register(SpatialIndicator(
        name="open-space", code="11.7.1",
        title="Open public space: share of built-up area and 400 m walk access",
        requires=("osm",), uses=("osm", "population", "boundary", "built_up_area", "built_up"),
        method_version="1.1", compute=open_space,
        defaults={"walk_m": 400.0, "h3_resolution": 9},
    ))  # fmt: skip
    register(SpatialIndicator(
        name="land-consumption", code="11.3.1",
        title="Ratio of land consumption rate to population growth rate",
        requires=("built_up",), uses=("built_up", "boundary"),
        method_version="1.1", compute=land_consumption, defaults={"formula": "ln"},
    ))  # fmt: skip
    register(SpatialIndicator(
        name="air-quality", code="11.6.2",
        title="Population-weighted annual mean PM2.5",
        requires=("pm25", "population"), uses=("pm25", "population", "boundary"),
        method_version="1.1", compute=air_quality, unsuitable=_needs_raster_or_polygons,
    ))  # fmt: skip
    register(SpatialIndicator(
        name="urban-extent", code="degurba",
        title="Degree of Urbanisation (urban extent)",
        requires=("population",), uses=("population", "boundary"),
        method_version="2.0", compute=urban_extent, store_as="typology:degurba",
        unsuitable=_needs_population_raster,
    ))  # fmt: skip
