"""Scores, colours, progress, peers and challenges on a store small enough to check by hand.

Benchmark set ``hand``: A (g1) 0→100 higher better, thresholds 80/60/40; B (g1) 50→0
lower better, 10/20/30; C (g2) 0→10 higher better, 8/6/4. Alpha: A 2015 = 50, 2020 = 30;
B 2020 = 20; C 2015 = 2, 2020 = 5; city target for C = 10.

Alpha by hand:
* A: score 100·30/100 = 30, red (< 40); B: 100·(20 − 50)/(0 − 50) = 60, yellow (≤ 20);
  C: 100·5/10 = 50, orange (≥ 4, < 6).
* g1 = (30 + 60)/2 = 45; red, since 1 of its 2 rated indicators is red (> a third);
  g2 = 50, orange (dashboard scale 1.25); index = (45 + 50)/2 = 47.5.
* Progress: A 50 → 30 against the default target, green = 80: CAGR < 0 → deterioration;
  C 2 → 5 (2015–2020) against the city target 10: actual (5/2)^(1/5) − 1 = 0.20112,
  needed (10/2)^(1/15) − 1 = 0.11326, ratio 1.7757 → on track; B has one year only.
* Peers: Beta, Gamma, Delta (same size class and region). Peer medians: A 70 (score 70),
  B 30 (score 40), C 6 (score 60).
* Priority: A = 70 + 20 (red) + 15 (deteriorating) + 0.5·(70 − 30) = 125;
  C = 50 + 0.5·(60 − 50) = 55; B = 40 (better than the peer median score) → A, C, B.
"""

from __future__ import annotations

import math

import pytest
from sqlalchemy import Engine

from sdgcities.assessment.benchmarksets import (
    DEFAULT_SET,
    get_benchmark_set,
    list_benchmark_sets,
    load_benchmark_set,
)
from sdgcities.assessment.challenges import city_challenges
from sdgcities.assessment.peers import peer_cities, peer_group
from sdgcities.assessment.progress import city_progress
from sdgcities.assessment.scores import city_scores
from sdgcities.errors import ConflictError, NotFoundError, ValidationError
from sdgcities.scoring.scores import TARGET_GREEN
from sdgcities.store.db import transaction

Store = tuple[Engine, dict[str, int]]


def test_scores_and_colours(hand_store: Store) -> None:
    engine, ids = hand_store
    with transaction(engine) as s:
        sc = city_scores(s, [ids["Alpha"]], benchmark_set="hand")
    ind = sc.indicators.set_index("indicator")
    assert ind["score"].to_dict() == pytest.approx({"A": 30.0, "B": 60.0, "C": 50.0})
    assert ind["colour"].to_dict() == {"A": "red", "B": "yellow", "C": "orange"}
    assert set(sc.indicators["city"]) == {"Alpha"}
    assert set(sc.indicators["city_id"]) == {ids["Alpha"]}
    goals = sc.goals.set_index("goal")
    assert goals["score"].to_dict() == pytest.approx({"g1": 45.0, "g2": 50.0})
    assert goals["colour"].to_dict() == {"g1": "red", "g2": "orange"}
    assert sc.index["score"].tolist() == pytest.approx([47.5])
    assert sc.parameters["benchmark_set"] == "hand"


def test_scores_of_all_cities(hand_store: Store) -> None:
    engine, _ids = hand_store
    with transaction(engine) as s:
        sc = city_scores(s, benchmark_set="hand")
    # Zeta has no observations, so five cities are scored
    assert sorted(sc.index["city"]) == ["Alpha", "Beta", "Delta", "Epsilon", "Gamma"]
    eps = sc.index.set_index("city").loc["Epsilon", "score"]
    # Epsilon: A 10, B 5 → 90, C 10 → 100: g1 = 50, g2 = 100, index 75
    assert eps == pytest.approx(75.0)


def test_progress_against_targets(hand_store: Store) -> None:
    engine, ids = hand_store
    with transaction(engine) as s:
        prog = city_progress(s, ids["Alpha"], benchmark_set="hand").set_index("indicator")
    assert prog.loc["A", "progress"] == "deterioration"
    assert prog.loc["A", "target"] == 80.0  # one target rule: the green threshold
    assert prog.loc["A", "target_source"] == TARGET_GREEN
    assert prog.loc["C", "progress"] == "on track"
    assert prog.loc["C", "target_source"].startswith("city target")
    expected = ((5 / 2) ** (1 / 5) - 1) / ((10 / 2) ** (1 / 15) - 1)
    assert prog.loc["C", "progress_ratio"] == pytest.approx(expected)
    assert prog.loc["B", "progress"] == ""
    assert prog.loc["C", "name"] == "Indicator C"


def test_peer_groups_and_fallbacks(hand_store: Store) -> None:
    engine, ids = hand_store
    with transaction(engine) as s:
        alpha = peer_group(s, ids["Alpha"])
        eps = peer_group(s, ids["Epsilon"])
        zeta = peer_group(s, ids["Zeta"])
        lonely = peer_group(s, ids["Zeta"], min_peers=10)
        names = [c.name for c in peer_cities(s, ids["Alpha"])]
    assert alpha.basis == "size_class+sdg_region"
    assert sorted(alpha.city_ids) == sorted([ids["Beta"], ids["Gamma"], ids["Delta"]])
    assert names == ["Beta", "Delta", "Gamma"]
    assert eps.basis == "size_class"  # nobody else in Asia
    assert ids["Epsilon"] not in eps.city_ids
    assert len(eps) == 4
    assert zeta.basis == "sdg_region"  # nobody else is small
    assert "Europe" in zeta.description
    assert lonely.basis == "all"
    assert len(lonely) == 5
    assert "fewer than 10" in lonely.description


def test_peer_groups_in_sql_agree_with_the_rules_over_plain_rows(hand_store: Store) -> None:
    """The SQL peer filter against the rules applied by hand to every city's typology."""
    from sdgcities.assessment import _store
    from sdgcities.assessment.peers import RULES

    engine, _ids = hand_store
    with transaction(engine) as s:
        typ = {r["city_id"]: r for r in _store.typology_rows(s)}
        for cid, me in typ.items():
            for min_peers in (1, 3, 4, 10):
                expected = ("all", sorted(i for i in typ if i != cid))
                for basis, attrs in RULES:
                    if any(me[a] in (None, "") for a in attrs):
                        continue
                    match = sorted(
                        i for i, r in typ.items() if i != cid and all(r[a] == me[a] for a in attrs)
                    )
                    if len(match) >= min_peers:
                        expected = (basis, match)
                        break
                got = peer_group(s, cid, min_peers=min_peers)
                assert (got.basis, got.city_ids) == expected, (me["city"], min_peers)


def test_challenges_ranked_and_explained(hand_store: Store) -> None:
    engine, _ids = hand_store
    with transaction(engine) as s:
        found = city_challenges(s, "Alpha", benchmark_set="hand")
    assert [c.indicator for c in found] == ["A", "C", "B"]
    assert [c.rank for c in found] == [1, 2, 3]
    assert [c.priority for c in found] == pytest.approx([125.0, 55.0, 40.0])
    a, c, b = found
    assert (a.value, a.year, a.unit, a.source) == (30.0, 2020, "%", "survey 2020")
    assert a.peer_median == pytest.approx(70.0)
    assert a.peer_median_score == pytest.approx(70.0)
    assert a.trend == "deteriorating"
    assert a.colour == "red"
    assert a.target == 80.0  # green threshold (no city target)
    assert c.trend == "improving"
    assert c.target == 10.0
    assert c.peer_median == pytest.approx(6.0)
    assert b.trend == "no trend"
    assert b.peer_median == pytest.approx(30.0)
    assert a.reasons[0] == "score 30/100: 30 % in 2020, best 100, worst 0"
    assert a.reasons[1] == "red: worse than the orange threshold 40 %"
    assert a.reasons[2] == "deteriorating: 50 (2015) → 30 (2020)"
    assert "progress: deterioration" in a.reasons[3]
    assert a.reasons[4].startswith("40 % worse than the peer median 70 %")
    assert "same UN size class 1–5 M and SDG region Europe" in a.explanation
    assert b.reasons[-1].startswith("10 µg/m³ better than the peer median 30 µg/m³")


def test_challenges_limit_and_city_lookup(hand_store: Store) -> None:
    engine, ids = hand_store
    with transaction(engine) as s:
        top = city_challenges(s, ids["Alpha"], limit=1, benchmark_set="hand")
        none = city_challenges(s, "zeta", benchmark_set="hand")
        with pytest.raises(NotFoundError, match=r"(?i)alpha"):
            city_challenges(s, "Alpah", benchmark_set="hand")
    assert [c.indicator for c in top] == ["A"]
    assert none == []


def test_default_set_installed_on_first_use(engine: Engine) -> None:
    with transaction(engine) as s:
        bset = get_benchmark_set(s)
        rows = {r.indicator_code: r for r in bset.rows}
    assert bset.name == DEFAULT_SET
    pm = rows["11.6.2"]
    assert (pm.best, pm.worst, pm.green, pm.yellow, pm.orange) == (5, 35, 10, 15, 25)
    assert rows["11.2.1"].worst == 0  # logical end of the percentage scale (see data README)
    assert rows["11.3.1"].target == 1
    with transaction(engine) as s:
        assert [b.name for b in list_benchmark_sets(s)] == [DEFAULT_SET]
        with pytest.raises(NotFoundError, match="sdg11-default"):
            get_benchmark_set(s, "nope")


def test_load_benchmark_set_conflict_replace_and_findings(engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "b.csv"
    good.write_text("indicator,goal,best,worst,green,yellow,orange,direction\nX,g,,,,,,lower\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,goal,best,worst,green,yellow,orange\nX,g,abc,1,,,\nX,,1,1,,,\n")
    with transaction(engine) as s:
        load_benchmark_set(s, "mine", good)
    with transaction(engine) as s, pytest.raises(ConflictError):
        load_benchmark_set(s, "mine", good)
    with transaction(engine) as s:
        bset = load_benchmark_set(s, "mine", good, replace=True)
        from sdgcities.assessment.benchmarksets import to_engine_set

        table = to_engine_set(bset).table
        # the explicit direction survives the store although both bounds are blank
        assert table.loc[0, "higher_is_better"] is False or table.loc[0, "higher_is_better"] == 0
    with transaction(engine) as s, pytest.raises(ValidationError) as err:
        load_benchmark_set(s, "bad", bad)
    assert len(err.value.findings) >= 3


def test_derived_bounds_use_all_cities(engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Blank bounds are derived from every city, so one city's score does not depend on the ask."""
    from tests.assessment._fixture_store import build_store

    ids = build_store(engine)
    path = tmp_path / "derive.csv"
    path.write_text(
        "indicator,goal,best,worst,green,yellow,orange,direction\nA,g1,100,,,,,higher\n"
    )
    with transaction(engine) as s:
        load_benchmark_set(s, "derive", path)
    with transaction(engine) as s:
        one = city_scores(s, [ids["Alpha"]], benchmark_set="derive")
        everyone = city_scores(s, benchmark_set="derive")
    # latest A values: 30, 70, 90, 60, 10 → worst = 2.5th percentile (linear) = 12.0
    worst = float(one.benchmarks.table.loc[0, "worst"])
    assert worst == pytest.approx(10 + 0.025 * 4 * (30 - 10))
    alpha_all = everyone.indicators.set_index("city").loc["Alpha", "score"]
    assert one.indicators["score"].iloc[0] == pytest.approx(alpha_all)
    assert math.isclose(alpha_all, 100 * (30 - worst) / (100 - worst))


def test_peer_median_even_group(hand_store: Store) -> None:
    """Epsilon's peers are the four European cities: median of 30, 70, 90, 60 is 65."""
    from sdgcities.assessment.challenges import _ranked

    engine, _ids = hand_store
    with transaction(engine) as s:
        found = {c.indicator: c for c in city_challenges(s, "Epsilon", benchmark_set="hand")}
        everything = {
            c.indicator: c
            for c in _ranked(
                s,
                _ids["Epsilon"],
                published_only=False,
                benchmark_set="hand",
                min_peers=3,
            )
        }
    assert found["A"].peer_median == pytest.approx(65.0)
    assert found["A"].peer_count == 4
    # B and C are green (SDG achieved), so not challenges; their peer medians still count
    assert set(found) == {"A"}
    assert everything["B"].colour == everything["C"].colour == "green"
    assert everything["B"].peer_median == pytest.approx(25.0)  # 20, 10, 40, 30
    assert everything["C"].peer_median == pytest.approx(5.5)  # 5, 6, 2, 8
    assert "same UN size class 1–5 M (4 cities)" in found["A"].peer_group


def test_default_set_scores_pm25(engine: Engine) -> None:
    """11.6.2 under the default set: 12 µg/m³ → 100·(12 − 35)/(5 − 35) = 76.67, yellow."""
    from sdgcities.store.models import City, Indicator, Observation

    with transaction(engine) as s:
        ind = Indicator(code="11.6.2", name="PM2.5", framework="SDG", unit="µg/m³")
        city = City(slug="x", name="X")
        s.add_all([ind, city])
        s.flush()
        s.add(
            Observation(city_id=city.id, indicator_id=ind.id, year=2020, value=12.0, is_public=True)
        )
    with transaction(engine) as s:
        sc = city_scores(s)
    row = sc.indicators.set_index("indicator").loc["11.6.2"]
    assert row["score"] == pytest.approx(100 * (12 - 35) / (5 - 35))
    assert row["colour"] == "yellow"
    assert row["target_value"] == 10.0  # the green threshold (WHO interim target 4)
    # one of six indicators present: more missing than the 20 % threshold, so no index
    assert math.isnan(sc.index["score"].iloc[0])
    assert "missing" in sc.index["reason"].iloc[0]
