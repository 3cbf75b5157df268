"""Benchmark the raster indicators against the naive rasterio-mask + numpy approach.

1. SDG 11.3.1 built-up area by epoch on the real GHSL Washington–Baltimore raster
   (needs the shared data kit: ``SDGCITIES_SHARED_DATA`` or ``shared/data`` beside the
   repository), within one
   urban-extent polygon: sdgcities (exactextract, exact pixel fractions) vs
   ``rasterio.mask.mask`` (cell-centre rule) + numpy counts.
2. SDG 11.6.2 on a generated grid (PM2.5 at 1 km, population at 100 m, circular city
   boundary): sdgcities (exactextract weighted_mean) vs ``rasterio.mask.mask`` on the
   population raster + PM2.5 repeated onto the 100 m grid + numpy weighted mean.

Prints a table of median wall times over a few repeats, the ratio (naive / sdgcities)
measured in the same run, and how far the two answers differ. Exits 0.

Usage: python bench/bench_rasters.py [--repeats 3] [--size 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.mask
from rasterio.transform import from_origin
from shapely.geometry import Point

from sdgcities.spatial.airquality import air_quality
from sdgcities.spatial.landuse import built_up_area_by_epoch, land_consumption

REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    env = os.environ.get("SDGCITIES_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def _time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times = []
    out: Any = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _naive_built(tif: Path, aoi: gpd.GeoDataFrame) -> dict[int, float]:
    with rasterio.open(tif) as ds:
        shapes = list(aoi.to_crs(ds.crs).geometry)
        arr, transform = rasterio.mask.mask(ds, shapes, crop=True, filled=False)
    band = arr[0]
    px_km2 = abs(transform.a * transform.e) / 1e6
    vals = band.compressed()
    return {int(e): float((vals <= e).sum() * px_km2) for e in np.unique(vals)}


def bench_landuse(repeats: int, rows: list[tuple[str, float, float, str]]) -> None:
    kit = _shared() / "rasters/ghsl_washington_baltimore"
    tif = kit / "ghs_built_epochs_100m.tif"
    if not tif.exists():
        print(f"(skipping 11.3.1: {tif} not found; set SDGCITIES_SHARED_DATA)")
        return
    extents = gpd.read_file(kit / "urban_extents.geojson")
    aoi = extents[extents["ID"] == 7652]

    def ours() -> dict[int, float]:
        areas = built_up_area_by_epoch(tif, aoi=aoi)
        land_consumption(areas[1990], areas[2015], 300_000.0, 325_925.0, 25)
        return areas

    t_ours, a = _time(ours, repeats)
    t_naive, b = _time(lambda: _naive_built(tif, aoi), repeats)
    diff = abs(a[2015] - b[2015]) / b[2015] * 100
    rows.append(
        (
            "11.3.1 built-up by epoch, 1 extent (157 km²)",
            t_ours,
            t_naive,
            f"Urb2015 {a[2015]:.2f} vs {b[2015]:.2f} km² ({diff:.2f} %)",
        )
    )
    t_whole, w = _time(lambda: built_up_area_by_epoch(tif), repeats)

    def naive_whole() -> float:
        with rasterio.open(tif) as ds:
            v = ds.read(1, masked=True).compressed()
        return float((v <= 2015).sum() * 0.01)

    t_nw, nw = _time(naive_whole, repeats)
    rows.append(
        (
            "11.3.1 built-up by epoch, whole raster (1.2 M px)",
            t_whole,
            t_nw,
            f"Urb2015 {w[2015]:.2f} vs {nw:.2f} km²",
        )
    )


def _write(path: Path, arr: np.ndarray, res: float) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=arr.shape[0],
        width=arr.shape[1],
        count=1,
        dtype="float32",
        crs="EPSG:3067",
        transform=from_origin(300_000, 6_800_000, res, res),
        nodata=-9999,
        tiled=True,
        compress="deflate",
    ) as dst:
        dst.write(arr.astype("float32"), 1)
    return path


def _naive_pm(pm: Path, pop: Path, boundary: gpd.GeoDataFrame, factor: int) -> float:
    with rasterio.open(pop) as ds:
        p, _ = rasterio.mask.mask(ds, list(boundary.geometry), crop=False, filled=False)
    with rasterio.open(pm) as ds:
        c = ds.read(1, masked=True)
    c_fine = np.repeat(np.repeat(c.filled(np.nan), factor, axis=0), factor, axis=1)
    w = p[0].filled(0).astype("float64")
    ok = np.isfinite(c_fine)
    return float((c_fine[ok] * w[ok]).sum() / w[ok].sum())


def bench_airquality(repeats: int, size: int, rows: list[tuple[str, float, float, str]]) -> None:
    rng = np.random.default_rng(42)
    factor = 10
    n_pm = size // factor
    yy, xx = np.mgrid[0:size, 0:size]
    centre = size / 2
    dist = np.hypot(yy - centre, xx - centre) / size
    pop = rng.poisson(np.maximum(0.0, 80.0 * (1 - 2 * dist)) ** 1.5).astype("float64")
    pm = 8 + 10 * rng.random((n_pm, n_pm))
    with tempfile.TemporaryDirectory() as tmp:
        pm_path = _write(Path(tmp) / "pm.tif", pm, 100.0 * factor)
        pop_path = _write(Path(tmp) / "pop.tif", pop, 100.0)
        cx, cy = 300_000 + size * 50.0, 6_800_000 - size * 50.0
        boundary = gpd.GeoDataFrame(geometry=[Point(cx, cy).buffer(size * 35.0)], crs="EPSG:3067")
        t_ours, r = _time(lambda: air_quality(pm_path, pop_path, boundary=boundary), repeats)
        t_naive, v = _time(lambda: _naive_pm(pm_path, pop_path, boundary, factor), repeats)
    rows.append(
        (
            f"11.6.2 PM2.5 1 km × pop 100 m ({size}² = {size * size / 1e6:.0f} M px)",
            t_ours,
            t_naive,
            f"{r.value:.4f} vs {v:.4f} µg/m³",
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--size", type=int, default=2000, help="population grid side (cells)")
    args = ap.parse_args()
    rows: list[tuple[str, float, float, str]] = []
    bench_landuse(args.repeats, rows)
    bench_airquality(args.repeats, args.size, rows)
    print(f"{'case':<58} {'sdgcities s':>12} {'naive s':>9} {'naive/ours':>10}  result")
    for name, ours, naive, note in rows:
        print(f"{name:<58} {ours:>12.3f} {naive:>9.3f} {naive / ours:>10.2f}  {note}")
    print("sdgcities = exactextract (exact pixel fractions); naive = rasterio.mask cell centres")


if __name__ == "__main__":
    main()
