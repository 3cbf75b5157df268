"""A benchmark set with no rows scores nothing — it used to crash ``refresh_scores``.

``score`` built the goal membership matrix from an empty (float) index array and raised
IndexError; loading such a set (which refreshes the stored scores) failed the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from sdgcities.assessment.benchmarksets import load_benchmark_set
from sdgcities.assessment.stored import refresh_scores
from sdgcities.cli import app
from sdgcities.config import Settings
from sdgcities.scoring.benchmarks import REQUIRED_COLUMNS, BenchmarkSet
from sdgcities.scoring.scores import score
from sdgcities.store.db import transaction
from sdgcities.store.models import BenchmarkSet as StoredSet
from sdgcities.store.models import CityScore

Store = tuple[Engine, dict[str, int]]
HEADER_ONLY = ",".join(REQUIRED_COLUMNS) + "\n"


def test_engine_scores_nothing_and_says_why() -> None:
    empty = BenchmarkSet.from_frame(pd.DataFrame(columns=list(REQUIRED_COLUMNS)), name="empty")
    obs = pd.DataFrame(
        {"city": ["a", "b"], "indicator": ["11.1.1", "11.6.2"], "year": [2020, 2021],
         "value": [3.0, 12.5]}
    )  # fmt: skip
    result = score(obs, empty)
    assert result.indicators.empty
    assert result.goals.empty
    assert list(result.index["city"]) == ["a", "b"]
    assert np.isnan(result.index["score"].to_numpy(dtype=float)).all()  # no score, never 0
    for reason in result.index["reason"]:
        assert "'empty' has no rows" in reason
        assert "nothing to score" in reason


def _empty_csv(tmp_path: Path) -> Path:
    path = tmp_path / "empty.csv"
    path.write_text(HEADER_ONLY, encoding="utf-8")
    return path


def test_loading_and_refreshing_an_empty_set(hand_store: Store, tmp_path: Path) -> None:
    engine, ids = hand_store
    with transaction(engine) as s:  # loading refreshes its scores: this raised IndexError
        load_benchmark_set(s, "empty", _empty_csv(tmp_path))
    with transaction(engine) as s:
        report = refresh_scores(s)  # every set: the empty one scores nothing, "hand" all
        empty_id = s.scalar(select(StoredSet.id).where(StoredSet.name == "empty"))
        scored = s.scalars(select(CityScore.index_score).where(CityScore.set_id == empty_id)).all()
    assert all(v is None for v in scored)
    assert report.sets["hand"] == 5
    with transaction(engine) as s:
        hand_id = s.scalar(select(StoredSet.id).where(StoredSet.name == "hand"))
        alpha = s.scalar(
            select(CityScore.index_score).where(
                CityScore.set_id == hand_id, CityScore.city_id == ids["Alpha"]
            )
        )
    assert alpha == pytest.approx(47.5)  # the other set is untouched (hand-computed value)


def test_cli_says_the_set_is_empty(settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "200"})
    bench = _empty_csv(tmp_path)
    obs = tmp_path / "obs.csv"
    obs.write_text("city,indicator,year,value\nAlpha,A,2020,30\n", encoding="utf-8")
    out = tmp_path / "scores.xlsx"
    r = runner.invoke(
        app, ["score", "--observations", str(obs), "--benchmarks", str(bench), "--out", str(out)]
    )
    assert r.exit_code == 1, r.output  # file mode: bad data, named
    assert "not in the benchmark file" in r.output
    assert not out.exists()
    assert runner.invoke(app, ["init"]).exit_code == 0  # the indicator catalogue
    assert runner.invoke(app, ["cities", "add", "Nairobi", "--country", "KEN"]).exit_code == 0
    values = tmp_path / "values.csv"
    values.write_text("city,indicator,year,value\nnairobi-ken,11.6.2,2020,31\n", encoding="utf-8")
    r = runner.invoke(app, ["import", "observations", str(values)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["benchmarks", "load", "empty", str(bench)])  # this crashed
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["score", "--all", "--benchmark-set", "empty", "--include-drafts"])
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    assert "has no rows" in " ".join(r.output.split())
