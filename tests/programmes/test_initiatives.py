"""Initiatives: the page form (CSRF, field-named errors, nothing half-saved), editing, the
API, geometry from files and the neighbourhoods it touches, and the city page's panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from sdgcities.capacity.models import Provider
from sdgcities.errors import InputFileError, ValidationError
from sdgcities.programmes import initiatives as ini_svc
from sdgcities.programmes.demo import demo_line
from sdgcities.programmes.models import Initiative, InitiativePlace
from sdgcities.store.db import transaction
from sdgcities.store.models import City
from tests.web._apphelp import login, make_app, seed

#: two neighbourhoods of Nairobi side by side: A west of 36.82° E, B east of it
SQUARES = {
    "A": [[36.80, -1.30], [36.82, -1.30], [36.82, -1.28], [36.80, -1.28], [36.80, -1.30]],
    "B": [[36.82, -1.30], [36.84, -1.30], [36.84, -1.28], [36.82, -1.28], [36.82, -1.30]],
}


def _neighbourhoods(engine: Engine, *, published: bool = True) -> str:
    from sdgcities.profiling.models import ProfileLayer

    with transaction(engine) as s:
        nbo = s.scalar(select(City).where(City.name == "Nairobi"))
        assert nbo is not None
        feats = [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"area_id": k, "name": f"Ward {k}"},
            }
            for k, ring in SQUARES.items()
        ]
        s.add(
            ProfileLayer(
                city_id=nbo.id,
                kind="neighbourhoods",
                name="wards",
                features={"type": "FeatureCollection", "features": feats},
                is_published=published,
            )
        )
        return nbo.slug


@pytest.fixture
def store(sqlite_engine: Engine) -> Engine:
    seed(sqlite_engine)
    with transaction(sqlite_engine) as s:
        demo_line(s)
    return sqlite_engine


@pytest.fixture
def client(store: Engine) -> TestClient:
    return TestClient(make_app(store))


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, page[:500]
    return m.group(1)


def _write(
    tmp_path: Path, name: str, geometry: dict[str, object] | list[dict[str, object]]
) -> Path:
    geoms = geometry if isinstance(geometry, list) else [geometry]
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": g} for g in geoms],
    }
    path = tmp_path / name
    path.write_text(json.dumps(fc), encoding="utf-8")
    return path


def test_neighbourhoods_touched_hand_case(store: Engine, tmp_path: Path) -> None:
    """A point inside A touches A; a point on the shared edge (36.82° E) touches both; a
    polygon across the edge touches both; a point outside touches none."""
    slug = _neighbourhoods(store)
    with transaction(store) as s:
        ini = ini_svc.add_initiative(
            s, programme="vibrant-neighbourhoods", name="Ward upgrading", cities=["Nairobi"]
        )
        assert ini.city_slugs == [slug]
        cases = {
            "inside A": ({"type": "Point", "coordinates": [36.81, -1.29]}, ["Ward A"]),
            "on the edge": ({"type": "Point", "coordinates": [36.82, -1.29]}, ["Ward A", "Ward B"]),
            "across": (
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[36.815, -1.295], [36.825, -1.295], [36.825, -1.285], [36.815, -1.295]]
                    ],
                },
                ["Ward A", "Ward B"],
            ),
            "outside": ({"type": "Point", "coordinates": [36.9, -1.29]}, []),
        }
        for label, (geom, expected) in cases.items():
            geometry, source = ini_svc.read_geometry(_write(tmp_path, f"{label}.geojson", geom))
            got = ini_svc.set_geometry(
                s,
                programme="vibrant-neighbourhoods",
                initiative_id=ini.id,
                geometry=geometry,
                source=source,
            )
            assert [n["name"] for n in got.neighbourhoods] == expected, label
        # two features are joined into one MultiPoint
        geometry, source = ini_svc.read_geometry(
            _write(
                tmp_path,
                "two.geojson",
                [
                    {"type": "Point", "coordinates": [36.81, -1.29]},
                    {"type": "Point", "coordinates": [36.83, -1.29]},
                ],
            )
        )
        assert geometry["type"] == "MultiPoint"
        assert "2 features" in source


def test_draft_neighbourhood_layers_are_not_used(store: Engine) -> None:
    _neighbourhoods(store, published=False)
    with transaction(store) as s:
        ini = ini_svc.add_initiative(
            s, programme="vibrant-neighbourhoods", name="X", cities=["Nairobi"]
        )
        got = ini_svc.set_geometry(
            s,
            programme="vibrant-neighbourhoods",
            initiative_id=ini.id,
            geometry={"type": "Point", "coordinates": [36.81, -1.29]},
        )
        assert got.neighbourhoods == []


def test_bad_geometry_files_are_refused_naming_the_feature(tmp_path: Path) -> None:
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    far = {"type": "Point", "coordinates": [500000, 4000000]}
    for name, geom, words in (
        ("line.geojson", line, "feature 1 is a LineString"),
        (
            "bowtie.geojson",
            [{"type": "Point", "coordinates": [0, 0]}, bowtie],
            "feature 2 is not a valid",
        ),
        ("far.geojson", far, "outside longitude"),
    ):
        with pytest.raises(InputFileError) as err:
            ini_svc.read_geometry(_write(tmp_path, name, geom))
        assert words in str(err.value)
        assert name in str(err.value)
    (tmp_path / "x.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"x\.geojson"):
        ini_svc.read_geometry(tmp_path / "x.geojson")
    (tmp_path / "a.shp").write_text("x", encoding="utf-8")
    with pytest.raises(InputFileError, match="shp"):
        ini_svc.read_geometry(tmp_path / "a.shp")
    with pytest.raises(ValidationError) as verr:
        ini_svc.check_geometry({"type": "Point", "coordinates": "here"})
    assert verr.value.findings[0].column == "geometry"


def test_gpkg_in_a_projected_crs_is_reprojected(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(257_000, 9_856_000)], crs="EPSG:32737")
    frame.to_file(tmp_path / "site.gpkg", layer="sites", driver="GPKG")
    geometry, source = ini_svc.read_geometry(tmp_path / "site.gpkg")
    lon, lat = geometry["coordinates"]
    # UTM 37S (257 000 E, 9 856 000 N) is about 36.82° E, 1.30° S (Nairobi), by pyproj
    from pyproj import Transformer

    want = Transformer.from_crs(32737, 4326, always_xy=True).transform(257_000, 9_856_000)
    assert (round(lon, 6), round(lat, 6)) == (round(want[0], 6), round(want[1], 6))
    assert 36.7 < lon < 36.9
    assert -1.4 < lat < -1.2
    assert "layer sites" in source


def test_page_form_adds_and_edits_an_initiative_bad_input_saves_nothing(
    client: TestClient, store: Engine
) -> None:
    anon = client.get("/programmes/vibrant-neighbourhoods")
    assert "Add an initiative" not in anon.text
    assert client.post(
        "/programmes/vibrant-neighbourhoods/initiatives", data={"name": "x"}
    ).status_code in (401, 403)
    login(client, "hub@example.org")
    page = client.get("/programmes/vibrant-neighbourhoods")
    assert "Add an initiative" not in page.text
    client.cookies.clear()
    login(client, "admin@example.org")
    page = client.get("/programmes/vibrant-neighbourhoods")
    assert 'id="add-initiative"' in page.text
    token = _csrf(page.text)
    with transaction(store) as s:
        before = s.scalar(select(func.count(Initiative.id)))
        provider_id = s.scalar(select(Provider.id).where(Provider.name == "Adaptation Fund"))
    no_csrf = client.post("/programmes/vibrant-neighbourhoods/initiatives", data={"name": "x"})
    assert no_csrf.status_code == 403
    bad = client.post(
        "/programmes/vibrant-neighbourhoods/initiatives",
        data={
            "csrf_token": token,
            "name": "",
            "countries": "KEN XX1",
            "cities": "Atlantis",
            "partners": ["999999"],
            "status": "paused",
            "start": "2023-01-01",
            "end": "2021-01-01",
        },
    )
    assert bad.status_code == 422
    for field in ("name", "countries", "cities", "partners", "status", "end"):
        assert f'id="ini-{field}-error"' in bad.text, field
    assert "Atlantis" in bad.text
    assert "not in the partner registry" in bad.text
    with transaction(store) as s:
        assert s.scalar(select(func.count(Initiative.id))) == before
    good = client.post(
        "/programmes/vibrant-neighbourhoods/initiatives",
        data={
            "csrf_token": token,
            "name": "Kibera upgrading",
            "description": "Streets and drains",
            "countries": "KEN",
            "cities": "Nairobi",
            "places": "Kibera",
            "partners": [str(provider_id)],
            "status": "active",
            "start": "2021-01-01",
            "end": "2024-12-31",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    where = good.headers["location"]
    iid = int(where.rsplit("/", 1)[1])
    shown = client.get(where)
    assert shown.status_code == 200
    assert "Kibera upgrading" in shown.text
    assert "Adaptation Fund" in shown.text
    assert "no geometry yet" in shown.text
    with transaction(store) as s:
        places = s.execute(
            select(InitiativePlace.kind, InitiativePlace.key).where(
                InitiativePlace.initiative_id == iid
            )
        ).all()
        nbo = s.scalar(select(City.slug).where(City.name == "Nairobi"))
    assert set(places) == {("country", "KEN"), ("city", nbo)}
    listing = client.get("/programmes/vibrant-neighbourhoods")
    assert f'href="/programmes/vibrant-neighbourhoods/initiatives/{iid}"' in listing.text
    # edit
    edit = client.get(f"/programmes/vibrant-neighbourhoods/initiatives/{iid}/edit")
    assert edit.status_code == 200
    assert 'value="Kibera upgrading"' in edit.text
    saved = client.post(
        f"/programmes/vibrant-neighbourhoods/initiatives/{iid}",
        data={
            "csrf_token": _csrf(edit.text),
            "name": "Kibera upgrading",
            "countries": "KEN",
            "cities": "Nairobi",
            "status": "completed",
            "end": "2021",
        },
    )
    assert saved.status_code == 422
    assert 'id="ini-end-error"' in saved.text
    saved = client.post(
        f"/programmes/vibrant-neighbourhoods/initiatives/{iid}",
        data={"csrf_token": _csrf(edit.text), "name": "Kibera upgrading", "status": "completed"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with transaction(store) as s:
        row = s.get(Initiative, iid)
        assert row is not None
        assert row.status == "completed"
        assert row.countries == []


def _geometry_form(client: TestClient, store: Engine, name: str) -> tuple[str, int, str, str]:
    """A new initiative in the neighbourhoods' city, the admin on its edit page:
    (city slug, initiative id, CSRF token, URL of the geometry form)."""
    slug = _neighbourhoods(store)
    with transaction(store) as s:
        iid = ini_svc.add_initiative(
            s, programme="vibrant-neighbourhoods", name=name, cities=[slug]
        ).id
    login(client, "admin@example.org")
    edit = client.get(f"/programmes/vibrant-neighbourhoods/initiatives/{iid}/edit")
    assert 'id="ini-draw-map"' in edit.text
    assert 'data-draw="geo-drawn"' in edit.text
    url = f"/programmes/vibrant-neighbourhoods/initiatives/{iid}/geometry"
    return slug, iid, _csrf(edit.text), url


def test_geometry_upload_map_and_city_panel(
    client: TestClient, store: Engine, tmp_path: Path
) -> None:
    slug, iid, token, url = _geometry_form(client, store, "Ward A market")
    bad = client.post(
        url, data={"csrf_token": token}, files={"file": ("site.txt", b"x", "text/plain")}
    )
    assert bad.status_code == 422
    assert "site.txt" in bad.text
    line = json.dumps({"type": "LineString", "coordinates": [[36.81, -1.29], [36.83, -1.29]]})
    bad = client.post(
        url,
        data={"csrf_token": token},
        files={"file": ("l.geojson", line.encode(), "application/geo+json")},
    )
    assert bad.status_code == 422
    assert "LineString" in bad.text
    point = json.dumps({"type": "Point", "coordinates": [36.81, -1.29]})
    ok = client.post(
        url,
        data={"csrf_token": token},
        files={"file": ("market.geojson", point.encode(), "application/geo+json")},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = client.get(f"/programmes/vibrant-neighbourhoods/initiatives/{iid}")
    assert 'id="ini-map"' in page.text
    assert "Ward A" in page.text
    assert "market.geojson" in page.text
    city = client.get(f"/cities/{slug}")
    assert city.status_code == 200
    assert 'id="programmes-panel"' in city.text
    assert "Ward A market" in city.text
    assert 'id="programmes-map"' in city.text
    # the country's initiative from the report (para 51, Kenya) and no foreign ones
    assert "climate resilience of the urban poor" in city.text
    assert "Lagos" not in city.text
    api = client.get(f"/api/v1/programmes/vibrant-neighbourhoods/initiatives/{iid}").json()
    assert api["geometry"]["type"] == "Point"
    assert api["neighbourhoods"][0]["name"] == "Ward A"


def test_a_geometry_drawn_on_the_edit_page_is_checked_and_stored(
    client: TestClient, store: Engine
) -> None:
    """The edit page's drawing (GeoJSON text in ``geometry``): refused as a file would be,
    the text kept in the field for a second try; stored with its source and the
    neighbourhoods it touches (computed here from the same published layer)."""
    slug, iid, token, url = _geometry_form(client, store, "Ward A paving")
    nothing = client.post(url, data={"csrf_token": token, "geometry": "  "})
    assert nothing.status_code == 422
    assert "no shape was drawn and no file was chosen" in nothing.text
    crossing = json.dumps(
        {"type": "Polygon", "coordinates": [[[36.81, -1.29], [36.83, -1.27], [36.83, -1.29],
                                             [36.81, -1.27], [36.81, -1.29]]]}
    )  # fmt: skip
    bad = client.post(url, data={"csrf_token": token, "geometry": crossing})
    assert bad.status_code == 422
    assert "not a valid geometry" in bad.text
    assert "Self-intersection" in bad.text
    assert "36.83" in bad.text  # the drawing is still in the field
    line = json.dumps({"type": "LineString", "coordinates": [[36.81, -1.29], [36.83, -1.29]]})
    bad = client.post(url, data={"csrf_token": token, "geometry": line})
    assert bad.status_code == 422
    assert "LineString" in bad.text
    assert client.post(url, data={"csrf_token": token, "geometry": "{"}).status_code == 422
    square = [[36.815, -1.295], [36.825, -1.295], [36.825, -1.285], [36.815, -1.285]]
    drawn = {"type": "Polygon", "coordinates": [[*square, square[0]]]}
    ok = client.post(
        url, data={"csrf_token": token, "geometry": json.dumps(drawn)}, follow_redirects=False
    )
    assert ok.status_code == 303
    with transaction(store) as s:
        row = s.get(Initiative, iid)
        assert row is not None
        assert row.geometry == drawn
        assert row.geometry_source == ini_svc.DRAWN
        expected = ini_svc.derive_neighbourhoods(s, drawn, [slug])
    assert expected
    api = client.get(f"/api/v1/programmes/vibrant-neighbourhoods/initiatives/{iid}").json()
    assert api["neighbourhoods"] == expected
    page = client.get(f"/programmes/vibrant-neighbourhoods/initiatives/{iid}")
    assert ini_svc.DRAWN in page.text


def test_api_adds_edits_and_places_initiatives(client: TestClient, store: Engine) -> None:
    body = {
        "name": "API initiative",
        "countries": ["KEN"],
        "cities": ["Nairobi"],
        "status": "active",
    }
    assert client.post("/api/v1/programmes/sdg-cities/initiatives", json=body).status_code == 401
    login(client, "admin@example.org")
    r = client.post("/api/v1/programmes/sdg-cities/initiatives", json=body)
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    bad = client.put(
        f"/api/v1/programmes/sdg-cities/initiatives/{iid}", json=body | {"partners": ["Nobody Inc"]}
    )
    assert bad.status_code == 400
    assert "partners" in bad.text
    r = client.put(
        f"/api/v1/programmes/sdg-cities/initiatives/{iid}/geometry",
        json={"geometry": {"type": "Point", "coordinates": [36.81, -1.29]}},
    )
    assert r.status_code == 200
    assert r.json()["geometry"]["type"] == "Point"
    r = client.put(
        f"/api/v1/programmes/sdg-cities/initiatives/{iid}/geometry",
        json={"geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
    )
    assert r.status_code == 400
    assert "geometry" in r.text
    assert client.get("/api/v1/programmes/sdg-cities/initiatives/999999").status_code == 404
    assert client.get(f"/api/v1/programmes/rise-up/initiatives/{iid}").status_code == 404


def test_city_panel_costs_two_indexed_queries(store: Engine) -> None:
    from sqlalchemy import event, text

    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    with transaction(store) as s:
        nbo = s.scalar(select(City).where(City.name == "Nairobi"))
        assert nbo is not None
        s.flush()
        event.listen(store, "before_cursor_execute", seen)
        try:
            data = ini_svc.city_concerns(s, nbo)
        finally:
            event.remove(store, "before_cursor_execute", seen)
        assert len(statements) == 2
        assert any("resilience of the urban poor" in i["name"] for i in data["initiatives"])
        plan = " ".join(
            str(r[-1])
            for r in s.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT initiative_id FROM prog_initiative_places "
                    "WHERE (kind = 'city' AND key = :slug) OR (kind = 'country' AND key = 'KEN')"
                ),
                {"slug": nbo.slug},
            )
        )
        assert "ix_prog_initiative_places_kind_key" in plan
