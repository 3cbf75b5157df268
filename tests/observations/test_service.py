"""record_value, current_observations, history and provenance_of."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from sdgcities.errors import NotFoundError, ValidationError
from sdgcities.observations.disaggregation import canonical_key, parse_key
from sdgcities.observations.service import (
    CURRENT_COLUMNS,
    current_observation_page,
    current_observations,
    history,
    provenance_of,
    record_value,
    resolve_city,
)
from sdgcities.store.db import transaction
from sdgcities.store.models import City, Indicator


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


def test_a_page_of_current_values_is_the_slice_of_all_of_them_in_code_point_order(
    store: Engine,
) -> None:
    """current_observation_page (counted and cut by the database) against the whole
    DataFrame of current_observations, filtered and sorted in Python, at every offset:
    for the public, for every city's staff, for one city's editor; with slugs, codes and
    keys whose code-point order differs from a locale's ('-' before letters, capitals
    before small letters)."""
    check_pages(store)


@pytest.fixture
def icu_store() -> Iterator[Engine]:
    """A PostgreSQL store whose database sorts text by the en-US ICU locale."""
    from tests.conftest import _postgres_engine
    from tests.observations.obs_helpers import add_cities_and_indicators

    for engine in _postgres_engine(icu_locale="en-US"):
        add_cities_and_indicators(engine)
        yield engine


@pytest.mark.postgres
def test_pages_keep_code_point_order_on_a_database_sorting_by_a_locale(
    icu_store: Engine,
) -> None:
    """On a database collating en-US (small letters before capitals there), the pages are
    still in code-point order: the order of the pages on SQLite and of Python's sort."""
    with icu_store.connect() as conn:  # the database does sort otherwise
        assert conn.scalar(text("SELECT 'gen.1' < 'Gen.1'")) is True
    check_pages(icu_store)


def check_pages(store: Engine) -> None:
    """Every page of a store of mixed values against Python's slice of them all."""
    rnd = random.Random(7)
    with transaction(store) as s:
        for slug in ("a-c", "ab", "a-b-c"):
            s.add(City(slug=slug, name=f"City {slug}", country_iso3="KEN"))
        for code in ("GEN-2", "GEN2", "Gen.1", "gen.1"):
            s.add(Indicator(code=code, name=f"Indicator {code}", framework="SDG", unit="%"))
    with transaction(store) as s:
        cities = [c.id for c in s.scalars(select(City)).all()]
        codes = [i.code for i in s.scalars(select(Indicator)).all()]
        for city_id in cities:
            for code in rnd.sample(codes, 5):
                for year in (2019, 2020):
                    for key in ("", "sex=female", "age=15-24"):
                        if rnd.random() < 0.3:
                            continue
                        status = "draft" if rnd.random() < 0.25 else "published"
                        value = round(rnd.uniform(0, 100), 2)
                        at: dict[str, Any] = {"city_id": city_id, "indicator_code": code}
                        at |= {"year": year, "disaggregation": key}
                        record_value(s, **at, value=value, status=status)
                        if status == "published" and rnd.random() < 0.3:  # a correction waits
                            record_value(s, **at, value=value + 1, status="draft")
    one_city = cities[2]
    # filters of the pages checked: every kind the API offers
    filter_sets: list[dict[str, Any]] = [
        {},
        {"disaggregation": None},
        {"year": 2020, "disaggregation": None},
        {"city_ids": [one_city]},
        {"indicator_codes": ["GEN2", "gen.1"], "disaggregation": None},
        {"disaggregation": "sex=female"},
    ]
    with transaction(store) as s:
        checked = 0
        for draft_cities, public in ((None, False), ((), True), ({one_city}, False)):
            for filters in filter_sets:
                year_filter: int | None = filters.get("year")
                args: dict[str, Any] = {k: v for k, v in filters.items() if k != "year"}
                frame = current_observations(
                    s, draft_cities=draft_cities, published_only=public, **args
                )
                if year_filter is not None:
                    frame = frame[frame["year"] == year_filter]
                expected = sorted(
                    frame.to_dict("records"),
                    key=lambda r: (
                        r["city_slug"],
                        r["indicator"],
                        r["year"],
                        r["disaggregation"],
                        r["observation_id"],
                    ),
                )
                assert expected, filters
                for limit in (1, 4, 25, 1000):
                    for offset in range(0, len(expected) + 2, max(1, limit // 2)):
                        rows, total = current_observation_page(
                            s,
                            limit=limit,
                            offset=offset,
                            year=year_filter,
                            draft_cities=draft_cities,
                            public=public,
                            **args,
                        )
                        assert total == len(expected)
                        want = expected[offset : offset + limit]
                        assert [r["observation_id"] for r in rows] == [
                            r["observation_id"] for r in want
                        ], (draft_cities, filters, limit, offset)
                        checked += 1
                full, _ = current_observation_page(
                    s,
                    limit=10_000,
                    year=year_filter,
                    draft_cities=draft_cities,
                    public=public,
                    **args,
                )
                for got, want_row in zip(full, expected, strict=True):
                    assert got == {
                        k: (None if isinstance(v, float) and math.isnan(v) else v)
                        for k, v in want_row.items()
                    }
        assert checked > 500
        assert current_observation_page(s, limit=0)[0] == []


def test_the_public_values_of_a_year_are_counted_from_an_index(sqlite_engine: Engine) -> None:
    """``?year=`` for the public: the per-city count seeks ix_observations_public_year
    (year, is_public, city_id) and reads nothing else, instead of scanning the table;
    ``?city=`` still seeks the city's values in ix_observations_public, not every public
    value of the index (SQLite has no statistics to tell them apart)."""
    from tests.observations.obs_helpers import add_cities_and_indicators

    add_cities_and_indicators(sqlite_engine)
    with transaction(sqlite_engine) as s:
        city_id = int(s.scalars(select(City.id)).first() or 0)
        by_year = _count_plan(s, year=2020, disaggregation=None)
        by_city = _count_plan(s, city_ids=[city_id], disaggregation=None)
    assert "COVERING INDEX ix_observations_public_year (year=? AND is_public=?)" in by_year
    assert "ix_observations_public (city_id=?)" in by_city, by_city


def _count_plan(s: Any, **filters: Any) -> str:
    """SQLite's plan of the grouped count of a public :func:`current_observation_page`."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    engine = s.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        current_observation_page(s, limit=10, public=True, **filters)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, params = next((q, p) for q, p in seen if "count(" in q.lower())
    rows = s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
    return " ".join(str(row[-1]) for row in rows)
