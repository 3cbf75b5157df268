"""record_value, current_observations, history and provenance_of."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from sdgcities.errors import NotFoundError, ValidationError
from sdgcities.observations.disaggregation import canonical_key, parse_key
from sdgcities.observations.service import (
    CURRENT_COLUMNS,
    current_observations,
    history,
    provenance_of,
    record_value,
    resolve_city,
)
from sdgcities.store.db import transaction


def test_record_value_is_idempotent_and_versions_changes(store: Engine) -> None:
    with transaction(store) as s:
        city = resolve_city(s, "Nairobi").id
        first = record_value(
            s,
            city_id=city,
            indicator_code="11.6.2",
            year=2020,
            value=22.0,
            user="run",
            provenance={"method": "airquality 11.6.2-2021.1"},
        )
        same = record_value(
            s, city_id=city, indicator_code="11.6.2", year=2020, value=22.0, user="someone else"
        )
        assert same.id == first.id
        assert same.version == 1
    with transaction(store) as s:
        second = record_value(
            s,
            city_id=city,
            indicator_code="11.6.2",
            year=2020,
            value=20.0,
            user="ana",
            reason="new sensor data",
        )
        assert (second.version, second.is_current, second.unit) == (2, True, "µg/m³")
    with transaction(store) as s:
        versions = history(s, city=city, indicator="11.6.2", year=2020)
        assert [(o.version, o.value, o.is_current) for o in versions] == [
            (2, 20.0, True),
            (1, 22.0, False),
        ]
        prov = provenance_of(s, versions[1].id)
        assert prov["method"] == "airquality 11.6.2-2021.1"
        assert prov["import"] is None
        assert prov["created_by"] == "run"
        assert provenance_of(s, versions[0].id)["reason"] == "new sensor data"


def test_record_value_rejects_bad_input(store: Engine) -> None:
    with transaction(store) as s:
        city = resolve_city(s, "nairobi").id
        with pytest.raises(ValidationError, match="finite"):
            record_value(s, city_id=city, indicator_code="11.6.2", year=2020, value=float("nan"))
        with pytest.raises(ValidationError, match="year 1800"):
            record_value(s, city_id=city, indicator_code="11.6.2", year=1800, value=1.0)
        with pytest.raises(NotFoundError, match=r"11\.6\.2"):
            record_value(s, city_id=city, indicator_code="11.6.3", year=2020, value=1.0)
        with pytest.raises(NotFoundError):
            provenance_of(s, 123456)


def test_current_observations_columns_and_filters(store: Engine) -> None:
    with transaction(store) as s:
        nairobi = resolve_city(s, "nairobi").id
        malaga = resolve_city(s, "MÁLAGA").id
        record_value(s, city_id=nairobi, indicator_code="11.7.1", year=2020, value=10.0)
        record_value(
            s,
            city_id=nairobi,
            indicator_code="11.7.1",
            year=2020,
            value=12.0,
            disaggregation="sex=female",
        )
        record_value(
            s, city_id=malaga, indicator_code="11.2.1", year=2019, value=70.0, status="draft"
        )
        record_value(s, city_id=malaga, indicator_code="11.2.1", year=2020, value=72.0)
    with transaction(store) as s:
        df = current_observations(s)
        assert tuple(df.columns) == CURRENT_COLUMNS
        assert list(zip(df.city_slug, df.indicator, df.year, df.value, strict=True)) == [
            ("malaga", "11.2.1", 2019, 70.0),
            ("malaga", "11.2.1", 2020, 72.0),
            ("nairobi", "11.7.1", 2020, 10.0),
        ]
        assert str(df.year.dtype) == "int64"
        assert str(df.value.dtype) == "float64"
        assert len(current_observations(s, published_only=True)) == 2
        assert len(current_observations(s, disaggregation=None)) == 4
        female = current_observations(s, disaggregation="sex=Female")
        assert female.value.tolist() == [12.0]
        assert len(current_observations(s, city_ids=[nairobi], indicator_codes=["11.2.1"])) == 0
        assert current_observations(s, city_ids=[]).empty


def test_resolve_city_by_slug_id_and_name(store: Engine) -> None:
    with transaction(store) as s:
        sp = resolve_city(s, "sao-paulo")
        assert resolve_city(s, sp.id).id == sp.id
        assert resolve_city(s, "são paulo").id == sp.id
        with pytest.raises(NotFoundError, match="several cities"):
            resolve_city(s, "Valencia")
        with pytest.raises(NotFoundError, match="did you mean 'Nairobi'"):
            resolve_city(s, "Nairobbi")


def test_canonical_disaggregation_keys() -> None:
    assert canonical_key({"sex": "Female", "age": "15-24"}) == "age=15-24|sex=female"
    assert canonical_key("sex=male|age=total") == "sex=male"
    assert canonical_key({"Migrant Status": "migrant", "sex": ""}) == "migrant_status=migrant"
    assert canonical_key("Total") == canonical_key(None) == ""
    assert parse_key("age=15-24|sex=female") == {"age": "15-24", "sex": "female"}
    with pytest.raises(ValueError, match="dimension=value"):
        canonical_key("female")
    with pytest.raises(ValueError, match="twice"):
        canonical_key("sex=male|sex=female")
