"""Golden test: reproduce the Spanish Cities SDG Index 2018 (REDS-SDSN) through the engine.

The workbook (``benchmarks/es_cities_sdg_index_2018.xlsx`` in the shared data kit) does
not state the bounds or the colour thresholds, so they are inferred from the workbook
itself and then *only the raw values* go through :func:`sdgcities.scoring.score`:

* **Bounds.** Sheet "100 Cities Index" holds, per indicator, the raw column
  ``sdgNN_x`` and its normalised column ``n_sdgNN_x``. The normalisation is linear
  between the clipping points, so any two non-clipped points (0 < n < 100) determine
  the line ``n = 100·(x − worst)/(best − worst)``; a least-squares line through all
  non-clipped points gives ``worst`` (n = 0) and ``best`` (n = 100). Residuals are
  ~1e-13; the bounds are rounded to 6 decimals (they are round published figures,
  e.g. 4.75 / 10.73).
* **Thresholds.** Sheet "100 Cities dash by ind" holds each indicator on the SDSN
  dashboard scale ``n3_*`` (0–3: worst → 0, red/orange threshold → 1, green threshold
  → 2, best → 3, linear in between; colours ``col_*`` switch at 1, 1.5 and 2). The
  ``orange`` and ``green`` thresholds are read off the same way (points with
  1 < n3 < 2, or 0 < n3 < 1 and 2 < n3 < 3 as fallback); ``yellow`` is the midpoint
  (n3 = 1.5).

Every one of the 85 raw indicators has a normalised column (the 17 other ``sdgNN``
columns are goal scores). SDG 14 (coast) is missing for 70 inland cities and the
published index used here, ``avg (wo SDG14)``, leaves it out, so the benchmark set
has the 81 indicators of the other 16 goals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdgcities.scoring import BenchmarkSet, score

WORKBOOK = Path("benchmarks") / "es_cities_sdg_index_2018.xlsx"
N_CITIES = 100


def _line_ends(x: pd.Series, y: pd.Series, lo: float, hi: float) -> tuple[float, float] | None:
    """x at y=lo and y=hi from a least-squares line through points lo < y < hi."""
    m = x.notna() & y.notna() & (y > lo + 1e-9) & (y < hi - 1e-9)
    if x[m].nunique() < 2:
        return None
    slope, icpt = np.polyfit(x[m].to_numpy(float), y[m].to_numpy(float), 1)
    return (lo - icpt) / slope, (hi - icpt) / slope


def _read(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    path = shared / WORKBOOK
    index = pd.read_excel(path, sheet_name="100 Cities Index").iloc[:N_CITIES]
    dash = pd.read_excel(path, sheet_name="100 Cities dash by ind")
    return index, dash


def _benchmarks_from_workbook(index: pd.DataFrame, dash: pd.DataFrame) -> pd.DataFrame:
    raw_cols = [c for c in index.columns if str(c).startswith("sdg") and "_" in str(c)]
    rows = []
    for col in raw_cols:
        goal = col[:5]
        if goal == "sdg14":
            continue
        ends = _line_ends(index[col], index["n_" + col], 0.0, 100.0)
        assert ends is not None, col
        worst, best = (round(v, 6) + 0.0 for v in ends)
        # dashboard scale: the raw column sits just before n3_<col> in that sheet
        pos = list(dash.columns).index("n3_" + col)
        x, n3 = dash.iloc[:, pos - 1].astype(float), dash["n3_" + col].astype(float)
        mid = _line_ends(x, n3, 1.0, 2.0)
        if mid is not None:
            orange, green = mid
        else:
            low = _line_ends(
                pd.concat([x, pd.Series([worst])]), pd.concat([n3, pd.Series([0.0])]), 0.0, 1.0
            )
            high = _line_ends(
                pd.concat([x, pd.Series([best])]), pd.concat([n3, pd.Series([3.0])]), 2.0, 3.0
            )
            orange = low[1] if low else np.nan
            green = high[0] if high else np.nan
        orange, green = round(orange, 6) + 0.0, round(green, 6) + 0.0
        rows.append(
            {
                "indicator": col,
                "goal": goal,
                "best": str(best),
                "worst": str(worst),
                "green": str(green),
                "yellow": str((green + orange) / 2),
                "orange": str(orange),
            }
        )
    return pd.DataFrame(rows)


def _observations(index: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    long = index.melt(id_vars=["id"], value_vars=indicators, var_name="indicator")
    long = long.rename(columns={"id": "city"})
    long["year"] = 2018
    return long[["city", "indicator", "year", "value"]]


@pytest.fixture(scope="module")
def spanish(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    index, dash = _read(shared_data)
    return index, dash, _benchmarks_from_workbook(index, dash)


@pytest.mark.shared_data
def test_reproduces_goal_means_and_index(
    spanish: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    index, _, bench_frame = spanish
    bench = BenchmarkSet.from_frame(bench_frame, name="es-2018")
    assert len(bench.indicators) == 81
    obs = _observations(index, bench.indicators)
    result = score(obs, bench, missing_threshold=1.0)
    goals = result.goals.pivot(index="city", columns="goal", values="score")
    published = index.set_index("id")
    assert len(goals) == N_CITIES
    for goal in bench.goals:
        np.testing.assert_allclose(
            goals.loc[published.index, goal].to_numpy(float),
            published[goal].to_numpy(float),
            atol=1e-6,
            err_msg=goal,
        )
    idx = result.index.set_index("city").loc[published.index, "score"]
    np.testing.assert_allclose(
        idx.to_numpy(float), published["avg (wo SDG14)"].to_numpy(float), atol=1e-6
    )
    # the engine's normalised scores equal the workbook's n_* columns
    ind = result.indicators.pivot(index="city", columns="indicator", values="score")
    for col in bench.indicators:
        np.testing.assert_allclose(
            ind.loc[published.index, col].to_numpy(float),
            published["n_" + col].to_numpy(float),
            atol=1e-6,
            err_msg=col,
        )


@pytest.mark.shared_data
def test_goal_colours_match_dashboard(
    spanish: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], shared_data: Path
) -> None:
    """Indicator colours vs ``col_*`` and goal colours vs "Dashboard-Best Performers".

    The Spanish dashboard colours a goal by the mean of its indicators on the 0–3
    dashboard scale and greys it when fewer than half of its indicators have data; it
    does not apply the "more than a third red → red" rule, hence ``red_share_rule=False``.
    """
    index, dash, bench_frame = spanish
    bench = BenchmarkSet.from_frame(bench_frame)
    obs = _observations(index, bench.indicators)
    result = score(obs, bench, missing_threshold=1.0, red_share_rule=False)

    ind = result.indicators.pivot(index="city", columns="indicator", values="colour")
    d = dash.set_index("id")
    expected_ind = pd.DataFrame({c: d["col_" + c] for c in bench.indicators}).replace(
        "gray", "grey"
    )
    got_ind = ind.loc[expected_ind.index, bench.indicators]
    ind_agreement = float((got_ind == expected_ind.fillna("grey")).to_numpy().mean())

    best = pd.read_excel(shared_data / WORKBOOK, sheet_name="Dashboard-Best Performers")
    best = best.set_index("id")
    goals = result.goals.pivot(index="city", columns="goal", values="colour")
    expected = pd.DataFrame({g: best["color_" + g] for g in bench.goals}).replace("gray", "grey")
    agreement = float((goals.loc[expected.index, bench.goals] == expected).to_numpy().mean())
    assert ind_agreement == 1.0, ind_agreement  # 8,100 indicator colours
    assert agreement == 1.0, agreement  # 1,600 goal colours

    # the platform default (red when > 1/3 of indicators are red) is stricter
    strict = score(obs, bench, missing_threshold=1.0)
    strict_goals = strict.goals.pivot(index="city", columns="goal", values="colour")
    changed = strict_goals.loc[expected.index, bench.goals] != expected
    assert changed.to_numpy().any()
    assert (
        strict_goals.loc[expected.index, bench.goals].to_numpy()[changed.to_numpy()] == "red"
    ).all()


@pytest.mark.shared_data
def test_published_codebook_scores_as_published_with_warnings(
    spanish: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    """The codebook as a BENCH file, through file mode: warnings name file, row, column.

    Infant mortality (``sdg03_infantil``, lower is better) has its orange threshold 7
    beyond its worst bound 4.5 in the published dashboard: a warning, the row is
    scored and coloured as published. ``strict=True`` refuses the file.
    """
    from sdgcities.errors import ValidationError
    from sdgcities.scoring import score_files

    index, _, bench_frame = spanish
    bench = tmp_path / "es_2018_bench.csv"
    bench_frame.to_csv(bench, index=False)
    obs = tmp_path / "es_2018_obs.csv"
    _observations(index, list(bench_frame["indicator"])).to_csv(obs, index=False)
    out = tmp_path / "scores.csv"
    table = score_files(obs, bench, out, missing_threshold=1.0, red_share_rule=False)
    warnings = table.attrs["warnings"]
    row = int(bench_frame.index[bench_frame["indicator"] == "sdg03_infantil"][0]) + 2
    assert [(w.file, w.row, w.column) for w in warnings] == [(str(bench), row, "worst")]
    got = table[table["level"] == "index"].set_index("city")["score"]
    published = index.set_index("id")["avg (wo SDG14)"]
    np.testing.assert_allclose(got.loc[published.index].to_numpy(float), published, atol=1e-6)
    with pytest.raises(ValidationError) as info:
        score_files(obs, bench, tmp_path / "strict.csv", strict=True)
    assert [(f.row, f.column) for f in info.value.findings] == [(row, "worst")]
