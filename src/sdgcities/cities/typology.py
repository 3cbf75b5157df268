"""City typology: UN city-size classes and country facts (M49, SDG region, income group).

The country table ``cities/data/countries.csv`` ships with the package (see the README
beside it for its sources and licences; ``scripts/make_country_table.py`` regenerates it).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sdgcities.errors import NotFoundError

#: (code, label, lower bound inclusive, upper bound exclusive) — UN DESA World
#: Urbanization Prospects city-size classes
SIZE_CLASSES: tuple[tuple[str, str, float, float], ...] = (
    ("under-300k", "< 300 k", 0.0, 300_000.0),
    ("300k-500k", "300–500 k", 300_000.0, 500_000.0),
    ("500k-1m", "0.5–1 M", 500_000.0, 1_000_000.0),
    ("1m-5m", "1–5 M", 1_000_000.0, 5_000_000.0),
    ("5m-10m", "5–10 M", 5_000_000.0, 10_000_000.0),
    ("10m-plus", "≥ 10 M", 10_000_000.0, float("inf")),
)
SIZE_CLASS_SOURCE = "UN DESA World Urbanization Prospects city-size classes"
SDG_REGION_SOURCE = {
    "unhabitat_2024": "UN-Habitat Urban Indicators Database, SDG 11.7.1 table (2024 edition)",
    "m49_rule": "UN M49 sub-region mapped to the SDG regional groupings",
}
SDG_REGION_AS_OF = "2024"
#: the income classification shipped in hdx-python-country 4.2.5 (see data/README.md)
INCOME_GROUP_SOURCE = (
    "World Bank income classification as in the UN OCHA HDX Countries & Territories "
    "Taxonomy (hdx-python-country 4.2.5)"
)
INCOME_GROUP_AS_OF = "FY2024"


def size_class(population: float | None) -> str | None:
    """The UN city-size class of a population, or ``None`` when it is unknown.

    Classes (lower bound inclusive): ``under-300k`` (< 300,000), ``300k-500k``,
    ``500k-1m``, ``1m-5m``, ``5m-10m``, ``10m-plus`` (≥ 10 million).

    >>> size_class(299_999), size_class(300_000), size_class(10_000_000)
    ('under-300k', '300k-500k', '10m-plus')
    """
    if population is None or population != population or population < 0:
        return None
    for code, _label, low, high in SIZE_CLASSES:
        if low <= population < high:
            return code
    return None


def size_class_sql(population: Any) -> Any:
    """:func:`size_class` as a SQL ``CASE`` over a population column (same classes).

    NULL for a NULL or negative population, as :func:`size_class` gives ``None``.
    """
    from sqlalchemy import case

    whens = []
    for code, _label, low, high in SIZE_CLASSES:
        cond = population >= low
        if high != float("inf"):
            cond = cond & (population < high)
        whens.append((cond, code))
    return case(*whens, else_=None)


def size_class_label(code: str) -> str:
    """The printed label of a size-class code, e.g. ``"500k-1m"`` → ``"0.5–1 M"``."""
    for c, label, _low, _high in SIZE_CLASSES:
        if c == code:
            return label
    return code


@dataclass(frozen=True)
class CountryInfo:
    """Facts about a country; empty strings where the shipped table has no value."""

    iso3: str
    m49: str
    name: str
    sdg_region: str
    sdg_subregion: str
    income_group: str
    iso2: str = ""
    sdg_region_code: str = ""
    sdg_region_source: str = ""


@lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, CountryInfo], ...]:
    path = resources.files("sdgcities.cities") / "data" / "countries.csv"
    by_iso3: dict[str, CountryInfo] = {}
    by_m49: dict[str, CountryInfo] = {}
    by_iso2: dict[str, CountryInfo] = {}
    by_name: dict[str, CountryInfo] = {}
    for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
        info = CountryInfo(
            iso3=row["iso3"],
            m49=row["m49"],
            name=row["name"],
            sdg_region=row["sdg_region"],
            sdg_subregion=row["sdg_subregion"],
            income_group=row["income_group"],
            iso2=row["iso2"],
            sdg_region_code=row["sdg_region_code"],
            sdg_region_source=row["sdg_region_source"],
        )
        by_iso3[info.iso3] = info
        if info.m49:
            by_m49[info.m49] = info
        by_iso2[info.iso2] = info
        by_name[info.name.casefold()] = info
    return by_iso3, by_m49, by_iso2, by_name


def all_countries() -> list[CountryInfo]:
    """Every country of the shipped table, by ISO 3166 alpha-3 code."""
    return sorted(_countries()[0].values(), key=lambda c: c.iso3)


def country_info(iso3_or_m49: str | int) -> CountryInfo:
    """Facts about a country given its ISO alpha-3 code or UN M49 code.

    ISO alpha-2 codes and exact English short names are accepted too.
    Raises :class:`NotFoundError` naming close codes when nothing matches.
    """
    by_iso3, by_m49, by_iso2, by_name = _countries()
    key = str(iso3_or_m49).strip()
    if key.isdigit():
        found = by_m49.get(f"{int(key):03d}")
    elif len(key) == 3:
        found = by_iso3.get(key.upper())
    elif len(key) == 2:
        found = by_iso2.get(key.upper())
    else:
        found = by_name.get(key.casefold())
    if found is None:
        found = by_name.get(key.casefold())
    if found is None:
        raise NotFoundError(
            f"unknown country {key!r}: give an ISO 3166 alpha-3 code (e.g. BRA) or a UN M49 "
            "code (e.g. 076)"
        )
    return found
