"""The two progress methods: hand cases, an independent scalar implementation, one rule
for the 2030 target in file and store modes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdgcities.scoring import BenchmarkSet, score
from sdgcities.scoring.progress import (
    PROGRESS_METHODS,
    SDR_DECREASING,
    SDR_MODERATE,
    SDR_ON_TRACK,
    SDR_STAGNATING,
    progress,
)


def _one(b: float, v: float, t: float, method: str, hib: bool = True) -> tuple[str, float]:
    out = progress(
        [b], [v], [t], baseline_year=[2015], latest_year=[2020], higher_is_better=[hib],
        method=method,  # type: ignore[arg-type]
    )  # fmt: skip
    return str(out["category"].iloc[0]), float(out["ratio"].iloc[0])


@pytest.mark.parametrize(
    ("latest", "category", "ratio"),
    [
        # needed = (80 − 50)/(2030 − 2015) = 2 a year; actual = (latest − 50)/5
        (60.0, SDR_ON_TRACK, 1.0),
        (55.0, SDR_MODERATE, 0.5),
        (52.0, SDR_STAGNATING, 0.2),
        (50.0, SDR_STAGNATING, 0.0),
        (45.0, SDR_DECREASING, -0.5),
    ],
)
def test_sdr_trend_by_hand(latest: float, category: str, ratio: float) -> None:
    got, r = _one(50.0, latest, 80.0, "sdr-trend")
    assert got == category
    assert r == pytest.approx(ratio)


def test_sdr_trend_lower_is_better_and_achieved() -> None:
    # PM2.5 30 → 25 (2015–2020), threshold 10: needed −20/15, actual −1 → ratio 0.75
    assert _one(30.0, 25.0, 10.0, "sdr-trend", hib=False) == (SDR_MODERATE, pytest.approx(0.75))
    # at or better than the threshold: on track or maintaining achievement
    assert _one(30.0, 9.0, 10.0, "sdr-trend", hib=False)[0] == SDR_ON_TRACK


def test_cagr_ratio_by_hand() -> None:
    # 50 → 60 in 5 years vs 50 → 80 in 15: (1.2^(1/5) − 1)/(1.6^(1/15) − 1) = 1.1668
    category, ratio = _one(50.0, 60.0, 80.0, "cagr-ratio")
    assert ratio == pytest.approx((1.2 ** (1 / 5) - 1) / (1.6 ** (1 / 15) - 1))
    assert category == "on track"
    assert _one(50.0, 52.0, 80.0, "cagr-ratio")[0] == "limited progress"


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="sdr-trend"):
        _one(50.0, 60.0, 80.0, "linear")
    assert set(PROGRESS_METHODS) == {"cagr-ratio", "sdr-trend"}


def _reference(b: float, v: float, t: float, hib: bool, method: str) -> str:
    """Independent scalar implementation, written from the published rules."""
    s = 1.0 if hib else -1.0
    sdr = method == "sdr-trend"
    if s * (v - t) >= 0:
        return SDR_ON_TRACK if sdr else "target achieved"
    if s * (b - t) >= 0:
        return SDR_DECREASING if sdr else "deterioration"
    if not sdr and b > 0 and v > 0 and t > 0:
        actual, needed = (v / b) ** (1 / 5) - 1, (t / b) ** (1 / 15) - 1
    else:
        actual, needed = (v - b) / 5, (t - b) / 15
    r = actual / needed
    cuts = (1.0, 0.5) if sdr else (0.95, 0.60)
    names = (
        (SDR_ON_TRACK, SDR_MODERATE, SDR_STAGNATING, SDR_DECREASING)
        if sdr
        else ("on track", "acceleration needed", "limited progress", "deterioration")
    )
    if r >= cuts[0]:
        return names[0]
    if r >= cuts[1]:
        return names[1]
    return names[2] if r >= 0 else names[3]


values = st.floats(min_value=0.5, max_value=500.0, allow_nan=False)
methods = st.sampled_from(["cagr-ratio", "sdr-trend"])


@settings(max_examples=300, deadline=None)
@given(b=values, v=values, t=values, hib=st.booleans(), method=methods)
def test_engine_matches_the_reference(b: float, v: float, t: float, hib: bool, method: str) -> None:
    got, _ratio = _one(b, v, t, method, hib)
    assert got == _reference(b, v, t, hib, method)


BENCH = pd.DataFrame(
    {
        "indicator": ["a", "b"],
        "goal": ["g", "g"],
        "best": ["100", "100"],
        "worst": ["0", "0"],
        "green": ["80", "80"],
        "yellow": ["60", "90"],  # b: out of order → no colour, target falls back to best
        "orange": ["40", "40"],
    }
)


def test_one_target_rule() -> None:
    """City target, else green threshold, else best — labelled in target_source."""
    obs = pd.DataFrame(
        {
            "city": ["X", "X", "X", "X", "Y", "Y"],
            "indicator": ["a", "a", "b", "b", "a", "a"],
            "year": [2015, 2020, 2015, 2020, 2015, 2020],
            "value": [50.0, 60.0, 50.0, 60.0, 50.0, 60.0],
        }
    )
    targets = pd.DataFrame({"city": ["Y"], "indicator": ["a"], "target": [100.0]})
    result = score(obs, BenchmarkSet.from_frame(BENCH), targets=targets)
    ind = result.indicators.set_index(["city", "indicator"])
    assert ind.loc[("X", "a"), "target"] == 80.0
    assert ind.loc[("X", "a"), "target_source"] == "benchmark green threshold"
    assert ind.loc[("X", "b"), "target"] == 100.0
    assert ind.loc[("X", "b"), "target_source"].startswith("benchmark best")
    assert ind.loc[("Y", "a"), "target"] == 100.0
    assert ind.loc[("Y", "a"), "target_source"] == "city target"
    sdr = score(obs, BenchmarkSet.from_frame(BENCH), progress_method="sdr-trend")
    row = sdr.indicators.set_index(["city", "indicator"]).loc[("X", "a")]
    assert row["progress"] == SDR_ON_TRACK  # 2/yr observed vs (80 − 50)/15 = 2/yr needed
    assert sdr.parameters["progress_method"] == "sdr-trend"
    assert not math.isnan(row["progress_ratio"])
