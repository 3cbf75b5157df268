"""Population readers and the building-based estimate."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from sdgcities.errors import SpatialInputError
from sdgcities.spatial.population import estimate_population_from_buildings, read_population


def test_csv_h3_and_lonlat(tmp_path: Path) -> None:
    c = h3.latlng_to_cell(-30.05, -51.2, 9)
    p = tmp_path / "h.csv"
    p.write_text(f"id,population,pop_female\n{c},10,6\n")
    pop = read_population(p)
    assert pop.total == 10
    assert pop.groups == ["pop_female"]
    q = tmp_path / "ll.csv"
    q.write_text("lon,lat,people\n-51.2,-30.05,5\n")
    with pytest.raises(SpatialInputError, match="no population column"):
        read_population(q)
    assert read_population(q, column="people").total == 5


def test_vector_grid_and_raster(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame(
        {"population": [3.0, 4.0]},
        geometry=[shapely.box(0, 0, 0.01, 0.01), shapely.box(0.01, 0, 0.02, 0.01)],
        crs="EPSG:4326",
    )
    g.to_file(tmp_path / "g.gpkg")
    assert read_population(tmp_path / "g.gpkg").total == 7
    t = tmp_path / "r.tif"
    arr = np.array([[1.0, 0.0], [2.0, -1.0]], dtype="float32")
    with rasterio.open(
        t,
        "w",
        driver="GTiff",
        width=2,
        height=2,
        count=1,
        dtype="float32",
        crs="EPSG:32633",
        transform=from_origin(500000, 6000000, 100, 100),
        nodata=-1,
    ) as dst:
        dst.write(arr, 1)
    pop = read_population(t)
    assert pop.total == 3
    assert len(pop.points) == 2


def test_building_estimate() -> None:
    b = gpd.GeoDataFrame(
        {"building": ["house", "apartments", "industrial"], "levels": [np.nan, 3.0, 1.0]},
        geometry=[shapely.box(0, 0, 0.0001, 0.0001)] * 3,
        crs="EPSG:4326",
    )
    pop = estimate_population_from_buildings(b, 400)
    assert pop.is_estimate
    assert pop.points["population"].tolist() == pytest.approx([100.0, 300.0])


@pytest.mark.shared_data
def test_helsinki_grid(shared_data: Path) -> None:
    pop = read_population(shared_data / "cities" / "helsinki" / "population_grid_250m_2020.gpkg")
    assert len(pop.points) == 92
    assert pop.total == 71724


def test_bad_cells_are_refused_naming_rows(tmp_path: Path) -> None:
    from sdgcities.errors import ValidationError

    csv = tmp_path / "population.csv"
    csv.write_text(
        "lon,lat,population\n24.94,60.17,10\n24.95,60.17,\n24.96,x,5\n24.97,60.18,-2\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as err:
        read_population(csv)
    found = sorted((f.row, f.column, f.message) for f in err.value.findings)
    assert found == [
        (3, "population", "population is not a number"),
        (5, "population", "population is negative"),
    ]
    csv.write_text("lon,lat,population\n24.94,60.17,10\n24.96,x,5\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_population(csv)
    assert [(f.row, f.column) for f in err.value.findings] == [(3, "lat")]
    csv.write_text("lon,lat,population\n24.94,60.17,0\n", encoding="utf-8")
    with pytest.raises(SpatialInputError, match="every population value"):
        read_population(csv)
