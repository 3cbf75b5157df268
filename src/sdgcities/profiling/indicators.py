"""Profiling as spatial "indicators" of the registry, so ``sdgcities spatial run`` and the
Dask batch compute them where a kit has the inputs, and store them as draft layers.

* ``neighbourhood-profiles`` — needs ``osm`` and ``neighbourhoods`` (a polygons file in
  the kit; ``options.neighbourhoods_h3`` is not used here, that is a CLI choice);
* ``hazard-exposure`` — needs ``hazard`` and ``population``; the rule from
  ``options``: ``hazard_below`` (metres) or ``hazard_above``, ``hazard_units``,
  ``hazard_classes`` (list), ``hazard_return_period``, ``hazard_scenario``, and for a
  polygon hazard ``hazard_field`` (without a rule: inside the polygons); buildings
  from the kit's ``osm``, settlements from ``settlements`` (else OSM informal areas).

Their results carry no SDG value (``value`` None): the layer and its summary are kept in
``profile_layers`` as drafts (:func:`store_profile_result`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sdgcities.errors import SpatialInputError
from sdgcities.spatial.kit import CityKit
from sdgcities.spatial.registry import SpatialIndicator
from sdgcities.spatial.result import IndicatorResult

METHOD_VERSION = "1.0"


def neighbourhood_profiles(kit: CityKit, params: dict[str, Any]) -> list[IndicatorResult]:
    from sdgcities.profiling.profile import neighbourhood_profiles as _profiles
    from sdgcities.profiling.service import feature_collection

    prof = _profiles(kit, neighbourhoods=kit.neighbourhoods, params=params)
    summary = prof.to_json_dict()
    summary.pop("neighbourhoods", None)
    return [
        IndicatorResult(
            indicator="profile:neighbourhoods",
            value=None,
            unit="",
            method_version=METHOD_VERSION,
            undefined_reason="a profile layer, not one value",
            warnings=prof.warnings,
            details={"layer": feature_collection(prof.table), "summary": summary},
            population_total=prof.city.get("population"),
        )
    ]


def hazard_exposure(kit: CityKit, params: dict[str, Any]) -> list[IndicatorResult]:
    from sdgcities.cli.spatial_profiling import _exposure_features
    from sdgcities.profiling import exposure as ex_

    assert kit.hazard is not None
    assert kit.population is not None
    below, above = params.get("hazard_below"), params.get("hazard_above")
    polygons = ex_.is_polygon_hazard(kit.hazard)
    if below is None and above is None and not polygons:
        raise SpatialInputError(
            kit.root or kit.hazard,
            "the kit has a hazard raster but no rule",
            "set `options: {hazard_below: 2, hazard_units: m}` (or hazard_above) in kit.yaml",
        )
    classes = tuple(float(c) for c in params.get("hazard_classes") or ())
    lo = None if below is None else float(below)
    hi = None if above is None else float(above)
    units = params.get("hazard_units")
    if polygons:  # hazard zones: options.hazard_field names the value, else "inside"
        rule = ex_.polygon_rule(below=lo, above=hi, units=units, classes=classes)
    else:
        rule = ex_.rule_for(kit.hazard, below=lo, above=hi, units=units, classes=classes)
    pop = ex_.population_polygons(kit.population, kit.population_column)
    blds = extras = None
    if kit.osm is not None:
        from sdgcities.profiling.osmextra import read_osm_extras

        extras = read_osm_extras(kit.osm, buildings=True)
        blds = extras.buildings
    from sdgcities.profiling.settlements import load_settlements

    zones, zones_from = load_settlements(kit.settlements, extras)
    res = ex_.exposure(
        kit.hazard,
        rule,
        pop,
        buildings=blds,
        settlements=zones,
        hazard_field=params.get("hazard_field"),
        settlements_from=zones_from,
    )
    res.provenance.update(
        {
            "return_period": params.get("hazard_return_period"),
            "scenario": params.get("hazard_scenario"),
        }
    )
    return [
        IndicatorResult(
            indicator="profile:exposure",
            value=None,
            unit="",
            method_version=METHOD_VERSION,
            undefined_reason="a profile layer, not one value",
            warnings=res.warnings,
            details={"layer": _exposure_features(res), "summary": res.to_json_dict()},
            population_total=res.population_total,
        )
    ]


def store_profile_result(
    session: Any, city: Any, run: Any, result: IndicatorResult, run_id: int
) -> None:
    """Keep a profiling result as a DRAFT layer (called by :func:`spatial.runs.store_result`)."""
    from sdgcities.profiling.service import store_layer

    kind = run.indicator.store_as.split(":", 1)[1]
    summary = dict(result.details.get("summary") or {})
    prov = {
        **summary.get("provenance", {}),
        "spatial_run_id": run_id,
        "inputs": run.inputs,
        "method_version": run.indicator.method_version,
    }
    store_layer(
        session,
        city,
        kind,
        result.details.get("layer") or {},
        summary,
        prov,
        user="sdgcities spatial",
    )
    # the run's stored JSON keeps the summary, not a second copy of the features
    result.details.pop("layer", None)


def register_all(register: Callable[[SpatialIndicator], None]) -> None:
    register(
        SpatialIndicator(
            name="neighbourhood-profiles",
            code="profile:neighbourhoods",
            title="Neighbourhood profiles, gaps and Alkire-Foster deprivation ranking",
            requires=("osm", "neighbourhoods"),
            uses=(
                "osm",
                "gtfs",
                "population",
                "boundary",
                "neighbourhoods",
                "pm25",
                "built_up_area",
            ),
            method_version=METHOD_VERSION,
            compute=neighbourhood_profiles,
            store_as="profile:neighbourhoods",
        )
    )
    register(
        SpatialIndicator(
            name="hazard-exposure",
            code="profile:exposure",
            title="People and buildings exposed to a hazard",
            requires=("hazard", "population"),
            uses=("hazard", "population", "osm", "settlements"),
            method_version=METHOD_VERSION,
            compute=hazard_exposure,
            store_as="profile:exposure",
        )
    )
