"""The observations commands of the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sdgcities.cli import _common, app
from sdgcities.config import Settings
from sdgcities.store.db import init_store
from tests.observations.obs_helpers import add_cities_and_indicators, write

runner = CliRunner()


def test_import_list_history_correct(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_common.console, "width", 200)
    add_cities_and_indicators(init_store(settings))
    path = write(tmp_path / "obs.csv", "city,indicator,year,value\nNairobi,11.6.2,2020,22\n")
    res = runner.invoke(app, ["import", "observations", str(path), "--user", "ana"])
    assert res.exit_code == 0, res.output
    assert "1 new values" in res.output
    res = runner.invoke(app, ["import", "observations", str(path)])
    assert res.exit_code == 0
    assert "unchanged" in res.output

    res = runner.invoke(
        app,
        [
            "observations",
            "correct",
            "nairobi",
            "11.6.2",
            "2020",
            "20.5",
            "--reason",
            "typo in the report",
            "--user",
            "ben",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "version 2" in res.output
    # imports and corrections land as drafts: their history shows with --include-drafts
    res = runner.invoke(app, ["observations", "history", "Nairobi", "11.6.2"])
    assert res.exit_code == 0, res.output
    assert "20.5" not in res.output
    res = runner.invoke(app, ["observations", "history", "Nairobi", "11.6.2", "--include-drafts"])
    assert res.exit_code == 0, res.output
    assert "typo in the report" in res.output
    assert "ben" in res.output
    assert "ana" in res.output
    res = runner.invoke(app, ["observations", "list", "--city", "nairobi", "--include-drafts"])
    assert res.exit_code == 0
    assert "20.5" in res.output


def test_bad_file_exits_1_with_findings(settings: Settings, tmp_path: Path) -> None:
    add_cities_and_indicators(init_store(settings))
    path = write(tmp_path / "bad.csv", "city,indicator,year,value\nNairobbi,11.6.2,2020,x\n")
    res = runner.invoke(app, ["import", "observations", str(path)])
    assert res.exit_code == 1
    assert "Nairobbi" in res.output
    assert "nothing was imported" in res.output


def test_import_unhabitat_sample(settings: Settings, fixtures_dir: Path) -> None:
    init_store(settings)
    path = fixtures_dir / "observations" / "unhabitat_sample.xlsx"
    res = runner.invoke(app, ["import", "unhabitat", str(path)])
    assert res.exit_code == 0, res.output
    assert "6 created" in res.output
    assert "15 new values" in res.output
