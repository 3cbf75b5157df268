"""``sdgcities plan`` and ``sdgcities assessment``: the whole cycle, bad input, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.config import Settings
from tests.planning._world import EDITOR, REVIEWER, seed
from tests.planning.test_plan import PLAN_YAML

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def city(settings: Settings) -> str:
    from sdgcities.store.db import init_store

    return seed(init_store()).city


def test_plan_cycle(city: str, tmp_path: Path) -> None:
    f = tmp_path / "plan.yaml"
    f.write_text(PLAN_YAML, encoding="utf-8")
    r = runner.invoke(app, ["plan", "import", city, str(f), "--as", EDITOR])
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, ["plan", "show", city]).exit_code == 1  # nothing approved yet
    r = runner.invoke(app, ["plan", "approve", city, "--as", EDITOR])
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert runner.invoke(app, ["plan", "submit", city, "--as", EDITOR]).exit_code == 0
    assert runner.invoke(app, ["plan", "approve", city, "--as", REVIEWER]).exit_code == 0
    out = tmp_path / "plan.json"
    r = runner.invoke(app, ["plan", "show", city, "--json", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text("utf-8"))
    assert data["status"] == "approved"
    assert data["targets"][0]["indicator"] == "11.2.1"
    assert "created_by" not in data  # no e-mails without draft rights
    prog = tmp_path / "progress.json"
    r = runner.invoke(app, ["plan", "progress", city, "--json", str(prog)])
    assert r.exit_code == 0, r.output
    assert json.loads(prog.read_text("utf-8"))["items"][0]["category"] == "on track"
    r = runner.invoke(app, ["plan", "progress", city, "--progress-method", "nope"])
    assert r.exit_code == 2


def test_plan_import_bad_unit_exits_1_naming_row_and_units(city: str, tmp_path: Path) -> None:
    f = tmp_path / "targets.csv"
    f.write_text(
        "indicator,value,unit,baseline_value,baseline_year,source\n11.2.1,75,km,40,2020,survey\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["plan", "import", city, str(f), "--as", EDITOR])
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert "targets.csv" in r.output
    assert "11.2.1" in r.output
    assert "'km'" in r.output


def test_assessment_cycle_and_out_of_scale(city: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["assessment", "list"]).exit_code == 0
    assert "rev-register" in runner.invoke(app, ["assessment", "show", "institutional"]).output
    bad = tmp_path / "bad.csv"
    bad.write_text("question,value\nrev-register,5\n", encoding="utf-8")
    r = runner.invoke(app, ["assessment", "answer", city, str(bad), "--as", EDITOR])
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert "institutional.yaml" in r.output
    assert "rev-register" in r.output
    assert "0–4" in r.output
    good = tmp_path / "good.csv"
    good.write_text("question,value,evidence\nrev-register,1,cadastre 2015\n", encoding="utf-8")
    r = runner.invoke(
        app, ["assessment", "answer", city, str(good), "--as", EDITOR, "--open-needs"]
    )
    assert r.exit_code == 0, r.output
    assert "1 capacity need(s) opened" in r.output
    out = tmp_path / "profile.json"
    r = runner.invoke(app, ["assessment", "profile", city, "--json", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text("utf-8"))
    assert data["areas"][1]["score"] == pytest.approx(25.0)
    assert "answered_by" not in data["answers"][0]
