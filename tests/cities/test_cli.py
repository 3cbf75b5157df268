"""The `sdgcities cities` and `sdgcities indicators` commands (CliRunner, temporary store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.config import Settings

runner = CliRunner(env={"COLUMNS": "160"})


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def test_help_has_examples(settings: Settings) -> None:
    for args in (
        ["cities", "--help"],
        ["cities", "add", "--help"],
        ["indicators", "import", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    assert "Porto Alegre" in runner.invoke(app, ["cities", "add", "--help"]).output


def test_cities_search_add_list_show(settings: Settings, tmp_path: Path) -> None:
    result = runner.invoke(app, ["cities", "search", "sao paulo", "-n", "3"])
    assert result.exit_code == 0, result.output
    assert "São" in result.output  # Rich may wrap the name in a narrow terminal
    assert "3448439" in result.output

    result = runner.invoke(app, ["cities", "add", "Porto Alegre", "--country", "BRA"])
    assert result.exit_code == 0, result.output
    assert "porto-alegre-bra" in result.output
    assert "1m-5m" in result.output

    again = runner.invoke(app, ["cities", "add", "Porto Alegre", "--country", "BRA"])
    assert again.exit_code == 1
    assert "exists already" in again.output

    csv = tmp_path / "c.csv"
    csv.write_text(
        "name,country,population,population_year\nHelsinki,FIN,658864,2023\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["cities", "import", str(csv)])
    assert result.exit_code == 0, result.output

    result = runner.invoke(app, ["cities", "list", "--region", "Northern Europe"])
    assert result.exit_code == 0
    assert "helsinki-fin" in result.output
    assert "porto-alegre-bra" not in result.output

    result = runner.invoke(app, ["cities", "show", "porto-alegre-bra"])
    assert result.exit_code == 0, result.output
    assert "Latin America and the Caribbean" in result.output
    assert "FY2024" in result.output


def test_cities_import_bad_shows_findings(settings: Settings, tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("name,country\nA,XYZ\n,BRA\n", encoding="utf-8")
    result = runner.invoke(app, ["cities", "import", str(csv)])
    assert result.exit_code == 1
    assert "unknown country" in result.output
    assert "missing city name" in result.output
    assert "nothing imported" in result.output
    listed = runner.invoke(app, ["cities", "list"])
    assert "0 of 0 cities" in listed.output


def test_indicators_commands(settings: Settings, tmp_path: Path) -> None:
    result = runner.invoke(app, ["indicators", "list", "--framework", "SDG"])
    assert result.exit_code == 0, result.output
    # 15 SDG 11 + the 11.7.1b companion + 9.c.1, 17.6.1 and 17.8.1 (digital inclusion)
    assert "19 indicators" in result.output
    assert "11.b.2" in result.output

    result = runner.invoke(app, ["indicators", "show", "11.3.1"])
    assert result.exit_code == 0
    assert "target" in result.output

    result = runner.invoke(app, ["indicators", "show", "11.9.9"])
    assert result.exit_code == 1
    assert "no indicator" in result.output

    result = runner.invoke(app, ["indicators", "matrix"])
    assert result.exit_code == 0
    assert "Governance" in result.output

    good = tmp_path / "mine.csv"
    good.write_text("code,name,direction\nPA-1,Trees planted,higher\n", encoding="utf-8")
    result = runner.invoke(app, ["indicators", "import", str(good), "--owner", "porto"])
    assert result.exit_code == 0
    assert "PA-1" in result.output

    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,direction\n11.2.1,Mine,higher\n", encoding="utf-8")
    result = runner.invoke(app, ["indicators", "import", str(bad), "--owner", "porto"])
    assert result.exit_code == 1
    assert "overwrite a built-in" in result.output
