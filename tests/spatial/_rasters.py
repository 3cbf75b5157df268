"""Writing tiny GeoTIFFs for hand-computed raster tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin


def write_raster(
    path: Path,
    arr: np.ndarray,
    *,
    res: float = 100.0,
    nodata: float | None = -9999,
    crs: str | None = "EPSG:3067",
    x0: float = 0.0,
    y0: float | None = None,
) -> Path:
    """One-band GeoTIFF of ``arr``; its top-left corner at (x0, y0), by default y0 = rows × res."""
    top = arr.shape[0] * res if y0 is None else y0
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=arr.shape[0],
        width=arr.shape[1],
        count=1,
        dtype=arr.dtype,
        crs=crs,
        transform=from_origin(x0, top, res, res),
        nodata=nodata,
    ) as dst:
        dst.write(arr, 1)
    return path
