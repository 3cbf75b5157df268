"""The HTML pages through the in-process client, on a seeded temporary SQLite store.

The store holds real cities (from the bundled gazetteer) with GENERATED TEST values.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from sdgcities.store.db import transaction
from sdgcities.store.models import Observation
from tests.browser import seed_store
from tests.web._pageshelp import new_store, page_client


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, object]]:
    path = tmp_path_factory.mktemp("pages") / "store.db"
    engine = new_store(path)
    seeded = seed_store.seed(engine, hex_rings=2)
    yield engine, seeded
    engine.dispose()


@pytest.fixture(scope="module")
def client(store: tuple[Engine, object], tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return page_client(store[0], tmp_path_factory.mktemp("data"))


def login(client: TestClient, email: str) -> str:
    """Log in through H's form; returns the CSRF token of the new session's pages."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={
            "email": email,
            "password": seed_store.PASSWORD,
            "csrf_token": token.group(1),
            "next": "/data",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    data = client.get("/data")
    found = re.search(r'name="csrf_token" value="([^"]+)"', data.text)
    assert found
    return found.group(1)


def test_home_lists_cities_with_coverage_and_map(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "Nairobi" in r.text
    assert "Addis Ababa" in r.text
    assert 'id="city-map"' in r.text
    assert 'href="#main"' in r.text
    assert re.search(r"Observations</dt><dd>120<", r.text)  # 5 cities × 6 indicators × 4 years
    geo = client.get("/map/cities.geojson").json()
    assert {f["properties"]["slug"] for f in geo["features"]} >= {"nairobi-ken", "kampala-uga"}


def test_home_filters_and_search_suggestions(client: TestClient) -> None:
    r = client.get("/cities", params={"q": "mom"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "Mombasa" in r.text
    assert "Nairobi" not in r.text
    assert "<html" not in r.text  # a fragment for HTMX
    r = client.get("/search/suggest", params={"q": "Nair"})
    assert "/cities/nairobi-ken" in r.text
    r = client.get("/search/suggest", params={"q": "Lyon"})  # only in the gazetteer
    assert "Lyon" in r.text
    assert "not yet on the platform" in r.text


def test_city_page_scores_table_chart_map_downloads(client: TestClient) -> None:
    r = client.get("/cities/nairobi-ken")
    assert r.status_code == 200
    text = r.text
    assert "<h1>Nairobi</h1>" in text
    assert "out of 100" in text  # an index score was computed
    for code in seed_store.INDICATORS:
        assert f'href="/indicators/{code}"' in text
    assert "light light-" in text
    assert "Major challenges" in text or "SDG achieved" in text
    assert 'id="series-data"' in text
    assert 'id="hex-map"' in text
    assert "/download/sdmx.xml" in text
    ch = client.get("/cities/nairobi-ken/challenges")
    assert ch.status_code == 200
    assert ch.text.count('<li class="light-border-') >= 1
    hexes = client.get("/cities/nairobi-ken/hexes/1.geojson").json()
    assert len(hexes["features"]) == 19  # two rings around the centre
    ring = hexes["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]
    assert len(ring) == 7


@pytest.mark.parametrize(
    ("name", "magic"),
    [
        ("observations.csv", b"city"),
        ("observations.xlsx", b"PK"),
        ("scores.csv", b""),
        ("open-sdg.zip", b"PK"),
        ("sdmx.xml", b"<"),
    ],
)
def test_city_downloads(client: TestClient, name: str, magic: bytes) -> None:
    r = client.get(f"/cities/nairobi-ken/download/{name}")
    assert r.status_code == 200
    assert r.content.lstrip().startswith(magic)
    assert len(r.content) > 50
    assert "attachment" in r.headers["content-disposition"]


def test_compare_two_cities_and_peers(client: TestClient) -> None:
    r = client.get("/compare", params={"cities": "nairobi-ken,kampala-uga"})
    assert r.status_code == 200
    assert 'id="compare-table"' in r.text
    assert r.text.count('<th scope="col"><a href="/cities/') == 2
    r = client.get("/compare", params={"city": "nairobi-ken", "peers": "1"})
    assert r.status_code == 200
    assert "similar cities" in r.text
    r = client.get("/compare", params={"cities": "nairobi-ken,atlantis"})
    assert r.status_code == 200
    assert "atlantis" in r.text


def test_indicator_catalogue_and_page(client: TestClient) -> None:
    r = client.get("/indicators")
    assert r.status_code == 200
    assert 'href="/indicators/11.2.1"' in r.text
    r = client.get("/indicators/11.2.1")
    assert r.status_code == 200
    assert "convenient access to public transport" in r.text
    assert r.text.count('<tr><th scope="row"><a href="/cities/') == 5
    assert 'id="dist-chart"' in r.text
    assert 'id="ind-map"' in r.text


def test_friendly_404_pages(client: TestClient) -> None:
    for url in ("/no/such/page", "/cities/atlantis", "/indicators/99.9.9"):
        r = client.get(url)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        assert "We could not find that page" in r.text
        assert 'href="/"' in r.text


def test_language_switch(client: TestClient) -> None:
    r = client.get("/", params={"lang": "fr"})
    assert '<html lang="fr">' in r.text
    assert "Villes" in r.text
    assert "lang=fr" in r.headers.get("set-cookie", "")
    r = client.get("/cities/nairobi-ken")  # the cookie keeps French
    assert "Principaux défis" in r.text
    r = client.get("/cities/nairobi-ken", params={"lang": "es"})
    assert '<html lang="es">' in r.text
    assert "Mayores desafíos" in r.text
    client.cookies.delete("lang")
    r = client.get("/", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert "Ciudades" in r.text
    r = client.get("/", params={"lang": "en"})
    assert '<html lang="en">' in r.text
    client.cookies.delete("lang")


def test_data_page_anonymous_cannot_upload(client: TestClient) -> None:
    r = client.get("/data")
    assert r.status_code == 200
    assert 'action="/data/upload"' not in r.text
    r = client.get("/admin")
    assert r.status_code in (401, 403)


def test_upload_shows_findings_then_imports(
    client: TestClient, store: tuple[Engine, object]
) -> None:
    engine, _ = store
    token = login(client, "editor@nairobi.example")
    try:
        bad = "city,indicator,year,value\nnairobi-ken,11.2.1,2023,abc\nnairobi-ken,11.2.1,1800,5\n"
        r = client.post(
            "/data/upload",
            data={"csrf_token": token},
            files={"file": ("bad.csv", io.BytesIO(bad.encode()), "text/csv")},
        )
        assert r.status_code == 422
        assert 'id="validation-report"' in r.text
        assert "bad.csv" in r.text
        assert re.search(r'<td class="num">2</td>', r.text)  # the row of the problem
        # a city the editor may not edit is refused too
        other = "city,indicator,year,value\nkampala-uga,11.2.1,2023,50\n"
        r = client.post(
            "/data/upload",
            data={"csrf_token": token},
            files={"file": ("other.csv", io.BytesIO(other.encode()), "text/csv")},
        )
        assert r.status_code == 422
        good = "city,indicator,year,value,source\nnairobi-ken,11.2.1,2023,77.5,test upload\n"
        r = client.post(
            "/data/upload",
            data={"csrf_token": token, "reason": "page test"},
            files={"file": ("good.csv", io.BytesIO(good.encode()), "text/csv")},
        )
        assert r.status_code == 200, r.text
        assert 'id="import-report"' in r.text
        with transaction(engine) as s:
            n = s.scalar(
                select(func.count()).select_from(Observation).where(Observation.year == 2023)
            )
        assert n == 1
        page = client.get("/cities/nairobi-ken")
        assert "2023" in page.text
        assert "77.5" in page.text
        # without the CSRF token the upload is refused
        r = client.post(
            "/data/upload", files={"file": ("good.csv", io.BytesIO(good.encode()), "text/csv")}
        )
        assert r.status_code == 403
    finally:
        client.post("/logout", data={"csrf_token": token})
        client.cookies.clear()
    # the upload is a draft: anonymous readers do not see it …
    anonymous = client.get("/cities/nairobi-ken")
    assert "77.5" not in anonymous.text
    assert "Log in" in anonymous.text
    # … until it is reviewed and published; then, served from the page cache, they do
    from sdgcities.accounts.users import get_user
    from sdgcities.review import service as review

    with transaction(engine) as s:
        sub = review.submit(s, "nairobi-ken", actor=get_user(s, "editor@nairobi.example"))
        review.publish(s, sub.id, actor=get_user(s, "admin@example.org"))
    # published outside this app (as the CLI does): pages notice within a second; now
    client.app.state.page_cache.invalidate()  # type: ignore[attr-defined]
    anonymous = client.get("/cities/nairobi-ken")
    assert "77.5" in anonymous.text


def test_anonymous_pages_are_cached_but_never_personal(client: TestClient) -> None:
    first = client.get("/cities/kampala-uga")
    second = client.get("/cities/kampala-uga")
    assert first.text == second.text
    assert "set-cookie" not in second.headers
    token = login(client, "admin@example.org")
    try:
        page = client.get("/cities/kampala-uga")
        assert "Ada Admin" in page.text
        assert "Ada Admin" not in first.text
    finally:
        client.post("/logout", data={"csrf_token": token})
        client.cookies.clear()


def test_history_and_provenance(client: TestClient) -> None:
    r = client.get("/data/history", params={"city": "nairobi-ken", "indicator": "11.2.1"})
    assert r.status_code == 200
    assert "Versions" in r.text
    assert "/data/provenance/" in r.text
    obs_id = re.search(r"/data/provenance/(\d+)", r.text)
    assert obs_id
    r = client.get(f"/data/provenance/{obs_id.group(1)}")
    assert r.status_code == 200
    assert "Where this value comes from" in r.text
    assert client.get("/data/provenance/999999").status_code == 404


def test_admin_page_for_admins(client: TestClient) -> None:
    token = login(client, "admin@example.org")
    try:
        r = client.get("/admin")
        assert r.status_code == 200
        assert "editor@nairobi.example" in r.text
        r = client.post(
            "/admin/users",
            data={
                "csrf_token": token,
                "email": "new.editor@example.org",
                "name": "New",
                "password": "a long enough password",
                "role": "city_editor",
            },
            follow_redirects=True,
        )
        assert r.status_code == 200
        assert "new.editor@example.org" in r.text
        uid = re.search(
            r'action="/admin/users/(\d+)/cities"[^>]*>\s*<input type="hidden" '
            r'name="csrf_token" value="[^"]+">\s*<input type="hidden" name="action" '
            r'value="grant">',
            r.text,
        )
        assert uid
        r = client.post(
            "/admin/users", data={"csrf_token": token, "email": "x", "password": "short"}
        )
        assert r.status_code == 422
        assert "alert-error" in r.text
    finally:
        client.post("/logout", data={"csrf_token": token})
        client.cookies.clear()


def test_challenge_reasons_and_upload_findings_in_the_readers_language(
    client: TestClient,
) -> None:
    """The core services' wording (challenges, import findings) follows ``?lang=``."""
    try:
        fr = client.get("/cities/nairobi-ken/challenges", params={"lang": "fr"})
        assert fr.status_code == 200
        assert '<html lang="fr">' in fr.text
        assert re.search(r"<li>score \d+/100 : [^<]* en \d{4}, meilleur [^<]*, pire ", fr.text)
        assert "groupe de pairs" in fr.text
        assert "peer group" not in fr.text
        es = client.get(
            "/cities/nairobi-ken/challenges", params={"lang": "es"}, headers={"HX-Request": "1"}
        )
        assert re.search(r"<li>puntuación \d+/100: [^<]* en \d{4}, mejor ", es.text)
        en = client.get("/cities/nairobi-ken/challenges", params={"lang": "en"})
        assert re.search(r"<li>score \d+/100: [^<]* in \d{4}, best [^<]*, worst ", en.text)
        assert "groupe de pairs" not in en.text
    finally:
        client.cookies.delete("lang")
    token = login(client, "editor@nairobi.example")
    try:
        bad = "city,indicator,year,value\nnairobi-ken,11.2.1,2023,abc\nnairobi-ken,11.2.1,1800,5\n"
        r = client.post(
            "/data/upload",
            params={"lang": "fr"},
            data={"csrf_token": token},
            files={"file": ("bad.csv", io.BytesIO(bad.encode()), "text/csv")},
        )
        assert r.status_code == 422
        assert 'id="validation-report"' in r.text
        assert "bad.csv : 2 problème(s) trouvé(s) ; rien n&#39;a été importé" in r.text
        assert '<td class="problem">la valeur n&#39;est pas un nombre</td>' in r.text
        assert re.search(
            r'<td class="problem">année hors de l&#39;intervalle 1950\.\.\d{4}</td>', r.text
        )
        assert "vérifiez l&#39;année (une faute de frappe ?)" in r.text
        assert "value is not a number" not in r.text
        r = client.post(
            "/data/upload",
            params={"lang": "es"},
            data={"csrf_token": token},
            files={"file": ("nul.csv", io.BytesIO(b"city,year\x00\x00\n"), "text/csv")},
        )
        assert r.status_code == 422  # an InputFileError: named by the uploaded file only
        assert (
            "nul.csv: el archivo contiene bytes NUL y no es una tabla de texto. "
            "Solución: expórtelo como CSV (UTF-8)"
        ) in r.text
        assert "sdgcities-upload-" not in r.text
    finally:
        client.post("/logout", data={"csrf_token": token})
        client.cookies.clear()
