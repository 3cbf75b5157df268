"""The questionnaire engine: hand-computed profile, an independent implementation, the store,
bad answers (file, question id, allowed range), gaps opening capacity needs with the link."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from sdgcities.accounts.users import get_user
from sdgcities.capacity.models import CapacityNeed
from sdgcities.errors import PermissionDeniedError, ValidationError
from sdgcities.institutions import service as svc
from sdgcities.institutions.models import AssessmentAnswer
from sdgcities.institutions.questionnaire import (
    AnswerIn,
    builtin,
    check_answers,
    gaps,
    parse_questionnaire,
    profile,
)
from sdgcities.store.db import transaction
from tests.planning._world import EDITOR, OTHER, REVIEWER, World, seed


def test_builtins_are_valid_and_marked_as_proposal() -> None:
    for qid, areas in (
        ("institutional", ["governance", "revenue", "planning", "services"]),
        ("digital", ["strategy", "connectivity", "services", "data", "inclusion"]),
    ):
        q = builtin(qid)
        assert [a.id for a in q.areas] == areas
        assert "PLATFORM'S PROPOSAL" in q.header
        assert all(qq.scale.min == 0 and qq.scale.max == 4 for qq in q.questions.values())


def test_hand_computed_profile() -> None:
    q = builtin("institutional")
    # governance: weights 2, 1, 1, 1; answers 4, 2, 0 (gov-coordination unanswered)
    # s = 1, 0.5, 0 → 100 × (2×1 + 1×0.5 + 1×0) / 4 = 62.5
    p = profile(q, {"gov-participation": 4, "gov-disaggregated": 2, "gov-transparency": 0})
    gov = p.areas[0]
    assert gov.score == pytest.approx(62.5)
    assert gov.unanswered == ["gov-coordination"]
    assert gov.coverage == pytest.approx(4 / 5)
    assert p.areas[1].score is None  # nothing answered: no score, never 0
    assert p.overall == pytest.approx(62.5)
    found = gaps(q, p)
    assert [(g.kind, g.question) for g in found] == [("question", "gov-transparency")]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(builtin("digital").questions)), st.integers(0, 4)))
def test_profile_matches_numpy_weighted_average(values: dict[str, int]) -> None:
    """An independent implementation: numpy.average with weights, per area."""
    q = builtin("digital")
    p = profile(q, values)
    for area, got in zip(q.areas, p.areas, strict=True):
        answered = [qq for qq in area.questions if qq.id in values]
        if not answered:
            assert got.score is None
            continue
        ref = 100 * np.average(
            [values[x.id] / 4 for x in answered], weights=[x.weight for x in answered]
        )
        assert got.score == pytest.approx(ref)


def test_answer_outside_scale_names_file_question_and_range() -> None:
    q = builtin("institutional")
    with pytest.raises(ValidationError) as err:
        check_answers(
            q, [AnswerIn("rev-register", 7, row=3), AnswerIn("nope", 1, row=4)], file="a.csv"
        )
    text = str(err.value)
    assert "institutional.yaml" in text
    assert "rev-register" in text
    assert "0–4" in text
    assert "unknown question id 'nope'" in text
    assert {f.row for f in err.value.findings} == {3, 4}


def test_a_broken_questionnaire_file_is_refused() -> None:
    bad = {
        "id": "x",
        "version": "1",
        "title": "X",
        "scale": {"min": 0, "max": 2, "levels": {0: "a", 1: "b"}},
        "areas": [],
    }
    with pytest.raises(ValidationError, match="levels must describe every value"):
        parse_questionnaire(bad, file="x.yaml")


@pytest.fixture
def world(engine: Engine) -> World:
    return seed(engine)


def test_store_answers_all_or_nothing_and_needs_with_link(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    f = tmp_path / "answers.csv"
    f.write_text(
        "question,value,evidence\nrev-register,1,cadastre 2015\nrev-valuation,9,\n", "utf-8"
    )
    with transaction(engine) as s, pytest.raises(ValidationError, match="rev-valuation"):
        svc.answer(
            s,
            world.city,
            "institutional",
            svc.read_answers_csv(f),
            get_user(s, EDITOR),
            file=f.name,
        )
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(AssessmentAnswer)) == 0
    f.write_text(
        "question,value,evidence\nrev-register,1,cadastre 2015\nrev-valuation,3,\n", "utf-8"
    )
    with transaction(engine) as s:
        with pytest.raises(PermissionDeniedError):
            svc.answer(s, world.city, "institutional", svc.read_answers_csv(f), get_user(s, OTHER))
        svc.answer(
            s,
            world.city,
            "institutional",
            svc.read_answers_csv(f),
            get_user(s, EDITOR),
            file=f.name,
        )
        opened = svc.open_needs_from_gaps(s, world.city, "institutional", get_user(s, REVIEWER))
        assert len(opened) == 1
        need = opened[0]
        assert need.source == "assessment"
        assert need.source_ref == {
            "questionnaire": "institutional",
            "version": "2026.1",
            "question": "rev-register",
            "score": 25.0,
        }
        assert need.themes == ["municipal_finance"]
        assert need.existing == 2
        # opening again does not duplicate the need
        assert svc.open_needs_from_gaps(s, world.city, "institutional", get_user(s, EDITOR)) == []
        assert s.scalar(select(func.count()).select_from(CapacityNeed)) == 1
        cp = svc.city_profile(s, world.city, "institutional")
        # revenue: (2×0.25 + 1×0.75) / 3 = 41.67
        assert cp.profile.areas[1].score == pytest.approx(100 * 1.25 / 3)
