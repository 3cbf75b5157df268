"""``sdgcities export observations|scores|open-sdg|sdmx`` against a small store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sdmx
from typer.testing import CliRunner

from sdgcities.cli import app
from tests.assessment._fixture_store import build_store, write_bench

runner = CliRunner()


@pytest.fixture
def cli_store(settings, tmp_path: Path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sdgcities.assessment.benchmarksets import load_benchmark_set
    from sdgcities.store.db import init_store, transaction

    engine = init_store(settings)
    ids = build_store(engine)
    with transaction(engine) as s:
        load_benchmark_set(s, "hand", write_bench(tmp_path))
    return ids


def test_export_commands(cli_store: dict[str, int], tmp_path: Path) -> None:
    r = runner.invoke(app, ["export", "observations", str(tmp_path / "o.xlsx"), "--city", "Alpha"])
    assert r.exit_code == 0, r.output
    assert set(pd.read_excel(tmp_path / "o.xlsx")["city"]) == {"Alpha"}

    r = runner.invoke(app, ["export", "scores", str(tmp_path / "s.csv"), "--benchmark-set", "hand"])
    assert r.exit_code == 0, r.output
    assert "5 cities" in r.output

    r = runner.invoke(app, ["export", "open-sdg", str(tmp_path / "osdg"), "--indicator", "A"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "osdg/data/indicator_custom-a.csv").is_file()
    assert not (tmp_path / "osdg/data/indicator_custom-b.csv").exists()

    r = runner.invoke(app, ["export", "sdmx", str(tmp_path / "x.xml"), "--city", "beta"])
    assert r.exit_code == 0, r.output
    dsd = sdmx.read_sdmx(tmp_path / "x.structure.xml").structure["SDGCITIES_CITY_INDICATORS"]
    series = sdmx.to_pandas(sdmx.read_sdmx(tmp_path / "x.xml", structure=dsd).data[0])
    assert series.to_dict() == {
        ("beta", "A", "2020"): 70.0,
        ("beta", "B", "2020"): 10.0,
        ("beta", "C", "2020"): 6.0,
    }

    r = runner.invoke(app, ["export", "observations", str(tmp_path / "o.json")])
    assert r.exit_code == 1
    assert "not supported" in r.output
    r = runner.invoke(app, ["export", "sdmx", str(tmp_path / "y.xml"), "--city", "Atlantis"])
    assert r.exit_code == 1
