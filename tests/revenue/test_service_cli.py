"""Storing a city's diagnostic (all or nothing, drafts private) and the `revenue` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.config import Settings
from sdgcities.errors import ConflictError, NotFoundError, ValidationError
from sdgcities.revenue.models import RevenueDiagnostic, RevenueStream
from sdgcities.revenue.service import get_diagnostic, import_diagnostic, list_diagnostics
from sdgcities.store.db import transaction

runner = CliRunner(env={"COLUMNS": "200"})

GOOD = (
    "stream,estimated,registered,compliant,average_bill,achievable_bill,billed,collected\n"
    "property tax,1000,800,600,50,80,40000,30000\n"
    "business licences,500,450,300,20,20,9000,6000\n"
)
BAD = (
    "stream,estimated,registered,compliant,average_bill,achievable_bill\n"
    "property tax,1000,800,900,50,80\n"
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    good, bad = tmp_path / "streams.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    return good, bad


def _city(engine: Engine) -> int:
    from sdgcities.cities.service import create_city

    with transaction(engine) as s:
        return create_city(s, name="Nairobi", country="KEN").id


def _count(engine: Engine) -> tuple[int, int]:
    with transaction(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(RevenueDiagnostic)) or 0,
            s.scalar(select(func.count()).select_from(RevenueStream)) or 0,
        )


def test_store_read_publish(engine: Engine, files: tuple[Path, Path]) -> None:
    good, bad = files
    city = _city(engine)
    with transaction(engine) as s:
        stored = import_diagnostic(s, city, good, year=2024, currency="kes")
    assert stored.result.total.potential == 90_000
    assert stored.currency == "KES"
    with transaction(engine) as s:
        assert list_diagnostics(s, city) == []  # a draft is not public
        with pytest.raises(NotFoundError, match="no published revenue diagnostic"):
            get_diagnostic(s, city)
        mine = get_diagnostic(s, city, published_only=False)
        assert [x.stream for x in mine.result.priorities()] == ["property tax", "business licences"]
        assert mine.result.total.collection_ratio == pytest.approx(36 / 49)
    # a bad file changes nothing, even with --replace
    with pytest.raises(ValidationError), transaction(engine) as s:
        import_diagnostic(s, city, bad, year=2024, replace=True)
    assert _count(engine) == (1, 2)
    with pytest.raises(ConflictError, match="--replace"), transaction(engine) as s:
        import_diagnostic(s, city, good, year=2024)
    with transaction(engine) as s:
        import_diagnostic(s, city, good, year=2024, replace=True, publish=True)
    assert _count(engine) == (1, 2)
    with transaction(engine) as s:
        assert get_diagnostic(s, city, 2024).is_published


def test_cli_analyse_contract(settings: Settings, files: tuple[Path, Path], tmp_path: Path) -> None:
    good, bad = files
    out = tmp_path / "o.json"
    result = runner.invoke(app, ["revenue", "analyse", str(good), "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    keys = {"potential", "actual", "compliance_gap", "coverage_gap", "valuation_gap",
            "mixed_gap_unregistered", "mixed_gap_registered"}  # fmt: skip
    assert keys <= set(data["total"])
    assert all(keys <= set(s) for s in data["streams"])
    assert data["total"]["potential"] == 90_000
    assert "valuation_ratio" not in data["total"]  # no fiscal_base / market_value given
    assert data["streams"][0]["coverage_ratio"] == 0.8

    result = runner.invoke(app, ["revenue", "analyse", str(bad), "--json", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "compliant" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()
    assert runner.invoke(app, ["revenue", "analyse"]).exit_code == 2
    missing = runner.invoke(app, ["revenue", "analyse", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1
    assert "no such file" in missing.output


def test_cli_import_show(settings: Settings, files: tuple[Path, Path]) -> None:
    good, _ = files
    assert runner.invoke(app, ["cities", "add", "Nairobi", "--country", "KEN"]).exit_code == 0
    args = ["revenue", "import", "nairobi-ken", str(good), "--year", "2024"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "stored 2 streams" in result.output
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "--replace" in again.output
    shown = runner.invoke(app, ["revenue", "show", "nairobi-ken"])
    assert shown.exit_code == 0
    assert "property" in shown.output
    published = runner.invoke(app, ["revenue", "publish", "nairobi-ken", "--year", "2024"])
    assert published.exit_code == 0, published.output
    none = runner.invoke(app, ["revenue", "publish", "nairobi-ken", "--year", "2020"])
    assert none.exit_code == 1
    assert "no revenue diagnostic for 2020" in none.output
    nocity = runner.invoke(app, ["revenue", "import", "atlantis", str(good), "--year", "2024"])
    assert nocity.exit_code == 1


def test_help_has_examples(settings: Settings) -> None:
    for cmd in ("analyse", "import", "show", "publish"):
        result = runner.invoke(app, ["revenue", cmd, "--help"])
        assert result.exit_code == 0
        assert "Examples" in result.output
