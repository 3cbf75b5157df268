"""Fingerprint on real data: the UN-Habitat SDG 11.7.1 table (2024) scored from the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from sdgcities.assessment.challenges import city_challenges
from sdgcities.assessment.scores import city_scores
from sdgcities.store.db import transaction

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


def test_unhabitat_open_space_scored_with_default_set(
    shared_data: Path, sqlite_engine: Engine, tmp_path: Path
) -> None:
    """The default set with its `worst` bounds left blank: SDSN derivation over 1,256 cities."""
    from sdgcities.assessment.benchmarksets import builtin_benchmark_sets, load_benchmark_set
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.observations.unhabitat import import_unhabitat_table

    table = pd.read_csv(builtin_benchmark_sets()["sdg11-default"], dtype=str)
    table.loc[table["direction"] == "higher", "worst"] = ""
    derive = tmp_path / "derive.csv"
    table.to_csv(derive, index=False)
    with transaction(sqlite_engine) as s:
        sync_builtin_catalogue(s)
        load_benchmark_set(s, "sdsn-derived", derive)
    import_unhabitat_table(
        sqlite_engine, shared_data / "benchmarks" / "unhabitat_sdg_11_7_1_2024.xlsx"
    )
    with transaction(sqlite_engine) as s:
        scores = city_scores(s, benchmark_set="sdsn-derived")
        found = city_challenges(s, "aalborg", benchmark_set="sdsn-derived")
    ind = scores.indicators
    latest = ind[(ind["indicator"] == "11.7.1") & ind["value"].notna()]
    # worst of 11.7.1 is derived from every city's latest value (2.5th percentile)
    bench = scores.benchmarks.table.set_index("indicator")
    assert bool(bench.loc["11.7.1", "derived"])
    expected_worst = float(np.percentile(latest["value"].to_numpy(), 2.5))
    assert bench.loc["11.7.1", "worst"] == pytest.approx(expected_worst)
    # fingerprint of the scores (count, mean, min, max)
    s = latest["score"]
    assert len(s) == 1256
    assert (s.min(), s.max()) == (0.0, 100.0)
    assert s.mean() == pytest.approx(21.635, abs=0.01)
    # two of seven default indicators at most: no city gets an index (missing rule)
    assert scores.index["score"].isna().all()
    assert set(found[0].as_dict()) >= {"indicator", "peer_median", "explanation", "rank"}
    assert [c.rank for c in found] == list(range(1, len(found) + 1))
    assert all(c.peer_count > 100 for c in found)
    assert pd.notna(found[0].peer_median)
