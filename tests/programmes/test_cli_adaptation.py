"""The CLI faces of the adaptation portfolio and of initiatives' geometry: exit codes 0 /
1 (bad data, nothing saved) / 2 (usage), and ``programmes show --json``'s new keys."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.config import Settings
from sdgcities.programmes.demo import demo_line
from sdgcities.store.db import init_store, transaction

runner = CliRunner(env={"COLUMNS": "200"})


def test_adaptation_import_list_show_and_geometry(settings: Settings, tmp_path: Path) -> None:
    from sdgcities.cities.service import create_city

    engine = init_store(settings)
    with transaction(engine) as s:
        demo_line(s)
        create_city(s, name="Maputo", country="MOZ", population=1_100_000, lon=32.6, lat=-25.9)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,countries,city,fund,stage,amount,currency,start,end\n"
        "Drains,MOZ,Maputo,green_climate_fund,approved,6000000,USD,2022-01-01,\n"
        "Dunes,MOZ,,nofund,approved,1,USD,,\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["programmes", "adaptation", "import", str(bad)])
    assert r.exit_code == 1
    assert "bad.csv" in r.output
    assert "fund" in r.output
    assert "Traceback" not in r.output
    good = tmp_path / "good.csv"
    good.write_text(
        bad.read_text(encoding="utf-8").splitlines()[0]
        + "\n"
        + bad.read_text(encoding="utf-8").splitlines()[1]
        + "\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["programmes", "adaptation", "import", str(good)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["programmes", "adaptation", "list", "--json"])
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["progress"]["cities_reached"] == 1
    assert data["progress"]["target_cities"] == 100
    assert len(data["items"]) == 3
    out = tmp_path / "portfolio.json"
    assert runner.invoke(app, ["programmes", "show", "--json", str(out)]).exit_code == 0
    rise_up = next(p for p in json.loads(out.read_text())["programmes"] if p["key"] == "rise-up")
    assert rise_up["adaptation"]["progress"]["cities_reached"] == 1
    assert {f["status"] for f in rise_up["funding_lines"]} == {
        "approved",
        "mobilised",
        "concept_note",
    }
    r = runner.invoke(
        app,
        [
            "programmes",
            "adaptation",
            "add",
            "--name",
            "X",
            "--fund",
            "gcf",
            "--stage",
            "approved",
            "--amount",
            "1",
            "--country",
            "MOZ",
        ],
    )
    assert r.exit_code == 1
    assert "fund" in r.output
    assert runner.invoke(app, ["programmes", "adaptation", "add", "--name", "X"]).exit_code == 2
    site = tmp_path / "site.geojson"
    site.write_text('{"type": "Point", "coordinates": [32.6, -25.9]}', encoding="utf-8")
    r = runner.invoke(
        app,
        [
            "programmes",
            "initiatives",
            "add",
            "vibrant-neighbourhoods",
            "--name",
            "Maputo site",
            "--city",
            "Maputo",
            "--geometry",
            str(site),
        ],
    )
    assert r.exit_code == 0, r.output
    assert (
        runner.invoke(
            app, ["programmes", "initiatives", "geometry", "vibrant-neighbourhoods", "1"]
        ).exit_code
        == 2
    )
    for cmd in (["adaptation", "import"], ["initiatives", "geometry"], ["initiatives", "edit"]):
        h = runner.invoke(app, ["programmes", *cmd, "--help"])
        assert h.exit_code == 0
        assert "Examples" in h.output


def test_adaptation_delete_exit_codes(settings: Settings) -> None:
    engine = init_store(settings)
    with transaction(engine) as s:
        demo_line(s)
    items = json.loads(runner.invoke(app, ["programmes", "adaptation", "list", "--json"]).output)
    first = items["items"][0]["id"]
    r = runner.invoke(app, ["programmes", "adaptation", "delete", f"AP-{first}", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["id"] == first
    r = runner.invoke(app, ["programmes", "adaptation", "delete", str(first)])
    assert r.exit_code == 1  # gone: named, nothing else changed
    assert f"AP-{first}" in r.output
    r = runner.invoke(app, ["programmes", "adaptation", "delete", "FL-3"])
    assert r.exit_code == 2
    assert "AP-12 or 12" in r.output
    after = json.loads(runner.invoke(app, ["programmes", "adaptation", "list", "--json"]).output)
    assert len(after["items"]) == len(items["items"]) - 1
