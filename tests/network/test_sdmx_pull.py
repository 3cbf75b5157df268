"""The SDMX pull (``--format sdmx``): two real instances on loopback, one serving its SDMX.

The partner's ``/api/v1/exports/sdmx`` (SDMX-ML 2.1 written by ``sdmx1``) is read by
``sdmx1`` on the hub; the values must equal those of the JSON feed (the other, independent
path); recorded SDMX-JSON messages (``data/README.md``) are served by a plain HTTP server
on loopback.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from sdgcities.network.federation import PullError, pull
from sdgcities.network.models import NetworkConflict, PartnerCity, PartnerInstance
from sdgcities.network.sdmx_pull import SdmxSchemaError, read_data, remote_id
from sdgcities.store.db import transaction
from sdgcities.store.models import City, Observation
from tests.network._instances import Instance, new_instance
from tests.network.test_federation import PARTNER_VALUES, _publish, _pulled, _token

DATA = Path(__file__).parent / "data"


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


def _count(engine: Engine, model: type) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_sdmx_pull_equals_the_json_pull_and_keeps_provenance(
    pair: tuple[Instance, Instance, str], tmp_path: Path
) -> None:
    partner, hub, token = pair
    engine = hub.engine()
    first = pull(engine, partner.url, token, page_size=2, name="Kenya", fmt="sdmx")
    assert (first.pages, first.seen, first.added, first.conflicts) == (3, 5, 5, 0)
    # the countries travel as annotations of CL_REF_AREA: the cities are created here
    assert sorted(first.cities_created) == ["kisumu-ken", "mombasa-ken", "nairobi-ken"]
    with transaction(engine) as s:
        assert set(s.scalars(select(City.country_iso3))) == {"KEN"}
        assert s.scalar(select(City.name).where(City.slug == "kisumu-ken")) == "Kisumu"
    rows = _pulled(engine)
    # an independent path: the platform's JSON feed pulled into a third store
    other = new_instance(tmp_path / "other")
    oe = other.engine()
    pull(oe, partner.url, token)
    by_json = [(a, b, c, d) for a, b, c, d, _ in _pulled(oe)]
    oe.dispose()
    assert [(a, b, c, d) for a, b, c, d, _ in rows] == by_json
    assert ("nairobi-ken", "11.2.1", 2020, 41.5) in by_json  # PARTNER_VALUES, by hand
    prov = next(p for a, b, _, _, p in rows if (a, b) == ("nairobi-ken", "11.2.1"))
    assert prov["partner"] == "Kenya"
    assert prov["partner_url"] == partner.url
    assert prov["format"] == "sdmx"
    assert prov["sdmx_key"] == "REF_AREA=nairobi-ken.INDICATOR=11_2_1:2020"
    assert prov["remote_id"] == remote_id(prov["sdmx_key"], 41.5) < 0
    assert str(prov["remote_source"]).startswith("SDMX data message SDGCITIES")
    assert "partner.example" not in str(rows)  # no e-mail travels
    again = pull(engine, partner.url, token, fmt="sdmx")  # nothing new: a no-op
    assert (again.seen, again.skipped, again.added, again.conflicts) == (5, 5, 0, 0)
    assert len(_pulled(engine)) == 5
    assert _count(engine, PartnerCity) == 3
    engine.dispose()


def test_sdmx_conflicts_are_shown_and_corrections_versioned(
    pair: tuple[Instance, Instance, str],
) -> None:
    partner, hub, token = pair
    engine = hub.engine()
    _publish(engine, [("Kisumu", "KEN", "11.2.1", 2021, 20.0)])  # the hub's own value
    first = pull(engine, partner.url, token, fmt="sdmx")
    assert (first.added, first.conflicts) == (4, 1)
    with transaction(engine) as s:
        c = s.scalars(select(NetworkConflict)).one()
        assert (c.local_value, c.remote_value, c.year) == (20.0, 22.5, 2021)
        assert c.remote["sdmx_key"] == "REF_AREA=kisumu-ken.INDICATOR=11_2_1:2021"
        assert c.remote_id < 0
    kisumu = [r for r in _pulled(engine) if r[:2] == ("kisumu-ken", "11.2.1")]
    assert [r[3] for r in kisumu] == [20.0]  # never overwritten
    partner.stop()
    pe = partner.engine()
    _publish(pe, [("Nairobi", "KEN", "11.2.1", 2020, 42.0)])  # the partner corrects
    pe.dispose()
    partner.start()
    second = pull(engine, partner.url, token, fmt="sdmx")
    assert (second.corrected, second.added, second.skipped) == (1, 0, 4)
    with transaction(engine) as s:
        versions = s.execute(
            select(Observation.version, Observation.value, Observation.is_current)
            .join(City, City.id == Observation.city_id)
            .where(City.slug == "nairobi-ken", Observation.year == 2020)
            .where(Observation.provenance.is_not(None))
            .order_by(Observation.value)
        ).all()
    assert (1, 41.5, False) in [tuple(v) for v in versions]
    assert (2, 42.0, True) in [tuple(v) for v in versions]
    engine.dispose()


def test_an_interrupted_sdmx_pull_resumes(pair: tuple[Instance, Instance, str]) -> None:
    partner, hub, token = pair
    engine = hub.engine()

    def stop_after_first(n: int, remaining: int) -> None:
        raise PullError("interrupted by the test")

    with pytest.raises(PullError, match="interrupted"):
        pull(engine, partner.url, token, page_size=2, fmt="sdmx", on_page=stop_after_first)
    assert len(_pulled(engine)) == 2  # the first page whole, nothing more
    with transaction(engine) as s:
        p = s.scalars(select(PartnerInstance)).one()
        assert (p.state, p.last_error) == ("running", "interrupted by the test")
    with pytest.raises(PullError, match="--resume"):
        pull(engine, partner.url, token, fmt="sdmx")
    done = pull(engine, partner.url, token, page_size=2, fmt="sdmx", resume=True)
    assert (done.added, done.skipped) == (3, 2)
    assert len(_pulled(engine)) == 5
    engine.dispose()


def test_sdmx_pull_into_each_backend(pair: tuple[Instance, Instance, str], engine: Engine) -> None:
    """SQLite and PostgreSQL: the 62-bit remote ids fit (BIGINT), same values, no-op."""
    from sdgcities.catalogue.registry import sync_builtin_catalogue

    partner, _hub, token = pair
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
    first = pull(engine, partner.url, token, page_size=3, fmt="sdmx")
    assert (first.added, first.pages) == (5, 2)
    assert pull(engine, partner.url, token, fmt="sdmx").added == 0
    assert len(_pulled(engine)) == 5


# ----------------------------------------------------------------------------- recorded messages


class _Static(BaseHTTPRequestHandler):
    body = b""
    ctype = "application/json"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", self.ctype)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        return


def _serve(body: bytes, ctype: str) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Handler", (_Static,), {"body": body, "ctype": ctype})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _hub_with_cities(root: Path) -> Engine:
    from sdgcities.cities.service import create_city

    engine = new_instance(root).engine()
    with transaction(engine) as s:
        create_city(s, name="Nairobi", country="KEN")
        create_city(s, name="Kisumu", country="KEN")
    return engine


def test_the_recorded_sdmx_json_message_reads_as_by_hand(tmp_path: Path) -> None:
    engine = _hub_with_cities(tmp_path / "hub")
    body = (DATA / "partner-sdmx.json").read_bytes()
    with transaction(engine) as s:
        msg = read_data(body, s, content_type="application/vnd.sdmx.data+json")
    got = sorted(
        (i["city_slug"], i["indicator"], i["year"], i["disaggregation"], i["value"], i["unit"])
        for i in msg.items
    )
    assert got == [
        ("kisumu-ken", "11.2.1", 2021, "", 22.5, "%"),
        ("nairobi-ken", "11.2.1", 2020, "", 41.5, "%"),
        ("nairobi-ken", "11.2.1", 2020, "sex=female", 39.25, "%"),
        ("nairobi-ken", "11.2.1", 2021, "", 43.0, "%"),
        ("nairobi-ken", "11.6.2", 2020, "", 35.1, "µg/m³"),
    ]
    assert msg.header_id == "KENSDG20261130"
    assert {i["published_at"] for i in msg.items} == {"2026-11-30T09:15:00+00:00"}
    server, url = _serve(body, "application/vnd.sdmx.data+json; version=1.0.0")
    try:
        summary = pull(engine, url, None, fmt="sdmx")
    finally:
        server.shutdown()
    assert (summary.added, summary.cities_created) == (5, [])  # matched by slug
    rows = _pulled(engine)
    assert ("nairobi-ken", "11.6.2", 2020, 35.1) in [r[:4] for r in rows]
    engine.dispose()


@pytest.mark.parametrize(
    ("body", "ctype", "message"),
    [
        ((DATA / "foreign-exr.json").read_bytes(), "application/json", "REF_AREA, INDICATOR"),
        (b"<html><body>Welcome</body></html>", "text/html", "cannot read"),
        (b"Service unavailable", "text/plain", "not an SDMX message"),
        (
            (DATA / "partner-sdmx.json").read_bytes().replace(b'"11_6_2"', b'"99_9_9"'),
            "application/json",
            "INDICATOR '99_9_9' is not in this hub's catalogue",
        ),
        (
            (DATA / "partner-sdmx.json").read_bytes().replace(b'"2021"', b'"2021-Q1"'),
            "application/json",
            "not a year",
        ),
    ],
)
def test_a_wrong_sdmx_message_stores_nothing(
    tmp_path: Path, body: bytes, ctype: str, message: str
) -> None:
    engine = _hub_with_cities(tmp_path / "hub")
    server, url = _serve(body, ctype)
    try:
        with pytest.raises(PullError) as err:
            pull(engine, url, None, fmt="sdmx")
    finally:
        server.shutdown()
    assert "wrong schema" in str(err.value)
    assert message in str(err.value)
    assert _count(engine, Observation) == 0
    assert _count(engine, PartnerCity) == 0
    engine.dispose()


def test_a_city_without_country_stops_before_anything_is_stored(tmp_path: Path) -> None:
    engine = new_instance(tmp_path / "hub").engine()  # no cities: kisumu cannot be created
    server, url = _serve((DATA / "partner-sdmx.json").read_bytes(), "application/json")
    try:
        with pytest.raises(PullError, match="no country_iso3"):
            pull(engine, url, None, fmt="sdmx")
    finally:
        server.shutdown()
    assert _count(engine, Observation) == 0
    assert _count(engine, City) == 0
    engine.dispose()


def test_read_data_names_a_bad_value(tmp_path: Path) -> None:
    engine = _hub_with_cities(tmp_path / "hub")
    doc = json.loads((DATA / "partner-sdmx.json").read_text(encoding="utf-8"))
    doc["dataSets"][0]["series"]["1:0:0"]["observations"]["1"] = ["lots", 0]
    body = json.dumps(doc).encode()
    with transaction(engine) as s, pytest.raises(SdmxSchemaError) as err:
        read_data(body, s)
    assert "REF_AREA=kisumu-ken" in str(err.value)
    assert "'lots'" in str(err.value)
    engine.dispose()


def test_the_cli_pulls_sdmx_and_checks_its_flags(
    pair: tuple[Instance, Instance, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sdgcities.cli import app
    from sdgcities.config import get_settings

    partner, hub, token = pair
    monkeypatch.setenv("DATABASE_URL", hub.db_url)
    monkeypatch.setenv("SDGCITIES_DATA_DIR", str(hub.root))
    get_settings.cache_clear()
    runner = CliRunner()
    ok = runner.invoke(app, ["network", "pull", partner.url, "--token", token, "--format", "sdmx"])
    assert ok.exit_code == 0, ok.output
    assert "5 added" in ok.output
    bad = runner.invoke(app, ["network", "pull", partner.url, "--format", "csv"])
    assert bad.exit_code == 2
    assert "--format" in bad.output
    since = ["network", "pull", partner.url, "--format", "sdmx", "--since", "2020-01-01"]
    assert runner.invoke(app, since).exit_code == 2
    dead = f"http://127.0.0.1:{partner.port + 1 if partner.port < 65535 else 1}"
    gone = runner.invoke(app, ["network", "pull", dead, "--format", "sdmx"])
    assert gone.exit_code == 1
    assert "cannot reach" in gone.output
    assert "Traceback" not in gone.output
    assert "--format sdmx" in runner.invoke(app, ["network", "pull", "--help"]).output
    get_settings.cache_clear()
