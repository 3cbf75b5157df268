"""Global reports: hand-computed aggregates, an independent quartile check, pages, CSV/XLSX."""

from __future__ import annotations

import io
import statistics
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from sdgcities.network import reports
from sdgcities.network import service as net
from sdgcities.store.db import transaction
from sdgcities.store.models import BenchmarkSet, City, CityScore
from tests.web._apphelp import login, make_app

SCORES = {"nairobi-ken": 61.0, "mombasa-ken": 48.5, "kisumu-ken": 40.25, "lagos-nga": 35.0}


def _world(engine: Engine) -> None:
    from sdgcities.accounts.users import create_user
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import create_city
    from sdgcities.observations.service import record_value

    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        create_user(s, email="admin@example.org", password="correct horse battery", role="admin")
        for name, iso3, pop, lon, lat in [
            ("Nairobi", "KEN", 4_397_073, 36.82, -1.29),
            ("Mombasa", "KEN", 1_208_333, 39.66, -4.04),
            ("Kisumu", "KEN", 610_082, 34.76, -0.09),
            ("Lagos", "NGA", 15_388_000, 3.38, 6.52),
        ]:
            create_city(s, name=name, country=iso3, population=pop, lon=lon, lat=lat)
        net.record_step(s, "nairobi-ken", "expression_of_interest", "2024-02-01")
        net.record_step(
            s, "nairobi-ken", "agreement", "2024-05-10", authority="Nairobi City County"
        )
        net.record_step(s, "mombasa-ken", "expression_of_interest", "2024-02-20")
        net.record_step(s, "lagos-nga", "expression_of_interest", "2024-04-03")
        ids = dict(s.execute(select(City.slug, City.id)).all())
        record_value(s, city_id=ids["nairobi-ken"], indicator_code="11.2.1", year=2020, value=41.5)
        record_value(s, city_id=ids["mombasa-ken"], indicator_code="11.2.1", year=2022, value=30.0)
    # a hand-made set of stored scores (added after the values: it has no benchmark rows,
    # so it must not take part in the refresh of stored scores the values trigger)
    with transaction(engine) as s:
        ids = dict(s.execute(select(City.slug, City.id)).all())
        bset = BenchmarkSet(name="hand")
        s.add(bset)
        s.flush()
        for slug, score in SCORES.items():
            s.add(CityScore(city_id=ids[slug], set_id=bset.id, index_score=score))


@pytest.fixture
def client(sqlite_engine: Engine) -> TestClient:
    _world(sqlite_engine)
    return TestClient(make_app(sqlite_engine))


def test_aggregates_by_hand(sqlite_engine: Engine) -> None:
    _world(sqlite_engine)
    with transaction(sqlite_engine) as s:
        t = reports.all_tables(s, score_set_name="hand")
    funnel = {r[0]: r[2] for r in t["funnel"].rows}
    # EOI: Nairobi, Mombasa, Lagos; agreement: Nairobi; baseline data needs the lab and hub
    assert funnel["expression_of_interest"] == 3
    assert funnel["agreement"] == 1
    assert funnel["urban_lab"] == 0
    assert funnel["plan"] == 0  # derived from the planning domain: no approved plan yet
    assert t["funnel"].rows[0][3] == 0.3  # 3 of 1,000 cities
    by_region = {r[0]: r for r in t["stage-by-sdg_region"].rows}
    assert by_region["Sub-Saharan Africa"][1] == 4  # all four cities
    cov = {r[0]: r for r in t["coverage"].rows}
    assert cov["11.2.1"][2:5] == (2, 50.0, 2022)  # 2 of 4 cities, newest year 2022
    assert cov["11.2.1"][5] == date.today().year - 2022
    time = t["onboarding-time"].rows
    assert ("Sub-Saharan Africa", "2024-02", 2, 2) in time
    assert ("Sub-Saharan Africa", "2024-04", 1, 3) in time


def test_score_quartiles_match_an_independent_implementation(sqlite_engine: Engine) -> None:
    _world(sqlite_engine)
    with transaction(sqlite_engine) as s:
        t = reports.score_distribution(s, "sdg_region", reports.score_set(s, "hand"))
    (row,) = t.rows
    values = sorted(SCORES.values())
    q1, med, q3 = statistics.quantiles(values, n=4, method="inclusive")
    assert row == ("Sub-Saharan Africa", 4, 35.0, round(q1, 2), round(med, 2), round(q3, 2), 61.0)
    assert med == statistics.median(values)


def test_report_pages_charts_map_and_downloads(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sdgcities.web.pages import network as pages

    # the network's version is read at most once a second; no waiting in a test
    monkeypatch.setattr(pages, "_VERSION_TTL_S", 0.0)
    index = client.get("/network/reports")
    assert index.status_code == 200
    assert 'id="chart-funnel"' in index.text
    assert 'data-geojson="/network/reports/cities.geojson"' in index.text
    geo = client.get("/network/reports/cities.geojson").json()
    assert sorted(f["properties"]["slug"] for f in geo["features"]) == [
        "lagos-nga",
        "mombasa-ken",
        "nairobi-ken",
    ]
    for key in ("stage-by-size_class", "coverage", "scores-by-income_group", "onboarding-time"):
        page = client.get(f"/network/reports/{key}")
        assert page.status_code == 200, key
        assert "<svg" in page.text
        assert f"/network/reports/{key}.csv" in page.text
    # a step recorded elsewhere (another process, the CLI) shows at once: the cache key
    # carries the network's own version beside the observations'
    from sdgcities.store.db import transaction as tx

    engine = client.app.state.engine  # type: ignore[attr-defined]
    assert "Expression of interest,3," in client.get("/network/reports/funnel.csv").text
    with tx(engine) as s:
        net.record_step(s, "kisumu-ken", "expression_of_interest", "2024-06-01")
    csv = client.get("/network/reports/funnel.csv")
    assert "expression_of_interest,Expression of interest,4,0.4" in csv.text
    with tx(engine) as s:
        from sdgcities.network.models import OnboardingRecord

        s.execute(
            OnboardingRecord.__table__.delete().where(OnboardingRecord.on == date(2024, 6, 1))
        )
    csv = client.get("/network/reports/funnel.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "step,label,cities,share_of_goal_pct"
    assert "expression_of_interest,Expression of interest,3,0.3" in csv.text
    xlsx = client.get("/network/reports/coverage.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:3] == ["indicator", "name", "cities"]
    assert client.get("/network/reports/nope").status_code == 404
    assert client.get("/network/reports/nope.csv").status_code == 404
    fr = client.get("/network/reports?lang=fr")
    assert fr.status_code == 200
    assert "Réseau Villes ODD : rapports mondiaux" in fr.text
    assert "Manifestation d'intérêt" in fr.text or "Manifestation d&#39;intérêt" in fr.text
    es = client.get("/network/reports/coverage?lang=es")
    assert "Cobertura de los indicadores" in es.text


def test_onboarding_pages_and_api(client: TestClient) -> None:
    page = client.get("/network/cities/nairobi-ken")
    assert page.status_code == 200
    assert 'data-stage="agreement"' in page.text
    assert "Nairobi City County" in page.text
    assert "network-record" not in page.text  # the public does not record
    api = client.get("/api/v1/network/cities/nairobi-ken/onboarding").json()
    assert api["stage"] == "agreement"
    assert api["steps"][1]["date"] == "2024-05-10"
    assert client.get("/network/cities").status_code == 200
    assert client.get("/network/labs").status_code == 200
    assert client.get("/network/conflicts").status_code == 401
    login(client, "admin@example.org")
    page = client.get("/network/cities/kisumu-ken")
    assert "network-record" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    bad = client.post(
        "/network/cities/kisumu-ken/steps",
        data={"csrf_token": token, "step": "agreement", "date": "2024-01-01", "authority": "X"},
    )
    assert bad.status_code == 422
    assert "must come first" in bad.text
    ok = client.post(
        "/network/cities/kisumu-ken/steps",
        data={"csrf_token": token, "step": "expression_of_interest", "date": "2024-01-01"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert 'data-stage="expression_of_interest"' in client.get("/network/cities/kisumu-ken").text
    city = client.get("/cities/kisumu-ken")
    assert "SDG Cities onboarding" in city.text


def test_portfolio_money_from_the_programmes(sqlite_engine: Engine) -> None:
    """Programme 3's figures in the flagship programmes report (para 50: USD 12 million
    mobilised) arrive in the hub's money report as the programmes domain sums them."""
    from sdgcities.programmes.demo import demo_line

    with transaction(sqlite_engine) as s:
        demo_line(s)
    with transaction(sqlite_engine) as s:
        t = reports.portfolio_money(s)
    money = {(r[0], r[1], r[2]): r[3] for r in t.rows}
    mobilised = [v for (prog, status, cur), v in money.items() if status == "mobilised"]
    assert 12_000_000 in mobilised
    assert all(cur == "USD" for (_, _, cur) in money)
