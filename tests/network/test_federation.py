"""Federation between two real instances on loopback: publish in one, pull into the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from sdgcities.network.federation import PullError, check_page, pull
from sdgcities.network.models import NetworkConflict, PartnerCity, PartnerInstance
from sdgcities.store.db import transaction
from sdgcities.store.models import City, Indicator, Observation
from tests.network._instances import Instance, new_instance

#: (city, country, indicator, year, value) published on the partner
PARTNER_VALUES = [
    ("Nairobi", "KEN", "11.2.1", 2020, 41.5),
    ("Nairobi", "KEN", "11.6.2", 2020, 35.1),
    ("Mombasa", "KEN", "11.2.1", 2020, 28.0),
    ("Kisumu", "KEN", "11.2.1", 2021, 22.5),
    ("Kisumu", "KEN", "11.6.2", 2021, 18.25),
]


def _publish(engine: Engine, rows: list[tuple[str, str, str, int, float]]) -> None:
    from sdgcities.cities.service import create_city, slugify
    from sdgcities.observations.service import record_value

    with transaction(engine) as s:
        for name, iso3, code, year, value in rows:
            slug = slugify(name, iso3)
            city = s.scalar(select(City).where(City.slug == slug))
            if city is None:
                city = create_city(s, name=name, country=iso3, lon=36.8, lat=-1.3)
            record_value(
                s,
                city_id=city.id,
                indicator_code=code,
                year=year,
                value=value,
                source=f"{name} county statistics",
                user="editor@partner.example",
            )


def _token(engine: Engine) -> str:
    from sdgcities.accounts.tokens import issue_token
    from sdgcities.accounts.users import create_user

    with transaction(engine) as s:
        create_user(
            s, email="hub@partner.example", password="correct horse battery", role="learner"
        )
        token, _ = issue_token(s, "hub@partner.example", name="global hub pull")
    return token


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance, str]]:
    partner = new_instance(tmp_path / "partner")
    hub = new_instance(tmp_path / "hub")
    engine = partner.engine()
    _publish(engine, PARTNER_VALUES)
    token = _token(engine)
    engine.dispose()
    partner.start()
    try:
        yield partner, hub, token
    finally:
        partner.stop()


def _pulled(engine: Engine) -> list[tuple[str, str, int, float, dict[str, object]]]:
    with transaction(engine) as s:
        rows = s.execute(
            select(
                City.slug,
                Indicator.code,
                Observation.year,
                Observation.value,
                Observation.provenance,
            )
            .join(City, City.id == Observation.city_id)
            .join(Indicator, Indicator.id == Observation.indicator_id)
            .where(Observation.is_current.is_(True))
            .order_by(City.slug, Indicator.code)
        ).all()
    return [(a, b, c, d, e or {}) for a, b, c, d, e in rows]


def test_pull_keeps_provenance_and_a_second_pull_is_a_no_op(
    pair: tuple[Instance, Instance, str],
) -> None:
    partner, hub, token = pair
    engine = hub.engine()
    first = pull(engine, partner.url, token, page_size=2, name="Kenya SDG Cities")
    assert (first.pages, first.seen, first.added, first.conflicts) == (3, 5, 5, 0)
    assert sorted(first.cities_created) == ["kisumu-ken", "mombasa-ken", "nairobi-ken"]
    rows = _pulled(engine)
    assert len(rows) == 5
    nairobi = next(r for r in rows if r[0] == "nairobi-ken" and r[1] == "11.2.1")
    assert nairobi[3] == 41.5
    prov = nairobi[4]
    assert prov["partner"] == "Kenya SDG Cities"
    assert prov["partner_url"] == partner.url
    assert isinstance(prov["remote_id"], int)
    assert prov["remote_id"] > 0
    assert prov["remote_source"] == "Nairobi county statistics"
    assert "pulled_at" in prov
    # the partner's editor's e-mail never travels: the feed carries published values only
    assert "partner.example" not in str(rows)
    second = pull(engine, partner.url, token, page_size=2)
    assert (second.seen, second.added, second.conflicts) == (0, 0, 0)
    assert len(_pulled(engine)) == 5
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(PartnerCity)) == 3
    engine.dispose()


def test_a_different_value_is_a_conflict_never_an_overwrite(
    pair: tuple[Instance, Instance, str],
) -> None:
    partner, hub, token = pair
    engine = hub.engine()
    _publish(engine, [("Nairobi", "KEN", "11.2.1", 2020, 40.0)])  # the hub's own value
    summary = pull(engine, partner.url, token)
    assert (summary.added, summary.conflicts) == (4, 1)
    rows = _pulled(engine)
    nairobi = [r for r in rows if r[0] == "nairobi-ken" and r[1] == "11.2.1"]
    assert [r[3] for r in nairobi] == [40.0]  # kept
    with transaction(engine) as s:
        c = s.scalars(select(NetworkConflict)).one()
        assert (c.local_value, c.remote_value, c.year) == (40.0, 41.5, 2020)
    # shown on the conflicts page of the hub's own web app
    from fastapi.testclient import TestClient

    from tests.web._apphelp import login, make_app

    _admin(engine)
    client = TestClient(make_app(engine))
    login(client, "admin@hub.example")
    page = client.get("/network/conflicts")
    assert page.status_code == 200, page.text
    assert "41.5" in page.text
    assert "40.0" in page.text
    assert "Nairobi" in page.text
    assert client.get("/api/v1/network/conflicts").json()["total"] == 1
    engine.dispose()


def _admin(engine: Engine) -> None:
    from sdgcities.accounts.users import create_user

    with transaction(engine) as s:
        create_user(s, email="admin@hub.example", password="correct horse battery", role="admin")


def test_a_partner_correction_is_a_new_version(pair: tuple[Instance, Instance, str]) -> None:
    partner, hub, token = pair
    engine = hub.engine()
    pull(engine, partner.url, token)
    partner.stop()
    pe = partner.engine()
    _publish(pe, [("Nairobi", "KEN", "11.2.1", 2020, 42.0)])
    pe.dispose()
    partner.start()
    summary = pull(engine, partner.url, token)
    assert (summary.corrected, summary.conflicts, summary.added) == (1, 0, 0)
    with transaction(engine) as s:
        versions = s.execute(
            select(Observation.version, Observation.value, Observation.is_current)
            .join(City, City.id == Observation.city_id)
            .join(Indicator, Indicator.id == Observation.indicator_id)
            .where(City.slug == "nairobi-ken", Indicator.code == "11.2.1")
            .order_by(Observation.version)
        ).all()
    assert [tuple(v) for v in versions] == [(1, 41.5, False), (2, 42.0, True)]
    engine.dispose()


def test_a_stopped_partner_mid_pull_resumes_with_every_page_whole(
    pair: tuple[Instance, Instance, str],
) -> None:
    partner, hub, token = pair
    engine = hub.engine()

    def stop_after_first(n: int, remaining: int) -> None:
        if partner.proc is not None:
            partner.stop()

    with pytest.raises(PullError) as err:
        pull(engine, partner.url, token, page_size=2, on_page=stop_after_first)
    assert partner.url in str(err.value)
    assert "cannot reach" in str(err.value)
    assert len(_pulled(engine)) == 2  # page 1 whole, nothing of page 2
    with transaction(engine) as s:
        p = s.scalars(select(PartnerInstance)).one()
        assert p.state == "running"
        assert p.after_id > 0
        assert "cannot reach" in p.last_error
    partner.start()
    with pytest.raises(PullError, match="--resume"):
        pull(engine, partner.url, token, page_size=2)
    done = pull(engine, partner.url, token, page_size=2, resume=True)
    assert (done.added, done.skipped) == (3, 0)
    assert len(_pulled(engine)) == 5
    engine.dispose()


def test_the_cli_pulls_and_reports_an_unreachable_partner(
    pair: tuple[Instance, Instance, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sdgcities.cli import app
    from sdgcities.config import get_settings

    partner, hub, token = pair
    monkeypatch.setenv("DATABASE_URL", hub.db_url)
    monkeypatch.setenv("SDGCITIES_DATA_DIR", str(hub.root))
    get_settings.cache_clear()
    runner = CliRunner()
    ok = runner.invoke(app, ["network", "pull", partner.url, "--token", token])
    assert ok.exit_code == 0, ok.output
    assert "5 added" in ok.output
    bad_token = runner.invoke(app, ["network", "pull", partner.url, "--token", "wrong"])
    assert bad_token.exit_code == 1
    assert "token" in bad_token.output
    assert "Traceback" not in bad_token.output
    dead = f"http://127.0.0.1:{partner.port + 1 if partner.port < 65535 else 1}"
    gone = runner.invoke(app, ["network", "pull", dead, "--token", token])
    assert gone.exit_code == 1
    assert "cannot reach" in gone.output
    assert dead in gone.output
    listed = runner.invoke(app, ["network", "conflicts"])
    assert listed.exit_code == 0
    assert "0 conflicts" in listed.output
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "not a JSON object"),
        ({"items": [], "total": 0, "limit": 1, "offset": 0}, "'next'"),
        ({"items": "x", "total": 0, "limit": 1, "offset": 0, "next": None}, "'items'"),
        (
            {"items": [{"id": 1}], "total": 1, "limit": 1, "offset": 0, "next": None},
            "items[0].city_slug",
        ),
    ],
)
def test_a_wrong_schema_names_the_field(body: object, field: str) -> None:
    with pytest.raises(PullError) as err:
        check_page(body, "http://x/page 1", 0)
    assert field in str(err.value)
    assert "wrong schema" in str(err.value)


def test_a_wrong_value_type_names_the_item_and_field() -> None:
    item = {
        "id": 3,
        "city_slug": "a",
        "city": "A",
        "country_iso3": "KEN",
        "indicator": "11.2.1",
        "year": 2020,
        "disaggregation": "",
        "value": "high",
        "unit": None,
        "lower": None,
        "upper": None,
        "source": None,
        "published_at": None,
    }
    body = {"items": [item], "total": 1, "limit": 1, "offset": 0, "next": None}
    with pytest.raises(PullError, match=r"items\[0\]\.value should be number, found 'high'"):
        check_page(body, "p", 0)


def test_pull_into_each_backend(pair: tuple[Instance, Instance, str], engine: Engine) -> None:
    """The hub's store on SQLite and on PostgreSQL: same values, conflict and no-op."""
    from sdgcities.catalogue.registry import sync_builtin_catalogue

    partner, _hub, token = pair
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
    _publish(engine, [("Kisumu", "KEN", "11.2.1", 2021, 20.0)])
    first = pull(engine, partner.url, token, page_size=3)
    assert (first.added, first.conflicts, first.pages) == (4, 1, 2)
    assert pull(engine, partner.url, token).seen == 0
    rows = _pulled(engine)
    assert len(rows) == 5
    assert next(r for r in rows if r[0] == "kisumu-ken" and r[1] == "11.2.1")[3] == 20.0
