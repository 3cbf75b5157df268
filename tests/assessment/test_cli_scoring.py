"""``sdgcities score`` (file mode without a store; store mode) and ``sdgcities challenges``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sdgcities.cli import app
from tests.assessment._fixture_store import build_store, write_bench

runner = CliRunner()

OBS = """city,indicator,year,value
"Washington, D.C.",A,2020,30
"Washington, D.C.",B,2020,20
"Washington, D.C.",C,2020,5
"Porto Alegre, RS",A,2020,80
"Porto Alegre, RS",B,2020,10
"Porto Alegre, RS",C,2020,8
"""


def test_score_file_mode_needs_no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # point the store somewhere that must stay untouched
    monkeypatch.setenv("SDGCITIES_DATA_DIR", str(tmp_path / "no-store"))
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent-dir/never.db")
    obs = tmp_path / "obs.csv"
    obs.write_text(OBS, encoding="utf-8")
    bench = write_bench(tmp_path)
    out = tmp_path / "scores.csv"
    result = runner.invoke(
        app, ["score", "--observations", str(obs), "--benchmarks", str(bench), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert set(table["city"]) == {"Washington, D.C.", "Porto Alegre, RS"}
    idx = table[table["level"] == "index"].set_index("city")["score"]
    # Washington: g1 = (30 + 60)/2 = 45, g2 = 50 → 47.5; Porto Alegre: (80 + 80)/2, 80 → 80
    assert idx["Washington, D.C."] == pytest.approx(47.5)
    assert idx["Porto Alegre, RS"] == pytest.approx(80.0)
    assert not (tmp_path / "no-store").exists()


def test_score_file_mode_reports_findings(tmp_path: Path) -> None:
    obs = tmp_path / "obs.csv"
    obs.write_text('city,indicator,year,value\n"A, B",A,twenty,1\n', encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "score",
            "--observations",
            str(obs),
            "--benchmarks",
            str(write_bench(tmp_path)),
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == 1
    assert "year" in result.output


def test_score_needs_a_mode() -> None:
    result = runner.invoke(app, ["score"])
    assert result.exit_code == 2


@pytest.fixture
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich tables wrap at 80 columns under CliRunner; widen them so cells stay whole."""
    from sdgcities.cli import _common

    monkeypatch.setattr(_common.console, "width", 200)


@pytest.fixture
def cli_store(settings, tmp_path: Path, wide_console: None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sdgcities.assessment.benchmarksets import load_benchmark_set
    from sdgcities.store.db import init_store, transaction

    engine = init_store(settings)
    ids = build_store(engine)
    with transaction(engine) as s:
        load_benchmark_set(s, "hand", write_bench(tmp_path))
    return ids


def test_score_store_mode(cli_store: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    result = runner.invoke(
        app, ["score", "--city", "Alpha", "--benchmark-set", "hand", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Alpha" in result.output
    assert "47.5" in result.output
    assert "red" in result.output
    assert "deterioration" in result.output
    sheets = pd.read_excel(out, sheet_name=None)
    assert sheets["index"]["score"].tolist() == pytest.approx([47.5])
    result = runner.invoke(app, ["score", "--all", "--benchmark-set", "hand"])
    assert result.exit_code == 0, result.output
    for name in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon"):
        assert name in result.output


def test_challenges_command(cli_store: dict[str, int]) -> None:
    result = runner.invoke(app, ["challenges", "Alpha", "--benchmark-set", "hand"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "greatest challenges" in out
    assert out.index("Indicator A") < out.index("Indicator C") < out.index("Indicator B")
    assert "deteriorating" in out
    assert "peer group" in out
    result = runner.invoke(app, ["challenges", "Atlantis"])
    assert result.exit_code == 1


def test_progress_and_benchmarks_commands(cli_store: dict[str, int], tmp_path: Path) -> None:
    result = runner.invoke(app, ["progress", "alpha", "--benchmark-set", "hand"])
    assert result.exit_code == 0, result.output
    assert "on track" in result.output
    assert "city target" in result.output
    result = runner.invoke(app, ["benchmarks", "show"])
    assert result.exit_code == 0, result.output
    assert "11.6.2" in result.output
    result = runner.invoke(app, ["benchmarks", "load", "hand", str(write_bench(tmp_path))])
    assert result.exit_code == 1
    assert "already exists" in result.output
    result = runner.invoke(app, ["benchmarks", "list"])
    assert "hand" in result.output
    assert "sdg11-default" in result.output


BAD_BENCH = """indicator,goal,best,worst,green,yellow,orange
A,g1,100,0,80,90,40
B,g1,0,50,10,20,30
C,g2,10,0,8,6,4
"""


def test_score_file_mode_warns_and_strict_refuses(tmp_path: Path) -> None:
    obs = tmp_path / "obs.csv"
    obs.write_text(OBS, encoding="utf-8")
    bench = tmp_path / "bad.csv"
    bench.write_text(BAD_BENCH, encoding="utf-8")
    out = tmp_path / "scores.xlsx"
    args = ["score", "--observations", str(obs), "--benchmarks", str(bench), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "warning:" in text
    assert "row 2" in text
    assert "column 'yellow'" in text
    assert "no colour" in text
    sheets = pd.read_excel(out, sheet_name=None)  # a real workbook
    scores = sheets["scores"]
    a = scores[(scores["level"] == "indicator") & (scores["code"] == "A")]
    assert set(a["colour"]) == {"grey"}
    out.unlink()
    strict = runner.invoke(app, [*args, "--strict"])
    assert strict.exit_code == 1
    assert "yellow" in strict.output
    assert "Traceback" not in strict.output
    assert not out.exists()
    bad = runner.invoke(app, [*args, "--progress-method", "fast"])
    assert bad.exit_code == 2


def test_store_mode_published_by_default(cli_store: dict[str, int], tmp_path: Path) -> None:
    from sdgcities.config import load_settings
    from sdgcities.observations.service import record_value
    from sdgcities.store.db import make_engine, transaction

    engine = make_engine(load_settings().database_url)
    with transaction(engine) as s:
        record_value(
            s, city_id=cli_store["Alpha"], indicator_code="A", year=2020, value=100.0,
            status="draft",
        )  # fmt: skip
    public = runner.invoke(app, ["score", "--city", "Alpha", "--benchmark-set", "hand"])
    assert public.exit_code == 0, public.output
    assert "47.5" in public.output
    assert "published only" in " ".join(public.output.split())
    drafts = runner.invoke(
        app, ["score", "--city", "Alpha", "--benchmark-set", "hand", "--include-drafts"]
    )
    assert "65.0" in drafts.output  # A 100: g1 (100 + 60)/2 = 80, index 65
    assert "drafts included" in " ".join(drafts.output.split())
    ch = runner.invoke(app, ["challenges", "Alpha", "--benchmark-set", "hand"])
    assert "30 % in 2020" in " ".join(ch.output.split())  # the published A, not the draft


def test_benchmarks_set_parameters(cli_store: dict[str, int]) -> None:
    result = runner.invoke(
        app, ["benchmarks", "set", "hand", "--no-red-share-rule", "--progress-method", "sdr-trend"]
    )
    assert result.exit_code == 0, result.output
    assert "red-share rule off" in result.output
    assert "version 2" in result.output
    listed = runner.invoke(app, ["benchmarks", "list"])
    assert "sdr-trend" in listed.output
    prog = runner.invoke(app, ["progress", "alpha", "--benchmark-set", "hand"])
    assert "on track or maintaining" in " ".join(prog.output.split())
    bad = runner.invoke(app, ["benchmarks", "set", "hand", "--missing-threshold", "3"])
    assert bad.exit_code in (1, 2)
    assert "Traceback" not in bad.output
