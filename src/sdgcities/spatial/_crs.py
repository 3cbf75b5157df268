"""Choosing a metric projection for a city, and warning on geographic inputs."""

from __future__ import annotations

import logging
import warnings

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
