"""H3 hex layer, ranking and writers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from sdgcities.spatial.hexes import hex_layer, most_underserved, write_layer


def _layer() -> gpd.GeoDataFrame:
    pts = gpd.GeoDataFrame(
        {"population": [10.0, 30.0, 50.0]},
        geometry=shapely.points([-51.2, -51.2, -51.25], [-30.05, -30.05, -30.1]),
        crs="EPSG:4326",
    )
    return hex_layer(pts, np.array([True, False, False]), np.array([100.0, 700.0, np.inf]))


def test_hex_layer_and_ranking() -> None:
    hx = _layer()
    assert len(hx) == 2
    assert hx["population"].sum() == 90
    top = most_underserved(hx, n=1)
    assert top["population"].iloc[0] == 50
    assert np.isnan(top["distance_m"].iloc[0])
    assert top["rank"].tolist() == [1]


@pytest.mark.parametrize("ext", [".gpkg", ".parquet", ".geojson"])
def test_write_layer(tmp_path: Path, ext: str) -> None:
    p = write_layer(_layer(), tmp_path / f"hexes{ext}")
    back = gpd.read_parquet(p) if ext == ".parquet" else gpd.read_file(p)
    assert len(back) == 2
    with pytest.raises(ValueError, match="unknown layer format"):
        write_layer(_layer(), tmp_path / "x.shp")


def test_beyond_limit_is_said_not_capped() -> None:
    from sdgcities.spatial.hexes import distance_label

    hx = _layer().set_index("h3")
    far = hx.loc[hx["population"] == 50].iloc[0]
    assert far["population_beyond_limit"] == 50
    assert np.isnan(far["distance_m"])
    assert distance_label(far.to_dict(), 3000) == "> 3,000"
    near = hx.loc[hx["population"] == 40].iloc[0]
    assert near["population_beyond_limit"] == 0
    assert distance_label(near.to_dict(), 3000) == "550"
