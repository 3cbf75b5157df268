"""Needs, catalogue, providers and matching: hand cases, a reference, the store."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine, select

from sdgcities.capacity import needs as cb
from sdgcities.capacity.matching import WEIGHTS, Vocabulary, match
from sdgcities.capacity.models import MatchDecision
from sdgcities.errors import NotFoundError, ValidationError
from sdgcities.store.db import transaction
from sdgcities.store.models import City

THEMES = Vocabulary(["mobility", "public_space", "municipal_finance", "housing"])
LANGS = Vocabulary(["en", "fr", "es"])
REGIONS = Vocabulary(["Africa", "Europe"])


def test_hand_computed_score() -> None:
    # need: mobility + public space, in French, Africa, intermediate
    # offer 0: mobility only, French, global, intermediate, available
    #   themes 1/2, language 1, region 1, level 1, available 1
    #   → 0.45·0.5 + 0.20 + 0.15 + 0.10 + 0.10 = 0.775
    # offer 1: both themes, English only, Europe, advanced, not available
    #   themes 1, language 0, region 0, level 1 − 1/2 = 0.5, available 0 → 0.45 + 0.05 = 0.5
    # offer 2: housing only → not eligible
    res = match(
        need_themes=THEMES.masks([["mobility", "public_space"]]),
        need_language=LANGS.masks([["fr"]]),
        need_region=REGIONS.masks([["Africa"]]),
        need_level=np.array([2.0]),
        offer_themes=THEMES.masks([["mobility"], ["mobility", "public_space"], ["housing"]]),
        offer_languages=LANGS.masks([["fr", "en"], ["en"], ["fr"]]),
        offer_regions=REGIONS.masks([[], ["Europe"], []]),
        offer_level=np.array([2.0, 3.0, 2.0]),
        offer_available=np.array([True, False, True]),
    )
    assert [(m.offer, m.score) for m in res[0]] == [(0, 0.775), (1, 0.5)]
    assert dict(res[0][1].factors) == {
        "themes": 1.0,
        "language": 0.0,
        "region": 0.0,
        "level": 0.5,
        "availability": 0.0,
    }


def _reference(nt, nl, nr, nv, ot, ol, orr, ov, oa):  # type: ignore[no-untyped-def]
    """The documented formula pair by pair, on Python sets (an independent implementation)."""
    if not nt & ot:
        return None
    f = {
        "themes": len(nt & ot) / len(nt),
        "language": 1.0 if not nl or nl & ol else 0.0,
        "region": 1.0 if not nr or not orr or nr & orr else 0.0,
        "level": 1.0 if nv is None else 1 - min(abs(nv - ov), 2) / 2,
        "availability": 1.0 if oa else 0.0,
    }
    return sum(WEIGHTS[k] * v for k, v in f.items())


def test_vectorised_matching_agrees_with_the_formula_pair_by_pair() -> None:
    rng = np.random.default_rng(3)
    terms = list(THEMES.bit)

    def pick(pool, k):  # type: ignore[no-untyped-def]
        return list(rng.choice(pool, size=k, replace=False))

    needs = [
        (
            set(pick(terms, rng.integers(1, 3))),
            set(pick(["en", "fr", "es"], rng.integers(0, 2))),
            set(pick(["Africa", "Europe"], rng.integers(0, 2))),
            rng.choice([None, 1, 2, 3]),
        )
        for _ in range(40)
    ]
    offers = [
        (
            set(pick(terms, rng.integers(1, 4))),
            set(pick(["en", "fr", "es"], rng.integers(1, 3))),
            set(pick(["Africa", "Europe"], rng.integers(0, 2))),
            int(rng.integers(1, 4)),
            bool(rng.integers(0, 2)),
        )
        for _ in range(60)
    ]
    res = match(
        need_themes=THEMES.masks([sorted(n[0]) for n in needs]),
        need_language=LANGS.masks([sorted(n[1]) for n in needs]),
        need_region=REGIONS.masks([sorted(n[2]) for n in needs]),
        need_level=np.array([np.nan if n[3] is None else float(n[3]) for n in needs]),
        offer_themes=THEMES.masks([sorted(o[0]) for o in offers]),
        offer_languages=LANGS.masks([sorted(o[1]) for o in offers]),
        offer_regions=REGIONS.masks([sorted(o[2]) for o in offers]),
        offer_level=np.array([float(o[3]) for o in offers]),
        offer_available=np.array([o[4] for o in offers]),
        top=60,
    )
    for i, n in enumerate(needs):
        want = {j: s for j, o in enumerate(offers) if (s := _reference(*n, *o)) is not None}
        got = {m.offer: m.score for m in res[i]}
        assert set(got) == set(want)
        for j, s in want.items():
            assert got[j] == pytest.approx(s, abs=1e-4)
        scores = [m.score for m in res[i]]
        assert scores == sorted(scores, reverse=True)


@pytest.fixture
def city(engine: Engine) -> int:
    with transaction(engine) as s:
        c = City(
            slug="nairobi", name="Nairobi", country_iso3="KEN", sdg_region="Sub-Saharan Africa"
        )
        s.add(c)
        s.flush()
        return c.id


def test_need_from_a_red_indicator_is_matched_and_decided(engine: Engine, city: int) -> None:
    with transaction(engine) as s:
        course = cb.add_entry(
            s,
            slug="sdg11-transport",
            kind="training_course",
            title="Accessible public transport",
            themes=["mobility"],
            indicators=["11.2.1"],
            languages={"en": "available", "fr": "planned"},
            level=2,
            published=True,
        )
        trainer = cb.add_provider(
            s,
            kind="trainer",
            name="A. Mwangi",
            themes=["mobility", "urban_planning"],
            languages=["en", "sw"],
            regions=["Sub-Saharan Africa"],
            email="a.mwangi@example.org",
        )
        cb.add_provider(
            s, kind="university", name="Far University", themes=["housing"], languages=["en"]
        )
        need = cb.open_need_from_indicator(
            s,
            city_id=city,
            indicator_code="11.2.1",
            evidence={"colour": "red", "score": 12.5, "year": 2020},
            language="sw",
        )
        assert need.themes == ["mobility"]
        assert need.source_ref == {
            "indicator": "11.2.1",
            "colour": "red",
            "score": 12.5,
            "year": 2020,
        }
        assert need.region == "Sub-Saharan Africa"
        offers = cb.propose_matches(s, [need])[need.id]
        assert [(o["offer_type"], o["offer_id"]) for o in offers] == [
            ("provider", trainer.id),
            ("entry", course.id),
        ]  # only the trainer works in Swahili
        assert set(offers[0]["factors"]) == set(WEIGHTS)
        d = cb.decide(
            s, need, offer_type="entry", offer_id=course.id, decision="confirmed", by="advisor@hub"
        )
        assert d.score == offers[1]["score"]
        assert need.status == "matched"
        with pytest.raises(NotFoundError):
            cb.decide(s, need, offer_type="provider", offer_id=9999, decision="rejected", by="x")
        assert len(s.scalars(select(MatchDecision)).all()) == 1
        roll = cb.needs_rollup(s, by=("region", "theme", "ldc"))
    assert roll.to_dict("records") == [
        {
            "region": "Sub-Saharan Africa",
            "theme": "mobility",
            "ldc": False,
            "needs": 1,
            "mean_gap": 2.0,
        }
    ]


def test_bad_needs_and_entries_list_every_problem(engine: Engine, city: int) -> None:
    with transaction(engine) as s:
        with pytest.raises(ValidationError) as err:
            cb.open_need(
                s,
                subject="city",
                level="nation",
                core_issue="knowledge",
                functional_capacity="evaluate",
                desired=7,
                existing=0,
                themes=["cooking"],
                city_id=city,
            )
        cols = sorted(f.column or "" for f in err.value.findings)
        assert cols == ["desired", "existing", "level", "themes"]
        with pytest.raises(ValidationError, match="unknown theme"):
            cb.add_entry(s, slug="x", kind="tool", title="X", themes=["nope"])
        with pytest.raises(ValidationError, match="no capacity-building theme"):
            cb.open_need_from_indicator(s, city_id=city, indicator_code="99.9.9")


def test_catalogue_search_and_facets(engine: Engine) -> None:
    with transaction(engine) as s:
        cb.add_entry(
            s,
            slug="a",
            kind="training_course",
            title="Public space assessment",
            themes=["public_space"],
            languages={"en": "available", "es": "available"},
            published=True,
        )
        cb.add_entry(
            s,
            slug="b",
            kind="tool",
            title="Rapid own-source revenue analysis",
            themes=["municipal_finance"],
            published=True,
        )
        cb.add_entry(s, slug="c", kind="guide", title="Draft guide", themes=["housing"])
        rows, facets = cb.search_entries(s)
        assert [r.slug for r in rows] == ["a", "b"]
        assert facets["kind"] == {"training_course": 1, "tool": 1}
        assert facets["language"] == {"en": 2, "es": 1}
        assert [r.slug for r in cb.search_entries(s, language="es")[0]] == ["a"]
        assert [r.slug for r in cb.search_entries(s, text="revenue")[0]] == ["b"]
        e = rows[0]
        cb.record_usage(s, e, "2026-11", views=10, enrolments=2)
        u = cb.record_usage(s, e, "2026-11", views=5)
        assert (u.views, u.enrolments) == (15, 2)
