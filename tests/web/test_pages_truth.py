"""Pages that tell the truth (issue 8): what each page claims must be what the data say.

A seeded temporary SQLite store (real cities from the bundled gazetteer, GENERATED TEST
values) plus cities made for each case: one with a single year of data, one whose every
indicator reached its target, a crowd of similar cities of which only one has data, two
cities of one name in one country.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import h3
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sdgcities.store.db import transaction
from sdgcities.store.models import City
from tests.browser import seed_store
from tests.web._pageshelp import new_store, page_client


@dataclass
class Made:
    single: str  # slug of a city with one year of data
    achiever: str  # every scored indicator green
    mixed: str  # one green, one orange, one red indicator
    lonely: str  # data, but no similar city has any
    crowd: str  # nine similar cities, only the last by name has data
    crowd_with_data: str
    layer_id: int


def _city(s: Session, name: str, country: str, population: float, **kw: Any) -> City:
    from sdgcities.cities.service import create_city

    return create_city(s, name=name, country=country, population=population, **kw)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Made]]:
    from sdgcities.observations.service import record_value

    path = tmp_path_factory.mktemp("truth") / "store.db"
    engine = new_store(path)
    seeded = seed_store.seed(engine, hex_rings=2)
    src = seed_store.GENERATED
    with transaction(engine) as s:
        single = _city(s, "Kisumu", "KEN", 610_000, lon=34.76, lat=-0.09)
        record_value(s, city_id=single.id, indicator_code="11.2.1", year=2019, value=81.25,
                     source=src)  # fmt: skip
        # Norway: a region of its own in this store; size class 300k–500k
        achiever = _city(s, "Bergen", "NOR", 310_000)
        for code, value in (("11.2.1", 98.0), ("11.6.2", 6.0), ("11.1.1", 2.0)):
            record_value(s, city_id=achiever.id, indicator_code=code, year=2020, value=value,
                         source=src)  # fmt: skip
        mixed = _city(s, "Stavanger", "NOR", 320_000)
        # 11.1.1 = 5 % → green; 11.2.1 = 60 % → orange, score 60; 11.6.2 = 30 µg/m³ → red,
        # score 100·(30 − 35)/(5 − 35) = 16.67
        for code, value in (("11.1.1", 5.0), ("11.2.1", 60.0), ("11.6.2", 30.0)):
            record_value(s, city_id=mixed.id, indicator_code=code, year=2020, value=value,
                         source=src)  # fmt: skip
        # Venezuela (no income group): data; its similar cities (Chile, same size class and
        # region) have none, and no other city with data shares its size class or region
        lonely = _city(s, "Maturín", "VEN", 250_000)
        record_value(s, city_id=lonely.id, indicator_code="11.2.1", year=2021, value=70.0,
                     source=src)  # fmt: skip
        for name in ("Antofagasta", "Temuco", "Rancagua"):
            _city(s, name, "CHL", 260_000)
        # China: nine similar cities (1–5 M); only Zhengzhou (last by name) has data
        crowd = _city(s, "Changsha", "CHN", 1_100_000)
        record_value(s, city_id=crowd.id, indicator_code="11.2.1", year=2021, value=55.0,
                     source=src)  # fmt: skip
        for name in ("Dalian", "Harbin", "Jinan", "Kunming", "Nanning", "Shenyang", "Taiyuan",
                     "Xiamen"):  # fmt: skip
            _city(s, name, "CHN", 1_200_000)
        trujillo = _city(s, "Zhengzhou", "CHN", 1_300_000)
        record_value(s, city_id=trujillo.id, indicator_code="11.2.1", year=2020, value=65.0,
                     source=src)  # fmt: skip
        # two cities of one name in one country (5–10 M, so not among the peers above)
        _city(s, "Fuzhou", "CHN", 7_000_000, admin1="Fujian", slug="fuzhou-chn")
        _city(s, "Fuzhou", "CHN", 6_000_000, admin1="Jiangxi", slug="fuzhou-chn-1810820")
        made = Made(
            single.slug, achiever.slug, mixed.slug, lonely.slug, crowd.slug, trujillo.slug,
            seeded.layer_id,
        )  # fmt: skip
    yield engine, made
    engine.dispose()


@pytest.fixture(scope="module")
def client(store: tuple[Engine, Made], tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return page_client(store[0], tmp_path_factory.mktemp("data"))


@pytest.fixture(autouse=True)
def _english(client: TestClient) -> None:
    """Each test starts in English (a ``?lang=`` request leaves a cookie behind)."""
    client.cookies.clear()


def _series(html: str) -> dict[str, dict[str, object]]:
    found = re.search(r'<script type="application/json" id="series-data">(.*?)</script>', html)
    assert found
    data: dict[str, dict[str, object]] = json.loads(found.group(1))
    return data


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ----------------------------------------------------------------------- over time


def test_one_year_is_a_value_not_a_range_nor_a_chart(
    client: TestClient, store: tuple[Engine, Made]
) -> None:
    made: Made = store[1]
    html = client.get(f"/cities/{made.single}").text
    assert "Years with data</dt><dd>2019</dd>" in html
    assert "2019–2019" not in html
    series = _series(html)
    assert series["11.2.1"]["years"] == [2019]
    assert series["11.2.1"]["single"] == "81.25 % in 2019"


def test_several_years_are_a_range_and_a_chart(client: TestClient) -> None:
    html = client.get("/cities/nairobi-ken").text
    assert "Years with data</dt><dd>2016–2022</dd>" in html
    series = _series(html)
    assert series["11.2.1"]["years"] == [2016, 2018, 2020, 2022]
    assert "single" not in series["11.2.1"]


# ----------------------------------------------------------------------- hex map


def test_hex_layer_bbox_is_the_extent_of_the_hexagons(
    client: TestClient, store: tuple[Engine, Made]
) -> None:
    """Every vertex of every hexagon lies inside the bbox, and the bbox touches them."""
    made: Made = store[1]
    fc = client.get(f"/cities/nairobi-ken/hexes/{made.layer_id}.geojson").json()
    west, south, east, north = fc["bbox"]
    lons = [p[0] for f in fc["features"] for p in f["geometry"]["coordinates"][0]]
    lats = [p[1] for f in fc["features"] for p in f["geometry"]["coordinates"][0]]
    assert len(fc["features"]) == 19  # 2 rings
    assert west <= min(lons)
    assert max(lons) <= east
    assert south <= min(lats)
    assert max(lats) <= north
    # tight: the extent of the vertices (to the 5 decimals written), not of the centres
    assert (west, south, east, north) == pytest.approx(
        (min(lons), min(lats), max(lons), max(lats)), abs=2e-5
    )
    centres = [h3.cell_to_latlng(f["properties"]["h3"]) for f in fc["features"]]
    assert west < min(c[1] for c in centres) - 0.001  # a centre bbox would clip the rim


def test_extent_of_cells_against_pyproj_geodesics() -> None:
    """Width and height of the hexagons' extent agree with WGS84 geodesics (pyproj)."""
    from pyproj import Geod

    from sdgcities.web.hexmap import extent_of_cells

    centre = h3.latlng_to_cell(60.17, 24.94, 9)
    cells = sorted(h3.grid_disk(centre, 3))
    ext = extent_of_cells(cells)
    assert ext is not None
    assert ext.cells == 37
    assert ext.area_km2 == pytest.approx(sum(h3.cell_area(c, "km^2") for c in cells))
    assert ext.area_km2 == pytest.approx(37 * 0.0813, rel=0.02)  # res 9 ≈ 0.081 km² here
    geod = Geod(ellps="WGS84")
    mid = (ext.south + ext.north) / 2
    _az, _baz, width_m = geod.inv(ext.west, mid, ext.east, mid)
    _az, _baz, height_m = geod.inv(ext.west, ext.south, ext.west, ext.north)
    assert ext.width_km == pytest.approx(width_m / 1000, rel=0.01)
    assert ext.height_km == pytest.approx(height_m / 1000, rel=0.01)
    assert extent_of_cells([]) is None


def test_outline_contains_every_hexagon(client: TestClient, store: tuple[Engine, Made]) -> None:
    from shapely.geometry import Point, shape

    made: Made = store[1]
    out = client.get(f"/cities/nairobi-ken/hexes/{made.layer_id}/outline.geojson")
    assert out.status_code == 200
    assert out.headers["content-type"].startswith("application/geo+json")
    outline = shape(out.json()["geometry"])
    fc = client.get(f"/cities/nairobi-ken/hexes/{made.layer_id}.geojson").json()
    for f in fc["features"]:
        lat, lon = h3.cell_to_latlng(f["properties"]["h3"])
        assert outline.contains(Point(lon, lat))
    union_area = sum(shape(f["geometry"]).area for f in fc["features"])
    assert outline.area == pytest.approx(union_area, rel=1e-3)
    assert (
        client.get(f"/cities/kampala-uga/hexes/{made.layer_id}/outline.geojson").status_code == 404
    )


def test_city_page_says_what_area_the_map_covers(
    client: TestClient, store: tuple[Engine, Made]
) -> None:
    layer_id = store[1].layer_id
    html = client.get("/cities/nairobi-ken").text
    found = re.search(
        r'class="area-statement"[^>]*>.*?(\d+) hexagons covering about ([\d.]+) × ([\d.]+) km '
        r"\(([\d.]+) km²\)",
        html,
    )
    assert found, "the area statement is missing"
    assert int(found.group(1)) == 19
    # an independent area: the hexagons' polygons on the WGS84 ellipsoid (pyproj)
    from pyproj import Geod
    from shapely.geometry import shape

    geod = Geod(ellps="WGS84")
    fc = client.get(f"/cities/nairobi-ken/hexes/{layer_id}.geojson").json()
    ellipsoid_km2 = (
        sum(abs(geod.geometry_area_perimeter(shape(f["geometry"]))[0]) for f in fc["features"])
        / 1e6
    )
    # h3 measures on a sphere; near the equator that is ≈ 0.5 % more than the ellipsoid
    assert float(found.group(4)) == pytest.approx(ellipsoid_km2, rel=0.01)
    assert "data-outline=" in html
    fr = client.get("/cities/nairobi-ken", params={"lang": "fr"}).text
    assert "hexagones couvrant environ" in fr


def test_area_statement_with_no_hexagons() -> None:
    from sdgcities._i18n import use_locale
    from sdgcities.web.pages.city import area_statement

    with use_locale("en"):
        assert "no hexagons" in area_statement(None)


# ----------------------------------------------------------------------- compare


def _columns(html: str) -> list[str]:
    head = re.search(r'<table id="compare-table">.*?<thead>(.*?)</thead>', html, re.S)
    assert head
    return re.findall(r'<th scope="col"><a href="/cities/([^"]+)">', head.group(1))


def test_similar_cities_with_data_come_first(
    client: TestClient, store: tuple[Engine, Made]
) -> None:
    """Eight similar cities without data and one with (last by name): it is the column."""
    made: Made = store[1]
    html = client.get("/compare", params={"city": made.crowd, "peers": "1"}).text
    assert _columns(html) == [made.crowd, made.crowd_with_data]
    assert "8 similar cities without any value are not shown." in html
    assert "same UN size class 1–5 M and SDG region Eastern and South-eastern Asia (1 city)" in html
    assert "1 cities" not in _text(html)


def test_compare_says_when_no_similar_city_has_data(
    client: TestClient, store: tuple[Engine, Made]
) -> None:
    made: Made = store[1]
    html = client.get("/compare", params={"city": made.lonely, "peers": "1"}).text
    assert "No similar city has data for the indicators of Maturín yet" in html
    assert 'id="compare-table"' not in html


def test_side_by_side_drops_columns_without_data(
    client: TestClient, store: tuple[Engine, Made]
) -> None:
    html = client.get("/compare", params={"cities": "nairobi-ken,antofagasta-chl"}).text
    assert _columns(html) == ["nairobi-ken"]
    assert "No values yet for Antofagasta, so no column is shown for them." in html


def test_compare_picker_lists_each_city_once_with_unique_labels(client: TestClient) -> None:
    html = client.get("/compare").text
    picker = re.search(r'<select id="c0" name="c">(.*?)</select>', html, re.S)
    assert picker
    slugs = re.findall(r'<option value="([^"]+)"', picker.group(1))
    labels = re.findall(
        r"<option value=\"[^\"]+\" ?(?:selected)?>([^<]+)</option>", picker.group(1)
    )
    assert len(slugs) == len(set(slugs))
    assert len(labels) == len(set(labels)), "a label is listed twice"
    assert "Fuzhou (Fujian, CHN)" in labels
    assert "Fuzhou (Jiangxi, CHN)" in labels


def test_picker_options_fall_back_to_the_slug() -> None:
    from sdgcities.store.models import City
    from sdgcities.web.pages.compare import picker_options

    a = City(slug="springfield-usa", name="Springfield", country_iso3="USA", admin1="12")
    b = City(slug="springfield-usa-2", name="Springfield", country_iso3="USA", admin1="13")
    c = City(slug="lima-per", name="Lima", country_iso3="PER")
    labels = [o["label"] for o in picker_options([a, b, c, c])]
    assert labels == [
        "Springfield (springfield-usa)",
        "Springfield (springfield-usa-2)",
        "Lima (PER)",
    ]


# ----------------------------------------------------------------------- challenges


def test_mixed_city_challenges_furthest_from_target_first(store: tuple[Engine, Made]) -> None:
    """Hand-computed: 11.6.2 red, score 100·(30 − 35)/(5 − 35) = 16.67; its peers (high
    income: Bergen and three Chilean cities without data) have Bergen's score 96.67 as
    median, so priority = (100 − 16.67) + 20 + 0.5·(96.67 − 16.67) = 143.33; 11.2.1
    (orange, score 60; Bergen 98) = 40 + 0.5·38 = 59; 11.1.1 is green — achieved, not
    a challenge."""
    from sdgcities.assessment.challenges import HAS_CHALLENGES, challenge_summary

    engine, made = store
    with transaction(engine) as s:
        summary = challenge_summary(s, made.mixed)
    assert summary.status == HAS_CHALLENGES
    assert [c.indicator for c in summary.challenges] == ["11.6.2", "11.2.1"]
    assert [c.rank for c in summary.challenges] == [1, 2]
    assert summary.challenges[0].score == pytest.approx(100 * (30 - 35) / (5 - 35))
    score_a, score_b = 100 * 5 / 30, 100 * (6 - 35) / (5 - 35)
    assert summary.challenges[0].priority == pytest.approx(
        (100 - score_a) + 20 + 0.5 * (score_b - score_a), abs=1e-6
    )
    assert summary.challenges[1].priority == pytest.approx(40 + 0.5 * (98 - 60), abs=1e-6)
    assert summary.achieved == ["11.1.1"]
    assert summary.scored == 3
    assert all(c.colour != "green" for c in summary.challenges)


def test_all_achieved_says_so_on_page_api_and_cli(
    client: TestClient, store: tuple[Engine, Made], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from sdgcities.assessment.challenges import ALL_ACHIEVED, challenge_summary, city_challenges
    from sdgcities.cli import app

    engine, made = store
    with transaction(engine) as s:
        summary = challenge_summary(s, made.achiever)
        assert city_challenges(s, made.achiever) == []
    assert summary.status == ALL_ACHIEVED
    assert summary.achieved == ["11.1.1", "11.2.1", "11.6.2"]
    assert "has reached the targets of all 3 scored indicators" in summary.message

    page = client.get(f"/cities/{made.achiever}/challenges", headers={"HX-Request": "1"}).text
    assert "Bergen has reached the targets of all 3 scored indicators" in page
    assert '<ol class="challenges">' not in page
    assert "SDG achieved" in page

    api = client.get(f"/api/v1/cities/{made.achiever}/challenges").json()
    assert api["status"] == "all_achieved"
    assert api["challenges"] == []
    assert api["achieved"] == ["11.1.1", "11.2.1", "11.6.2"]

    from sdgcities.config import get_settings

    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()  # settings another test cached must not point elsewhere
    try:
        result = CliRunner().invoke(app, ["challenges", made.achiever])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "has reached the targets of all 3 scored indicators" in result.output
    assert "greatest challenges" not in result.output


def test_one_peer_is_worded_in_the_singular(store: tuple[Engine, Made]) -> None:
    from sdgcities.assessment.challenges import challenge_summary

    engine, made = store
    with transaction(engine) as s:
        summary = challenge_summary(s, made.mixed, min_peers=1)
    text = " ".join(r for c in summary.challenges for r in c.reasons)
    assert "only peer with data" in text  # Bergen, the one other Norwegian city
    assert "over 1 peers" not in text
    assert "(1 cities)" not in text
    assert "(1 city)" in summary.challenges[0].peer_group


# ----------------------------------------------------------------------- languages


NAME_112 = (
    "Proportion of population that has convenient access to public transport, by sex, age and "
    "persons with disabilities"
)
FR_112 = (
    "Proportion de la population ayant aisément accès aux transports publics, par sexe, âge et "
    "situation au regard du handicap"
)
ES_112 = (
    "Proporción de la población que tiene fácil acceso al transporte público, desglosada por "
    "sexo, edad y personas con discapacidad"
)


def test_indicator_names_follow_the_language(
    client: TestClient, store: tuple[Engine, Made]
) -> None:
    from sdgcities.store.models import Indicator

    fr = client.get("/cities/nairobi-ken", params={"lang": "fr"}).text
    assert FR_112 in fr
    assert NAME_112 not in fr
    es = client.get("/indicators/11.2.1", params={"lang": "es"}).text
    assert f"</span> {ES_112}</h1>" in es
    cat = client.get("/indicators", params={"lang": "fr"}).text
    assert FR_112 in cat
    compare = client.get("/compare", params={"cities": "nairobi-ken,kampala-uga", "lang": "fr"})
    assert FR_112 in compare.text
    api = client.get("/api/v1/indicators/11.2.1", params={"lang": "fr"}).json()
    assert api["name"] == FR_112
    assert client.get("/api/v1/indicators/11.2.1", params={"lang": "en"}).json()["name"] == NAME_112
    engine, _made = store
    with transaction(engine) as s:  # the store keeps English
        assert s.query(Indicator.name).filter(Indicator.code == "11.2.1").scalar() == NAME_112


def test_every_catalogue_name_is_in_the_fr_es_catalogues() -> None:
    """Every built-in indicator name has an entry (translated, or fuzzy = not yet checked)."""
    from pathlib import Path

    import yaml
    from babel.messages.pofile import read_po

    from sdgcities._i18n import locale_dir

    data = Path(locale_dir()).parent / "catalogue" / "data"
    names = set()
    for f in ("sdg11.yaml", "umf.yaml", "sdg_digital.yaml"):
        doc = yaml.safe_load((data / f).read_text(encoding="utf-8"))
        names |= {i["name"] for i in doc["indicators"]}
    assert len(names) >= 40
    for lang in ("fr", "es"):
        with (locale_dir() / lang / "LC_MESSAGES" / "catalogue.po").open("rb") as fh:
            cat = read_po(fh)
        entries = {m.id: m for m in cat if m.id}
        assert names <= set(entries), f"{lang}: missing {sorted(names - set(entries))[:3]}"
        for name in names:
            m = entries[name]
            assert m.string, f"{lang}: {name!r} has no translation"
            assert m.string != name or m.fuzzy
        sure = [m for m in entries.values() if not m.fuzzy]
        assert len(sure) >= 0.8 * len(names)


def test_histogram_counts_are_labelled_and_whole(client: TestClient) -> None:
    html = client.get("/indicators/11.2.1", params={"lang": "fr"}).text
    found = re.search(r'<script type="application/json" id="points-data">(.*?)</script>', html)
    assert found
    data = json.loads(found.group(1))
    assert data["countLabel"] == "Villes"
    assert all(math.isfinite(p["value"]) for p in data["points"])
