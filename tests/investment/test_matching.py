"""Matching: a hand-computed score, each hard filter, "why not", and an independent loop."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest

from sdgcities.investment._loop import match_loop
from sdgcities.investment.matching import Counterpart, MatchProject, match, why_not

TODAY = date(2026, 6, 1)
P = MatchProject(
    id=1,
    country="KEN",
    region="Sub-Saharan Africa",
    budget=1_000_000,
    currency="USD",
    stage="feasibility",
    targets=("11.2", "11.6"),
    tranches={"grant": 400_000, "concessional loan": 600_000},
    readiness=0.5,
)
INV = Counterpart(
    kind="investor",
    id=7,
    sdg_focus=("11.2",),
    regions=("Sub-Saharan Africa",),
    ticket_min=100_000,
    ticket_max=10_000_000,
    currency="USD",
    instruments=("concessional loan",),
    stages=("feasibility", "structuring"),
)


def test_hand_computed_score() -> None:
    """sdg = |{11.2}| / |{11.2, 11.6}| = 0.5; region 1; stage 1; readiness 0.5;
    ticket: the gap for a concessional lender is 600,000, m = √(1e5·1e7) = 1e6,
    1 − |ln 6e5 − ln 1e6| / (ln 1e7 − ln 1e6) = 1 − 0.510826/2.302585 = 0.778151;
    score = 0.35·0.5 + 0.15·1 + 0.20·0.778151 + 0.10·1 + 0.20·0.5 = 0.680630."""
    (row,) = match([P], [INV], today=TODAY).to_dict("records")
    assert row["sdg"] == 0.5
    assert row["region"] == 1.0
    assert row["stage"] == 1.0
    assert row["readiness"] == 0.5
    assert row["ticket"] == pytest.approx(1 - math.log(1e6 / 6e5) / math.log(10), abs=1e-4)
    assert row["ticket"] == pytest.approx(0.7782, abs=1e-4)
    assert row["score"] == pytest.approx(0.6806, abs=1e-4)
    assert row["amount"] == 600_000


def test_a_goal_stands_for_its_targets() -> None:
    goal = Counterpart(**{**INV.__dict__, "sdg_focus": ("11",)})
    (row,) = match([P], [goal], today=TODAY).to_dict("records")
    assert row["sdg"] == pytest.approx(2 / 10)  # SDG 11 has 10 targets


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"stages": ("structuring",)}, "stage: feasibility is not among"),
        ({"instruments": ("equity",)}, "instrument:"),
        ({"ticket_min": 2_000_000}, "ticket: neither the financing gap nor the budget"),
        ({"currency": "EUR"}, "ticket: the project is in USD, the tickets in EUR"),
    ],
)
def test_each_investor_filter(change: dict[str, object], reason: str) -> None:
    c = Counterpart(**{**INV.__dict__, **change})
    assert match([P], [c], today=TODAY).empty
    (why,) = why_not(P, c, today=TODAY)
    assert why.startswith(reason)


def test_window_filters_and_fx() -> None:
    closed = Counterpart("window", 1, deadline=date(2026, 5, 31))
    elsewhere = Counterpart("window", 2, countries=("TZA",))
    small = Counterpart("window", 3, ticket_max=500_000, currency="USD")
    ok = Counterpart("window", 4, countries=("KEN",), ticket_max=5e6, currency="EUR")
    frame = match([P], [closed, elsewhere, small, ok], today=TODAY, fx={"USD": 1, "EUR": 1.1})
    assert frame["counterpart_id"].tolist() == [4]
    row = frame.iloc[0]
    assert row["region"] == 1.0
    assert row["ticket"] == 1.0
    assert row["stage"] == 0.5
    assert row["amount"] == pytest.approx(1_000_000 / 1.1)  # the whole budget, in EUR
    assert why_not(P, closed, today=TODAY) == ["deadline: the window closed on 2026-05-31"]
    assert why_not(P, elsewhere, today=TODAY)[0].startswith("country: KEN")
    assert why_not(P, ok, today=TODAY, fx={"USD": 1, "EUR": 1.1}) == []
    # a window offers any instrument: the gap is the whole 1,000,000, above its 500,000
    assert why_not(P, small, today=TODAY)[0].startswith("ticket")


def test_weights_are_parameters() -> None:
    only_sdg = {"sdg": 1, "region": 0, "ticket": 0, "stage": 0, "readiness": 0}
    (row,) = match([P], [INV], today=TODAY, weights=only_sdg).to_dict("records")
    assert row["score"] == 0.5
    with pytest.raises(ValueError, match="weights"):
        match([P], [INV], weights={"sdg": 1})


def _random(n_p: int, n_c: int, seed: int) -> tuple[list[MatchProject], list[Counterpart]]:
    rnd = random.Random(seed)
    targets = [f"11.{i}" for i in range(1, 8)] + ["6.1", "6.2", "7.1", "9.1", "13.1"]
    stages = ["ideation", "pre-feasibility", "feasibility", "structuring"]
    kinds = ["grant", "concessional loan", "commercial loan", "equity", "guarantee"]
    regions = ["Sub-Saharan Africa", "Latin America and the Caribbean", "Oceania"]
    countries = ["KEN", "TZA", "BRA", "FJI", "PER"]
    projects = []
    for i in range(n_p):
        budget = float(rnd.choice([5e5, 2e6, 1e7, 5e7]))
        share = rnd.random()
        k1, k2 = rnd.sample(kinds, 2)
        tr = {} if rnd.random() < 0.3 else {k1: budget * share, k2: budget * (1 - share)}
        projects.append(
            MatchProject(
                i + 1,
                rnd.choice(countries),
                rnd.choice(regions),
                budget,
                rnd.choice(["USD", "EUR"]),
                rnd.choice(stages),
                tuple(rnd.sample(targets, rnd.randint(1, 3))),
                tr,
                rnd.choice([None, 0.2, 0.8]),
            )
        )
    cps: list[Counterpart] = []
    for j in range(n_c):
        if rnd.random() < 0.7:
            lo = float(rnd.choice([1e5, 1e6, 5e6]))
            cps.append(
                Counterpart(
                    "investor",
                    j + 1,
                    tuple(rnd.sample([*targets, "11", "6"], rnd.randint(0, 3))),
                    tuple(rnd.sample(regions, rnd.randint(0, 2))),
                    (),
                    lo,
                    lo * rnd.choice([1, 10, 100]),
                    rnd.choice(["USD", "EUR"]),
                    tuple(rnd.sample(kinds, rnd.randint(0, 2))),
                    tuple(rnd.sample(stages, rnd.randint(0, 2))),
                )
            )
        else:
            cps.append(
                Counterpart(
                    "window",
                    j + 1,
                    (),
                    (),
                    tuple(rnd.sample(countries, rnd.randint(0, 2))),
                    0.0,
                    rnd.choice([float("inf"), 1e7]),
                    rnd.choice([None, "USD"]),
                    (),
                    (),
                    rnd.choice([None, date(2026, 1, 1), date(2027, 1, 1)]),
                )
            )
    return projects, cps


def test_vectorised_equals_the_plain_loop() -> None:
    """The independent pair-by-pair implementation (``_loop``) finds the same eligible pairs
    with the same scores; the top 5 per project have the same scores (ties may swap)."""
    projects, cps = _random(120, 60, seed=3)
    fx = {"USD": 1.0, "EUR": 1.08}
    fast = match(projects, cps, fx=fx, today=TODAY, top=None)
    slow = match_loop(projects, cps, fx=fx, today=TODAY, top=10**6)
    assert len(fast) == len(slow) > 500
    got = {
        (p, k, c): s
        for p, k, c, s in zip(
            fast["project_id"], fast["kind"], fast["counterpart_id"], fast["score"], strict=True
        )
    }
    ref = {(p, k, c): s for p, k, c, s in slow}
    assert got.keys() == ref.keys()
    for key, value in ref.items():
        assert got[key] == pytest.approx(value, abs=1e-4), key
    top = match(projects, cps, fx=fx, today=TODAY, top=5)
    slow5 = match_loop(projects, cps, fx=fx, today=TODAY, top=5)
    assert top["score"].tolist() == pytest.approx([s for *_, s in slow5], abs=1e-4)
