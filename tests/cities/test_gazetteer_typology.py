"""Gazetteer search, UN size classes and country facts (real GeoNames and country data)."""

from __future__ import annotations

import pytest

from sdgcities.cities.gazetteer import (
    gazetteer_size,
    get_gazetteer_entry,
    normalise,
    search_gazetteer,
)
from sdgcities.cities.typology import all_countries, country_info, size_class, size_class_label
from sdgcities.errors import NotFoundError


def test_porto_alegre() -> None:
    top = search_gazetteer("porto alegre")[0]
    assert (top.name, top.country_iso2, top.country_iso3, top.geonameid) == (
        "Porto Alegre",
        "BR",
        "BRA",
        3452925,
    )
    assert top.population > 1_000_000
    assert top.lat == pytest.approx(-30.03, abs=0.05)
    assert top.lon == pytest.approx(-51.23, abs=0.05)


@pytest.mark.parametrize("query", ["São Paulo", "sao paulo", "SAO-PAULO", "  são   paulo "])
def test_accent_and_case_insensitive(query: str) -> None:
    top = search_gazetteer(query, limit=3)[0]
    assert top.name == "São Paulo"
    assert top.country_iso3 == "BRA"


def test_prefix_and_country_filter() -> None:
    names = [e.name for e in search_gazetteer("porto al", limit=5)]
    assert names[0] == "Porto Alegre"
    hel = search_gazetteer("helsin", limit=5)
    assert hel[0].name == "Helsinki"
    assert hel[0].country_iso3 == "FIN"
    assert all(e.name.startswith("Helsin") or e.country_iso3 for e in hel)
    palmas = search_gazetteer("las palmas", country="ESP")
    assert [e.name for e in palmas] == ["Las Palmas de Gran Canaria"]
    assert all(e.country_iso3 == "FRA" for e in search_gazetteer("paris", country="FR"))
    # exact names beat bigger cities that merely start with the query
    assert search_gazetteer("york", limit=1)[0].name == "York"


def test_ranking_by_population_and_limits() -> None:
    paris = search_gazetteer("paris", limit=3)
    assert paris[0].country_iso3 == "FRA"
    assert len(search_gazetteer("san", limit=7)) == 7
    assert search_gazetteer("", limit=5) == []
    assert search_gazetteer("zzqxq") == []
    assert gazetteer_size() > 30_000
    assert get_gazetteer_entry(658225) is not None
    assert get_gazetteer_entry(1) is None


def test_normalise() -> None:
    assert normalise("São-Paulo") == "sao paulo"
    assert normalise("Kraków") == "krakow"
    assert normalise("Łódź") == "lodz"


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (None, None),
        (float("nan"), None),
        (0, "under-300k"),
        (299_999, "under-300k"),
        (300_000, "300k-500k"),
        (499_999.9, "300k-500k"),
        (500_000, "500k-1m"),
        (999_999, "500k-1m"),
        (1_000_000, "1m-5m"),
        (4_999_999, "1m-5m"),
        (5_000_000, "5m-10m"),
        (9_999_999, "5m-10m"),
        (10_000_000, "10m-plus"),
        (37_000_000, "10m-plus"),
    ],
)
def test_size_class_boundaries(population: float | None, expected: str | None) -> None:
    assert size_class(population) == expected


def test_size_class_labels() -> None:
    assert size_class_label("500k-1m") == "0.5–1 M"
    assert size_class_label("10m-plus") == "≥ 10 M"


@pytest.mark.parametrize(
    ("key", "iso3", "m49", "region", "subregion", "income"),
    [
        ("BRA", "BRA", "076", "Latin America and the Caribbean", "South America",
         "Upper middle income"),
        ("esp", "ESP", "724", "Northern America and Europe", "Southern Europe", "High income"),
        ("246", "FIN", "246", "Northern America and Europe", "Northern Europe", "High income"),
        (76, "BRA", "076", "Latin America and the Caribbean", "South America",
         "Upper middle income"),
        ("FI", "FIN", "246", "Northern America and Europe", "Northern Europe", "High income"),
    ],
)  # fmt: skip
def test_country_info(
    key: str | int, iso3: str, m49: str, region: str, subregion: str, income: str
) -> None:
    info = country_info(key)
    assert (info.iso3, info.m49, info.sdg_region, info.sdg_subregion, info.income_group) == (
        iso3,
        m49,
        region,
        subregion,
        income,
    )
    assert info.sdg_region_source == "unhabitat_2024"


def test_country_table_shape() -> None:
    countries = all_countries()
    assert len(countries) == 250  # ISO 3166-1 (249) and Kosovo, which GeoNames lists
    kosovo = country_info("XKX")
    assert (kosovo.iso2, kosovo.m49, kosovo.sdg_subregion) == ("XK", "", "Southern Europe")
    assert country_info("XK") is kosovo
    assert sum(c.sdg_region_source == "unhabitat_2024" for c in countries) == 185
    regions = {c.sdg_region for c in countries if c.sdg_region}
    assert len(regions) == 8
    assert {c.income_group for c in countries} <= {
        "",
        "High income",
        "Upper middle income",
        "Lower middle income",
        "Low income",
    }
    assert country_info("Brazil").iso3 == "BRA"
    with pytest.raises(NotFoundError, match="ISO 3166 alpha-3"):
        country_info("XYZ")
