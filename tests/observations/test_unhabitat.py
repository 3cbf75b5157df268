"""The UN-Habitat Urban Indicators Database importer (SDG 11.7.1 table)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from sdgcities.observations.service import current_observations, provenance_of
from sdgcities.observations.unhabitat import import_unhabitat_table, slugify
from sdgcities.store.db import transaction
from sdgcities.store.models import City, Indicator
from tests.observations.obs_helpers import store_state


def test_sample_table_creates_cities_and_both_series(engine: Engine, fixtures_dir: Path) -> None:
    path = fixtures_dir / "observations" / "unhabitat_sample.xlsx"
    report = import_unhabitat_table(engine, path, user="hub")
    assert report.rows_read == 9
    assert report.details["aggregates_skipped"] == 1
    assert report.details["header_row"] == 3  # two title rows above the header
    assert (report.details["cities_created"], report.inserted) == (6, 15)
    with transaction(engine) as s:
        lomza = s.scalars(select(City).where(City.name == "Łomża")).one()
        assert (lomza.slug, lomza.country_iso3, lomza.country_m49) == ("lomza", "POL", "616")
        assert lomza.sdg_region == "Northern America and Europe"
        assert lomza.sdg_subregion == "Eastern Europe"
        assert s.scalars(select(City.country_iso3).where(City.name == "Nairobi")).one() == "KEN"
        codes = set(s.scalars(select(Indicator.code)))
        assert {"11.7.1", "11.7.1b"} <= codes
        df = current_observations(s, city_ids=[lomza.id])
        assert dict(zip(df.indicator, df.value.round(4), strict=True)) == {
            "11.7.1": 8.3924,
            "11.7.1b": 77.7988,
        }
        oslo = current_observations(s, indicator_codes=["11.7.1b"])
        oslo = oslo[oslo.city == "Oslo"]
        assert list(zip(oslo.year, oslo.value, strict=True)) == [
            (2018, 56.0),
            (2022, 56.00003758568361),
        ]
        prov = provenance_of(s, int(df.observation_id.iloc[0]))
        assert prov["provenance"]["city_code"] == "PL_LOMZA"
        assert prov["source"] == "Statistics Poland"
        assert prov["import"]["user"] == "hub"
    before = store_state(engine)
    again = import_unhabitat_table(engine, path)
    assert again.status == "unchanged"
    assert again.details["cities_matched"] == 6
    assert store_state(engine) == before


def test_existing_cities_are_matched_by_name_and_country(
    engine: Engine, fixtures_dir: Path
) -> None:
    with transaction(engine) as s:
        s.add(City(slug="nairobi-ke", name="Nairobi", country_iso3="KEN"))
        s.add(City(slug="oslo-us", name="Oslo", country_iso3="USA"))
    report = import_unhabitat_table(engine, fixtures_dir / "observations" / "unhabitat_sample.xlsx")
    assert (report.details["cities_matched"], report.details["cities_created"]) == (1, 5)
    with transaction(engine) as s:
        slugs = set(s.scalars(select(City.slug).where(City.name == "Oslo")))
        assert slugs == {"oslo-us", "oslo"}


def test_slugify() -> None:
    assert slugify("Łomża") == "lomza"
    assert slugify("Fredrikstad/Sarpsborg") == "fredrikstad-sarpsborg"
    assert slugify("Al-Kāf (Le Kef)") == "al-kaf-le-kef"


@pytest.mark.shared_data
def test_real_table_counts(sqlite_engine: Engine, shared_data: Path) -> None:
    path = shared_data / "benchmarks" / "unhabitat_sdg_11_7_1_2024.xlsx"
    report = import_unhabitat_table(sqlite_engine, path)
    # 1,394 data rows: 1,380 city rows + 14 regional/world aggregates
    assert report.rows_read == 1394
    assert report.details["city_rows"] == 1380
    assert report.details["aggregates_skipped"] == 14
    # 1,348 cities by city code (1,343 distinct names: some names recur in other countries)
    assert report.details["cities_created"] == 1348
    # 1,380 values [b] + 1,279 values [a] (101 rows have no [a])
    assert report.inserted == 2659
    with transaction(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(City)) == 1348
        assert s.scalar(select(func.count(func.distinct(City.name)))) == 1343
        df = current_observations(s)
        assert df.groupby("indicator").size().to_dict() == {"11.7.1": 1279, "11.7.1b": 1380}
        assert df.value.between(0, 100).all()
        assert df.city.nunique() == 1343
