"""The strategic plan: units, geometry, workflow, all-or-nothing imports and progress.

Hand-computed cases inline; progress checked against the published formula written out
independently (Eurostat's ratio of compound annual growth rates) and against the
scoring engine's own doctest case.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from sdgcities.accounts.users import get_user
from sdgcities.cities.service import get_city
from sdgcities.errors import ConflictError, PermissionDeniedError, ValidationError
from sdgcities.planning import service as plan
from sdgcities.planning.files import import_plan_file, read_plan_file, targets_csv
from sdgcities.planning.geometry import read_geometry
from sdgcities.planning.models import PlanTarget, PlanVersion
from sdgcities.planning.progress import plan_progress
from sdgcities.planning.units import check_unit
from sdgcities.store.db import transaction
from tests.planning._world import EDITOR, INSIDE, OTHER, REVIEWER, World, seed


@pytest.fixture
def world(engine: Engine) -> World:
    return seed(engine)


def _target(**kw: object) -> plan.TargetIn:
    base: dict[str, object] = dict(
        indicator="11.2.1", value=75.0, unit="%", baseline_value=40.0, baseline_year=2020,
        justification="halve the gap", source="2020 household survey",
    )  # fmt: skip
    base.update(kw)
    return plan.TargetIn(**base)  # type: ignore[arg-type]


def test_units_hand_cases() -> None:
    assert check_unit("%", "%").factor == 1.0
    assert check_unit("percent", "%").factor == 1.0
    assert check_unit("share (0–1)", "%").factor == 100.0
    assert check_unit("per 1000", "per 100,000").factor == 100.0
    assert not check_unit("km", "%").ok


def test_wrong_unit_names_indicator_unit_and_catalogue_unit(engine: Engine, world: World) -> None:
    with transaction(engine) as s, pytest.raises(ValidationError) as err:
        plan.add_target(s, world.city, get_user(s, EDITOR), _target(unit="km"))
    text = str(err.value)
    assert "11.2.1" in text
    assert "'km'" in text
    assert "'%'" in text
    with transaction(engine) as s:  # nothing half-saved: not even the plan
        assert s.scalar(select(func.count()).select_from(PlanTarget)) == 0


def test_share_is_converted_and_given_value_kept(engine: Engine, world: World) -> None:
    with transaction(engine) as s:
        t = plan.add_target(
            s,
            world.city,
            get_user(s, EDITOR),
            _target(value=0.75, baseline_value=0.4, unit="share"),
        )
        assert (t.value, t.unit, t.given_value, t.given_unit) == (75.0, "%", 0.75, "share")
        assert t.baseline_value == pytest.approx(40.0)


def test_geometry_rules() -> None:
    assert read_geometry(INSIDE).area > 0
    with pytest.raises(ValidationError, match="not in EPSG:4326"):
        read_geometry(
            {
                "type": "Polygon",
                "coordinates": [
                    [[500000, 9900000], [500100, 9900000], [500100, 9900100], [500000, 9900000]]
                ],
            }
        )
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(ValidationError, match="not a valid geometry"):
        read_geometry(bowtie)


def test_place_must_touch_the_city_boundary(engine: Engine, world: World) -> None:
    far = {"type": "Polygon", "coordinates": [[[10, 10], [10.1, 10], [10.1, 10.1], [10, 10]]]}
    with transaction(engine) as s:
        ed = get_user(s, EDITOR)
        p = plan.add_place(s, world.city, ed, plan.PlaceIn(name="Nyalenda", geometry=INSIDE))
        assert p.check_rule == "boundary"
        with pytest.raises(
            ValidationError, match=r"outside the city \(checked against its boundary"
        ):
            plan.add_place(s, world.city, ed, plan.PlaceIn(name="Far", geometry=far))


def test_workflow_roles_and_immutability(engine: Engine, world: World) -> None:
    with transaction(engine) as s:
        ed = get_user(s, EDITOR)
        with pytest.raises(PermissionDeniedError):
            plan.set_vision(s, world.city, get_user(s, OTHER), vision="not my city")
        plan.set_vision(s, world.city, ed, vision="A green, inclusive lake city")
        plan.add_target(s, world.city, ed, _target())
        with pytest.raises(PermissionDeniedError):
            plan.transition(s, world.city, "approve", ed)
        plan.transition(s, world.city, "submit", ed)
        with pytest.raises(ConflictError):
            plan.add_target(s, world.city, ed, _target(value=80.0))
        with pytest.raises(ValidationError, match="say why"):
            plan.transition(s, world.city, "return", get_user(s, REVIEWER))
        plan.transition(s, world.city, "return", get_user(s, REVIEWER), comment="add a source")
        plan.transition(s, world.city, "submit", ed)
        v1 = plan.transition(s, world.city, "approve", get_user(s, REVIEWER))
        assert v1.status == "approved"
        assert v1.approved_by == REVIEWER
        # a change after approval starts version 2, a copy; version 1 stays as approved
        t = plan.add_target(s, world.city, ed, _target(value=80.0))
        versions = s.scalars(select(PlanVersion).order_by(PlanVersion.number)).all()
        assert [(v.number, v.status) for v in versions] == [(1, "approved"), (2, "draft")]
        assert versions[0].targets[0].value == 75.0
        assert t.value == 80.0
        assert plan.public_version(s, get_city(s, world.city)).number == 1  # type: ignore[union-attr]
        assert versions[1].vision == "A green, inclusive lake city"


def test_progress_uses_the_scoring_engine(engine: Engine, world: World) -> None:
    with transaction(engine) as s:
        ed = get_user(s, EDITOR)
        plan.set_vision(s, world.city, ed, vision="v")
        version = plan.editable_version(s, world.city, ed)
        plan.add_target(s, world.city, ed, _target())
        rows = plan_progress(s, get_city(s, world.city), version)
        sdr = plan_progress(s, get_city(s, world.city), version, method="sdr-trend")
    (r,) = rows
    # Eurostat: ratio of observed to required CAGR, written out here by hand
    actual = (52 / 40) ** (1 / 4) - 1  # 2020 → 2024
    needed = (75 / 40) ** (1 / 10) - 1  # 2020 → 2030
    assert (r["value"], r["year"]) == (52.0, 2024)
    assert r["ratio"] == pytest.approx(actual / needed)
    assert r["category"] == "on track"  # ratio 1.046 ≥ 0.95
    # SDSN SDR: linear rates, (52−40)/4 = 3 vs (75−40)/10 = 3.5 → 0.857 moderately improving
    assert sdr[0]["ratio"] == pytest.approx(3 / 3.5)
    assert sdr[0]["category"] == "moderately improving"
    assert not math.isnan(r["ratio"])


PLAN_YAML = """\
title: Kisumu 2030
vision: A green, inclusive lake city
priorities:
  - {title: Access to public transport, indicator: "11.2.1"}
targets:
  - {indicator: "11.2.1", value: 75, unit: "%", baseline_value: 40, baseline_year: 2020,
     source: survey}
consultations:
  - date: 2026-03-14
    title: Youth forum
    stakeholder_groups: [youth]
    participants: [{group: youth, women: 31, men: 27, other: 1}]
    changes: [Added the Nyalenda upgrading area]
spatial_priorities:
  - name: Nyalenda
    priority: 1
    geometry:
      type: Polygon
      coordinates: [[[34.75, -0.15], [34.8, -0.15], [34.8, -0.1], [34.75, -0.15]]]
"""


def test_yaml_import_and_csv_round_trip(engine: Engine, world: World, tmp_path: Path) -> None:
    f = tmp_path / "plan.yaml"
    f.write_text(PLAN_YAML, encoding="utf-8")
    with transaction(engine) as s:
        v = import_plan_file(s, world.city, f, get_user(s, EDITOR))
        d = plan.version_as_dict(v)
    assert d["title"] == "Kisumu 2030"
    assert d["consultations"][0]["participants_by_sex"] == {
        "women": 31,
        "men": 27,
        "other": 1,
        "total": 59,
    }
    assert d["spatial_priorities"]["features"][0]["properties"]["checked_against"] == "boundary"
    csv_file = tmp_path / "targets.csv"
    csv_file.write_text(targets_csv(d), encoding="utf-8")
    again = read_plan_file(csv_file)
    assert again.targets is not None
    assert again.targets[0][1].value == 75.0


def test_import_is_all_or_nothing_with_findings_by_row(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    f = tmp_path / "targets.csv"
    f.write_text(
        "indicator,value,unit,baseline_value,baseline_year,target_year,justification,source\n"
        "11.2.1,75,%,40,2020,2030,,survey\n"
        "11.6.2,10,km,30,2020,2030,,station\n"
        "XX.1,1,%,1,2020,2030,,x\n"
        "11.1.1,abc,%,20,2020,2030,,census\n",
        encoding="utf-8",
    )
    with transaction(engine) as s, pytest.raises(ValidationError) as err:
        import_plan_file(s, world.city, f, get_user(s, EDITOR))
    where = {(x.row, x.column) for x in err.value.findings}
    assert where == {(3, "unit"), (4, "indicator"), (5, "value")}
    assert all(x.file == "targets.csv" for x in err.value.findings)
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(PlanTarget)) == 0
