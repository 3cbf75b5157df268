"""Informal settlements and a proxy of SDG 11.1.1 *from mapped settlements* (programme 3).

Settlements are polygons: a file the city imports (``--settlements S.gpkg``), or, by
default, the OSM areas tagged ``landuse=residential`` + ``residential=informal`` (or
``informal=yes`` on a residential area or a ``place=*``), read by
:mod:`sdgcities.profiling.osmextra`.

SDG 11.1.1 is the "proportion of urban population living in slums, informal settlements
or inadequate housing" (UN-Habitat, SDG indicator metadata 11.1.1, custodian UN-Habitat).
The official value counts *households* lacking one or more of improved water, improved
sanitation, sufficient living area, durable housing and security of tenure, from census
and household-survey microdata. This module cannot measure those deprivations; it gives
a **proxy from mapped settlements**:

    proxy = 100 · P_inside / P_total

with ``P_inside`` the population living inside the mapped settlement polygons and
``P_total`` the city's (urban) population from the same population layer. It depends on
how completely the settlements are mapped (OSM coverage of informal areas is uneven),
and it misses inadequate housing outside mapped settlements, so it is labelled "from
mapped settlements", carries its method and source, and is never presented as the
official household-survey value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

#: what every proxy value says about itself
PROXY_LABEL = (
    "Share of the urban population living in informal settlements — from mapped "
    "settlements (a proxy of SDG 11.1.1, not the official household-survey value)"
)
PROXY_SOURCE = (
    "UN-Habitat, SDG indicator metadata 11.1.1 (proportion of urban population living in "
    "slums, informal settlements or inadequate housing); the official value is computed "
    "from census/household-survey data on five household deprivations"
)
PROXY_METHOD = (
    "100 × population inside the mapped settlement polygons / total population of the same layer"
)


def slum_proxy(inside: float, total: float, *, settlements_from: str) -> dict[str, Any]:
    """The 11.1.1 proxy record (value in percent; None without population)."""
    return {
        "indicator": "11.1.1",
        "kind": "proxy from mapped settlements",
        "value": round(100.0 * inside / total, 4) if total > 0 else None,
        "population_inside": inside,
        "population_outside": total - inside,
        "population_total": total,
        "label": PROXY_LABEL,
        "method": PROXY_METHOD,
        "source": PROXY_SOURCE,
        "settlements_from": settlements_from,
    }


def points_inside(settlements: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True for each (lon, lat) point (EPSG:4326) inside a settlement polygon."""
    out = np.zeros(len(lon), dtype=bool)
    if not len(lon) or settlements.empty:
        return out
    geoms = shapely.make_valid(settlements.to_crs("EPSG:4326").geometry.values)
    pts = shapely.points(np.asarray(lon, float), np.asarray(lat, float))
    pi, _ = shapely.STRtree(geoms).query(pts, predicate="intersects")
    out[pi] = True
    return out


def load_settlements(
    path: str | Path | None, extras: Any = None
) -> tuple[gpd.GeoDataFrame | None, str]:
    """Settlement polygons (``zone``, ``name``) and where they come from: the file, else
    the OSM informal areas of ``extras``; ``(None, "")`` when there are none."""
    from sdgcities.profiling.exposure import zones_from

    if path is not None:
        from sdgcities.spatial._vector import read_polygons

        return zones_from(read_polygons(path, what="settlements")), Path(path).name
    if extras is not None and not extras.informal.empty:
        osm = extras.informal.rename(columns={"osm_id": "id"})
        return zones_from(osm, prefix="w"), "OSM landuse=residential + residential=informal"
    return None, ""
