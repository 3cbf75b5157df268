"""Hand-computed cases for each scoring formula, plus property tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdgcities.errors import ValidationError
from sdgcities.scoring import (
    BenchmarkSet,
    goal_colours,
    goal_scores,
    index_scores,
    indicator_colours,
    normalise,
    progress,
    score,
)
from sdgcities.scoring.colours import dashboard_scale


def bench(rows: list[dict[str, object]]) -> BenchmarkSet:
    frame = pd.DataFrame(rows)
    for c in ("best", "worst", "green", "yellow", "orange"):
        if c not in frame.columns:
            frame[c] = ""
    return BenchmarkSet.from_frame(frame.astype(str).replace("nan", ""))


# --- normalisation -----------------------------------------------------------------


def test_normalise_higher_is_better() -> None:
    # 100·(12.5 − 10)/(20 − 10) = 25
    assert normalise([12.5], best=20, worst=10).tolist() == [25.0]


def test_normalise_lower_is_better() -> None:
    # best 2 < worst 10: x=4 → 100·(4 − 10)/(2 − 10) = 75
    assert normalise([4.0], best=2, worst=10).tolist() == [75.0]


def test_normalise_clips_and_keeps_nan() -> None:
    out = normalise([0.0, 30.0, np.nan], best=20, worst=10)
    assert out[0] == 0.0
    assert out[1] == 100.0
    assert math.isnan(out[2])


@given(
    x=st.floats(-1e6, 1e6),
    best=st.floats(-1e3, 1e3),
    worst=st.floats(-1e3, 1e3),
)
def test_normalise_always_between_0_and_100(x: float, best: float, worst: float) -> None:
    s = normalise([x], best=best, worst=worst)[0]
    if best == worst:
        assert math.isnan(s)
    else:
        assert 0.0 <= s <= 100.0


@given(
    a=st.floats(-1e4, 1e4),
    b=st.floats(-1e4, 1e4),
    best=st.floats(-100, 100),
    span=st.floats(0.01, 100),
)
def test_normalise_monotonic_in_x(a: float, b: float, best: float, span: float) -> None:
    lo, hi = min(a, b), max(a, b)
    up = normalise([lo, hi], best=best, worst=best - span)  # higher is better
    down = normalise([lo, hi], best=best - span, worst=best)  # lower is better
    assert up[0] <= up[1]
    assert down[0] >= down[1]


# --- aggregation -------------------------------------------------------------------


def test_goal_mean_and_index_mean() -> None:
    s = np.array([[20.0, 40.0, 90.0, np.nan]])
    member = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    g = goal_scores(s, member)
    assert g.tolist() == [[30.0, 90.0]]  # NaN skipped in goal 2
    idx, reasons = index_scores(g, np.array([0.25]), missing_threshold=0.3)
    assert idx.tolist() == [60.0]
    assert reasons == [""]


def test_weighted_goal_mean() -> None:
    # (3·20 + 1·40) / 4 = 25
    g = goal_scores([[20.0, 40.0]], [[1.0], [1.0]], weights=[3.0, 1.0])
    assert g.tolist() == [[25.0]]


def test_geometric_mean_with_floor() -> None:
    # sqrt(25·100) = 50; a zero is floored at 1: sqrt(1·100) = 10
    g = goal_scores([[25.0, 100.0], [0.0, 100.0]], [[1.0], [1.0]], aggregation="geometric")
    np.testing.assert_allclose(g[:, 0], [50.0, 10.0])


def test_missing_rule_gives_no_index_with_reason() -> None:
    idx, reasons = index_scores(np.array([[50.0]]), np.array([0.25]), missing_threshold=0.2)
    assert math.isnan(idx[0])
    assert "25.0%" in reasons[0]


# --- colours -----------------------------------------------------------------------


def test_indicator_colours_both_directions() -> None:
    up = indicator_colours([80, 79, 60, 40, 39, np.nan], green=80, yellow=60, orange=40,
                           higher_is_better=True)  # fmt: skip
    assert up.tolist() == ["green", "yellow", "yellow", "orange", "red", "grey"]
    down = indicator_colours([5, 10, 15, 30], green=5, yellow=10, orange=20,
                             higher_is_better=False)  # fmt: skip
    assert down.tolist() == ["green", "yellow", "orange", "red"]


def test_dashboard_scale_knots() -> None:
    # worst 0 → 0, orange 40 → 1, yellow 60 → 1.5, green 80 → 2, best 100 → 3
    d = dashboard_scale([0, 20, 40, 50, 70, 90, 120], best=100, worst=0, green=80,
                        yellow=60, orange=40)  # fmt: skip
    np.testing.assert_allclose(d, [0, 0.5, 1, 1.25, 1.75, 2.5, 3])


def test_goal_red_when_more_than_a_third_red() -> None:
    member = np.ones((3, 1))
    # means: (0.5 + 2.5 + 2.5)/3 = 1.83 → yellow; 1 of 3 red is not "more than a third"
    assert goal_colours([[0.5, 2.5, 2.5]], member).tolist() == [["yellow"]]
    # 2 of 3 red → red although the mean (0.5+0.5+3)/3 = 1.33 would be orange
    assert goal_colours([[0.5, 0.5, 3.0]], member).tolist() == [["red"]]
    assert goal_colours([[0.5, 0.5, 3.0]], member, red_share_rule=False).tolist() == [["orange"]]
    # fewer than half rated → grey
    assert goal_colours([[2.5, np.nan, np.nan]], member).tolist() == [["grey"]]


# --- progress ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "latest", "target", "hib", "expected"),
    [
        (50.0, 85.0, 80.0, True, "target achieved"),
        # needed: (80/50)^(1/15) − 1 = 3.182 %/yr; actual (60/50)^(1/5) − 1 = 3.714 % → 1.17
        (50.0, 60.0, 80.0, True, "on track"),
        # actual (57/50)^(1/5) − 1 = 2.658 % → ratio 0.835
        (50.0, 57.0, 80.0, True, "acceleration needed"),
        # actual (52/50)^(1/5) − 1 = 0.787 % → ratio 0.25
        (50.0, 52.0, 80.0, True, "limited progress"),
        (50.0, 45.0, 80.0, True, "deterioration"),
        # lower is better: 20 → 15, target 10: actual −5.59 %, needed −4.52 % → 1.24
        (20.0, 15.0, 10.0, False, "on track"),
        (20.0, 25.0, 10.0, False, "deterioration"),
    ],
)
def test_progress_categories(
    baseline: float, latest: float, target: float, hib: bool, expected: str
) -> None:
    out = progress([baseline], [latest], [target], baseline_year=[2015], latest_year=[2020],
                   higher_is_better=[hib])  # fmt: skip
    assert out["category"].tolist() == [expected]


def test_progress_ratio_value_and_linear_fallback() -> None:
    out = progress([50.0], [60.0], [80.0], baseline_year=[2015], latest_year=[2020],
                   higher_is_better=[True])  # fmt: skip
    expected = ((60 / 50) ** (1 / 5) - 1) / ((80 / 50) ** (1 / 15) - 1)
    assert out["ratio"][0] == pytest.approx(expected)
    assert out["method"][0] == "cagr"
    # zero baseline: linear, (4 − 0)/5 per year vs (10 − 0)/15 → 0.8/0.667 = 1.2
    lin = progress([0.0], [4.0], [10.0], baseline_year=[2015], latest_year=[2020],
                   higher_is_better=[True])  # fmt: skip
    assert lin["method"][0] == "linear"
    assert lin["ratio"][0] == pytest.approx(1.2)
    assert lin["category"][0] == "on track"


# --- benchmark validation and derived bounds ---------------------------------------


def test_validation_reports_all_findings() -> None:
    frame = pd.DataFrame(
        {
            "indicator": ["a", "a", "b", "c"],
            "goal": ["g1", "g1", "g1", "g2"],
            "best": ["100", "100", "x", "5"],
            "worst": ["0", "0", "0", "5"],
            "green": ["80", "80", "80", "5"],
            "yellow": ["90", "60", "60", "5"],
            "orange": ["40", "40", "40", "5"],
        }
    )
    with pytest.raises(ValidationError) as info:
        BenchmarkSet.from_frame(frame, file="bench.csv")
    found = {(f.row, f.column) for f in info.value.findings}
    # yellow better than green: a warning (the row gets no colour), not an error
    assert (2, "yellow") not in found
    with pytest.raises(ValidationError) as strict:
        BenchmarkSet.from_frame(frame, file="bench.csv", strict=True)
    assert (2, "yellow") in {(f.row, f.column) for f in strict.value.findings}
    assert (3, "indicator") in found  # duplicate
    assert (4, "best") in found  # not a number
    assert (5, "worst") in found  # best == worst
    assert all(f.file == "bench.csv" and f.fix for f in info.value.findings)


def test_validation_missing_columns() -> None:
    with pytest.raises(ValidationError) as info:
        BenchmarkSet.from_frame(pd.DataFrame({"indicator": ["a"], "best": ["1"]}))
    assert {f.column for f in info.value.findings} == {"goal", "worst", "green", "yellow", "orange"}


def test_derived_bounds_are_recorded() -> None:
    b = bench([
        {"indicator": "up", "goal": "g", "direction": "higher"},
        {"indicator": "down", "goal": "g", "direction": "lower"},
    ])  # fmt: skip
    vals = np.arange(1.0, 101.0)  # 1 … 100 over 100 cities
    obs = pd.DataFrame(
        {
            "city": [f"c{i:03d}" for i in range(100)] * 2,
            "indicator": ["up"] * 100 + ["down"] * 100,
            "year": 2020,
            "value": np.concatenate([vals, vals]),
        }
    )
    res = score(obs, b)
    t = res.benchmarks.table.set_index("indicator")
    # top 5: 96..100 → 98; 2.5th percentile of 1..100 (linear) = 1 + 0.025·99 = 3.475
    assert t.loc["up", "best"] == pytest.approx(98.0)
    assert t.loc["up", "worst"] == pytest.approx(3.475)
    assert t.loc["down", "best"] == pytest.approx(3.0)
    assert t.loc["down", "worst"] == pytest.approx(97.525)
    assert bool(t.loc["up", "derived"])
    assert "mean of the 5 highest" in t.loc["up", "derivation"]
    assert "97.5th percentile" in t.loc["down", "derivation"]


# --- the whole engine on a tiny case -----------------------------------------------


def test_score_end_to_end_tiny() -> None:
    b = bench([
        {"indicator": "i1", "goal": "g1", "best": 100, "worst": 0, "green": 80, "yellow": 60,
         "orange": 40},
        {"indicator": "i2", "goal": "g1", "best": 0, "worst": 50, "green": 10, "yellow": 20,
         "orange": 30},
        {"indicator": "i3", "goal": "g2", "best": 10, "worst": 0, "green": 8, "yellow": 6,
         "orange": 4},
    ])  # fmt: skip
    obs = pd.DataFrame(
        [
            ("A", "i1", 2015, 10.0),
            ("A", "i1", 2020, 70.0),  # latest → 70, yellow
            ("A", "i2", 2020, 25.0),  # 100·(25−50)/(0−50) = 50, orange
            ("A", "i3", 2020, 5.0),  # 50, orange
            ("B", "i1", 2020, 90.0),  # B lacks 2 of 3 → no index
        ],
        columns=["city", "indicator", "year", "value"],
    )
    res = score(obs, b)
    ind = res.indicators.set_index(["city", "indicator"])
    assert ind.loc[("A", "i1"), "score"] == 70.0
    assert ind.loc[("A", "i1"), "colour"] == "yellow"
    assert ind.loc[("A", "i1"), "baseline_year"] == 2015
    assert ind.loc[("A", "i2"), "colour"] == "orange"
    goals = res.goals.set_index(["city", "goal"])["score"]
    assert goals[("A", "g1")] == 60.0
    assert goals[("A", "g2")] == 50.0
    index = res.index.set_index("city")
    assert index.loc["A", "score"] == 55.0
    assert math.isnan(index.loc["B", "score"])
    assert "66.7%" in index.loc["B", "reason"]
    # B's goal score still comes from the available indicator
    assert goals[("B", "g1")] == 90.0


def test_target_row_scores_distance_from_target() -> None:
    # LCRPGR-style: target 1, worst distance 1 → 1.0 → 100, 1.5 → 50, 0.5 → 50, 2.5 → 0
    b = bench([{"indicator": "lcrpgr", "goal": "sdg11", "target": 1, "worst": 1,
                "green": 0.1, "yellow": 0.25, "orange": 0.5}])  # fmt: skip
    obs = pd.DataFrame(
        {"city": list("ABCD"), "indicator": "lcrpgr", "year": 2020, "value": [1.0, 1.5, 0.5, 2.5]}
    )
    res = score(obs, b)
    s = res.indicators.set_index("city")
    assert s["score"].tolist() == [100.0, 50.0, 50.0, 0.0]
    assert s["colour"].tolist() == ["green", "orange", "orange", "red"]
