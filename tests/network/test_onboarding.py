"""The onboarding pipeline: fixed order, derived steps, the stage rule, out-of-order errors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from sdgcities.errors import ConflictError, PermissionDeniedError, ValidationError
from sdgcities.network import onboarding as ob
from sdgcities.network import service as net
from sdgcities.network.models import OnboardingRecord, UrbanLabCity
from sdgcities.store.db import transaction
from sdgcities.store.models import City, HubCity


def _world(engine: Engine) -> None:
    from sdgcities.accounts import hubs
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import create_city

    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        create_city(s, name="Nairobi", country="KEN", population=4_397_073, lon=36.82, lat=-1.29)
        create_city(s, name="Mombasa", country="KEN", population=1_208_333, lon=39.66, lat=-4.04)
        hubs.create_hub(s, slug="east-africa", name="East Africa hub", host_country_iso3="KEN")
        net.add_lab(
            s,
            slug="kenya-lab",
            name="Kenya Urban Lab",
            kind="national",
            country_iso3="KEN",
            host_institution="State Department for Housing and Urban Development",
            established_on="2024-03-01",
            academia="University of Nairobi;Technical University of Kenya",
            tools_adapted="UMF indicators",
        )


def test_steps_follow_the_yaml_with_a_paragraph_each() -> None:
    keys = ob.step_keys()
    assert keys[:5] == (
        "expression_of_interest",
        "agreement",
        "urban_lab",
        "regional_hub",
        "baseline_data",
    )
    assert keys[-4:] == tuple(f"certification_{n}" for n in range(1, 5))
    assert all(s.paragraph for s in ob.steps())
    # plan and certification are derived from their domains' records (sdgcities.links)
    assert ob.has_source("plan")
    assert ob.has_source("certification_1")


def _state(key: str, on: date | None) -> ob.StepState:
    return ob.StepState(ob.get_step(key), on, True)


def test_the_stage_rule_by_hand() -> None:
    d = date(2024, 1, 1)
    # EOI, agreement, (no lab), hub: the stage stops at the agreement
    states = [
        _state("expression_of_interest", d),
        _state("agreement", d),
        _state("urban_lab", None),
        _state("regional_hub", d),
    ]
    assert ob.stage_of(states) == "agreement"
    assert ob.stage_of([_state("expression_of_interest", None), _state("agreement", d)]) is None
    assert ob.stage_of([_state("expression_of_interest", d)]) == "expression_of_interest"


def test_onboard_step_by_step_and_the_stage_moves(engine: Engine) -> None:
    _world(engine)
    with transaction(engine) as s:
        p = net.record_step(s, "nairobi-ken", "expression_of_interest", "2024-02-01")
        assert p.stage == "expression_of_interest"
        p = net.record_step(
            s, "nairobi-ken", "agreement", "2024-05-10", authority="Nairobi City County"
        )
        assert p.stage == "agreement"
        p = net.record_step(s, "nairobi-ken", "urban_lab", "2024-06-01", lab="kenya-lab")
        assert p.stage == "urban_lab"
        p = net.record_step(s, "nairobi-ken", "regional_hub", "2024-07-01", hub="east-africa")
        assert (p.stage, p.stage_on) == ("regional_hub", date(2024, 7, 1))
        # the hub assignment is the core hub_cities row, dated; nothing typed twice
        since = s.scalar(select(HubCity.since))
        assert since is not None
        assert since.date() == date(2024, 7, 1)
    from sdgcities.cities.service import get_city
    from sdgcities.observations.service import record_value

    with transaction(engine) as s:
        nbo = get_city(s, "nairobi-ken")
        record_value(s, city_id=nbo.id, indicator_code="11.2.1", year=2020, value=41.5)
    with transaction(engine) as s:
        # the city page's shortcut agrees with the whole pipeline, with and without a stage
        for city in s.scalars(select(City)):
            whole = ob.pipelines(s, [city.id])[city.id]
            assert ob.has_stage(s, city.id) is (whole.stage is not None), city.slug
            # … and so does the city panel's presence test: a stage needs a first-step row
            first = ob.first_step_typed()
            assert first == "expression_of_interest"
            recorded = s.scalar(
                select(func.count()).where(
                    OnboardingRecord.city_id == city.id, OnboardingRecord.step == first
                )
            )
            assert whole.stage is None or recorded, city.slug
        _city, p = net.city_pipeline(s, "nairobi-ken")
        assert p.stage == "baseline_data"  # derived from the first published value
        assert p.date_of("baseline_data") == date.today()
        assert p.date_of("plan") is None
        assert p.states[5].recorded  # plan: derived from the planning domain
        assert p.states[5].on is None  # … and not reached: no approved plan


@pytest.mark.parametrize(
    ("steps", "bad", "needle"),
    [
        (
            [],
            ("agreement", "2024-05-10", {"authority": "X"}),
            "'expression_of_interest' must come first",
        ),
        (
            [("expression_of_interest", "2024-02-01", {})],
            ("agreement", "2024-01-10", {"authority": "X"}),
            "'expression_of_interest' is dated 2024-02-01",
        ),
        (
            [("expression_of_interest", "2024-02-01", {})],
            ("urban_lab", "2024-06-01", {"lab": "kenya-lab"}),
            "'agreement' must come first",
        ),
        ([], ("baseline_data", "2024-06-01", {}), "derived"),
        ([], ("expression_of_interest", "2024-02-30", {}), "not a date"),
        ([], ("no_such_step", "2024-02-01", {}), "unknown onboarding step"),
    ],
)
def test_out_of_order_or_bad_steps_are_refused_and_nothing_is_saved(
    sqlite_engine: Engine,
    steps: list[tuple[str, str, dict[str, str]]],
    bad: tuple[str, str, dict[str, str]],
    needle: str,
) -> None:
    _world(sqlite_engine)
    with transaction(sqlite_engine) as s:
        for step, on, kw in steps:
            net.record_step(s, "nairobi-ken", step, on, **kw)
    with pytest.raises(ValidationError) as err, transaction(sqlite_engine) as s:
        net.record_step(s, "nairobi-ken", bad[0], bad[1], **bad[2])
    assert needle in str(err.value) + " ".join(str(f) for f in err.value.findings)
    with transaction(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(OnboardingRecord)) == len(steps)
        assert s.scalar(select(func.count()).select_from(UrbanLabCity)) == 0


def test_a_step_is_not_typed_twice_and_hub_staff_record_only_their_cities(
    sqlite_engine: Engine,
) -> None:
    from sdgcities.accounts import hubs
    from sdgcities.accounts.users import create_user

    _world(sqlite_engine)
    with transaction(sqlite_engine) as s:
        net.record_step(s, "nairobi-ken", "expression_of_interest", "2024-02-01")
        with pytest.raises(ConflictError):
            net.record_step(s, "nairobi-ken", "expression_of_interest", "2024-02-02")
        staff = create_user(
            s,
            email="staff@hub.example",
            password="correct horse battery",
            role="regional_hub",
            region="Sub-Saharan Africa",
        )
        hubs.add_member(s, "east-africa", staff.id)
        hubs.add_city(s, "east-africa", "mombasa-ken")
        net.record_step(
            s, "mombasa-ken", "expression_of_interest", "2024-03-01", by=staff, check_rights=True
        )
        with pytest.raises(PermissionDeniedError):
            net.record_step(
                s,
                "nairobi-ken",
                "agreement",
                "2024-04-01",
                authority="X",
                by=staff,
                check_rights=True,
            )


def test_subscriptions_and_labs_validate_every_field(sqlite_engine: Engine) -> None:
    _world(sqlite_engine)
    with transaction(sqlite_engine) as s:
        with pytest.raises(ValidationError) as err:
            net.add_subscription(
                s,
                "east-africa",
                authority="",
                amount="-5",
                currency="usd1",
                start="2025-01-01",
                end="2024-12-31",
            )
        columns = {f.column for f in err.value.findings}
        assert columns == {"authority", "amount", "currency", "end"}
        sub = net.add_subscription(
            s,
            "east-africa",
            authority="Nairobi City County",
            amount="25000",
            currency="usd",
            start="2025-01-01",
            end="2025-12-31",
            paid_on="2025-02-15",
        )
        assert (sub.currency, sub.paid) == ("USD", True)
        h = net.hub_network(s, "east-africa")
        assert h.totals() == {"USD": {"total": 25000.0, "paid": 25000.0}}
        with pytest.raises(ValidationError) as err:
            net.add_lab(
                s,
                slug="Bad Slug",
                name="",
                kind="regional",
                country_iso3="KE",
                host_institution="",
                established_on="soon",
            )
        assert {f.column for f in err.value.findings} == {
            "slug",
            "name",
            "kind",
            "country",
            "host_institution",
            "established_on",
        }


def test_first_step_shortcut_off_when_another_domain_derives_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The city panel may skip a city without a first-step record only while that step is
    typed: once another domain registers its source, the shortcut says nothing."""
    assert ob.first_step_typed() == "expression_of_interest"
    monkeypatch.setitem(ob._SOURCES, "expression_of_interest", lambda session, ids: {})
    assert ob.first_step_typed() is None
