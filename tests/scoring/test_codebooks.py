"""Published codebooks as they are: threshold problems warn, only colours are lost.

Hand case (one city, "X"): indicator ``a`` 0→100 with thresholds out of order (yellow 90
better than green 80), ``b`` 0→10 with its yellow blank, ``c`` 0→100 well-formed,
``d`` in goal g3 that X has no value of. X: a = 50, b = 5, c = 70.

* normalised scores: a = 50, b = 50, c = 70 (they depend on best and worst only);
* colours: a and b "grey" (no colour), c yellow (≥ 60, < 80);
* goal g1 (a, b) = 50, grey (no rated indicator); g2 (c) = 70; g3 has no data → blank;
* index = mean(50, 70) = 60 with ``missing_threshold=1``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sdgcities.errors import ValidationError
from sdgcities.scoring import load_benchmarks_csv, score, score_files

BENCH = """indicator,goal,best,worst,green,yellow,orange
a,g1,100,0,80,90,40
b,g1,10,0,8,,4
c,g2,100,0,80,60,40
d,g3,100,0,80,60,40
"""
OBS = """city,indicator,year,value
X,a,2020,50
X,b,2020,5
X,c,2020,70
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    bench = tmp_path / "bench.csv"
    bench.write_text(BENCH, encoding="utf-8")
    obs = tmp_path / "obs.csv"
    obs.write_text(OBS, encoding="utf-8")
    return obs, bench


def test_bad_thresholds_warn_and_leave_the_row_uncoloured(tmp_path: Path) -> None:
    obs, bench = _files(tmp_path)
    table = score_files(obs, bench, tmp_path / "s.csv", missing_threshold=1.0)
    got = table.set_index(["level", "code"])
    assert got.loc[("indicator", "a"), "score"] == pytest.approx(50.0)
    assert got.loc[("indicator", "b"), "score"] == pytest.approx(50.0)
    assert got.loc[("indicator", "c"), "score"] == pytest.approx(70.0)
    assert got.loc[("indicator", "a"), "colour"] == "grey"
    assert got.loc[("indicator", "b"), "colour"] == "grey"
    assert got.loc[("indicator", "c"), "colour"] == "yellow"
    assert got.loc[("goal", "g1"), "score"] == pytest.approx(50.0)
    assert got.loc[("goal", "g2"), "score"] == pytest.approx(70.0)
    assert got.loc[("index", "index"), "score"] == pytest.approx(60.0)
    warnings = {(w.file, w.row, w.column) for w in table.attrs["warnings"]}
    assert (str(bench), 2, "yellow") in warnings  # out of order
    assert (str(bench), 3, "yellow") in warnings  # blank
    assert all("no colour" in w.message for w in table.attrs["warnings"])


def test_a_goal_without_data_is_blank_never_zero(tmp_path: Path) -> None:
    obs, bench = _files(tmp_path)
    out = tmp_path / "s.csv"
    score_files(obs, bench, out, missing_threshold=1.0)
    back = pd.read_csv(out, keep_default_na=False).set_index(["level", "code"])
    assert back.loc[("goal", "g3"), "score"] == ""  # blank cell in the file
    assert back.loc[("goal", "g3"), "colour"] == "grey"
    result = score(pd.read_csv(obs), load_benchmarks_csv(bench), missing_threshold=1.0)
    g3 = result.goals.set_index("goal").loc["g3", "score"]
    assert math.isnan(g3)


def test_strict_turns_warnings_into_errors_and_writes_nothing(tmp_path: Path) -> None:
    obs, bench = _files(tmp_path)
    out = tmp_path / "s.csv"
    with pytest.raises(ValidationError) as info:
        score_files(obs, bench, out, strict=True)
    found = {(f.file, f.row, f.column) for f in info.value.findings}
    assert {(str(bench), 2, "yellow"), (str(bench), 3, "yellow")} <= found
    assert not out.exists()


def test_xlsx_out_is_a_real_workbook(tmp_path: Path) -> None:
    obs, bench = _files(tmp_path)
    out = tmp_path / "scores.xlsx"
    score_files(obs, bench, out, missing_threshold=1.0)
    assert out.read_bytes()[:2] == b"PK"  # a zip container, not CSV text
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {"scores", "warnings"}
    scores = sheets["scores"].set_index(["level", "code"])
    assert scores.loc[("index", "index"), "score"] == pytest.approx(60.0)
    assert pd.isna(scores.loc[("goal", "g3"), "score"])
    assert set(sheets["warnings"]["column"]) == {"yellow"}


def test_only_best_and_worst_block_a_row(tmp_path: Path) -> None:
    """best == worst is still an error: normalised scores depend on it."""
    bench = tmp_path / "bench.csv"
    bench.write_text(
        "indicator,goal,best,worst,green,yellow,orange\na,g1,5,5,,,\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError) as info:
        load_benchmarks_csv(bench)
    assert [(f.row, f.column) for f in info.value.findings] == [(2, "worst")]
