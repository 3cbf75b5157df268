"""Creating, importing and finding cities in the store — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box
from sqlalchemy import Engine, func, select

from sdgcities.cities.service import (
    add_city_from_gazetteer,
    city_summaries,
    city_typology,
    count_cities,
    create_city,
    get_city,
    import_cities,
    list_cities,
)
from sdgcities.errors import ConflictError, InputFileError, NotFoundError, ValidationError
from sdgcities.store.db import transaction
from sdgcities.store.models import City, CityTypology

GOOD_CSV = """\
name,country,population,population_year,lon,lat
Porto Alegre,BRA,1332570,2022,-51.2302,-30.0328
Las Palmas de Gran Canaria,724,378675,2022,-15.4134,28.1236
Helsinki,FIN,658864,2023,,
"""


def _n_cities(engine: Engine) -> tuple[int, int]:
    with transaction(engine) as s:
        return (
            int(s.scalar(select(func.count()).select_from(City)) or 0),
            int(s.scalar(select(func.count()).select_from(CityTypology)) or 0),
        )


def test_create_city_with_typology(engine: Engine) -> None:
    with transaction(engine) as s:
        city = create_city(
            s,
            name="Porto Alegre",
            country="BRA",
            population=1_332_570,
            population_year=2022,
            lon=-51.23,
            lat=-30.03,
        )
        assert city.slug == "porto-alegre-bra"
        assert (city.country_m49, city.country_name) == ("076", "Brazil")
        assert city.sdg_subregion == "South America"
    with transaction(engine) as s:
        city = get_city(s, "porto-alegre-bra")
        assert city_typology(city) == {
            "income_group": "Upper middle income",
            "sdg_region": "Latin America and the Caribbean",
            "size_class": "1m-5m",
        }
        rows = {t.kind: t for t in city.typologies}
        assert rows["size_class"].as_of == "2022"
        assert "1,332,570" in rows["size_class"].source
        assert rows["income_group"].as_of == "FY2024"
        assert "UN-Habitat" in rows["sdg_region"].source
        with pytest.raises(ConflictError, match="porto-alegre-bra"):
            create_city(s, name="Porto Alegre", country="BRA")


def test_boundary_gives_bbox_and_centre(engine: Engine) -> None:
    with transaction(engine) as s:
        city = create_city(s, name="Box Town", country="FIN", boundary=box(24.9, 60.1, 25.0, 60.2))
        assert city.bbox == pytest.approx([24.9, 60.1, 25.0, 60.2])
        assert 24.9 < (city.lon or 0) < 25.0
        assert json.loads(city.boundary_geojson or "{}")["type"] == "Polygon"
        assert "size_class" not in city_typology(city)  # no population, no size class


def test_add_from_gazetteer(engine: Engine) -> None:
    with transaction(engine) as s:
        city = add_city_from_gazetteer(s, "porto alegre", country="BRA")
        assert (city.name, city.geonameid, city.slug) == (
            "Porto Alegre",
            3452925,
            "porto-alegre-bra",
        )
        assert city.population
        assert city.population > 1_000_000
        assert city_typology(city)["size_class"] == "1m-5m"
        by_id = add_city_from_gazetteer(s, 658225)
        assert by_id.name == "Helsinki"
        assert by_id.country_iso3 == "FIN"
        with pytest.raises(NotFoundError):
            add_city_from_gazetteer(s, "zzqxq")


def test_import_csv_good_and_filters(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "cities.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    with transaction(engine) as s:
        cities = import_cities(s, path)
        assert [c.slug for c in cities] == [
            "porto-alegre-bra",
            "las-palmas-de-gran-canaria-esp",
            "helsinki-fin",
        ]
    with transaction(engine) as s:
        assert count_cities(s) == 3
        assert [c.name for c in list_cities(s, region="Northern America and Europe")] == [
            "Helsinki",
            "Las Palmas de Gran Canaria",
        ]
        assert [c.name for c in list_cities(s, region="south america")] == ["Porto Alegre"]
        assert [c.name for c in list_cities(s, size_class="500k-1m")] == ["Helsinki"]
        assert count_cities(s, income_group="high income") == 2
        assert [c.name for c in list_cities(s, country="724")] == ["Las Palmas de Gran Canaria"]
        assert [c.name for c in list_cities(s, search="palmas")] == ["Las Palmas de Gran Canaria"]
        assert [c.name for c in list_cities(s, limit=1, offset=1)] == ["Las Palmas de Gran Canaria"]
        assert get_city(s, "helsinki").slug == "helsinki-fin"
        assert get_city(s, cities_id := get_city(s, "helsinki-fin").id).id == cities_id
        with pytest.raises(NotFoundError, match=r"did you mean .Helsinki. \(helsinki-fin\)"):
            get_city(s, "helsinky")


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"region": "Northern America and Europe"},
        {"size_class": "500k-1m"},
        {"income_group": "high income"},
        {"country": "724"},
        {"search": "palmas"},
        {"limit": 1, "offset": 1},
        {"limit": 2},
        {"offset": 3},
    ],
)
def test_city_summaries_agree_with_the_orm(
    engine: Engine, tmp_path: Path, filters: dict[str, object]
) -> None:
    """The API's plain-row list holds what the ORM cities hold, in the same order."""
    path = tmp_path / "cities.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    with transaction(engine) as s:
        import_cities(s, path)
        create_city(s, name="Box Town", country="FIN", boundary=box(24.9, 60.1, 25.0, 60.2))
    with transaction(engine) as s:
        expected = list_cities(s, **filters)  # type: ignore[arg-type]
        got = city_summaries(s, **filters)  # type: ignore[arg-type]
        assert [c.slug for c in got] == [c.slug for c in expected]
        for summary, city in zip(got, expected, strict=True):
            for field in summary._fields[:-1]:
                assert getattr(summary, field) == getattr(city, field), field
            assert summary.typology == city_typology(city)
        if not filters:
            assert next(c for c in got if c.name == "Box Town").bbox == pytest.approx(
                [24.9, 60.1, 25.0, 60.2]
            )
            assert got[[c.name for c in got].index("Helsinki")].typology["size_class"] == (
                "500k-1m"
            )


BAD_CSV = """\
name,country,population,population_year,lon,lat,slug
Good City,BRA,100000,2020,-50,-30,
,BRA,1,2020,,,
Nowhere,XYZ,1,2020,,,
Negative,BRA,-5,2020,,,
Words,BRA,many,1700,,,
Swapped,BRA,1,2020,-30,-200,
Half,BRA,1,2020,-30,,
Bad Slug,BRA,1,2020,,,Bad Slug!
Good City,BRA,5,2020,,,
"""


def test_import_csv_bad_all_or_nothing(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    with pytest.raises(ValidationError) as info, transaction(engine) as s:
        import_cities(s, path)
    got = {(f.row, f.column, f.message) for f in info.value.findings}
    assert got == {
        (3, "name", "missing city name"),
        (4, "country", "unknown country"),
        (5, "population", "population is negative"),
        (6, "population", "not a number"),
        (6, "population_year", "year out of range"),
        (7, "lat", "latitude outside −90…90"),
        (8, "lat", "only one coordinate given"),
        (9, "slug", "bad slug"),
        (10, "name", "same city as row 2 (slug 'good-city-bra')"),
    }
    assert all(f.file == "bad.csv" and f.fix for f in info.value.findings)
    assert _n_cities(engine) == (0, 0)


def test_import_rejects_existing_slug(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "cities.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    with transaction(engine) as s:
        create_city(s, name="Helsinki", country="FIN")
    with pytest.raises(ValidationError, match="already stored"), transaction(engine) as s:
        import_cities(s, path)
    assert _n_cities(engine)[0] == 1


def _frame(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": ["Helsinki", "Las Palmas de Gran Canaria"],
            "country": ["FIN", "ESP"],
            "population": [658864, 378675],
            "population_year": [2023, 2022],
        },
        geometry=[box(24.90, 60.15, 25.00, 60.20), Point(-15.4134, 28.1236)],
        crs="EPSG:4326",
    ).to_crs(crs)


@pytest.mark.parametrize(("suffix", "crs"), [(".geojson", "EPSG:4326"), (".gpkg", "EPSG:3035")])
def test_import_spatial_good(engine: Engine, tmp_path: Path, suffix: str, crs: str) -> None:
    path = tmp_path / f"cities{suffix}"
    _frame(crs).to_file(path)
    with transaction(engine) as s:
        helsinki, palmas = import_cities(s, path)
        assert helsinki.boundary_geojson is not None
        assert helsinki.bbox == pytest.approx([24.90, 60.15, 25.00, 60.20], abs=1e-6)
        assert palmas.boundary_geojson is None
        assert (palmas.lon, palmas.lat) == pytest.approx((-15.4134, 28.1236), abs=1e-6)
        assert city_typology(palmas)["size_class"] == "300k-500k"


def test_import_spatial_bad_all_or_nothing(engine: Engine, tmp_path: Path) -> None:
    bowtie = "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"
    from shapely import wkt

    gdf = gpd.GeoDataFrame(
        {"name": ["Fine", "Bow", "Line", ""], "country": ["BRA", "BRA", "BRA", "BRA"]},
        geometry=[
            box(0, 0, 1, 1),
            wkt.loads(bowtie),
            wkt.loads("LINESTRING (0 0, 1 1)"),
            Point(0, 0),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "bad.gpkg"
    gdf.to_file(path)
    with pytest.raises(ValidationError) as info, transaction(engine) as s:
        import_cities(s, path)
    got = {(f.row, f.column) for f in info.value.findings}
    assert got == {(2, "geometry"), (3, "geometry"), (4, "name")}
    assert _n_cities(engine) == (0, 0)


def test_unreadable_city_files(engine: Engine, tmp_path: Path) -> None:
    with transaction(engine) as s:
        bad = tmp_path / "x.csv"
        bad.write_text("city_name,pop\nA,1\n", encoding="utf-8")
        with pytest.raises(InputFileError, match="missing column"):
            import_cities(s, bad)
        with pytest.raises(InputFileError, match="file not found"):
            import_cities(s, tmp_path / "nope.csv")
        odd = tmp_path / "x.xlsx"
        odd.write_bytes(b"")
        with pytest.raises(InputFileError, match="unsupported"):
            import_cities(s, odd)
