"""File contract of ``score_files`` (OBS.csv + BENCH.csv → SCORES.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from sdgcities.errors import ValidationError
from sdgcities.scoring import score_files

BENCH = """indicator,goal,best,worst,green,yellow,orange
pm25,sdg11,5,35,10,15,25
transit,sdg11,100,0,80,60,40
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_city_with_comma_round_trips(tmp_path: Path) -> None:
    obs = tmp_path / "obs.csv"
    with obs.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["city", "indicator", "year", "value"])
        w.writerow(["Washington, D.C.", "pm25", 2019, 12.0])
        w.writerow(["Washington, D.C.", "pm25", 2021, 20.0])  # latest → 50, orange
        w.writerow(["Washington, D.C.", "transit", 2021, 70.0])  # 70, yellow
        w.writerow(["Porto Alegre", "transit", 2021, 90.0])
    bench = _write(tmp_path / "bench.csv", BENCH)
    out = tmp_path / "out" / "scores.csv"
    table = score_files(obs, bench, out, missing_threshold=0.5)

    back = pd.read_csv(out, keep_default_na=False, na_values={"score": [""]})
    assert list(back.columns) == ["city", "level", "code", "score", "colour"]
    assert "Washington, D.C." in set(back["city"])
    assert len(back) == len(table) == 2 * 2 + 2 * 1 + 2
    wdc = back[back["city"] == "Washington, D.C."].set_index(["level", "code"])
    assert wdc.loc[("indicator", "pm25"), "score"] == 50.0
    assert wdc.loc[("indicator", "pm25"), "colour"] == "orange"
    assert wdc.loc[("goal", "sdg11"), "score"] == 60.0
    assert wdc.loc[("index", "index"), "score"] == 60.0
    # the quoted field is in the file itself
    assert '"Washington, D.C."' in out.read_text(encoding="utf-8")


def test_bad_observations_list_every_finding(tmp_path: Path) -> None:
    obs = _write(
        tmp_path / "obs.csv",
        "city,indicator,year,value\n"
        "A,pm25,2020,abc\n"
        "A,pm25,20x0,1\n"
        ",pm25,2020,1\n"
        "B,pm25,2020,1\n"
        "B,pm25,2020,2\n",
    )
    bench = _write(tmp_path / "bench.csv", BENCH)
    with pytest.raises(ValidationError) as info:
        score_files(obs, bench, tmp_path / "s.csv")
    found = {(f.row, f.column) for f in info.value.findings}
    assert found == {(2, "value"), (3, "year"), (4, "city"), (6, "year")}
    assert all(f.file == str(obs) for f in info.value.findings)


def test_bad_benchmarks_name_file_row_column(tmp_path: Path) -> None:
    obs = _write(tmp_path / "obs.csv", "city,indicator,year,value\nA,pm25,2020,1\n")
    bench = _write(
        tmp_path / "bench.csv",
        "indicator,goal,best,worst,green,yellow,orange\npm25,sdg11,5,5,10,15,25\n",
    )
    with pytest.raises(ValidationError) as info:
        score_files(obs, bench, tmp_path / "s.csv")
    (f,) = info.value.findings
    assert (f.file, f.row, f.column) == (str(bench), 2, "worst")
