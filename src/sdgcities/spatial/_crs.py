"""Choosing a metric projection for a city, and warning on geographic inputs."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import shapely
from pyproj import CRS

logger = logging.getLogger(__name__)


class GeographicCRSWarning(UserWarning):
    """Areas or lengths were handed in a geographic (degree) CRS."""


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS 84 / UTM zone CRS containing ``(lon, lat)``.

    >>> utm_crs_for(24.94, 60.17).to_epsg()
    32635
    >>> utm_crs_for(-51.2, -30.05).to_epsg()
    32722
    """
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"coordinates out of range: lon={lon}, lat={lat}")
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    return CRS.from_epsg(epsg)


def warn_if_geographic(crs: CRS | str | None, what: str) -> None:
    """Warn when ``what`` (areas or lengths) is expressed in a geographic CRS."""
    if crs is None:
        return
    c = CRS.from_user_input(crs)
    if c.is_geographic:
        warnings.warn(
            f"{what} is in a geographic CRS ({c.name}); areas and lengths in degrees are "
            "meaningless. sdgcities reprojects to a UTM zone; pass projected data to silence this.",
            GeographicCRSWarning,
            stacklevel=3,
        )


def reproject(geoms: np.ndarray, src: CRS | str, dst: CRS | str) -> np.ndarray:
    """``geoms`` (shapely, in ``src``) in ``dst``, coordinate by coordinate (x/y order).

    The same transformation as GeoPandas' ``to_crs`` (pyproj, ``always_xy``), without
    GeoPandas: one pyproj call for every 2D coordinate of every geometry.

    >>> g = reproject(np.array([shapely.Point(-51.2, -30.05)]), "EPSG:4326", "EPSG:32722")
    >>> [round(v) for v in shapely.get_coordinates(g)[0]]
    [480720, 6675657]
    """
    from pyproj import Transformer

    transformer = Transformer.from_crs(
        CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True
    )
    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    if not len(geoms):
        return out
    has_z = np.asarray(shapely.has_z(geoms), dtype=bool)
    flat = ~has_z  # 2D and 3D apart, as geopandas does: a 2D shape must not get z = NaN
    if flat.any():
        xy = shapely.get_coordinates(geoms[flat])
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        out[flat] = shapely.set_coordinates(geoms[flat].copy(), np.column_stack([x, y]))
    if has_z.any():
        xyz = shapely.get_coordinates(geoms[has_z], include_z=True)
        moved = transformer.transform(xyz[:, 0], xyz[:, 1], xyz[:, 2])
        out[has_z] = shapely.set_coordinates(geoms[has_z].copy(), np.column_stack(moved))
    return out
