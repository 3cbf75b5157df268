"""What profiling reads from an ``.osm.pbf`` besides the walk network, in one pass.

* **services** — points of schools, health care and food shops (nodes, and the
  representative point of areas), by :data:`SERVICE_TAGS`;
* **places** — ``place=neighbourhood|suburb|quarter`` as polygons (areas) or points;
* **admin** — ``boundary=administrative`` areas with their ``admin_level``;
* **informal** — informal settlements: ``landuse=residential`` with
  ``residential=informal``, or ``informal=yes`` on a residential area / ``place=*``;
* **buildings** — building footprints (for built-up density and exposure).

© OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from sdgcities.errors import SpatialInputError

#: OSM tags of each service (key → accepted values); a feature counts for every service
#: whose tags it carries
SERVICE_TAGS: dict[str, dict[str, frozenset[str]]] = {
    "schools": {
        "amenity": frozenset({"school", "kindergarten", "college"}),
    },
    "healthcare": {
        "amenity": frozenset({"hospital", "clinic", "doctors", "health_post"}),
        "healthcare": frozenset({"hospital", "clinic", "doctor", "centre", "health_post"}),
    },
    "food": {
        "shop": frozenset({"supermarket", "greengrocer", "convenience", "grocery"}),
        "amenity": frozenset({"marketplace"}),
    },
}
PLACE_VALUES = frozenset({"neighbourhood", "suburb", "quarter"})
#: every key=value pair that makes an object a service, a place, an administrative area or
#: an informal settlement (:func:`_services_of`, :func:`_is_informal`)
_WANTED_TAGS: tuple[tuple[str, str], ...] = (
    *((k, v) for rule in SERVICE_TAGS.values() for k, vals in rule.items() for v in sorted(vals)),
    *(("place", v) for v in sorted(PLACE_VALUES)),
    ("boundary", "administrative"),
    ("residential", "informal"),
    ("informal", "yes"),
)


@dataclass
class OsmExtras:
    services: gpd.GeoDataFrame  # columns: service, osm_id, name
    places: gpd.GeoDataFrame  # osm_id, name, place (polygons and points)
    admin: gpd.GeoDataFrame  # osm_id, name, admin_level (polygons)
    informal: gpd.GeoDataFrame  # osm_id, name (polygons)
    buildings: gpd.GeoDataFrame  # osm_id, building (polygons)


def _services_of(tags: Any) -> list[str]:
    out = []
    for service, rule in SERVICE_TAGS.items():
        if any(tags.get(k) in values for k, values in rule.items()):
            out.append(service)
    return out


def _is_informal(tags: Any) -> bool:
    if tags.get("residential") == "informal":
        return True
    return tags.get("informal") == "yes" and (
        tags.get("landuse") == "residential" or tags.get("place") is not None
    )


def read_osm_extras(path: str | Path, *, buildings: bool = True) -> OsmExtras:
    """Read services, places, administrative areas, informal settlements and buildings."""
    import osmium

    p = Path(path)
    if not p.is_file():
        raise SpatialInputError(p, "file not found", "pass the path of an .osm.pbf extract")
    keys = ["amenity", "healthcare", "shop", "place", "boundary", "residential", "informal"]
    if buildings:
        keys.append("building")
    rows: dict[str, list[tuple[Any, ...]]] = {
        k: [] for k in ("services", "places", "admin", "informal", "b")
    }
    fab = osmium.geom.WKBFactory()
    # without buildings every wanted object carries one of a known list of key=value
    # pairs: libosmium drops the others before Python sees them (the same objects pass)
    wanted = osmium.filter.KeyFilter(*keys) if buildings else osmium.filter.TagFilter(*_WANTED_TAGS)
    fp = (
        osmium.FileProcessor(str(p))
        .with_areas(wanted)
        .with_filter(osmium.filter.EmptyTagFilter())
        .with_filter(wanted)
    )
    try:
        for obj in fp:
            tags = obj.tags
            if isinstance(obj, osmium.osm.Node):
                services = _services_of(tags)
                place = tags.get("place")
                if not services and place not in PLACE_VALUES:
                    continue
                try:
                    wkb = fab.create_point(obj)
                except RuntimeError:
                    continue
                for s in services:
                    rows["services"].append((s, obj.id, tags.get("name"), wkb))
                if place in PLACE_VALUES:
                    rows["places"].append((obj.id, tags.get("name"), place, wkb))
                continue
            if not isinstance(obj, osmium.osm.Area):
                continue
            services = _services_of(tags)
            place = tags.get("place")
            admin = tags.get("boundary") == "administrative"
            informal = _is_informal(tags)
            building = tags.get("building") if buildings else None
            is_building = building is not None and building != "no"
            if not (services or place in PLACE_VALUES or admin or informal or is_building):
                continue
            try:
                wkb = fab.create_multipolygon(obj)
            except RuntimeError:  # broken ring / members missing at the extract's edge
                continue
            oid = obj.orig_id()
            for s in services:
                rows["services"].append((s, oid, tags.get("name"), wkb))
            if place in PLACE_VALUES:
                rows["places"].append((oid, tags.get("name"), place, wkb))
            if admin:
                rows["admin"].append((oid, tags.get("name"), tags.get("admin_level"), wkb))
            if informal:
                rows["informal"].append((oid, tags.get("name"), wkb))
            if is_building:
                rows["b"].append((oid, building, wkb))
    except RuntimeError as exc:
        raise SpatialInputError(
            p, f"cannot read as OpenStreetMap data ({exc})", "re-download or re-export it"
        ) from exc

    def frame(name: str, cols: list[str], point: bool = False) -> gpd.GeoDataFrame:
        data = rows[name]
        if not data:
            return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs="EPSG:4326")
        geoms = shapely.from_wkb([bytes.fromhex(r[-1]) for r in data])
        if point:
            poly = shapely.get_type_id(geoms) != 0
            geoms = np.where(poly, shapely.point_on_surface(geoms), geoms)
        return gpd.GeoDataFrame(
            {c: [r[i] for r in data] for i, c in enumerate(cols)},
            geometry=geoms,
            crs="EPSG:4326",
        )

    return OsmExtras(
        services=frame("services", ["service", "osm_id", "name"], point=True),
        places=frame("places", ["osm_id", "name", "place"]),
        admin=frame("admin", ["osm_id", "name", "admin_level"]),
        informal=frame("informal", ["osm_id", "name"]),
        buildings=frame("b", ["osm_id", "building"]),
    )
