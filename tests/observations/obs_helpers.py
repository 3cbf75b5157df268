"""Helpers of the observations tests: a store with a few cities and indicators."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from sdgcities.store.db import transaction
from sdgcities.store.models import City, Indicator, Observation

CITIES = [
    # slug, name, iso3
    ("sao-paulo", "São Paulo", "BRA"),
    ("malaga", "Málaga", "ESP"),
    ("nairobi", "Nairobi", "KEN"),
    ("valencia-esp", "Valencia", "ESP"),
    ("valencia-ven", "Valencia", "VEN"),
]
INDICATORS = [
    # code, unit
    ("11.7.1", "%"),
    ("11.2.1", "%"),
    ("11.6.2", "µg/m³"),
    ("11.3.1", "ratio"),
]


def add_cities_and_indicators(engine: Engine) -> None:
    with transaction(engine) as s:
        for slug, name, iso3 in CITIES:
            s.add(City(slug=slug, name=name, country_iso3=iso3))
        for code, unit in INDICATORS:
            s.add(Indicator(code=code, name=f"Indicator {code}", framework="SDG", unit=unit))


def store_state(engine: Engine) -> tuple[int, int, str]:
    """(all observation rows, current rows, checksum of current values) of a store."""
    with transaction(engine) as s:
        n = s.scalar(select(func.count()).select_from(Observation)) or 0
        rows = s.execute(
            select(
                Observation.city_id,
                Observation.indicator_id,
                Observation.year,
                Observation.disaggregation,
                Observation.value,
                Observation.version,
            )
            .where(Observation.is_current.is_(True))
            .order_by(
                Observation.city_id,
                Observation.indicator_id,
                Observation.year,
                Observation.disaggregation,
            )
        ).all()
    digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return n, len(rows), digest


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def import_published(engine: Any, path: Any, **kw: Any) -> Any:
    """``import_observations`` as an admin tool publishing at once (imports land as drafts).

    These tests are about the import mechanics of published values.
    """
    from sdgcities.observations.importer import import_observations

    kw.setdefault("status", "published")
    return import_observations(engine, path, **kw)
