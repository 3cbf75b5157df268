"""GeoJSON features of the store's geodata, shared by the JSON API and the OGC API."""

from __future__ import annotations

import json
from typing import Any

import h3

from sdgcities.store.models import City, HexCell, HexLayer


def cell_polygon(cell: str) -> dict[str, Any]:
    """The GeoJSON polygon (lon/lat, closed ring, counter-clockwise) of an H3 cell."""
    ring = [[round(lng, 7), round(lat, 7)] for lat, lng in h3.cell_to_boundary(cell)]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def cell_bbox(cell: str) -> tuple[float, float, float, float]:
    pts = h3.cell_to_boundary(cell)
    lats = [p[0] for p in pts]
    lngs = [p[1] for p in pts]
    return min(lngs), min(lats), max(lngs), max(lats)


def hex_feature(cell: HexCell, layer: HexLayer) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": cell.id,
        "geometry": cell_polygon(cell.h3),
        "properties": {
            "h3": cell.h3,
            "layer_id": layer.id,
            "city_id": layer.city_id,
            "indicator": layer.indicator_code,
            "population": cell.population,
            "population_covered": cell.population_covered,
            "share": cell.share,
            "distance_m": cell.distance_m,
        },
    }


def city_properties(city: City) -> dict[str, Any]:
    return {
        "slug": city.slug,
        "name": city.name,
        "country_iso3": city.country_iso3,
        "country_name": city.country_name,
        "sdg_region": city.sdg_region,
        "population": city.population,
        "population_year": city.population_year,
    }


def city_point(city: City) -> dict[str, Any] | None:
    if city.lon is None or city.lat is None:
        return None
    return {"type": "Point", "coordinates": [city.lon, city.lat]}


def city_boundary(city: City) -> dict[str, Any] | None:
    if not city.boundary_geojson:
        return None
    geom = json.loads(city.boundary_geojson)
    if isinstance(geom, dict) and geom.get("type") == "Feature":
        geom = geom.get("geometry")
    elif isinstance(geom, dict) and geom.get("type") == "FeatureCollection":
        feats = geom.get("features") or []
        geom = feats[0].get("geometry") if feats else None
    return geom if isinstance(geom, dict) else None
