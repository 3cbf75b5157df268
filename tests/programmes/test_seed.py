"""The report reader against the real report, the bundled portfolio and hand-checked facts."""

from __future__ import annotations

from typing import Any

import pytest

from sdgcities.programmes.seed import countries_in, parse, split_paragraphs
from sdgcities.programmes.service import bundled_initiatives, bundled_portfolio, check_initiatives
from tests.conftest import SHARED_DATA

SEED = SHARED_DATA.parent / "seeds" / "000_59eea5afa8450ec4.txt"


def _prog(data: dict[str, Any], n: int) -> dict[str, Any]:
    return next(p for p in data["programmes"] if p["number"] == n)


def _facts_hand_checked(data: dict[str, Any]) -> None:
    """Facts read off the report by a person, each with its paragraph."""
    assert data["paragraphs"] == 101
    assert [p["key"] for p in data["programmes"]] == [
        "vibrant-neighbourhoods",
        "smart-cities",
        "rise-up",
        "inclusive-cities",
        "sdg-cities",
    ]
    p1, p2, p3, p4, p5 = (_prog(data, n) for n in range(1, 6))
    assert p3["title"] == "RISE-UP: Resilient Settlements for the Urban Poor"
    # programme 3's figures, para 50
    figs = {f["kind"]: f for f in p3["figures"]}
    assert figs["mobilised"]["amount"] == 12e6
    assert figs["mobilised"]["paragraph"] == 50
    assert figs["mobilised"]["countries"] == ["PAK", "VNM"]
    assert figs["programme_value"]["amount"] == 50e6
    assert figs["programme_value"]["approximate"]
    assert len(figs["programme_value"]["countries"]) == 10
    assert figs["approved_concept_notes"]["amount"] == 81e6
    assert len(figs["approved_concept_notes"]["countries"]) == 11
    assert "CIV" in figs["approved_concept_notes"]["countries"]
    # phases: programme 1 years 1–4, 5–8, 9–10 (para 19); programme 3 three phases (para 55)
    assert [(p["label"], p["start_year"], p["end_year"], p["paragraph"]) for p in p1["phases"]] == [
        ("Years 1–4", 2020, 2023, 19),
        ("Years 5–8", 2024, 2027, 19),
        ("Years 9–10", 2028, 2029, 19),
    ]
    assert [p["label"] for p in p3["phases"]] == ["Phase 1", "Phase 2", "Phase 3"]
    assert p3["targets"] == [{"cities": 100, "text": "at least 100 cities", "paragraph": 55}]
    assert p5["targets"][0]["cities"] == 1000
    assert p5["targets"][0]["paragraph"] == 77
    # alignments: main contribution versus co-benefits as each section states
    main = lambda p: {a["code"] for a in p["alignments"] if a["contribution"] == "main"}  # noqa: E731
    co = lambda p: {a["code"] for a in p["alignments"] if a["contribution"] == "co_benefit"}  # noqa: E731
    assert main(p1) == {"D1", "1.1", "1.2", "1.3"}
    assert co(p1) == {"3.1", "3.2"}
    assert main(p2) == {"D2", "2.3"}
    assert co(p2) == {"1.1", "1.2", "2.1", "3.2", "4.3"}
    assert main(p3) == {"D3", "3.3"}
    assert co(p3) == {"1.1", "1.2", "3.2", "4.3"}
    assert main(p4) == {"D4"}
    assert co(p4) == {"D1", "D2"}
    assert main(p5) == {"plan"}
    # expected outcomes (paras 7, 23, 58); none stated for 3 and 5
    assert [len(p["expected_outcomes"]) for p in (p1, p2, p3, p4, p5)] == [3, 3, 0, 3, 0]
    assert p2["expected_outcomes"][0]["label"] == "Policy transformation"
    # tables 1–3 (bullets per side)
    sizes = [
        (t["number"], len(t["opportunities"]), len(t["challenges"]))
        for p in (p1, p2, p3)
        for t in p["tables"]
    ]
    assert sizes == [(1, 2, 4), (2, 4, 3), (3, 5, 4)]
    assert p3["tables"][0]["opportunities"][2] == "Mature Adaptation Fund portfolio"
    # partners named
    names = lambda p: {x["name"] for x in p["partners"]}  # noqa: E731
    assert {"Islamic Development Bank", "Madrid", "Shanghai", "Reall"} <= names(p5)
    assert {
        "Office of the United Nations High Commissioner for Refugees",
        "International Organization on Migration",
    } <= names(p4)
    isdb = next(x for x in p5["partners"] if x["name"] == "Islamic Development Bank")
    assert isdb["paragraphs"] == [84]
    assert isdb["state"] == "discussed"
    # geographic priorities (para 53)
    assert [(g["region"], g["level"]) for g in p3["geographic_priorities"]] == [
        ("Asia-Pacific region", "primary"),
        ("Africa", "primary"),
        ("Arab States", "secondary"),
        ("small island developing States", "secondary"),
    ]
    assert len(p1["internal_challenges"]) == 3
    assert p1["internal_challenges"][0]["paragraph"] == 16


def test_bundled_portfolio_holds_the_hand_checked_facts() -> None:
    _facts_hand_checked(bundled_portfolio())


@pytest.mark.shared_data
def test_reader_on_the_real_report_matches_the_bundled_file() -> None:
    if not SEED.is_file():
        pytest.skip(f"the report's text is not at {SEED}")
    data = parse(SEED.read_text(encoding="utf-8"))
    _facts_hand_checked(data)
    bundled = bundled_portfolio()
    assert data["sha256"] == bundled["sha256"]
    assert data["programmes"] == bundled["programmes"]
    kept, notes = check_initiatives(data, bundled_initiatives())
    assert len(kept) == len(bundled_initiatives())
    assert notes == []


def test_paragraph_numbers_are_not_confused_with_subheadings() -> None:
    text = (
        "I. Flagship programme 1: A\n\nA. Overview of flagship programme 1\n\n"
        "1. First paragraph.\n\n2. Second paragraph,\n\ncontinued.\n\n"
        "1. Development of tools\n\n3. Third paragraph.\n"
    )
    paras, _, titles = split_paragraphs(text)
    assert titles == {1: "A"}
    assert [p.number for p in paras] == [1, 2, 3]
    assert paras[1].text == "Second paragraph, continued."


def test_countries_longest_name_first() -> None:
    assert countries_in("Democratic Republic of the Congo and Niger, not Nigeria") == [
        "COD",
        "NER",
        "NGA",
    ]
    assert countries_in("Iran (Islamic Republic of) and Viet Nam") == ["IRN", "VNM"]


def test_initiatives_not_confirmed_by_the_text_are_left_out() -> None:
    data = bundled_portfolio()
    fake = [
        {"programme": 1, "paragraph": 13, "name": "x", "countries": ["FRA"]},
        {"programme": 1, "paragraph": 99, "name": "y", "countries": []},
    ]
    kept, notes = check_initiatives(data, fake)
    assert kept == []
    assert len(notes) == 2
    assert "does not name FRA" in notes[0]
    assert "not in this text" in notes[1]
