"""The cycle's domains linked: an approved plan and an institutional assessment count as
certification evidence, fill the VLR's sections and move the onboarding pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from sdgcities.accounts.users import get_user
from sdgcities.cities.service import get_city
from sdgcities.store.db import transaction
from tests.planning._world import EDITOR, REVIEWER, World, seed


@pytest.fixture
def world(engine: Engine) -> World:
    return seed(engine)


def _approved_plan(engine: Engine, world: World) -> int:
    from sdgcities.planning import service as plan

    with transaction(engine) as s:
        ed = get_user(s, EDITOR)
        plan.set_vision(s, world.city, ed, vision="A green, inclusive lake city")
        plan.add_target(
            s, world.city, ed,
            plan.TargetIn(indicator="11.2.1", value=75.0, unit="%", baseline_value=40.0,
                          baseline_year=2020, justification="halve the gap", source="survey"),
        )  # fmt: skip
        plan.transition(s, world.city, "submit", ed)
        return plan.transition(s, world.city, "approve", get_user(s, REVIEWER)).id


def test_plan_and_assessment_are_evidence_vlr_sections_and_steps(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    from sdgcities import planning
    from sdgcities.certification.evidence import evidence_kind, registered_kinds
    from sdgcities.institutions import service as inst
    from sdgcities.network.onboarding import step_dates
    from sdgcities.reporting.vlr import build as build_vlr

    with transaction(engine) as s:
        assert {"approved_plan", "institutional_assessment"} <= set(registered_kinds())
        kind = evidence_kind("approved_plan")
        assert kind is not None
        city = get_city(s, world.city)
        assert kind.candidates is not None
        assert kind.candidates(s, city.id) == []  # no plan yet
    version_id = _approved_plan(engine, world)
    f = tmp_path / "answers.csv"
    ids = ("gov-participation", "rev-register", "pla-plan", "ser-coverage")
    f.write_text("question,value,evidence\n" + "".join(f"{q},2,x\n" for q in ids), "utf-8")
    with transaction(engine) as s:
        inst.answer(s, world.city, "institutional", inst.read_answers_csv(f), get_user(s, EDITOR))
    with transaction(engine) as s:
        city = get_city(s, world.city)
        plan_kind = evidence_kind("approved_plan")
        assert plan_kind is not None
        rec = plan_kind.resolver(s, str(version_id))
        assert rec is not None
        assert rec.acceptable
        assert rec.facts["targets"] == 1
        assert plan_kind.resolver(s, "999999") is None  # a deleted record resolves to nothing
        a_kind = evidence_kind("institutional_assessment")
        assert a_kind is not None
        arec = a_kind.resolver(s, f"{city.id}/institutional")
        assert arec is not None
        assert arec.acceptable  # one answer in each of the four areas
        assert planning.find_target(s, city.id, "11.2.1", 2030) == {
            "value": 75.0, "unit": "%", "target_year": 2030, "plan_version": 1,
        }  # fmt: skip
        draft = build_vlr(s, world.city)
        plan_html = draft.sections["strategic_plan"]
        assert plan_html is not None
        assert "A green, inclusive lake city" in plan_html
        assert "11.2.1" in plan_html
        inst_html = draft.sections["institutional_assessment"]
        assert inst_html is not None
        assert "50" in inst_html  # 2 on a 0–4 scale is 50 / 100 in every area
        dates = step_dates(s, [city.id])
        assert city.id in dates["plan"]
        assert dates["certification_1"] == {}
