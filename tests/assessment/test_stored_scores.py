"""Stored scores follow every change in the same transaction; drafts stay private.

On the hand store (``_fixture_store``; numbers worked out in ``test_hand_store``):
Alpha's index is 47.5 (A 30, B 60, C 50); g1 is red by the "more than a third red"
rule and orange without it (dashboard mean (0.75 + 1.5)/2 = 1.125).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from sdgcities.assessment.benchmarksets import load_benchmark_set, update_benchmark_set
from sdgcities.assessment.challenges import city_challenges
from sdgcities.assessment.scores import city_scores
from sdgcities.assessment.stored import refresh_scores, stored_scores
from sdgcities.observations.importer import import_observations
from sdgcities.observations.service import record_value
from sdgcities.store.db import transaction
from sdgcities.store.models import BenchmarkSet, CityScore, Observation

Store = tuple[Engine, dict[str, int]]


def _index(engine: Engine, city_id: int, set_name: str = "hand") -> float | None:
    with transaction(engine) as s:
        bset = s.scalars(select(BenchmarkSet).where(BenchmarkSet.name == set_name)).one()
        row = s.scalars(
            select(CityScore).where(CityScore.city_id == city_id, CityScore.set_id == bset.id)
        ).first()
        return None if row is None else row.index_score


def test_loading_a_set_stores_every_citys_scores(hand_store: Store) -> None:
    engine, ids = hand_store
    with transaction(engine) as s:
        stored = stored_scores(s, benchmark_set="hand")
        live = city_scores(s, benchmark_set="hand")
        n_rows = s.scalar(select(func.count()).select_from(CityScore))
        max_id = s.scalar(select(func.max(Observation.id)))
    assert stored is not None
    assert n_rows == 5  # Zeta has no values: no row, no score (never 0)
    assert ids["Zeta"] not in set(stored.index["city_id"])
    a = stored.index.set_index("city").sort_index()
    b = live.index.set_index("city").sort_index()
    assert a["score"].to_list() == pytest.approx(b["score"].to_list())
    assert set(stored.index["max_observation_id"]) == {max_id}
    assert set(stored.index["set_version"]) == {1}
    alpha = stored.goals[stored.goals["city_id"] == ids["Alpha"]].set_index("goal")
    assert alpha.loc["g1", "colour"] == "red"
    assert _index(engine, ids["Alpha"]) == pytest.approx(47.5)


def test_correction_refreshes_before_commit(hand_store: Store) -> None:
    engine, ids = hand_store
    with transaction(engine) as s:
        # A 30 → 80: score 80, green; index (70 + 50)/2 = 60 with B 60
        record_value(s, city_id=ids["Alpha"], indicator_code="A", year=2020, value=80.0)
    assert _index(engine, ids["Alpha"]) == pytest.approx(((80 + 60) / 2 + 50) / 2)


def test_rolled_back_correction_changes_nothing(hand_store: Store) -> None:
    engine, ids = hand_store

    def abort() -> None:
        with transaction(engine) as s:
            record_value(s, city_id=ids["Alpha"], indicator_code="A", year=2020, value=80.0)
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        abort()
    assert _index(engine, ids["Alpha"]) == pytest.approx(47.5)


def test_import_refreshes_in_the_same_transaction(hand_store: Store, tmp_path: Path) -> None:
    engine, ids = hand_store
    path = tmp_path / "obs.csv"
    path.write_text("city,indicator,year,value\nzeta,A,2020,100\nzeta,B,2020,0\n")
    import_observations(engine, path, status="published")
    # Zeta now has A 100 and B 0 (both 100); C missing (1/3 > 20 %): no index, a row
    with transaction(engine) as s:
        got = stored_scores(s, [ids["Zeta"]], benchmark_set="hand")
    assert got is not None
    goals = got.goals.set_index("goal")
    assert goals.loc["g1", "score"] == pytest.approx(100.0)
    assert goals.loc["g2", "score"] != goals.loc["g2", "score"]  # NaN: no data, not 0
    assert "missing" in str(got.index["reason"].iloc[0])


def test_draft_import_leaves_public_scores(hand_store: Store, tmp_path: Path) -> None:
    engine, ids = hand_store
    path = tmp_path / "obs.csv"
    path.write_text("city,indicator,year,value\nalpha,A,2020,100\n")
    import_observations(engine, path, status="draft")
    assert _index(engine, ids["Alpha"]) == pytest.approx(47.5)
    with transaction(engine) as s:
        public = city_scores(s, [ids["Alpha"]], benchmark_set="hand")
        editor = city_scores(s, [ids["Alpha"]], benchmark_set="hand", draft_cities={ids["Alpha"]})
    assert public.index["score"].iloc[0] == pytest.approx(47.5)
    # the draft is seen by its editors: A 100 → g1 (100 + 60)/2 = 80, index 65
    assert editor.index["score"].iloc[0] == pytest.approx(65.0)


def test_benchmark_change_bumps_version_and_refreshes(hand_store: Store) -> None:
    engine, ids = hand_store
    with transaction(engine) as s:
        bset = update_benchmark_set(s, "hand", red_share_rule=False, progress_method="sdr-trend")
        assert bset.version == 2
    with transaction(engine) as s:
        stored = stored_scores(s, [ids["Alpha"]], benchmark_set="hand")
    assert stored is not None
    assert set(stored.index["set_version"]) == {2}
    assert stored.goals.set_index("goal").loc["g1", "colour"] == "orange"
    ind = stored.indicators.set_index("indicator")
    assert ind.loc["C", "progress"] == "on track or maintaining achievement"
    with transaction(engine) as s:  # unchanged parameters: nothing written
        assert update_benchmark_set(s, "hand", red_share_rule=False).version == 2


def test_other_cities_drafts_never_enter_bounds_or_peers(hand_store: Store, tmp_path: Path) -> None:
    """A set whose A worst is derived; Beta's draft A = 0 must not move Alpha's scores."""
    engine, ids = hand_store
    bench = tmp_path / "derive.csv"
    bench.write_text(
        "indicator,goal,best,worst,green,yellow,orange\nA,g1,100,,80,60,40\n"
        "B,g1,0,50,10,20,30\nC,g2,10,0,8,6,4\n"
    )
    with transaction(engine) as s:
        load_benchmark_set(s, "derive", bench)
    with transaction(engine) as s:
        before = city_scores(s, benchmark_set="derive", draft_cities={ids["Alpha"]})
        record_value(
            s, city_id=ids["Beta"], indicator_code="A", year=2020, value=0.0, status="draft"
        )
    with transaction(engine) as s:
        as_alpha_editor = city_scores(s, benchmark_set="derive", draft_cities={ids["Alpha"]})
        as_beta_editor = city_scores(s, benchmark_set="derive", draft_cities={ids["Beta"]})
        found = city_challenges(s, "Alpha", benchmark_set="derive", draft_cities={ids["Alpha"]})
    worst = lambda sc: sc.benchmarks.table.set_index("indicator").loc["A", "worst"]  # noqa: E731
    assert worst(as_alpha_editor) == pytest.approx(worst(before))
    assert worst(as_beta_editor) != pytest.approx(worst(before))  # Beta sees its own draft
    a = next(c for c in found if c.indicator == "A")
    assert a.peer_median == pytest.approx(70.0)  # Beta's public 70, not its draft 0
    assert _index(engine, ids["Alpha"], "derive") == pytest.approx(
        float(before.index.set_index("city").loc["Alpha", "score"])
    )


def test_refresh_scores_for_some_cities(hand_store: Store) -> None:
    engine, ids = hand_store
    with transaction(engine) as s:
        report = refresh_scores(s, [ids["Alpha"]], benchmark_set="hand")
    assert report.sets == {"hand": 1}
    assert report.bounds_moved == ()


def test_city_view_agrees_with_the_frames_and_pandas_medians(hand_store: Store) -> None:
    """The city page's plain read (stored_city_view) against the DataFrame path and pandas.

    The peers' medians are checked against ``pandas`` over ``stored_scores`` (an
    independent computation of the same medians), the city's own fields against the
    stored frames.
    """
    from sdgcities.assessment.stored import stored_city_view

    engine, ids = hand_store
    alpha = ids["Alpha"]
    peers = [i for name, i in ids.items() if name != "Alpha"]
    with transaction(engine) as s:
        view = stored_city_view(s, alpha, peers, benchmark_set="hand")
        frames = stored_scores(s, benchmark_set="hand")
    assert view is not None
    assert frames is not None
    idx = frames.index.set_index("city_id").loc[alpha]
    assert view.index is not None
    assert view.index["score"] == pytest.approx(float(idx["score"]))
    goals = frames.goals[frames.goals["city_id"] == alpha].set_index("goal")
    assert {g["goal"]: g["colour"] for g in view.goals} == goals["colour"].to_dict()
    ind = frames.indicators[frames.indicators["city_id"] == alpha].set_index("indicator")
    for code, row in view.by_indicator.items():
        assert row["colour"] == ind.loc[code, "colour"]
        if row["score"] is None:
            assert ind.loc[code, "score"] != ind.loc[code, "score"]  # NaN
        else:
            assert row["score"] == pytest.approx(float(ind.loc[code, "score"]))
    p = frames.indicators[frames.indicators["city_id"].isin(peers)]
    expected = p[p["value"].notna()].groupby("indicator")["value"].median().to_dict()
    assert view.peer_medians == pytest.approx(expected)
    assert expected  # the hand store's peers have values
    # Zeta has no values: no stored row, no index (blank, never 0)
    with transaction(engine) as s:
        zeta = stored_city_view(s, ids["Zeta"], [alpha], benchmark_set="hand")
    assert zeta is not None
    assert zeta.index is None
    assert zeta.by_indicator == {}
