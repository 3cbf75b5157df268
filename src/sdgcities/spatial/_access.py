"""Plumbing shared by the access indicators (11.2.1, 11.7.1 b): snap, measure, summarise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sdgcities.errors import SpatialInputError
from sdgcities.spatial._features import Features
from sdgcities.spatial.network import Snapped, WalkGraph, to_metric
from sdgcities.spatial.population import Population

if TYPE_CHECKING:
    import geopandas as gpd


@dataclass
class Coverage:
    """Per population point: reached within the threshold, distance to nearest source."""

    covered: np.ndarray
    distance_m: np.ndarray
    pop_snap_m: np.ndarray


def points_xy(
    layer: gpd.GeoDataFrame | Features, graph: WalkGraph
) -> tuple[np.ndarray, np.ndarray]:
    """Point coordinates of ``layer`` in the graph CRS (metres); a shape counts at its
    representative point."""
    f = layer if isinstance(layer, Features) else Features.from_geodataframe(layer)
    lon, lat = f.xy()
    return to_metric(lon, lat, graph.crs)


def snap_population(
    graph: WalkGraph,
    population: Population,
    warnings: list[str] | None = None,
    how: str = "segment",
) -> Snapped:
    """Snap population points; note in ``warnings`` the people outside the network extent."""
    x, y = points_xy(population.features, graph)
    snapped = graph.snap_points(x, y, how=how)
    pad = 1000.0  # m beyond the network's bounding box still counts as inside
    minx, maxx = graph.x.min() - pad, graph.x.max() + pad
    miny, maxy = graph.y.min() - pad, graph.y.max() + pad
    inside = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    if not inside.any():
        raise SpatialInputError(
            population.source,
            "no population point lies within the street network's extent",
            "use an OSM extract that covers the population layer (or vice versa)",
        )
    if warnings is not None and not inside.all():
        pop = population.weights()
        share = 100 * pop[~inside].sum() / max(pop.sum(), 1e-12)
        warnings.append(
            f"{int((~inside).sum())} population points ({share:.1f} % of the population) lie "
            "outside the street network's extent and are most likely counted as not covered; "
            "pass a boundary or a larger OSM extract"
        )
    return snapped


def summarise(
    population: Population, covered: np.ndarray
) -> tuple[float, float, float, dict[str, float]]:
    """(value %, total, covered, disaggregation % per ``pop_*`` column)."""
    pts = population.features
    pop = population.weights()
    total = float(pop.sum())
    cov = float(pop[covered].sum())
    value = 100.0 * cov / total
    dis: dict[str, float] = {}
    for c in population.groups:
        v = np.asarray(pts[c], dtype=float)
        s = v.sum()
        if s > 0:
            dis[c] = round(100.0 * float(v[covered].sum()) / float(s), 4)
    return value, total, cov, dis
